#!/usr/bin/python3
"""Opens N idle sessions through a proxy and reports the proxy's resident memory before and after.

Each session connects, sends a PostgreSQL startup message (patroxy reads a client's first packet
before it connects to a server) and waits for it to come back from the echo backend, so it is
relayed end to end (the proxy holds both its client and its server socket) before it goes idle.
Once every session is up and SETTLE seconds have passed, the proxy's VmRSS is read again; then
all sessions are closed.

usage: idle_sessions.py HOST PORT COUNT PROXY_PID [SETTLE_SECONDS]
Prints one JSON object: sessions, failed, rss_before_kb, rss_after_kb, open_seconds.
"""
import asyncio
import json
import resource
import sys
import time

CONCURRENCY = 200  # connects in flight at once: fast, without overrunning accept backlogs
IO_TIMEOUT = 30.0
PARAMETERS = b"user\0bench\0\0"
STARTUP = (8 + len(PARAMETERS)).to_bytes(4, "big") + (3 << 16).to_bytes(4, "big") + PARAMETERS


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def open_session(host, port, gate, sessions, errors):
    async with gate:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), IO_TIMEOUT)
            writer.write(STARTUP)
            echoed = await asyncio.wait_for(reader.readexactly(len(STARTUP)), IO_TIMEOUT)
            if echoed != STARTUP:
                raise RuntimeError(f"echo returned {echoed!r}")
            sessions.append(writer)
        except Exception as e:  # noqa: BLE001 - any failure is counted and reported, not fatal
            errors.append(repr(e))


async def main(host, port, count, pid, settle):
    # Each session is one descriptor here; the soft limit is often below the hard one.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    before = rss_kb(pid)
    sessions, errors = [], []
    gate = asyncio.Semaphore(CONCURRENCY)
    started = time.monotonic()
    await asyncio.gather(*(open_session(host, port, gate, sessions, errors) for _ in range(count)))
    opened = time.monotonic() - started
    await asyncio.sleep(settle)
    after = rss_kb(pid)
    for writer in sessions:
        writer.close()
    print(json.dumps({
        "sessions": len(sessions), "failed": len(errors), "first_error": errors[0] if errors else None,
        "rss_before_kb": before, "rss_after_kb": after, "open_seconds": round(opened, 2),
    }), flush=True)
    await asyncio.sleep(0.5)  # let the FINs go out before the process exits


if __name__ == "__main__":
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
                     float(sys.argv[5]) if len(sys.argv) == 6 else 3.0))
