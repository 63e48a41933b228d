#!/usr/bin/env bash
# Compares pageprep with the command-line tools people use for the same job, on
# the same generated pages and the same cores (docs/PERFORMANCE.md):
#   (a) preprocessing only, one core, files to files:
#       pageprep run --ocr none --jobs 1   vs   unpaper (default filters), page by page
#         (on the PNG pages and on the     vs   unpaper, one process for all pages
#          same PGM copies unpaper reads)       (its %d file pattern)
#                                          vs   bench/leptonica_composite (the same
#                                               steps written with Leptonica, PNG in/out)
#   (b) end to end with OCR, J cores:
#       pageprep run --jobs J   vs   tesseract alone (J in parallel)
#                                vs   ocrmypdf --deskew --clean (J in parallel)
# Each command runs RUNS times (default 3) into a fresh output folder; the table
# shows the median wall time, the spread (min..max), the median CPU time (user +
# system of the command's processes: what a loaded machine distorts least) and
# the ratios, by wall time and by CPU time.
#
# usage: bench/compare_tools.sh [--pages N] [--jobs J] [--runs R] [--build DIR]
#                               [--work DIR] [--skip-e2e] [--skip-ocrmypdf]
# Environment: BUILD_DIR (default: build) holds host/pageprep,
# tests/support/pageprep-synth and bench/leptonica_composite.
#
# Installs nothing itself: when unpaper, ocrmypdf or tesseract is missing it
# runs `PAGEPREP_WITH_PEERS=1 bash .ci/setup-debian.sh`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pages=20
jobs=$(nproc)
runs=3
build=${BUILD_DIR:-$root/build}
work=""
skip_e2e=0
skip_ocrmypdf=0
while (($#)); do
  case "$1" in
    --pages) pages=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --skip-e2e) skip_e2e=1; shift ;;
    --skip-ocrmypdf) skip_ocrmypdf=1; shift ;;
    -h|--help) sed -n '2,21p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "compare_tools: unknown option $1" >&2; exit 2 ;;
  esac
done

pageprep=$build/host/pageprep
synth=$build/tests/support/pageprep-synth
lepton=$build/bench/leptonica_composite
[[ -x $synth ]] || { echo "compare_tools: $synth not built (ninja -C $build pageprep-synth)" >&2; exit 1; }
have_pageprep=1
[[ -x $pageprep ]] || { echo "compare_tools: $pageprep not built: its rows are skipped" >&2; have_pageprep=0; }

# Part (a) needs only unpaper; tesseract and ocrmypdf are for part (b).
if ! command -v unpaper >/dev/null ||
   { ((!skip_e2e)) && ! command -v tesseract >/dev/null; } ||
   { ((!skip_e2e)) && ((!skip_ocrmypdf)) && ! command -v ocrmypdf >/dev/null; }; then
  PAGEPREP_WITH_PEERS=1 bash "$root/.ci/setup-debian.sh"
fi

[[ -n $work ]] || work=$(mktemp -d /tmp/pageprep-compare.XXXXXX)
mkdir -p "$work"
export OMP_THREAD_LIMIT=1  # Tesseract: one thread per process, J processes

# Cores: the runs of (a) share core 0, the runs of (b) cores 0..J-1.
pin_one=()
pin_j=()
if command -v taskset >/dev/null; then
  pin_one=(taskset -c 0)
  pin_j=(taskset -c "0-$((jobs - 1))")
fi

echo "== generating $pages pages in $work/pages"
rm -rf "$work/pages" "$work/pgm"
"$synth" --count "$pages" --seed 1 --skew-max 5 --noise 6 --specks 20 --out "$work/pages" >/dev/null
mkdir -p "$work/pgm"
# unpaper reads PNM: convert outside the timing, with Pillow (a dependency of
# ocrmypdf, so present wherever the peers are).
/usr/bin/python3 - "$work/pages" "$work/pgm" <<'EOF'
import glob, os, sys
from PIL import Image
src, dst = sys.argv[1], sys.argv[2]
for p in sorted(glob.glob(os.path.join(src, "*.png"))):
    Image.open(p).convert("L").save(os.path.join(dst, os.path.basename(p)[:-4] + ".pgm"))
