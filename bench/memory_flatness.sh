#!/usr/bin/env bash
# Peak memory of pageprep for 200 and 2000 A4 pages (--ocr none, CPU executor):
# it must stay flat, since every pipeline queue is bounded. The 2000-page set
# is ten hard-linked copies of the 200 generated pages in separate folders.
#
#   bash bench/memory_flatness.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
work=${PAGEPREP_BENCH_DIR:-$build/memory-flatness}
rm -rf "$work"
mkdir -p "$work/p200" "$work/p2000"
"$build/tests/support/pageprep-synth" --count 200 --seed 11 --skew-max 5 --noise 5 --out "$work/p200" >/dev/null
for i in $(seq 0 9); do
  mkdir -p "$work/p2000/$i"
  for f in "$work"/p200/*.png; do ln "$f" "$work/p2000/$i/"; done
done
for n in 200 2000; do
  start=$(date +%s.%N)
  "$build/host/pageprep" run "$work/p$n" -o "$work/out$n" --ocr none -q || true
  end=$(date +%s.%N)
  python3 - "$work/out$n/run.json" "$n" "$start" "$end" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:>5} pages: ok {r['pages_ok']}, failed {r['pages_failed']}, "
      f"peak RSS {r['peak_rss_mib']:.0f} MiB, {r['pages_per_s']:.2f} pages/s, "
      f"wall {float(sys.argv[4]) - float(sys.argv[3]):.0f} s")
PY
done
