#!/usr/bin/env bash
# A short libFuzzer run of every fuzz target (tests/fuzz): builds them with
# clang, AddressSanitizer and UndefinedBehaviorSanitizer in build-fuzz, seeds
# each from the corpus generator's valid samples, and runs each for
# PAGEPREP_FUZZ_SECONDS (default 20). A non-zero exit status (also a fuzzer
# that does not start), a run of no inputs, a crash, a sanitizer report, a leak-free
# timeout (-timeout) or an out-of-memory (-rss_limit_mb) fails the script and
# leaves the input in build-fuzz/crashes/. README ("Fuzzing") says how to run
# the targets for hours. Called by .ci/run after the README's test command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup-debian.sh
seconds=${PAGEPREP_FUZZ_SECONDS:-20}
targets=(decode count png jpeg tiff pnm webp jp2 pdf list)
start=$(date +%s)
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPAGEPREP_BUILD_FUZZ=ON -DPAGEPREP_SANITIZE=address,undefined -DPAGEPREP_CUDA=OFF \
  -DPAGEPREP_BUILD_BENCH=OFF -DPAGEPREP_BUILD_TESTS=OFF
cmake --build build-fuzz -j "$(nproc)" --target pageprep-fuzz-seeds "${targets[@]/#/fuzz_}"
built=$(date +%s)
fuzz_dir=build-fuzz/tests/fuzz
rm -rf build-fuzz/seeds && "$fuzz_dir/pageprep-fuzz-seeds" build-fuzz/seeds
mkdir -p build-fuzz/crashes
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
mkdir -p build-fuzz/logs
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/seeds/$t"
  echo "fuzz-smoke: $t for ${seconds} s"
  log="build-fuzz/logs/$t.log"
  rc=0
  "$fuzz_dir/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$t-" \
    "build-fuzz/corpus/$t" "build-fuzz/seeds/$t" >"$log" 2>&1 || rc=$?
  grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)|INFO: Seed" "$log" || true
  # The exit status counts, not only a crash file: a fuzzer that cannot start
  # (a missing library, a bad flag) or exits non-zero fails the step, and so
  # does one that ran no input at all.
  units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if ((rc != 0)) || compgen -G "build-fuzz/crashes/$t-*" >/dev/null || [[ -z $units || $units -eq 0 ]]; then
    echo "fuzz-smoke: $t failed (exit status $rc, ${units:-no} executed units); the end of $log:"
    tail -n 40 "$log"
    compgen -G "build-fuzz/crashes/$t-*" >/dev/null && echo "fuzz-smoke: failing input:" build-fuzz/crashes/"$t"-*
    exit 1
  fi
done
echo "fuzz-smoke: ${#targets[@]} targets, build $((built - start)) s, fuzzing $(($(date +%s) - built)) s"
