#!/usr/bin/env bash
# Builds the benchmark suites (Release) and runs them all, 5 repetitions each
# (aggregates only), saving one JSON per suite under BUILD_DIR/bench-results/,
# then prints a table of medians and of the ratios to the peers
# (bench/bench_table.py). Extra arguments go to every benchmark binary, e.g.
#   bench/run_benchmarks.sh --benchmark_filter='dpi:300'
# Environment: BUILD_DIR (default: build), SUITES (default: all bench_* binaries),
# REPETITIONS (default 5).
# Run it on a quiet machine: it prints the load average first (docs/PERFORMANCE.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
reps=${REPETITIONS:-5}
results=$build/bench-results

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAGEPREP_BUILD_BENCH=ON
else
  cmake "$build" -DCMAKE_BUILD_TYPE=Release -DPAGEPREP_BUILD_BENCH=ON >/dev/null
fi
suites=${SUITES:-$(cd "$root/bench" && ls bench_*.cpp | grep -v bench_common | sed 's/\.cpp$//' | tr '\n' ' ')}
# shellcheck disable=SC2086
cmake --build "$build" --target $suites

mkdir -p "$results"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)  ($(nproc) CPUs)"
export OMP_THREAD_LIMIT=1
for s in $suites; do
  echo "== $s"
  "$build/bench/$s" --benchmark_repetitions="$reps" --benchmark_report_aggregates_only=true \
    --benchmark_out="$results/$s.json" --benchmark_out_format=json "$@" >"$results/$s.txt" 2>&1 ||
    { echo "$s failed: see $results/$s.txt" >&2; exit 1; }
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$root/bench/bench_table.py" "$results"/bench_*.json | tee "$results/table.txt"
