#!/usr/bin/env bash
# Checks tests/gpu/parity_counts.sh on googletest outputs of a passing, a
# skipping, a failing, a crashed (no summary) and a timed-out (rc 124, empty)
# parity binary. Issue 19 defect 3: device_check.sh's inline arithmetic got
# an empty operand for a crashed binary and stopped counting.
set -u
source "$(dirname "${BASH_SOURCE[0]}")/parity_counts.sh"
errors=0
expect() {  # expect WHAT GOT WANT
  if [[ "$2" != "$3" ]]; then
    echo "FAIL: $1: got '$2', want '$3'"
    errors=$((errors + 1))
  fi
}
ok_log=$'[==========] 5 tests from 1 test suite ran. (3 ms total)\n[  PASSED  ] 5 tests.'
skip_log=$'[  SKIPPED ] Parity.X (0 ms)\n[==========] 3 tests ran.\n[  PASSED  ] 1 test.\n[  SKIPPED ] 2 tests, listed below:'
fail_log=$'[  FAILED  ] Parity.Y (1 ms)\n[  PASSED  ] 3 tests.\n[  FAILED  ] 2 tests, listed below:\n 2 FAILED TESTS'
crash_log=$'[ RUN      ] Parity.Z\nSegmentation fault (core dumped)'
expect "passed of a passing run" "$(gtest_count "$ok_log" passed)" 5
expect "skipped of a passing run" "$(gtest_count "$ok_log" skipped)" 0
expect "skipped" "$(gtest_count "$skip_log" skipped)" 2
expect "failed" "$(gtest_count "$fail_log" failed)" 2
expect "passed of a crash" "$(gtest_count "$crash_log" passed)" 0
expect "failed of a timeout" "$(gtest_count "" failed)" 0

passed=0 skipped=0 bad=0
parity_tally "$ok_log" 0
parity_tally "$crash_log" 139
parity_tally "" 124
parity_tally "$skip_log" 0
parity_tally "$fail_log" 1
expect "tally passed" "$passed" 9
expect "tally skipped" "$skipped" 2
expect "tally failed (a crash and a timeout count as one each)" "$bad" 4
if ((errors)); then
  echo "parity_counts_test: $errors failure(s)"
  exit 1
fi
echo "parity_counts_test: ok"
