#!/usr/bin/env bash
# Sourced by device_check.sh (and tests/gpu/parity_counts_test.sh): counts
# from one parity binary's googletest output, robust to a binary that
# crashed or timed out (no summary lines: an empty count reads as 0, never an
# empty arithmetic operand that kills the loop before the later binaries).
#
#   gtest_count LOG passed|skipped|failed   prints a number
#   parity_tally LOG RC                     adds LOG's counts to the globals
#                                           passed, skipped, bad; a binary that
#                                           exited non-zero without reporting a
#                                           failed test (crash, timeout) counts
#                                           as one failed test.
gtest_count() {
  local n
  case "$2" in
    passed) n=$(printf '%s\n' "$1" | sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' | head -1) ;;
    skipped) n=$(printf '%s\n' "$1" | sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test.*/\1/p' | head -1) ;;
    failed) n=$(printf '%s\n' "$1" | sed -n 's/^ *\([0-9][0-9]*\) FAILED TESTS\{0,1\}$/\1/p' | head -1) ;;
    *) echo "gtest_count: unknown kind $2" >&2; return 2 ;;
  esac
  echo "${n:-0}"
}

parity_tally() {
  local log=$1 code=$2 f
  passed=$((${passed:-0} + $(gtest_count "$log" passed)))
  skipped=$((${skipped:-0} + $(gtest_count "$log" skipped)))
  f=$(gtest_count "$log" failed)
  if ((code != 0 && f == 0)); then f=1; fi
  bad=$((${bad:-0} + f))
}