EOF

# time_runs NAME CMD...: runs CMD `runs` times (CMD sees $OUT, a fresh folder),
# records "wall cpu" seconds per run in $work/times/NAME (cpu: user + system
# of the finished children, from bash's `times`).
mkdir -p "$work/times"
# `times` must run in this shell (not in $(...)): its second line is the
# user and system time of the finished children.
children_cpu() {
  tail -1 "$1" | awk '{
    s = 0
    for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] }
    printf "%.3f", s }'
}
time_runs() {
  local name=$1
  shift
  : >"$work/times/$name"
  for ((r = 1; r <= runs; r++)); do
    export OUT="$work/out/$name"
    rm -rf "$OUT"
    mkdir -p "$OUT"
    sync
    local t0 t1 c0 c1
    times >"$work/.times0"
    t0=$(date +%s.%N)
    if ! "$@" >"$work/$name.log" 2>&1; then
      echo "compare_tools: $name failed (see $work/$name.log)" >&2
      tail -5 "$work/$name.log" >&2
      return 1
    fi
    t1=$(date +%s.%N)
    times >"$work/.times1"
    c0=$(children_cpu "$work/.times0")
    c1=$(children_cpu "$work/.times1")
    echo "$t0 $t1 $c0 $c1" | awk '{printf "%.3f %.3f\n", $2 - $1, $4 - $3}' >>"$work/times/$name"
    echo "   $name run $r: $(tail -1 "$work/times/$name") s (wall cpu)"
  done
}

