#!/usr/bin/env bash
# The device check for a lent GPU machine as it is (issue 19 item 5): CUDA,
# CMake, ninja, compute-sanitizer and Python, but no -dev packages, fonts or
# network. Everything it runs is pageprep-kcheck, the kernels-only build
# (tests/gpu/kcheck: CUDA + the C++ standard library), carried prebuilt in
# .device/ by tests/gpu/prepare_device.sh or built here from the tree.
#
#   1 machine        GPU name, driver, PCIe gen and width (nvidia-smi), cores
#   2 kcheck         the carried binary (self-containment checked) or a build
#   3 parity         every operation, CPU vs CUDA, bit for bit; a skip FAILS
#   4 memcheck, initcheck, racecheck
#                    compute-sanitizer on the parity runner, small pages;
#                    errors counted from ERROR SUMMARY
#   5 bench          pages/s: CPU schedule, CUDA kernels alone, with transfers
#                    (>= 200 pages a measurement)
#   6 e2e            `pageprep bench` on >= 200 pages when a full pageprep is
#                    present (PAGEPREP_BIN); else the kernels-only figures stand
#
# A row goes to $OUT/summary.txt after every step, so a killed run still
# reports. Every step's deadline comes from the time left of
# PAGEPREP_CHECK_SECONDS (default 360 = 6 minutes, the whole check).
# Exit 0 only when every step passed; 1 otherwise (a step that timed out,
# crashed, skipped its parity checks, found sanitizer errors or was not run).
# Files under $OUT: summary.txt, logs.txt, machine.txt, bench.txt.
#
# Overrides (tests/gpu/device_check_test.sh uses them with fakes):
#   PAGEPREP_KCHECK     the parity runner (default .device/kcheck/pageprep-kcheck)
#   PAGEPREP_SANITIZER  compute-sanitizer
#   PAGEPREP_BIN        a full pageprep CLI for the end-to-end step
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
out=${OUT:-$root/device-check-out}
mkdir -p "$out"
total=${PAGEPREP_CHECK_SECONDS:-360}
pages=${PAGEPREP_CHECK_PAGES:-208}
start=$(date +%s)
summary=$out/summary.txt
# Step outputs live in a scratch folder (only 4 files come back in $OUT).
steps=$(mktemp -d "${TMPDIR:-/tmp}/pageprep-devcheck.XXXXXX")
trap 'rm -rf "$steps"' EXIT
logs=$out/logs.txt
: >"$logs"
export PATH=$PATH:/usr/local/cuda/bin
left() { echo $((total - ($(date +%s) - start))); }
failed=0
declare -A note

# ------------------------------------------------------------ 1 machine
{
  date -u
  nvidia-smi --query-gpu=name,driver_version,pcie.link.gen.current,pcie.link.width.current,memory.total \
    --format=csv 2>&1
  echo "cores: $(nproc)"
  echo "glibc: $(ldd --version 2>&1 | head -1)"
  grep -m1 "model name" /proc/cpuinfo
  (nvcc --version 2>&1 | tail -1) || true
} >"$out/machine.txt" 2>&1
gpu=$(nvidia-smi --query-gpu=name,driver_version,pcie.link.gen.current,pcie.link.width.current \
  --format=csv,noheader 2>/dev/null | head -1)
if [[ -n $gpu ]]; then
  IFS=, read -r g_name g_driver g_gen g_width <<<"$gpu"
  machine="GPU ${g_name# }, driver ${g_driver# }, PCIe gen ${g_gen# } x${g_width# }"
else
  machine="no GPU found by nvidia-smi"
fi
{
  echo "pageprep device check, $(date -u +'%F %T') UTC, $machine, $(nproc) cores"
  printf '%-12s %-8s %7s  %s\n' step result seconds note
} >"$summary"
row() {  # row STEP RESULT SECONDS NOTE: one summary line, written now
  printf '%-12s %-8s %7s  %s\n' "$1" "$2" "$3" "$4" >>"$summary"
  echo "[$(($(date +%s) - start))s] $1: $2 ($3 s) $4"
}

