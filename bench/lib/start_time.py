#!/usr/bin/python3
"""Time from starting a proxy process to the first byte relayed through it.

For each run: fork/exec COMMAND, then connect to ECHO_PORT over and over (every 2 ms) until a
session carries a startup message to the echo backend and its first byte back (a startup message,
since patroxy reads a client's first packet whole before it connects to a server). A proxy that is
not ready yet refuses the connection or closes it at once; both mean "try again". Then, if PG_PORT
is given, the same against PostgreSQL through the proxy: an SSLRequest answered with 'N' or 'S' (8 bytes there, one
back, no authentication), which for patroxy also waits for its first Patroni check. Then the
process gets SIGTERM and is waited for before the next run.

usage: start_time.py RUNS ECHO_PORT PG_PORT|- -- COMMAND...
Prints one JSON object: echo_ms and pg_ms, one value per run.
"""
import json
import signal
import socket
import struct
import subprocess
import sys
import time

HOST = "127.0.0.1"
GIVE_UP = 30.0
SSL_REQUEST = struct.pack("!ii", 8, 80877103)
STARTUP_PARAMETERS = b"user\0bench\0\0"
STARTUP = struct.pack("!ii", 8 + len(STARTUP_PARAMETERS), 3 << 16) + STARTUP_PARAMETERS


def relayed(port: int, payload: bytes, answers: tuple) -> bool:
    """One attempt: connect, send payload, true if the first byte back is one of answers."""
    try:
        with socket.create_connection((HOST, port), timeout=1.0) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(payload)
            return s.recv(1) in answers
    except OSError:
        return False


def wait_relayed(proc, started, port, payload, answers) -> float:
    while time.monotonic() - started < GIVE_UP:
        if relayed(port, payload, answers):
            return (time.monotonic() - started) * 1000.0
        if proc.poll() is not None:
            raise RuntimeError(f"the proxy exited with status {proc.returncode} before relaying")
        time.sleep(0.002)
    raise RuntimeError(f"nothing relayed on port {port} after {GIVE_UP:.0f} s")


def stop(proc) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main() -> None:
    if len(sys.argv) < 6 or sys.argv[4] != "--":
        sys.exit(__doc__)
    runs, echo_port = int(sys.argv[1]), int(sys.argv[2])
    pg_port = None if sys.argv[3] == "-" else int(sys.argv[3])
    command = sys.argv[5:]
    # bench/run stops this helper with SIGTERM on Ctrl-C or failure: unwind so the proxy is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    result = {"echo_ms": [], "pg_ms": []}
    for _ in range(runs):
        started = time.monotonic()
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            result["echo_ms"].append(round(wait_relayed(proc, started, echo_port, STARTUP, (STARTUP[:1],)), 1))
            if pg_port is not None:
                result["pg_ms"].append(round(wait_relayed(proc, started, pg_port, SSL_REQUEST, (b"N", b"S")), 1))
        finally:
            stop(proc)
        time.sleep(0.5)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
