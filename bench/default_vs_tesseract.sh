#!/usr/bin/env bash
# The whole default run against plain tesseract, on the same pages and cores
# (docs/PERFORMANCE.md, "End to end: the default run against tesseract"):
#   pageprep run PAGES -o OUT --jobs J          (no -l: every page in its own script,
#                                               orientation, deskew, Sauvola, despeckle)
#   tesseract PAGE OUT txt hocr, J at a time    (on the raw pages, OMP_THREAD_LIMIT=1)
#   tesseract-same: the same, rendering what the default run writes per page
#                   and per document (txt hocr alto tsv pdf)
# on a mix of clean, degraded and real pages. Both commands run in this one
# invocation, alternating (A B, B A, A B, ...), RUNS times each, pinned to
# cores 0..J-1; the table shows medians, spreads and the ratio, and what
# pageprep's run.json says its time went to (detection against OCR).
#
# usage: bench/default_vs_tesseract.sh [--jobs J] [--runs R] [--clean N] [--degraded N]
#                                      [--demo N] [--real-dir DIR] [--no-real]
#                                      [--variant NAME=ARGS]... [--work DIR] [--build DIR]
#   --variant adds another pageprep command line to the rotation, e.g.
#   --variant 'eng-norotate=-l eng --no-rotate-pages'
# Environment: BUILD_DIR (default: build) holds host/pageprep and
# tests/support/pageprep-synth; PAGEPREP_SHARED_DIR (default: ../shared) the real scans.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=$(nproc)
runs=3
n_clean=12
n_degraded=12
n_demo=6
real_dir=${PAGEPREP_SHARED_DIR:-$root/../shared}/data/real-scans
use_real=1
build=${BUILD_DIR:-$root/build}
work=""
variants=()
while (($#)); do
  case "$1" in
    --jobs) jobs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --clean) n_clean=$2; shift 2 ;;
    --degraded) n_degraded=$2; shift 2 ;;
    --demo) n_demo=$2; shift 2 ;;
    --real-dir) real_dir=$2; shift 2 ;;
    --no-real) use_real=0; shift ;;
    --variant) variants+=("$2"); shift 2 ;;
    --work) work=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "default_vs_tesseract: unknown option $1" >&2; exit 2 ;;
  esac
done

pageprep=$build/host/pageprep
synth=$build/tests/support/pageprep-synth
for b in "$pageprep" "$synth"; do
  [[ -x $b ]] || { echo "default_vs_tesseract: $b is not built" >&2; exit 1; }
done
command -v tesseract >/dev/null || { echo "default_vs_tesseract: tesseract is not installed" >&2; exit 1; }

[[ -n $work ]] || work=$(mktemp -d /tmp/pageprep-default-vs-tesseract.XXXXXX)
mkdir -p "$work"
export OMP_THREAD_LIMIT=1
pin=()
command -v taskset >/dev/null && pin=(taskset -c "0-$((jobs - 1))")

echo "== pages in $work/pages"
rm -rf "$work/pages"
mkdir -p "$work/pages"
((n_clean > 0)) && "$synth" --preset clean --layout mix --count "$n_clean" --seed 11 \
  --out "$work/pages/clean" >/dev/null
((n_degraded > 0)) && "$synth" --preset degraded --count "$n_degraded" --seed 12 \
  --out "$work/pages/degraded" >/dev/null
((n_demo > 0)) && "$synth" --preset demo --count "$n_demo" --seed 13 \
  --out "$work/pages/demo" >/dev/null
if ((use_real)) && [[ -d $real_dir ]]; then
  mkdir -p "$work/pages/real"
  find "$real_dir" -maxdepth 1 -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.tif' \) \
    -exec cp {} "$work/pages/real/" \;
fi
# Ground truth files stay out of the way of tesseract's file list; pageprep
# reads them for CER (page.gt.txt beside page.png), which costs nothing measurable.
mapfile -t page_files < <(find "$work/pages" -type f \( -name '*.png' -o -name '*.jpg' -o -name '*.tif' \) | sort)
echo "   ${#page_files[@]} pages: $n_clean clean, $n_degraded degraded, $n_demo demo, $(ls "$work/pages/real" 2>/dev/null | wc -l) real"
printf '%s\n' "${page_files[@]}" >"$work/pages.lst"

