#!/usr/bin/env python3
"""The fit comparison beside the host's bandwidth when each point ran.

    memwall fit --compare CHECK.jsonl --json | scripts/fit-vs-modes.py CHECK.jsonl

CHECK.jsonl.probes.txt is what scripts/fit-vs-bench.sh writes: one "HH:MM:SS read X GB/s" line
per quick probe, each taken just before a bench command. Every compared point gets the probe that
preceded its record (the record's provenance timestamp), and the summary counts the points within
10% and 20% separately for the probes under and over SPLIT_GBPS (default 42: this host's slow mode
reads 27-38 GB/s, its fast one 48-63).
"""
import json
import os
import sys


def probes(path):
    out = []
    for line in open(path):
        t, _, gbps, _ = line.split()
        h, m, s = (int(v) for v in t.split(":"))
        out.append((h * 3600 + m * 60 + s, float(gbps)))
    return sorted(out)


def seconds(timestamp):  # 2026-11-22T11:54:22Z
    h, m, s = (int(v) for v in timestamp[11:19].split(":"))
    return h * 3600 + m * 60 + s


def point_label(r):
    p = r["point"]
    if p["test"] == "pp":
        return f"pp{p['prompt']}"
    if p["test"] == "tg":
        return f"tg{p['gen']}"
    return f"c{p['concurrency']} p{p['prompt']} n{p['gen']}"


def main():
    records_path = sys.argv[1]
    split = float(os.environ.get("SPLIT_GBPS", "42"))
    probe_list = probes(records_path + ".probes.txt")
    when = {}
    for line in open(records_path):
        r = json.loads(line)
        when[(r["model"]["name"], point_label(r))] = seconds(r["provenance"]["timestamp"])
    rows = json.load(sys.stdin)["rows"]
    print("| model | point | metric | probe before (GB/s) | measured | predicted | error |")
    print("|---|---|---|--:|--:|--:|--:|")
    by_mode = {}
    for row in rows:
        t = when.get((row["model"], row["point"]))
        before = [g for s, g in probe_list if t is not None and s <= t + 1]
        gbps = before[-1] if before else float("nan")
        mode = "slow" if gbps < split else "fast"
        print(f"| {row['model']} | {row['point']} | {row['metric']} | {gbps:.1f} | {row['measured']:.3g} | "
              f"{row['predicted']:.3g} | {100 * row['error']:+.1f}% |")
        by_mode.setdefault((row["metric"], mode), []).append(abs(row["error"]))
    print()
    for (metric, mode), errs in sorted(by_mode.items()):
        errs.sort()
        print(f"- {metric}, probe {'under' if mode == 'slow' else 'at or over'} {split:g} GB/s: {len(errs)} points, "
              f"median |error| {100 * errs[len(errs) // 2]:.1f}%, within 10%: {sum(e <= 0.10 for e in errs)}, "
              f"within 20%: {sum(e <= 0.20 for e in errs)}")


if __name__ == "__main__":
    main()
