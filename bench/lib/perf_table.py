#!/usr/bin/python3
"""Per-transaction costs of each proxy from `perf stat -x,` output: CPU time, syscalls, context switches.

usage: perf_table.py NAME TRANSACTIONS:CSV[,TRANSACTIONS:CSV...] [NAME ...]
Each CSV is `perf stat -x,` output (or lines in the same format, e.g. "812.0,msec,user-time" from
/proc/PID/stat) for a run that completed TRANSACTIONS transactions. Prints a Markdown table, one row per
counter, one column per NAME (the counter divided by its run's transactions), then the ratio of the last
NAME to the first.
"""
import sys

LABELS = {
    "task-clock": "CPU time, µs",
    "context-switches": "context switches",
    "raw_syscalls:sys_enter": "syscalls, all",
    "user-time": "CPU time in user space, µs",
    "system-time": "CPU time in the kernel, µs",
}
ORDER = ("task-clock", "user-time", "system-time", "context-switches", "raw_syscalls:sys_enter")


def read(path):
    counts = {}
    with open(path) as f:
        for line in f:
            parts = line.strip().split(",")
            if len(parts) < 3 or line.startswith("#") or not parts[0].replace(".", "", 1).isdigit():
                continue
            value, unit, event = float(parts[0]), parts[1], parts[2]
            counts[event] = value * 1000.0 if unit == "msec" else value  # times: ms -> µs
    return counts


def main():
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit(__doc__)
    runs = []
    for i in range(0, len(args), 2):
        per_tx = {}
        for part in args[i + 1].split(","):
            tx, path = part.split(":", 1)
            for event, value in read(path).items():
                per_tx[event] = value / float(tx) if float(tx) else 0.0
        runs.append((args[i], per_tx))
    seen = list(dict.fromkeys(e for _, c in runs for e in c))
    events = [e for e in ORDER if e in seen] + [e for e in seen if e not in ORDER]
    names = [n for n, _ in runs]
    print("| per transaction | " + " | ".join(names) + f" | {names[-1]}/{names[0]} |")
    print("|---|" + "---:|" * (len(runs) + 1))
    for event in events:
        per_tx = [c.get(event, 0.0) for _, c in runs]
        if max(per_tx) < 0.005:  # syscalls that happen once in hundreds of transactions say nothing here
            continue
        label = LABELS.get(event, event.replace("syscalls:sys_enter_", "syscall "))
        ratio = f"{per_tx[-1] / per_tx[0]:.2f}" if per_tx[0] else "—"
        print(f"| {label} | " + " | ".join(f"{v:.2f}" for v in per_tx) + f" | {ratio} |")


if __name__ == "__main__":
    main()