run_unpaper() {
  local f
  for f in "$work"/pgm/*.pgm; do
    "${pin_one[@]}" unpaper --overwrite "$f" "$OUT/$(basename "$f")"
  done
}
# One unpaper process for all pages (no per-page process start): its
# multi-sheet mode reads in%04d.pgm from sheet 1 until a file is missing.
rm -rf "$work/pgmseq"
mkdir -p "$work/pgmseq"
seq_n=0
for f in "$work"/pgm/*.pgm; do
  seq_n=$((seq_n + 1))
  ln -s "$f" "$work/pgmseq/$(printf 'in%04d.pgm' "$seq_n")"
done
run_unpaper_one() {
  "${pin_one[@]}" unpaper --overwrite "$work/pgmseq/in%04d.pgm" "$OUT/out%04d.pgm"
  local n
  n=$(find "$OUT" -name 'out*.pgm' | wc -l)
  [[ $n -eq $seq_n ]] || { echo "unpaper wrote $n of $seq_n pages" >&2; return 1; }
}
run_tesseract() {
  find "$work/pages" -name '*.png' -print0 | sort -z |
    xargs -0 -P "$jobs" -I{} sh -c 'b=$(basename "$1" .png); tesseract "$1" "$OUT/$b" -l eng txt hocr' _ {}
}
run_ocrmypdf() {
  # Its cheapest settings (no PDF/A conversion, no optimization), one page per
  # process, J processes.
  find "$work/pages" -name '*.png' -print0 | sort -z |
    xargs -0 -P "$jobs" -I{} sh -c 'b=$(basename "$1" .png); ocrmypdf -q --image-dpi 300 --deskew --clean -l eng --jobs 1 --output-type pdf --optimize 0 "$1" "$OUT/$b.pdf"' _ {}
}

echo "== (a) preprocessing only, one core"
if ((have_pageprep)); then
  pp_pre() { "${pin_one[@]}" "$pageprep" run "$work/pages" -o "$OUT" --ocr none --jobs 1 --quiet; }
  time_runs pageprep_preprocess pp_pre
  # The same PGM files unpaper reads (the fair peer of its rows).
  pp_pgm() { "${pin_one[@]}" "$pageprep" run "$work/pgm" -o "$OUT" --ocr none --jobs 1 --quiet; }
  time_runs pageprep_preprocess_pgm pp_pgm
fi
if [[ -x $lepton ]]; then
  run_lepton() { "${pin_one[@]}" "$lepton" "$OUT" "$work"/pages/*.png; }
  time_runs leptonica_composite run_lepton
else
  echo "compare_tools: $lepton not built (ninja -C $build leptonica_composite): its row is skipped" >&2
fi
time_runs unpaper run_unpaper
time_runs unpaper_one_process run_unpaper_one

if ((!skip_e2e)); then
  echo "== (b) end to end with OCR, $jobs cores"
  if ((have_pageprep)); then
    pp_e2e() { "${pin_j[@]}" "$pageprep" run "$work/pages" -o "$OUT" --jobs "$jobs" --quiet; }
    time_runs pageprep_e2e pp_e2e
  fi
  tess() { "${pin_j[@]}" bash -c "$(declare -f run_tesseract); work='$work' jobs=$jobs run_tesseract"; }
  time_runs tesseract tess
  if ((!skip_ocrmypdf)); then
    ocrm() { "${pin_j[@]}" bash -c "$(declare -f run_ocrmypdf); work='$work' jobs=$jobs run_ocrmypdf"; }
    time_runs ocrmypdf ocrm
  fi
fi

echo
echo "== results: $pages pages, A4 300 dpi, $runs runs each (median, min..max wall seconds; median CPU seconds)"
python3 - "$work/times" "$pages" <<'EOF'
import os, statistics, sys
d, pages = sys.argv[1], int(sys.argv[2])
wall, cpu = {}, {}
for name in os.listdir(d):
    rows = [x.split() for x in open(os.path.join(d, name)) if x.strip()]
    if rows:
        wall[name] = [float(r[0]) for r in rows]
        cpu[name] = [float(r[1]) for r in rows]
def row(name):
    v = wall[name]
    m = statistics.median(v)
    c = statistics.median(cpu[name])
    print(f"  {name:<22} {m:9.2f} s  ({min(v):.2f}..{max(v):.2f})  {pages / m:7.2f} pages/s"
          f"  cpu {c:8.2f} s  {1000 * c / pages:8.1f} ms/page")
for n in ["pageprep_preprocess", "pageprep_preprocess_pgm", "leptonica_composite", "unpaper",
          "unpaper_one_process", "pageprep_e2e", "tesseract", "ocrmypdf"]:
    if n in wall:
        row(n)
med = {n: statistics.median(v) for n, v in wall.items()}
medc = {n: statistics.median(v) for n, v in cpu.items()}
print()
def ratio(a, b, what, target):
    if a in med and b in med:
        print(f"  {what:<52} {med[b] / med[a]:7.2f}x wall  {medc[b] / medc[a]:7.2f}x cpu   (target {target})")
ratio("pageprep_preprocess_pgm", "unpaper", "unpaper / pageprep, same PGM files (1 core)", ">= 50x")
ratio("pageprep_preprocess_pgm", "unpaper_one_process", "unpaper one process / pageprep, same PGM (1 core)", ">= 50x")
ratio("pageprep_preprocess", "unpaper", "unpaper on PGM / pageprep on PNG (1 core)", "-")
ratio("pageprep_preprocess", "leptonica_composite", "Leptonica composite / pageprep (1 core)", ">= 2x")
ratio("pageprep_e2e", "ocrmypdf", "ocrmypdf --deskew --clean / pageprep end to end", ">= 1.5x")
if "pageprep_e2e" in med and "tesseract" in med:
    slower = med["pageprep_e2e"] / med["tesseract"] - 1
    print(f"  {'pageprep end to end vs tesseract alone':<52} {slower * 100:+7.1f}%   (target <= +5%)")
EOF
echo "(work folder: $work)"