# step NAME WANT_S CMD...: runs CMD under a deadline of min(WANT_S, time left),
# its output into logs.txt and $steps/NAME.log; sets step_rc (124/137: deadline).
step() {
  local name=$1 want=$2 limit t0
  shift 2
  limit=$(left)
  ((limit > want)) && limit=$want
  if ((limit < 3)); then
    step_rc=notrun
    row "$name" FAIL 0 "not run: no time left of ${total}s"
    failed=1
    return 1
  fi
  t0=$(date +%s)
  echo "===== $name ($(date -u +%T), deadline ${limit}s): $*" >>"$logs"
  timeout --kill-after=5 "$limit" "$@" >"$steps/$name.log" 2>&1
  step_rc=$?
  step_s=$(($(date +%s) - t0))
  cat "$steps/$name.log" >>"$logs"
  echo "===== $name: rc $step_rc in ${step_s}s" >>"$logs"
  return 0
}
verdict() {  # verdict NAME NOTE: pass on step_rc 0, else FAIL with the reason
  local why=""
  case $step_rc in
    0) row "$1" pass "$step_s" "$2"; return ;;
    124|137) why="timed out after ${step_s}s" ;;
    77) why="skipped (exit 77): no device or no CUDA schedules" ;;
    *) why="exit $step_rc" ;;
  esac
  ((step_rc > 128 && step_rc != 137)) && why="crashed (signal $((step_rc - 128)))"
  row "$1" FAIL "$step_s" "$why; $2"
  failed=1
}

# ------------------------------------------------------------- 2 kcheck
kcheck=${PAGEPREP_KCHECK:-}
if [[ -n $kcheck ]]; then
  row kcheck given 0 "$kcheck (PAGEPREP_KCHECK)"
elif [[ -x $root/.device/kcheck/pageprep-kcheck ]]; then
  kcheck=$root/.device/kcheck/pageprep-kcheck
  step kcheck 30 bash "$here/check_self_contained.sh" "$root/.device"
  verdict kcheck "carried $(basename "$kcheck"): $(tail -1 "$steps/kcheck.log")"
fi
# A carried binary that does not load here (an older glibc than the one it was
# linked against, say) is replaced by a build from the tree.
if [[ -z ${PAGEPREP_KCHECK:-} ]] && ! { [[ -n $kcheck ]] && "$kcheck" --version >/dev/null 2>&1; }; then
  [[ -n $kcheck ]] && row kcheck_load FAIL 0 "$("$kcheck" --version 2>&1 | head -1); building here"
  failed=0  # the build below decides
  build_kcheck() {
    cmake -S "$here/kcheck" -B "$root/build-kcheck" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CUDA_ARCHITECTURES=90 && cmake --build "$root/build-kcheck" -j "$(nproc)" --target pageprep-kcheck
  }
  export -f build_kcheck
  export here root
  step kcheck 240 bash -c build_kcheck
  kcheck=$root/build-kcheck/pageprep-kcheck
  verdict kcheck "built from the tree (nothing carried in .device)"
fi

count() {  # count FILE PATTERN: the number a sed pattern extracts, 0 if none
  local n
  n=$(sed -n "$2" "$1" 2>/dev/null | tail -1)
  echo "${n:-0}"
}

# ------------------------------------------------------------- 3 parity
parity_note="not run"
if step parity 120 "$kcheck" --no-bench; then
  p=$(count "$steps/parity.log" 's/^kcheck summary: \([0-9]*\) passed.*/\1/p')
  f=$(count "$steps/parity.log" 's/^kcheck summary: [0-9]* passed, \([0-9]*\) failed.*/\1/p')
  s=$(count "$steps/parity.log" 's/^kcheck summary: .* failed, \([0-9]*\) skipped.*/\1/p')
  parity_note="$p passed, $f failed, $s skipped"
  # On a GPU nothing may skip, whatever the exit code says.
  if [[ $step_rc == 0 ]] && ((s > 0 || f > 0 || p == 0)); then step_rc=1; fi
  verdict parity "$parity_note$(grep -m3 ': FAIL' "$steps/parity.log" | sed 's/^/; /' | tr -d '\n')"
