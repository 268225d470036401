#!/usr/bin/python3
"""A trivial TCP backend for bench/run: echoes what it reads and holds every connection open.

The idle-session and start-time measurements need a server that costs the proxy nothing but a
socket: it accepts any number of clients, answers each byte with the same byte (so a client can
prove its session is relayed end to end) and never closes first.

usage: echo_server.py HOST PORT
Prints "listening" once bound, then serves until SIGTERM/SIGINT.
"""
import asyncio
import resource
import signal
import sys


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main(host: str, port: int) -> None:
    # One descriptor per held session: lift the soft limit to the hard one.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # backlog well above the default 100: the clients connect in bursts of hundreds.
    server = await asyncio.start_server(handle, host, port, backlog=4096, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("listening", flush=True)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
