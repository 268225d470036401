#!/usr/bin/python3
"""Renders bench/failover's runs as Markdown: one table (medians over repetitions), then what happened in
each run and the failure kinds seen.

usage: failover_report.py RAW_DIR
RAW_DIR holds one directory per scenario run (NN-SCENARIO-REP/), each with `meta` (key=value),
`attempts.csv.gz` (FailoverProbe's rows) and `stored.csv` (via,seq of the rows the cluster kept).
"""
import collections
import csv
import gzip
import os
import statistics
import sys

PROXIES = (
    ("patroxy", "patroxy"),
    ("haproxy", "HAProxy, Patroni's checks"),
    ("haproxy-tuned", "HAProxy, inter 1s fall 2 rise 1"),
)


def load(run_dir):
    meta = {}
    with open(os.path.join(run_dir, "meta")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    rows = []
    with gzip.open(os.path.join(run_dir, "attempts.csv.gz"), "rt") as f:
        for r in csv.DictReader(f):
            r["start"] = int(r["start_us"])
            r["end"] = int(r["end_us"])
            r["seq"] = int(r["seq"])
            rows.append(r)
    stored = None
    path = os.path.join(run_dir, "stored.csv")
    if os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path) as f:
            stored = {(via, int(seq)) for via, seq in csv.reader(f)}
    return meta, rows, stored


def longest_gap(ends, t0, stop):
    """Longest interval between consecutive successful writes that ends after t0, the interval from the last
    write to the end of the run included: (seconds, from, to, open) relative to t0; open when that last
    interval is the longest (no write followed it: a lower bound)."""
    ends = sorted(ends)
    cands = [(b - a, a, b, False) for a, b in zip(ends, ends[1:]) if b >= t0]
    last = ends[-1] if ends else t0
    cands.append((stop - last, last, stop, True))
    best = max(cands, key=lambda c: c[0])
    return best[0] / 1e6, (best[1] - t0) / 1e6, (best[2] - t0) / 1e6, best[3]


