#!/usr/bin/python3
"""Where a patroxy JFR recording says the time goes: hot frames, categories, allocation, GC, locks.

usage: jfr_top.py RECORDING.jfr [TOP]
Runs `jfr print` (text format) on the recording and aggregates:
  - jdk.ExecutionSample (threads running Java code): per thread, top self frames, top inclusive
    frames, and a category per sample (syscall, allocation, patroxy's code, Netty, JDK...);
  - jdk.NativeMethodSample (threads inside a native method: Netty's epoll/read/write JNI calls);
  - jdk.ObjectAllocationSample: allocation weight by class and by allocating frame;
  - jdk.GarbageCollection, jdk.JavaMonitorEnter, jdk.ThreadPark: counts and total time.
"""
import collections
import re
import subprocess
import sys

EVENTS = ("jdk.ExecutionSample,jdk.NativeMethodSample,jdk.ObjectAllocationSample,"
          "jdk.GarbageCollection,jdk.JavaMonitorEnter,jdk.ThreadPark")
FRAME = re.compile(r"^\s+(\S.*?)(?:\s+line: \d+)?$")
SIZE = re.compile(r"^([\d.]+) (bytes|kB|MB|GB)$")
UNITS = {"bytes": 1, "kB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}
DURATION = re.compile(r"^([\d.]+) (ns|us|ms|s)$")
SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def events(recording):
    """Yields (type, fields, frames) for each event printed by `jfr print`."""
    text = subprocess.run(["jfr", "print", "--events", EVENTS, "--stack-depth", "48", recording],
                          check=True, capture_output=True, text=True).stdout
    kind, fields, frames, in_stack = None, {}, [], False
    for line in text.splitlines():
        if kind is None:
            if line.endswith(" {") and not line.startswith(" "):
                kind, fields, frames, in_stack = line[:-2], {}, [], False
            continue
        if line == "}":
            yield kind, fields, frames
            kind = None
        elif in_stack:
            if line.strip() == "]":
                in_stack = False
            elif line.strip() != "...":
                m = FRAME.match(line)
                if m:
                    frames.append(m.group(1))
        elif line.strip() == "stackTrace = [":
            in_stack = True
        elif " = " in line:
            key, value = line.strip().split(" = ", 1)
            fields[key] = value


def method(frame):
    """io.netty.Foo.bar(int, long) -> io.netty.Foo.bar"""
    return frame.split("(", 1)[0]


def thread_group(value):
    """'"multiThreadIoEventLoopGroup-3-2" (javaThreadId = 20)' -> multiThreadIoEventLoopGroup-3-*"""
    name = value.split('"')[1] if '"' in value else value
    return re.sub(r"\d+$", "*", name)


# First matching rule wins, walking the stack from the leaf up: a sample is charged to the innermost
# thing we can name.
CATEGORIES = (
    ("syscall: write/writev/sendmsg", re.compile(r"epoll\.(Native|LinuxSocket)\.\w*(write|send)|unix\.(Socket|FileDescriptor)\.\w*(write|send)", re.I)),
    ("syscall: read/recv", re.compile(r"epoll\.(Native|LinuxSocket)\.\w*(read|recv)|unix\.(Socket|FileDescriptor)\.\w*(read|recv)", re.I)),
    ("syscall: epoll_wait/ctl", re.compile(r"epoll\.Native\.epoll")),
    ("syscall: other native", re.compile(r"^io\.netty\.channel\.(epoll|unix)\.\w+\.\w+0$")),
    ("buffer allocation/release", re.compile(r"io\.netty\.buffer\.(\w*Allocator|PoolArena|PoolThreadCache|AdaptivePoolingAllocator|\w*ByteBuf\.(deallocate|release|allocate))|io\.netty\.util\.Recycler|ReferenceCountUpdater")),
    ("logging", re.compile(r"^(org\.slf4j|ch\.qos\.logback)\.")),
    ("patroxy", re.compile(r"^dev\.patroxy\.")),
    ("netty: pipeline/handlers", re.compile(r"^io\.netty\.channel\.(AbstractChannelHandlerContext|DefaultChannelPipeline|ChannelOutboundBuffer|ChannelInboundHandlerAdapter)")),
    ("netty: epoll channel", re.compile(r"^io\.netty\.channel\.(epoll|unix)\.")),
    ("netty: buffers", re.compile(r"^io\.netty\.buffer\.")),
    ("netty: event loop/tasks", re.compile(r"^io\.netty\.(util\.concurrent|channel\.SingleThreadIoEventLoop|channel\.\w*EventLoop)")),
    ("netty: other", re.compile(r"^io\.netty\.")),
    ("JDK", re.compile(r"^(java|javax|jdk|sun)\.")),
)


def category(frames):
    for frame in frames:
        for name, rule in CATEGORIES:
            if rule.search(method(frame)):
                return name
    return "other"


def pct(n, total):
    return f"{100.0 * n / total:5.1f}%" if total else "   - "


def table(title, counter, total, top):
    print(f"\n{title}")
    for key, n in counter.most_common(top):
        print(f"  {pct(n, total)}  {n:6d}  {key}")


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    top = int(sys.argv[2]) if len(sys.argv) == 3 else 25
    exec_threads, exec_self, exec_incl, exec_cat = (collections.Counter() for _ in range(4))
    native_threads, native_self, native_cat = (collections.Counter() for _ in range(3))
    alloc_class, alloc_site, alloc_cat = (collections.Counter() for _ in range(3))
    waits = collections.defaultdict(lambda: [0, 0.0])
    for kind, fields, frames in events(sys.argv[1]):
        if kind == "jdk.ExecutionSample" and frames:
            exec_threads[thread_group(fields.get("sampledThread", "?"))] += 1
            exec_self[method(frames[0])] += 1
            for m in {method(f) for f in frames}:
                exec_incl[m] += 1
            exec_cat[category(frames)] += 1
        elif kind == "jdk.NativeMethodSample" and frames:
            native_threads[thread_group(fields.get("sampledThread", "?"))] += 1
            native_self[method(frames[0])] += 1
            native_cat[category(frames)] += 1
        elif kind == "jdk.ObjectAllocationSample":
            m = SIZE.match(fields.get("weight", ""))
            weight = float(m.group(1)) * UNITS[m.group(2)] if m else 0.0
            alloc_class[fields.get("objectClass", "?").split(" (")[0]] += weight
            # the first frame outside the allocation machinery itself says who allocates
            site = next((method(f) for f in frames if not re.match(r"^(io\.netty\.(buffer|util\.(Recycler|internal))|java\.(nio|lang\.invoke)|jdk\.internal)", f)),
                        method(frames[0]) if frames else "?")
            alloc_site[site] += weight
            alloc_cat[category(frames)] += weight
        elif kind in ("jdk.GarbageCollection", "jdk.JavaMonitorEnter", "jdk.ThreadPark"):
            m = DURATION.match(fields.get("sumOfPauses" if kind == "jdk.GarbageCollection" else "duration", ""))
            waits[kind][0] += 1
            waits[kind][1] += float(m.group(1)) * SECONDS[m.group(2)] if m else 0.0

    total = sum(exec_threads.values())
    print(f"== jdk.ExecutionSample: {total} samples of threads running Java code")
    table("by thread:", exec_threads, total, top)
    table("by category (innermost frame that names one):", exec_cat, total, top)
    table("top self frames:", exec_self, total, top)
    table("top inclusive frames (on the stack):", exec_incl, total, top)

    ntotal = sum(native_threads.values())
    print(f"\n== jdk.NativeMethodSample: {ntotal} samples of threads inside a native method")
    table("by thread:", native_threads, ntotal, top)
    table("by category:", native_cat, ntotal, top)
    table("top native frames:", native_self, ntotal, top)

    atotal = sum(alloc_class.values())
    print(f"\n== jdk.ObjectAllocationSample: {atotal / 1024 ** 2:.0f} MB sampled allocation weight")
    for title, counter in (("by class:", alloc_class), ("by allocating frame:", alloc_site), ("by category:", alloc_cat)):
        print(f"\n{title}")
        for key, w in counter.most_common(top // 2):
            print(f"  {pct(w, atotal)}  {w / 1024 ** 2:9.1f} MB  {key}")

    print("\n== pauses and waits")
    for kind, (n, secs) in sorted(waits.items()):
        label = {"jdk.GarbageCollection": "GC pauses", "jdk.JavaMonitorEnter": "contended monitor enters (>10 ms)",
                 "jdk.ThreadPark": "thread parks (>10 ms)"}[kind]
        print(f"  {label}: {n}, {secs * 1000:.1f} ms in total")


if __name__ == "__main__":
    main()