fi

# ------------------------------------------------------------ 4 sanitizers
sanitizer=${PAGEPREP_SANITIZER:-$(command -v compute-sanitizer || true)}
san_note=""
for tool in memcheck initcheck racecheck; do
  if [[ -z $sanitizer ]]; then
    row "$tool" FAIL 0 "compute-sanitizer not found"
    failed=1
    san_note+="$tool: not found; "
    continue
  fi
  step "$tool" 75 "$sanitizer" --tool "$tool" --error-exitcode 99 "$kcheck" --small --no-bench || {
    san_note+="$tool: not run; "
    continue
  }
  errors=$(count "$steps/$tool.log" 's/^========= ERROR SUMMARY: \([0-9]*\) error.*/\1/p')
  grep -q 'ERROR SUMMARY' "$steps/$tool.log" || errors="?"
  [[ $step_rc == 0 && $errors != 0 ]] && step_rc=1
  san_note+="$tool: $errors errors; "
  verdict "$tool" "$errors errors"
done

# --------------------------------------------------------------- 5 bench
if step bench 120 "$kcheck" --bench-only --pages "$pages"; then
  grep '^bench' "$steps/bench.log" >"$out/bench.txt"
  [[ $step_rc == 0 ]] && ! grep -q '^bench cuda_kernels' "$steps/bench.log" && step_rc=1
  verdict bench "$(grep -c '^bench [a-z_]*:' "$steps/bench.log") figures, $pages pages a measurement"
fi
rate() { sed -n "s/^bench $1: \([0-9.]*\) pages\/s.*/\1/p" "$steps/bench.log" 2>/dev/null | tail -1; }
cpu_pps=$(rate cpu_schedule)
k_pps=$(rate cuda_kernels)
t_pps=$(rate cuda_with_transfers)

# ----------------------------------------------------------------- 6 e2e
e2e="n/a (no full pageprep here: kernels-only figures)"
pageprep=${PAGEPREP_BIN:-}
if [[ -n $pageprep && -x $pageprep ]]; then
  if step e2e 120 "$pageprep" bench --json --pages "$pages" --batch 16 --jobs "$(nproc)" \
      --work "$steps/e2e-work"; then
    e2e=$(python3 - "$steps/e2e.log" 2>/dev/null <<'PY' || echo "unreadable"
import json, sys
d = json.load(open(sys.argv[1]))
print(", ".join("%s %s %.1f" % (r["stage"], r["device"], r.get("pages_per_s") or 0) for r in d["results"]))
PY
)
    verdict e2e "$pages pages"
  fi
else
  row e2e n/a 0 "PAGEPREP_BIN not given: the lent machine cannot run the full CLI"
fi

# ------------------------------------------------------------ the table
ratio() { [[ -n $1 && -n $2 ]] && python3 -c "print(f'{$1/$2:.1f}x')" 2>/dev/null || echo "-"; }
{
  echo
  echo "| check | result |"
  echo "|---|---|"
  echo "| parity (CPU vs CUDA, bit-exact) | $parity_note |"
  echo "| sanitizers (kcheck --small) | ${san_note%; } |"
  echo "| pages/s, CPU schedule ($(nproc) cores) | ${cpu_pps:--} |"
  echo "| pages/s, CUDA kernels alone | ${k_pps:--} ($(ratio "$k_pps" "$cpu_pps") CPU) |"
  echo "| pages/s, CUDA with transfers | ${t_pps:--} ($(ratio "$t_pps" "$cpu_pps") CPU) |"
  echo "| pages/s, end to end | $e2e |"
  echo "| verdict | $( ((failed)) && echo FAIL || echo pass) in $(($(date +%s) - start)) s |"
} >>"$summary"
cat "$summary"
exit $failed
