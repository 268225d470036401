#!/usr/bin/python3
"""Renders bench/run's measurements as one Markdown table of medians and ratios.

usage: report.py RESULTS_TSV [--details]
RESULTS_TSV has one measurement per line: METRIC <tab> PATH <tab> VALUE, PATH one of direct,
haproxy, patroxy. Prints the table (and with --details, every single value underneath).
"""
import statistics
import sys

PATHS = ("direct", "haproxy", "patroxy")
# key, label, unit, decimals, which way is better
METRICS = (
    ("ro_tps", "select-only `-S -c 8 -j 2`: TPS", "tx/s", 0, "higher"),
    ("ro_lat_avg", "select-only: average latency", "ms", 3, "lower"),
    ("ro_lat_p99", "select-only: p99 latency", "ms", 3, "lower"),
    ("tpcb_tps", "TPC-B `-c 8 -j 2`: TPS", "tx/s", 0, "higher"),
    ("tpcb_lat_avg", "TPC-B: average latency", "ms", 3, "lower"),
    ("tpcb_lat_p99", "TPC-B: p99 latency", "ms", 3, "lower"),
    ("conn_tps", "connection-heavy `-S -C -c 8 -j 2`: TPS", "tx/s", 0, "higher"),
    ("conn_time", "connection-heavy: average connection time", "ms", 3, "lower"),
    ("copy_out", "`COPY ... TO STDOUT`", "MB/s", 0, "higher"),
    ("copy_in", "`COPY ... FROM STDIN`", "MB/s", 0, "higher"),
    ("rss_idle", "proxy RSS at idle", "MiB", 1, "lower"),
    ("rss_session", "RSS per idle session", "KiB", 2, "lower"),
    ("start_echo", "start to first byte relayed (no check)", "ms", 0, "lower"),
    ("start_pg", "start to first byte from the primary (Patroni check)", "ms", 0, "lower"),
)


def fmt(value, decimals):
    return "—" if value is None else f"{value:,.{decimals}f}"


def ratio(a, b):
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def main() -> None:
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    values = {}
    with open(sys.argv[1]) as f:
        for line in f:
            if line.strip():
                metric, path, value = line.rstrip("\n").split("\t")
                values.setdefault((metric, path), []).append(float(value))
    print("| metric | unit | better | direct | HAProxy | patroxy | patroxy/HAProxy | patroxy/direct |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for key, label, unit, decimals, better in METRICS:
        med = {p: statistics.median(values[(key, p)]) if (key, p) in values else None for p in PATHS}
        if all(v is None for v in med.values()):
            continue
        print(f"| {label} | {unit} | {better} | {fmt(med['direct'], decimals)} | {fmt(med['haproxy'], decimals)} "
              f"| {fmt(med['patroxy'], decimals)} | {ratio(med['patroxy'], med['haproxy'])} "
              f"| {ratio(med['patroxy'], med['direct'])} |")
    if len(sys.argv) == 3 and sys.argv[2] == "--details":
        print()
        print("Every run (in the order measured):")
        print()
        for key, label, unit, decimals, _ in METRICS:
            runs = [f"{p} " + ", ".join(fmt(v, decimals) for v in values[(key, p)])
                    for p in PATHS if (key, p) in values]
            if runs:
                print(f"- {label} ({unit}): " + "; ".join(runs))


if __name__ == "__main__":
    main()