def analyze(meta, rows, stored):
    t0 = int(meta["t0_us"])
    stop = int(meta["done_us"])
    old = meta["old"]
    direct_first = {}
    old_last = None
    direct_lost = collections.Counter()
    for r in rows:
        if r["client"] != "direct" or r["outcome"] != "ok":
            continue
        if r["end"] >= t0 and (r["via"] not in direct_first or r["end"] < direct_first[r["via"]]):
            direct_first[r["via"]] = r["end"]
        if r["via"] == old and (old_last is None or r["end"] > old_last):
            old_last = r["end"]
        if stored is not None and ("direct:" + r["via"], r["seq"]) not in stored:
            direct_lost[r["via"]] += 1
    others = {n: t for n, t in direct_first.items() if n != old}
    new_primary = min(others, key=others.get) if others else None
    promoted = others.get(new_primary)
    run = {
        "scenario": meta["scenario"], "rep": int(meta["rep"]), "old": old, "new": new_primary,
        "promoted": None if promoted is None else (promoted - t0) / 1e6,
        "old_last": None if old_last is None else (old_last - t0) / 1e6,
        "stop": (stop - t0) / 1e6, "done": meta["done"], "direct_lost": direct_lost,
        "command": (int(meta["command_end_us"]) - t0) / 1e6, "leader_after": meta.get("leader_after", "?"),
        "patroxy_restarted": meta.get("patroxy_restarted") == "1",
        "proxies": {},
    }
    for proxy, _ in PROXIES:
        new = [r for r in rows if r["client"] == "new" and r["via"] == proxy]
        lng = [r for r in rows if r["client"] == "long" and r["via"] == proxy]
        if not new:
            continue
        p = {}
        p["gap"] = longest_gap([r["end"] for r in new if r["outcome"] == "ok"], t0, stop)
        first = next((r for r in sorted(new, key=lambda r: r["end"])
                      if r["outcome"] == "ok" and r["end"] >= t0 and r["node"] != old), None)
        p["first_new"] = None if first is None else ((first["end"] - t0) / 1e6, first["node"])
        p["lag_ms"] = None
        if first is not None and first["node"] in direct_first:
            p["lag_ms"] = (first["end"] - direct_first[first["node"]]) / 1000
        p["failed"] = collections.Counter(r["code"] or r["outcome"] for r in new
                                          if r["outcome"] in ("fail", "unfinished") and r["end"] >= t0)
        p["baseline_failed"] = sum(1 for r in new + lng if r["outcome"] == "fail" and r["end"] < t0)
        p["recovery"] = sum(1 for r in new if r["outcome"] == "recovery" and r["end"] >= t0)
        p["recovery_long"] = sum(1 for r in lng if r["outcome"] == "recovery" and r["end"] >= t0)
        p["stale"] = sum(1 for r in new + lng if r["outcome"] == "ok" and r["node"] == old
                         and promoted is not None and r["end"] > promoted)
        # The long-lived session open at the disruption, and what became of it.
        before = [r for r in lng if r["end"] < t0 and r["outcome"] in ("ok", "connected")]
        p["session"] = None
        if before:
            conn = max(before, key=lambda r: r["end"])["conn"]
            after = sorted((r for r in lng if r["conn"] == conn and r["end"] >= t0), key=lambda r: r["end"])
            writes_after = sum(1 for r in after if r["outcome"] == "ok")
            broke = next((r for r in after if r["outcome"] == "fail"), None)
            if broke is not None:
                p["session"] = ("broke", (broke["end"] - t0) / 1e6, broke["code"], writes_after)
            elif lng and max(lng, key=lambda r: r["end"])["outcome"] == "unfinished":
                p["session"] = ("waiting", run["stop"], "", writes_after)
            else:
                p["session"] = ("open", run["stop"], "", writes_after)
        p["long_gap"] = longest_gap([r["end"] for r in lng if r["outcome"] == "ok"], t0, stop)
        p["lost"] = None
        if stored is not None:
            acked = {(r["client"] + ":" + proxy, r["seq"]) for r in new + lng if r["outcome"] == "ok"}
            p["lost"] = len(acked - stored)
        run["proxies"][proxy] = p
    return run


def fmt_gap(g):
    if g is None:
        return "—"
    return f"{'≥ ' if g[3] else ''}{g[0]:.2f}"


def fmt_session(s):
    if s is None:
        return "—"
    kind, t, code, writes = s
    if kind == "broke":
        what = "hung, client timeout" if "SocketTimeout" in code else "closed"
        text = f"{what} +{t:.1f} s ({code})"
    elif kind == "waiting":
        text = "no answer until the end"
    else:
        text = "never closed"
    if writes:
        text += f", {writes} writes after the disruption"
    return text


