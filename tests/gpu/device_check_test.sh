#!/usr/bin/env bash
# Checks device_check.sh's logic without a GPU, with a fake parity runner,
# a fake compute-sanitizer and a fake nvidia-smi: a passing run, a crashed
# parity step, a timed-out step, a skipped parity run and sanitizer errors
# each give the right summary rows and exit code; a run killed midway still
# leaves the rows of its finished steps.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d /tmp/pageprep-dc-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"
cat >"$tmp/bin/nvidia-smi" <<'F'
#!/bin/sh
echo "Fake H100, 555.42, 5, 16"
F
# The fake runner: FAKE_PARITY=ok|crash|hang|skip|fail decides the parity run.
cat >"$tmp/bin/kcheck" <<'F'
#!/usr/bin/env bash
if [[ " $* " == *" --bench-only "* ]]; then
  echo "bench cpu_schedule: 20.0 pages/s (16 threads)"
  echo "bench cuda_kernels: 4000.0 pages/s"
  echo "bench cuda_with_transfers: 1000.0 pages/s"
  exit 0
fi
case ${FAKE_PARITY:-ok} in
  ok) echo "parity skew: pass"; echo "kcheck summary: 17 passed, 0 failed, 0 skipped, bench not run" ;;
  crash) echo "parity gray.rgb8: pass"; kill -SEGV $$ ;;
  hang) exec sleep 300 ;;
  killed)  # the check is killed from outside during parity: kill it (our
           # grandparent, above timeout), then timeout and ourselves
    kill -KILL "$(awk '{print $4}' "/proc/$PPID/stat")"; kill -KILL 0 ;;
  skip) echo "parity cuda_vs_cpu: skipped (no CUDA device: x)"
        echo "kcheck summary: 3 passed, 0 failed, 1 skipped, bench not run"; exit 77 ;;
  fail) echo "parity rotate: FAIL page 2 differs"
        echo "kcheck summary: 16 passed, 1 failed, 0 skipped, bench not run"; exit 1 ;;
esac
F
# The fake sanitizer runs the program and reports FAKE_SAN_ERRORS errors.
cat >"$tmp/bin/sanitizer" <<'F'
#!/usr/bin/env bash
while [[ $1 == --* ]]; do shift 2; done
FAKE_PARITY=ok "$@" >/dev/null
n=${FAKE_SAN_ERRORS:-0}
echo "========= ERROR SUMMARY: $n errors"
((n == 0)) || exit 99
F
# A fake full CLI for the end-to-end step: `pageprep bench --json` output.
cat >"$tmp/bin/pageprep" <<'F'
#!/bin/sh
echo '{"results": [{"stage": "run", "device": "cuda:0", "pages_per_s": 612.5}]}'
F
chmod +x "$tmp/bin/"*
errors=0
run_case() {  # run_case NAME WANT_RC ENV...: runs device_check.sh, checks its exit code
  local name=$1 want=$2
  shift 2
  mkdir -p "$tmp/$name"
  env TMPDIR="$tmp" PATH="$tmp/bin:$PATH" OUT="$tmp/$name" PAGEPREP_KCHECK="$tmp/bin/kcheck" \
    PAGEPREP_SANITIZER="$tmp/bin/sanitizer" "$@" bash "$here/device_check.sh" >"$tmp/$name/stdout" 2>&1
  local rc=$?
  [[ $name == ok ]] && cp "$tmp/$name/summary.txt" "$tmp/ok.summary"
  if [[ $rc != "$want" ]]; then
    echo "FAIL: $name: exit $rc, want $want"; cat "$tmp/$name/summary.txt"; errors=$((errors + 1))
  fi
}
expect_row() {  # expect_row NAME REGEX: summary.txt of case NAME has a matching line
  if ! grep -Eq "$2" "$tmp/$1/summary.txt"; then
    echo "FAIL: $1: no summary line matching /$2/"; cat "$tmp/$1/summary.txt"; errors=$((errors + 1))
  fi
}
run_case ok 0
expect_row ok '^parity +pass .*17 passed, 0 failed, 0 skipped'
expect_row ok '^racecheck +pass .*0 errors'
expect_row ok 'GPU Fake H100, driver 555.42, PCIe gen 5 x16'
expect_row ok '^\| pages/s, CUDA kernels alone \| 4000.0 \(200.0x CPU\) \|'
expect_row ok '^\| verdict \| pass'

run_case e2e 0 PAGEPREP_BIN="$tmp/bin/pageprep"
expect_row e2e '^e2e +pass .*208 pages'
expect_row e2e '^\| pages/s, end to end \| run cuda:0 612.5 \|'

run_case crash 1 FAKE_PARITY=crash
expect_row crash '^parity +FAIL .*crashed \(signal 11\)'
expect_row crash '^memcheck +pass'  # the later steps still ran
expect_row crash '^bench +pass'
expect_row crash '^\| verdict \| FAIL'

run_case skip 1 FAKE_PARITY=skip
expect_row skip '^parity +FAIL .*skipped.*1 skipped'

run_case fail 1 FAKE_PARITY=fail
expect_row fail '^parity +FAIL .*1 failed.*parity rotate: FAIL'

run_case sanitizer 1 FAKE_SAN_ERRORS=3
expect_row sanitizer '^initcheck +FAIL .*3 errors'

# A hung parity step meets its deadline (the whole check has 8 s here); the
# steps after it find no time left and fail as not run.
run_case hang 1 FAKE_PARITY=hang PAGEPREP_CHECK_SECONDS=8
expect_row hang '^parity +FAIL .*timed out'
expect_row hang 'not run: no time left'

# Killed (SIGKILL) during parity: the rows of the steps before are on disk.
run_case killed 137 FAKE_PARITY=killed
expect_row killed '^kcheck +given'
expect_row killed 'PCIe gen 5'

if ((errors)); then
  echo "device_check_test: $errors failure(s)"
  exit 1
fi
cat "$tmp/ok.summary"
echo "device_check_test: ok"
