#!/usr/bin/env bash
# AddressSanitizer + UndefinedBehaviorSanitizer run of the unit and end-to-end
# suites (issue 9): one sanitizer build in build-asan (CUDA off, benchmarks
# off; the CUDA schedules are covered by the parity tests on a GPU machine),
# then `ctest -L 'unit|e2e' -LE slow` in it. Any ASan or UBSan report fails the
# test that triggered it (halt_on_error, no recovery for UBSan).
# Called by .ci/run after the README's test command; measured on the 2-core
# dev machine in docs/ARCHITECTURE.md ("Sanitizers and fuzzing").
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup-debian.sh
start=$(date +%s)
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DPAGEPREP_SANITIZE=address,undefined -DPAGEPREP_CUDA=OFF -DPAGEPREP_BUILD_BENCH=OFF \
  -DCMAKE_CXX_FLAGS="-fno-sanitize-recover=undefined" -DCMAKE_C_FLAGS="-fno-sanitize-recover=undefined"
cmake --build build-asan -j "$(nproc)"
built=$(date +%s)
# Leak checking stays off: Tesseract and OpenCV keep process-lifetime caches
# that LeakSanitizer reports at exit; use-after-free, overflows and UB are on.
export ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
cd build-asan
rc=0
ctest --output-on-failure -L 'unit|e2e' -LE slow -j "$(nproc)" --timeout 1200 \
  --output-junit ctest-asan.xml || rc=$?
python3 ../.ci/skip-report.py ctest-asan.xml || rc=1
((rc == 0)) || exit "$rc"
echo "sanitize: build $((built - start)) s, tests $(($(date +%s) - built)) s"