def fmt_kinds(counter):
    total = sum(counter.values())
    if not total:
        return "0"
    return f"{total}: " + ", ".join(f"{k} ×{n}" for k, n in counter.most_common())


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    raw = sys.argv[1]
    runs = []
    examples = {}
    for name in sorted(os.listdir(raw)):
        d = os.path.join(raw, name)
        if not os.path.exists(os.path.join(d, "meta")):
            continue
        meta, rows, stored = load(d)
        for r in rows:
            if r["client"] != "direct" and r["outcome"] == "fail" and r["code"] not in examples:
                examples[r["code"]] = r["msg"]
        runs.append(analyze(meta, rows, stored))
    if not runs:
        sys.exit(f"no runs in {raw}")
    scenarios = list(dict.fromkeys(r["scenario"] for r in runs))
    reps = max(r["rep"] for r in runs)
    over = "" if reps == 1 else f" (medians over {reps} repetitions; counts summed)"

    print(f"| scenario | proxy | write gap, s | routing lag, ms | failed attempts | landed in recovery | "
          f"old primary's long session | its write gap, s | acked writes lost |")
    print("|---|---|---:|---:|---|---:|---|---:|---:|")
    for sc in scenarios:
        these = [r for r in runs if r["scenario"] == sc]
        for proxy, label in PROXIES:
            ps = [r["proxies"][proxy] for r in these if proxy in r["proxies"]]
            if not ps:
                continue
            gaps = [p["gap"] for p in ps if p["gap"] is not None]
            if len(ps) == 1:
                gap = fmt_gap(ps[0]["gap"])
                lgap = fmt_gap(ps[0]["long_gap"])
            else:
                g = median([x[0] for x in gaps])
                gap = "—" if g is None else f"{g:.2f}" + (" (≥)" if any(x[3] for x in gaps) else "")
                lg = median([p["long_gap"][0] for p in ps if p["long_gap"]])
                lgap = "—" if lg is None else f"{lg:.2f}"
            lag = median([p["lag_ms"] for p in ps])
            failed = sum((p["failed"] for p in ps), collections.Counter())
            rec = sum(p["recovery"] for p in ps)
            rec_long = sum(p["recovery_long"] for p in ps)
            rec_text = f"{rec}" + (f" (+{rec_long} long-session connects)" if rec_long else "")
            session = "; ".join(fmt_session(p["session"]) for p in ps)
            lost = [p["lost"] for p in ps]
            lost_text = "—" if any(x is None for x in lost) else str(sum(lost))
            print(f"| {sc} | {label} | {gap} | {'—' if lag is None else f'{lag:.0f}'} | {fmt_kinds(failed)} | "
                  f"{rec_text} | {session} | {lgap} | {lost_text} |")
    print()
    print("Write gap: the longest interval between two successful writes of the new-connection client that ends"
          " after the disruption (≥: no write until the run stopped). Routing lag: that client's first write on"
          " the new primary minus the first write the new primary accepted from its direct session (50 ms"
          f" resolution). Failed attempts and landings count from the disruption on{over}.")
    print()
    print("What happened in each run (times from the disruption):")
    print()
    for r in runs:
        facts = [f"new primary {r['new'] or '?'} accepted direct writes from "
                 + ("?" if r["promoted"] is None else f"+{r['promoted']:.2f} s")]
        if r["old_last"] is not None:
            facts.append(f"{r['old']} its last at {r['old_last']:+.2f} s")
        facts.append(f"disruption command took {r['command']:.1f} s")
        facts.append(f"probe stopped at +{r['stop']:.1f} s ({r['done']})")
        firsts = ", ".join(f"{proxy} +{p['first_new'][0]:.2f} s on {p['first_new'][1]}"
                           for proxy, p in r["proxies"].items() if p["first_new"])
        if firsts:
            facts.append("first write on the new primary: " + firsts)
        stale = ", ".join(f"{proxy} {p['stale']}" for proxy, p in r["proxies"].items() if p["stale"])
        if stale:
            facts.append("writes on the old primary after the new one accepted writes: " + stale)
        if r["direct_lost"]:
            facts.append("acknowledged direct writes lost: "
                         + ", ".join(f"{n} on {node}" for node, n in r["direct_lost"].items()))
        base = ", ".join(f"{proxy} {p['baseline_failed']}" for proxy, p in r["proxies"].items() if p["baseline_failed"])
        if base:
            facts.append("failures before the disruption: " + base)
        facts.append(f"leader afterwards {r['leader_after']}")
        if r["patroxy_restarted"]:
            facts.append("**patroxy was restarted while the cluster was restored**")
        print(f"- {r['scenario']} (rep {r['rep']}), {r['old']} → {r['new'] or '?'}: " + "; ".join(facts) + ".")
    if examples:
        print()
        print("Failure kinds seen (SQLSTATE/root cause, with one message):")
        print()
        for code in sorted(examples):
            print(f"- `{code}`: {examples[code]}")


if __name__ == "__main__":
    main()
