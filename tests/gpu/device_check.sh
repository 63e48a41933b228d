#!/usr/bin/env bash
# The one-shot proof on a first GPU (issue 14), meant to finish within 8
# minutes on an H200 (16 cores). Every step's exit code is kept; one summary
# table goes to $OUT/summary.txt (and stdout, last).
#
#   1 machine    nvidia-smi, cores, nvcc, compute-sanitizer, cmake
#   2 deps       the build dependencies; without them, the prebuilt bundle
#                (.device/bundle.tar.xz from tests/gpu/make_bundle.sh, carried)
#   3 build      sm_90 only, only the targets used: pageprep, pageprep-synth,
#                the parity tests (skipped in bundle mode)
#   4 parity     every parity test binary (label gpu): CPU vs CUDA, exact
#   5 sanitize   compute-sanitizer memcheck, racecheck, synccheck, initcheck on
#                parity_test_sanitizer_smoke (every operation, small shapes),
#                and memcheck on `pageprep run --device cuda` over 3 small pages
#   6 pages      >= 100 generated A4 300-dpi pages (pageprep-synth, 8 at a time)
#   7 cli        `pageprep run --ocr none --save-gray` with --device cpu and
#                --device cuda: every output compared byte for byte, the
#                records' measurements compared, the CUDA run checked to have
#                run on the device (no CPU retries); then a second option set
#                (background, median, Wolf, border) on a subset
#   8 bench      `pageprep bench --json`: pages/s on the CPU and the GPU,
#                kernels alone, with transfers, end to end
#
# Files under $OUT (at most 8 come back from a device call): summary.txt,
# logs.txt (every step's output), bench.json, bench.txt, cli_diff.txt,
# machine.txt.
#
# usage: bash tests/gpu/device_check.sh [--build-dir DIR] [--pages N] [--jobs N]
#   PAGEPREP_DEVICE_BUNDLE  the prebuilt bundle (default .device/bundle.tar.xz)
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=${OUT:-$root/device-check-out}
mkdir -p "$out"
build=build-gpu
pages=104
jobs=$(nproc)
while (($#)); do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --pages) pages=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,33p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "device_check: unknown option $1" >&2; exit 2 ;;
  esac
done
bundle=${PAGEPREP_DEVICE_BUNDLE:-$root/.device/bundle.tar.xz}
work=$(mktemp -d /tmp/pageprep-devcheck.XXXXXX)
export root out build pages jobs work
start=$(date +%s)
budget=460  # seconds of work before optional steps are skipped (8 min with margin)
logs=$out/logs.txt
: >"$logs"
declare -A rc dur note
order=()
elapsed() { echo $(($(date +%s) - start)); }

# step NAME TIMEOUT_S CMD...: runs CMD with a time limit, appends its output to
# logs.txt, records its exit code (124: time limit) and duration.
step() {
  local name=$1 limit=$2
  shift 2
  order+=("$name")
  local t0
  t0=$(date +%s)
  {
    echo "===== $name ($(date -u +%T), limit ${limit}s): $*"
  } >>"$logs"
  # Functions and variables reach the child through export (bash -c).
  timeout --kill-after=10 "$limit" bash -c '"$@"' _ "$@" >>"$logs" 2>&1
  rc[$name]=$?
  dur[$name]=$(($(date +%s) - t0))
  echo "===== $name: rc ${rc[$name]} in ${dur[$name]}s" >>"$logs"
  echo "[$(elapsed)s] $name: rc ${rc[$name]} (${dur[$name]}s)"
  return "${rc[$name]}"
}
skip() {
  order+=("$1")
  rc[$1]=skipped
  dur[$1]=0
  note[$1]=$2
  echo "[$(elapsed)s] $1: skipped ($2)"
}
over_budget() { (($(elapsed) > budget)); }

# ---------------------------------------------------------------- 1 machine
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv 2>&1
  echo "cores: $(nproc)"
  (nvcc --version || /usr/local/cuda/bin/nvcc --version) 2>&1 | tail -2
  (compute-sanitizer --version || /usr/local/cuda/bin/compute-sanitizer --version) 2>&1 | head -2
  cmake --version | head -1
  uname -a
  grep -m1 "model name" /proc/cpuinfo
} >"$out/machine.txt" 2>&1
gpu=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
export PATH=$PATH:/usr/local/cuda/bin

# ------------------------------------------------------------------- 2 deps
missing=()
for tool in cmake ninja nvcc c++ pkg-config python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if command -v pkg-config >/dev/null; then
  for mod in opencv4 tesseract lept libtiff-4 freetype2 libdeflate zlib; do
    pkg-config --exists "$mod" || missing+=("pkg:$mod")
  done
fi
[[ -f /usr/include/gtest/gtest.h ]] || missing+=("gtest")
{
  echo "===== deps: missing: ${missing[*]:-none}"
} >>"$logs"
mode=build
if ((${#missing[@]})); then
  if [[ -f $bundle ]]; then
    mode=bundle
  else
    mode=none
  fi
fi
order+=(deps)
rc[deps]=${#missing[@]}
dur[deps]=0
note[deps]="missing: ${missing[*]:-none}; mode $mode"
echo "[$(elapsed)s] deps: ${note[deps]}"

# ------------------------------------------------------------------ 3 build
bin=""
if [[ $mode == build ]]; then
  configure_and_build() {
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAGEPREP_CUDA=ON \
      -DCMAKE_CUDA_ARCHITECTURES=90 -DPAGEPREP_BUILD_BENCH=OFF || return
    local parity
    parity=$(cd "$build" && ninja -t targets all | sed -n 's/^\(parity_test_[a-z_]*\): phony$/\1/p' | sort -u)
    cmake --build "$build" -j "$jobs" --target pageprep pageprep-synth $parity
  }
  export -f configure_and_build
  step build 300 configure_and_build
  if [[ ${rc[build]} == 0 ]]; then
    bin=$work/bin
    mkdir -p "$bin"
    cp "$build/host/pageprep" "$build/tests/support/pageprep-synth" "$bin/"
    find "$build/tests" -maxdepth 1 -name 'parity_test_*' -type f -executable -exec cp {} "$bin/" \;
  fi
elif [[ $mode == bundle ]]; then
  unpack() {
    mkdir -p "$work/bundle" && tar -C "$work/bundle" -xJf "$bundle" || return
    export LD_LIBRARY_PATH=$work/bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    if ldd "$work/bundle/bin/pageprep" | grep "not found"; then return 1; fi
    "$work/bundle/bin/pageprep" --version
  }
  export -f unpack
  export bundle
  step build 120 unpack
  note[build]="bundle $(basename "$bundle")"
  if [[ ${rc[build]} == 0 ]]; then
    export LD_LIBRARY_PATH=$work/bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    bin=$work/bundle/bin
  fi
else
  skip build "dependencies missing and no bundle (run tests/gpu/make_bundle.sh, carry .device)"
fi

if [[ -z $bin ]]; then
  for s in parity sanitize_memcheck sanitize_racecheck sanitize_synccheck sanitize_initcheck \
           sanitize_cli pages cli_compare cli_compare_options bench; do
    skip "$s" "nothing to run"
  done
else
  export bin
  # --------------------------------------------------------------- 4 parity
  # Counts survive a crashed or timed-out binary (tests/gpu/parity_counts.sh);
  # a skipped parity test fails the step (on a GPU nothing may skip).
  source "$root/tests/gpu/parity_counts.sh"
  parity_all() {
    local t failed=0 log code passed=0 skipped=0 bad=0
    for t in "$bin"/parity_test_*; do
      echo "--- $(basename "$t")"
      code=0
      log=$(timeout 120 "$t" --gtest_brief=1 2>&1) || code=$?
      ((code != 0)) && failed=1
      echo "$log"
      ((code != 0)) && echo "($(basename "$t") exited with $code)"
      parity_tally "$log" "$code"
    done
    echo "parity summary: $passed passed, $bad failed, $skipped skipped"
    ((skipped > 0)) && failed=1
    return $failed
  }
  export -f parity_all gtest_count parity_tally
  step parity 240 parity_all
  note[parity]=$(grep '^parity summary:' "$logs" | tail -1 | cut -d: -f2-)

  # ------------------------------------------------------------- 5 sanitize
  sanitizer=$(command -v compute-sanitizer || true)
  for tool in memcheck racecheck synccheck initcheck; do
    if [[ -z $sanitizer ]]; then
      skip "sanitize_$tool" "compute-sanitizer not found"
    elif over_budget; then
      skip "sanitize_$tool" "time budget"
    else
      step "sanitize_$tool" 90 "$sanitizer" --tool "$tool" --error-exitcode 99 \
        "$bin/parity_test_sanitizer_smoke" --gtest_brief=1
    fi
  done
  mkdir -p "$work/small"
  "$bin/pageprep-synth" --count 3 --seed 5 --dpi 100 --skew-max 4 --out "$work/small" >/dev/null 2>&1
  if [[ -n $sanitizer ]] && ! over_budget; then
    step sanitize_cli 120 "$sanitizer" --tool memcheck --error-exitcode 99 \
      "$bin/pageprep" run "$work/small" -o "$work/small-out" --ocr none --device cuda --save-gray -q
  else
    skip sanitize_cli "compute-sanitizer not found or time budget"
  fi

  # ---------------------------------------------------------------- 6 pages
  make_pages() {
    local k per=$(((pages + 7) / 8))
    for ((k = 0; k < 8; ++k)); do
      "$bin/pageprep-synth" --count "$per" --seed $((100 * k + 1)) --skew-max 6 --noise 6 \
        --specks 30 --layout mix --out "$work/pages/part$k" >/dev/null &
    done
    wait
    find "$work/pages" -name '*.png' | wc -l
  }
  export -f make_pages
  step pages 150 make_pages

  # ------------------------------------------------------------------ 7 cli
  compare_runs() {  # compare_runs TAG INPUT EXTRA_OPTIONS...: --device cpu vs cuda on INPUT
    local tag=$1 input=$2
    shift 2
    "$bin/pageprep" run "$input" -o "$work/out-$tag-cpu" --ocr none --device cpu -q "$@" || return
    "$bin/pageprep" run "$input" -o "$work/out-$tag-cuda" --ocr none --device cuda -q "$@" || return
    python3 - "$work/out-$tag-cpu" "$work/out-$tag-cuda" "$out/cli_diff.txt" "$tag" <<'EOF'
import filecmp, json, os, sys
cpu, cuda, report, tag = sys.argv[1:5]
def files(d):
    out = []
    for base, dirs, names in os.walk(d):
        dirs[:] = [x for x in dirs if x != ".pageprep"]
        for n in names:
            # Reports (pages.jsonl, the live feed, run.json) carry timings.
            if not n.endswith(".jsonl") and not (n.startswith("run") and n.endswith(".json")):
                out.append(os.path.relpath(os.path.join(base, n), d))
    return sorted(out)
a, b = files(cpu), files(cuda)
problems = []
if a != b:
    problems.append(f"output lists differ: {len(set(a) ^ set(b))} names")
same = 0
for f in sorted(set(a) & set(b)):
    if filecmp.cmp(os.path.join(cpu, f), os.path.join(cuda, f), shallow=False):
        same += 1
    else:
        problems.append(f"differs: {f}")
def records(d):
    r = {}
    for line in open(os.path.join(d, "pages.jsonl")):
        j = json.loads(line)
        r[(j["input"], j["page"])] = j
    return r
ra, rb = records(cpu), records(cuda)
keys = ["status", "skew_deg", "skew_confidence", "rotated", "specks_removed", "width", "height"]
for k in sorted(ra):
    for f in keys:
        if ra[k].get(f) != rb.get(k, {}).get(f):
            problems.append(f"record {k} {f}: cpu {ra[k].get(f)} cuda {rb.get(k, {}).get(f)}")
    ex = rb.get(k, {}).get("executor", "")
    if not ex.startswith("cuda"):
        problems.append(f"record {k} ran on {ex!r}, not the device")
run = json.load(open(os.path.join(cuda, "run.json")))
if run.get("cuda_batches_retried_on_cpu", 0) != 0:
    problems.append(f"run.json: {run['cuda_batches_retried_on_cpu']} pages retried on the CPU")
with open(report, "a") as f:
    f.write(f"== {tag}: {len(a)} cpu outputs, {len(b)} cuda outputs, {same} identical, "
            f"{len(ra)} records, {len(problems)} problems\n")
    for p in problems[:200]:
        f.write("  " + p + "\n")
print(f"{tag}: {same}/{len(a)} outputs identical, {len(problems)} problems")
sys.exit(1 if problems else 0)
EOF
  }
  export -f compare_runs
  : >"$out/cli_diff.txt"
  if [[ ${rc[pages]} == 0 ]]; then
    step cli_compare 240 compare_runs default "$work/pages" --save-gray
    if over_budget; then
      skip cli_compare_options "time budget"
    else
      # A second option set on one part (pages / 8): background, median, Wolf, border.
      step cli_compare_options 150 compare_runs options "$work/pages/part0" \
        --background-norm --median --binarize wolf --remove-border --save-gray
    fi
  else
    skip cli_compare "no pages"
    skip cli_compare_options "no pages"
  fi

  # ---------------------------------------------------------------- 8 bench
  if over_budget; then
    skip bench "time budget"
  else
    run_bench() {
      "$bin/pageprep" bench --json --pages 32 --batch 16 --seconds 3 --jobs "$jobs" \
        --work "$work/bench" >"$out/bench.json" || return
      python3 - "$out/bench.json" >"$out/bench.txt" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print(f"{d['pages']['count']} pages {d['pages']['width']}x{d['pages']['height']}, "
      f"{d['machine']['cpu']}, {d['machine']['threads']} threads, GPUs: {d['machine']['gpus']}")
for r in d["results"]:
    pps = r.get("pages_per_s")
    print(f"  {r['stage']:<24} {r['device']:<8} threads {r['threads']:>3} batch {r['batch']:>3} "
          + (f"{pps:10.1f} pages/s {r['ms_per_page']:9.3f} ms/page" if pps else f"  - {r.get('note', '')}"))
EOF
      cat "$out/bench.txt"
    }
    export -f run_bench
    step bench 180 run_bench
  fi
fi

# ---------------------------------------------------------------- summary
{
  echo "pageprep device check, $(date -u +%F), ${gpu:-no GPU found}, $(nproc) cores, mode $mode, $(elapsed) s"
  printf '%-22s %-8s %6s  %s\n' step rc seconds note
  for s in "${order[@]}"; do
    printf '%-22s %-8s %6s  %s\n' "$s" "${rc[$s]}" "${dur[$s]}" "${note[$s]:-}"
  done
  [[ -s $out/cli_diff.txt ]] && grep '^==' "$out/cli_diff.txt"
  [[ -s $out/bench.txt ]] && cat "$out/bench.txt"
} | tee "$out/summary.txt"
rm -rf "$work"
failed=0
for s in "${order[@]}"; do
  case ${rc[$s]} in
    0|skipped) ;;
    *) [[ $s == deps ]] || failed=1 ;;
  esac
done
exit $failed