names=(pageprep tesseract tesseract-same)
declare -A variant_args
for v in "${variants[@]}"; do
  names+=("${v%%=*}")
  variant_args[${v%%=*}]=${v#*=}
done

# run_one NAME: one run of a command into $OUT.
run_one() {
  case "$1" in
    pageprep)
      "${pin[@]}" "$pageprep" run "$work/pages" -o "$OUT" --jobs "$jobs" --quiet ;;
    tesseract)
      # One process per page, J at a time, in the order pageprep reads them.
      "${pin[@]}" xargs -a "$work/pages.lst" -P "$jobs" -I{} sh -c \
        'b=$(echo "$1" | sed "s|^$2/||; s|/|_|g; s|\.[^.]*$||"); tesseract "$1" "$3/$b" txt hocr' \
        _ {} "$work/pages" "$OUT" ;;
    tesseract-same)
      "${pin[@]}" xargs -a "$work/pages.lst" -P "$jobs" -I{} sh -c \
        'b=$(echo "$1" | sed "s|^$2/||; s|/|_|g; s|\.[^.]*$||"); tesseract "$1" "$3/$b" txt hocr alto tsv pdf' \
        _ {} "$work/pages" "$OUT" ;;
    *)
      local extra
      read -r -a extra <<<"${variant_args[$1]}"
      "${pin[@]}" "$pageprep" run "$work/pages" -o "$OUT" --jobs "$jobs" --quiet "${extra[@]}" ;;
  esac
}

mkdir -p "$work/times" "$work/cpu" "$work/runs"
for n in "${names[@]}"; do : >"$work/times/$n" >"$work/cpu/$n"; done
echo "== $runs rounds of: ${names[*]} (alternating order), cores 0..$((jobs - 1)), load $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= runs; r++)); do
  order=("${names[@]}")
  if ((r % 2 == 0)); then  # reverse every other round
    order=()
    for ((i = ${#names[@]} - 1; i >= 0; i--)); do order+=("${names[i]}"); done
  fi
  for n in "${order[@]}"; do
    export OUT="$work/out/$n"
    rm -rf "$OUT"
    mkdir -p "$OUT"
    sync
    # Wall seconds, and CPU seconds (user + system, every child process).
    TIMEFORMAT='%3R %3U %3S'
    if ! { time run_one "$n" >"$work/$n.log" 2>&1; } 2>"$work/time.tmp"; then
      echo "default_vs_tesseract: $n failed (see $work/$n.log)" >&2
      tail -5 "$work/$n.log" >&2
      exit 1
    fi
    read -r wall user sys <"$work/time.tmp"
    echo "$wall" >>"$work/times/$n"
    echo "$user $sys" | awk '{printf "%.3f\n", $1 + $2}' >>"$work/cpu/$n"
    [[ -f $OUT/run.json ]] && cp "$OUT/run.json" "$work/runs/$n.$r.json"
    echo "   round $r $n: $(tail -1 "$work/times/$n") s wall, $(tail -1 "$work/cpu/$n") s CPU  (load $(cut -d' ' -f1 /proc/loadavg))"
  done
done

echo
echo "== results: ${#page_files[@]} pages, $jobs cores, $runs runs each"
python3 - "$work" "${#page_files[@]}" "${names[@]}" <<'EOF'
import glob, json, os, statistics, sys
work, pages, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
t = {n: [float(x) for x in open(os.path.join(work, "times", n)) if x.strip()] for n in names}
c = {n: [float(x) for x in open(os.path.join(work, "cpu", n)) if x.strip()] for n in names}
med = {n: statistics.median(v) for n, v in t.items()}
cmed = {n: statistics.median(v) for n, v in c.items()}
def rel(d, n, base):
    return f"{(d[n] / d[base] - 1) * 100:+.1f}%"
print(f"  {'command':<16} {'wall s':>7}  {'min..max':>15}  {'pages/s':>7}  {'CPU s':>7}  "
      f"wall vs tesseract / tesseract-same   CPU vs tesseract / tesseract-same")
for n in names:
    v = t[n]
    cmp = ""
    if n != "tesseract":
        cmp = f"{rel(med, n, 'tesseract'):>8}"
        cmp += f" / {rel(med, n, 'tesseract-same'):>7}" if n != "tesseract-same" else " /        "
        cmp += f"               {rel(cmed, n, 'tesseract'):>8}"
        cmp += f" / {rel(cmed, n, 'tesseract-same'):>7}" if n != "tesseract-same" else ""
    print(f"  {n:<16} {med[n]:7.2f}  {min(v):7.2f}..{max(v):<7.2f}  {pages / med[n]:7.3f}  "
          f"{cmed[n]:7.1f}  {cmp}")
print()
print("  pageprep run.json, median over rounds (busy seconds summed over threads):")
for n in names:
    runs = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(work, "runs", n + ".*.json")))]
    if not runs:
        continue
    def m(key):
        return statistics.median(r["stage_busy_s"].get(key, 0.0) for r in runs)
    det, ocr = m("detect"), m("ocr")
    mis = statistics.median(r.get("pages_script_mismatch", 0) for r in runs)
    miss = statistics.median(r.get("pages_model_missing", 0) for r in runs)
    print(f"  {n:<16} decode {m('decode'):.1f}  preprocess {m('preprocess'):.1f}  detect {det:.2f}"
          f"  ocr {ocr:.1f}  write {m('write'):.1f}  -> detection {100 * det / ocr if ocr else 0:.2f}%"
          f" of OCR; script_mismatch {mis:.0f}, model_missing {miss:.0f}")
EOF
echo "(work folder: $work; per-page records in $work/out/pageprep/pages.jsonl)"
