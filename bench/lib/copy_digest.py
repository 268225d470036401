#!/usr/bin/python3
"""Checksum of a COPY text-format file, computed the same way bench/run computes it in SQL.

Per row (the line without its newline): the first 15 hex digits of its md5, as a number; the
digest is the row count, the sum of those numbers and the byte count. In SQL:
  count(*), sum(('x' || left(md5(id || E'\\t' || payload), 15))::bit(60)::bigint), sum(...)
A lost, duplicated, truncated or altered row changes the sum; comparing it with the server's
catches corruption anywhere in the stream without holding 1 GB in one string on either side.
With --sequential, row N must also start with N zero-padded to 10 digits (the order COPY TO sent).

usage: copy_digest.py [--sequential] FILE
Prints: ROWS SUM BYTES
"""
import hashlib
import sys


def main() -> None:
    args = sys.argv[1:]
    sequential = bool(args) and args[0] == "--sequential"
    if sequential:
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    rows = total = size = 0
    md5 = hashlib.md5
    with open(args[0], "rb", buffering=1 << 20) as f:
        for line in f:
            size += len(line)
            if not line.endswith(b"\n"):
                sys.exit(f"{args[0]}: row {rows + 1} has no newline (truncated stream)")
            row = line[:-1]
            rows += 1
            if sequential and row[:10] != b"%010d" % rows:
                sys.exit(f"{args[0]}: row {rows} starts with {row[:10]!r}: rows lost or out of order")
            total += int(md5(row).hexdigest()[:15], 16)
    print(rows, total, size)


if __name__ == "__main__":
    main()
