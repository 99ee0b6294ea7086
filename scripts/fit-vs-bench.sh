#!/bin/sh
# The fit model against memwall bench on this machine: measure one set of runs, calibrate on it,
# measure a second, later set, and compare the calibrated predictions with the second set only.
#
#   scripts/fit-vs-bench.sh all CALIBRATION.jsonl CHECK.jsonl   # the whole comparison
#   scripts/fit-vs-bench.sh measure OUT.jsonl                    # one set of runs
#   scripts/fit-vs-bench.sh calibrate CALIBRATION.jsonl          # memwall fit --calibrate
#   scripts/fit-vs-bench.sh compare CHECK.jsonl                  # predicted vs measured
#
# Environment:
#   MEMWALL    the binary (default build/memwall)
#   MODEL_DIR  GGUF files MODEL-SCHEME.gguf; missing ones are synthesized there (default
#              results/models, not in git)
#   MODELS     presets (default "llama-3.2-1b qwen2.5-0.5b")
#   SCHEMES    (default "Q4_0 Q8_0 Q4_K_M F16")
#   MEASURE    a prefix for every timed command, e.g. "/work/machine measure" on a shared host
#   REQUESTS_PER_USER  measured requests per user and serving point (default 4, bench's
#              default; at least 4 requests per point)
#   DEPTH      positions already in the cache for the depth points (default 2048; 0: none)
#
# Each set runs, per model file, pp128 and tg64 (3 repetitions), the same at depth DEPTH (2
# repetitions; DEPTH=0 leaves them out), and closed-loop serving at 1, 2, 4 and 8 users with
# 128-token prompts and 64 generated tokens, one bench command per user count,
# each with --track-bandwidth (the calibration and the comparison use the read around each run). A
# quick probe runs beside every bench command, in a scratch cache so that the cached probe the
# predictions divide by stays the same; its read bandwidth is appended to OUT.probes.txt (this
# host's bandwidth is bimodal). `compare` recomputes every prediction with the calibration in the
# cache, so the records' own "prediction" fields (made by whatever calibration bench saw) do not
# matter.
set -eu

MEMWALL=${MEMWALL:-build/memwall}
MODEL_DIR=${MODEL_DIR:-results/models}
MODELS=${MODELS:-"llama-3.2-1b qwen2.5-0.5b"}
SCHEMES=${SCHEMES:-"Q4_0 Q8_0 Q4_K_M F16"}
MEASURE=${MEASURE:-}
REQUESTS_PER_USER=${REQUESTS_PER_USER:-4}
DEPTH=${DEPTH:-2048}

model_file() { echo "$MODEL_DIR/$1-$2.gguf"; }

ensure_models() {
  mkdir -p "$MODEL_DIR"
  for m in $MODELS; do
    for s in $SCHEMES; do
      f=$(model_file "$m" "$s")
      [ -f "$f" ] || "$MEMWALL" model synth --preset "$m" --type "$s" -o "$f"
    done
  done
}

probe_mode() {  # $1: where to append "time read GB/s"
  scratch=$(mktemp -d)
  gbps=$(XDG_CACHE_HOME=$scratch $MEASURE "$MEMWALL" probe --quick --json - |
    python3 -c 'import json,sys; print(round(json.load(sys.stdin)["bandwidth"]["read_gbps"], 1))')
  rm -rf "$scratch"
  echo "$(date -u +%H:%M:%S) read ${gbps} GB/s" >> "$1"
}

measure() {  # $1: output JSON Lines
  ensure_models
  for m in $MODELS; do
    for s in $SCHEMES; do
      f=$(model_file "$m" "$s")
      probe_mode "$1.probes.txt"
      $MEASURE "$MEMWALL" bench -m "$f" -p 128 -n 64 -r 3 --track-bandwidth --save "$1" -o md
      if [ "$DEPTH" -gt 0 ]; then
        probe_mode "$1.probes.txt"
        $MEASURE "$MEMWALL" bench -m "$f" -p 128 -n 64 -d "$DEPTH" -r 2 --track-bandwidth --save "$1" -o md
      fi
      for c in 1 2 4 8; do
        requests=$((c * REQUESTS_PER_USER)); [ "$requests" -ge 4 ] || requests=4
        probe_mode "$1.probes.txt"
        $MEASURE "$MEMWALL" bench -m "$f" -c "$c" -p 128 -n 64 -r 1 --requests "$requests" --track-bandwidth --save "$1" -o md
      done
    done
  done
  probe_mode "$1.probes.txt"
}

case "${1:-}" in
  measure) measure "$2" ;;
  calibrate) "$MEMWALL" fit --calibrate "$2" ;;
  compare) "$MEMWALL" fit --compare "$2" ;;
  all)
    measure "$2"
    "$MEMWALL" fit --calibrate "$2"
    measure "$3"
    "$MEMWALL" fit --compare "$3"
    ;;
  *) sed -n '2,28p' "$0" >&2; exit 2 ;;
esac
