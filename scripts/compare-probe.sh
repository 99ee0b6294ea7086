#!/usr/bin/env bash
# Compares memwall probe's all-core bandwidth with likwid-bench and STREAM on this machine, in one
# session, interleaving the tools round by round so slow drifts of a shared machine hit all alike.
#
#   scripts/compare-probe.sh STREAM_C [ROUNDS] [MEMWALL]
#
# STREAM_C: path to the classic stream.c (https://www.cs.virginia.edu/stream/), built here with
# OpenMP; likwid-bench comes from Debian's `likwid` package. Prints a Markdown table of best and
# median GB/s per tool and kernel; raw outputs are kept in $OUT (default: a temp dir).
set -euo pipefail

stream_c=${1:?usage: compare-probe.sh STREAM_C [ROUNDS] [MEMWALL]}
rounds=${2:-5}
memwall=${3:-build/memwall}
out=${OUT:-$(mktemp -d /tmp/memwall-compare.XXXXXX)}
cores=$(lscpu -p=CORE | grep -v '^#' | sort -u | wc -l)

command -v likwid-bench >/dev/null || { echo "likwid-bench not found (apt-get install likwid)" >&2; exit 1; }
# 80 M doubles = 640 MB per array, far beyond any last-level cache of a desktop or small server.
gcc -O3 -march=native -fopenmp -mcmodel=medium -DSTREAM_ARRAY_SIZE=80000000 -DNTIMES=20 \
  "$stream_c" -o "$out/stream"

export OMP_NUM_THREADS=$cores OMP_PROC_BIND=spread OMP_PLACES=cores
for r in $(seq 1 "$rounds"); do
  echo "round $r/$rounds" >&2
  "$memwall" probe --json "$out/probe-$r.json" > "$out/probe-$r.txt"
  "$out/stream" > "$out/stream-$r.txt"
  for k in load_avx triad_avx stream_avx; do
    likwid-bench -t "$k" -W "S0:1GB:$cores" > "$out/likwid-$k-$r.txt" 2>&1
  done
done

python3 - "$out" "$rounds" "$cores" <<'PY'
import json, re, statistics, sys
out, rounds, cores = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = {}
def add(tool, kernel, gbps): rows.setdefault((tool, kernel), []).append(gbps)
for r in range(1, rounds + 1):
    probe = json.load(open(f"{out}/probe-{r}.json"))
    for p in probe["bandwidth"]["points"]:
        if p["threads"] == cores and p["kernel"] in ("read", "copy", "triad"):
            add("memwall probe", p["kernel"], p["best_gbps"])
    for line in open(f"{out}/stream-{r}.txt"):
        m = re.match(r"(Copy|Triad):\s+([\d.]+)", line)
        if m: add("STREAM", m.group(1).lower(), float(m.group(2)) / 1000)
    for k in ("load_avx", "triad_avx", "stream_avx"):
        for line in open(f"{out}/likwid-{k}-{r}.txt"):
            m = re.match(r"MByte/s:\s+([\d.]+)", line)
            if m: add("likwid-bench", k, float(m.group(1)) / 1000)
print(f"| tool | kernel | best GB/s | median GB/s | runs |")
print(f"|---|---|---:|---:|---:|")
for (tool, kernel), v in rows.items():
    print(f"| {tool} | {kernel} | {max(v):.1f} | {statistics.median(v):.1f} | {len(v)} |")
print(f"\nraw outputs: {out}")
PY
