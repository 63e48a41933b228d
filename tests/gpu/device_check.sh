#!/usr/bin/env bash
# One-shot check for a machine with a CUDA GPU (e.g. a lent H200), meant to
# finish in under 8 minutes: configure for sm_90 only, build, run the parity
# tests (label gpu) and the CUDA benchmarks, and print a summary table.
# Logs go to $OUT (or ./device-check-logs).
#
#   bash tests/gpu/device_check.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-$PWD/device-check-logs}
mkdir -p "$out"
arch=${PAGEPREP_CUDA_ARCH:-90}
start=$(date +%s)

{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv || true
  nproc
} >"$out/machine.txt" 2>&1

cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAGEPREP_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES="$arch" >"$out/configure.log" 2>&1
build_rc=$?
if [[ $build_rc -eq 0 ]]; then
  cmake --build build-gpu -j "$(nproc)" >"$out/build.log" 2>&1
  build_rc=$?
fi

parity_rc=-1
if [[ $build_rc -eq 0 ]]; then
  (cd build-gpu && ctest -L gpu --output-on-failure --timeout 300) >"$out/parity.log" 2>&1
  parity_rc=$?
fi

bench_rc=-1
if [[ $build_rc -eq 0 ]]; then
  : >"$out/bench.log"
  for b in build-gpu/bench/bench_*; do
    [[ -x "$b" ]] || continue
    # CUDA benchmarks and the peers they are compared with, 3 repetitions.
    "$b" --benchmark_filter='Cuda|OpenCV|Leptonica|Cpu.*/threads:1' --benchmark_repetitions=3 \
      --benchmark_report_aggregates_only=true --benchmark_min_time=0.2 \
      --benchmark_out="$out/$(basename "$b").json" --benchmark_out_format=json >>"$out/bench.log" 2>&1
    bench_rc=$?
  done
fi

{
  echo "pageprep device check, $(date -u +%F)"
  head -2 "$out/machine.txt" | tail -1
  printf '%-28s %s\n' "build (sm_$arch)" "$([[ $build_rc -eq 0 ]] && echo ok || echo "FAILED ($build_rc)")"
  if [[ -f "$out/parity.log" ]]; then
    printf '%-28s %s\n' "parity tests (label gpu)" "$(grep -E 'tests passed|tests failed' "$out/parity.log" | tail -1)"
    grep -E '\(Failed\)|\(Skipped\)' "$out/parity.log" | head -20
  fi
  printf '%-28s %s\n' "benchmarks" "$([[ $bench_rc -eq 0 ]] && echo ok || echo "rc=$bench_rc")"
  grep -E '_median|_mean' "$out/bench.log" | grep -E 'median' | awk '{printf "  %-60s %12s %s\n", $1, $2, $3}' | head -60
  echo "elapsed $(( $(date +%s) - start )) s; logs in $out"
} | tee "$out/summary.txt"
[[ $build_rc -eq 0 && $parity_rc -eq 0 ]]
