#!/usr/bin/env bash
# --pdf-image mrc against original (docs/QUALITY.md, "MRC PDFs"): the same
# pages through `pageprep run -l eng` twice, once per image layer; for each
# searchable PDF page, its bytes, and the CER of Tesseract reading the page
# rendered back at 300 dpi (pdftoppm; `tesseract - - --psm 3`, OMP_THREAD_LIMIT=1)
# against the page's truth (NAME.gt.txt). Pages: generated text pages (png),
# generated colour JPEG pages with photos, and the real scans without truth
# (bytes only).
#
# usage: bench/mrc_compare.sh [--text N] [--photo N] [--work DIR] [--build DIR]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$root/build}
work=
n_text=6
n_photo=4
real_dir=${PAGEPREP_SHARED_DIR:-$root/../shared}/data/real-scans
while (($#)); do
  case $1 in
    --text) n_text=$2; shift 2 ;;
    --photo) n_photo=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ -n $work ]] || work=$(mktemp -d)
synth=$build/tests/support/pageprep-synth
pp=$build/host/pageprep
export OMP_THREAD_LIMIT=1
mkdir -p "$work/in"
"$synth" --out "$work/in/text" --count "$n_text" --seed 11 --layout mix --skew-max 3 \
  --noise 4 --format png >/dev/null
"$synth" --out "$work/in/photo" --count "$n_photo" --seed 12 --layout figure --color \
  --format jpg --jpeg 90 >/dev/null
mkdir -p "$work/in/real"
for f in "$real_dir"/*.{jpg,png,tif}; do [[ -f $f ]] && cp "$f" "$work/in/real/"; done
cer() {  # cer TRUTH_FILE OCR_FILE: character error rate, whitespace runs as one space
  python3 - "$1" "$2" <<'PY'
import re, sys
norm = lambda s: re.sub(r"\s+", " ", s).strip()
a, b = (norm(open(p, encoding="utf-8", errors="replace").read()) for p in sys.argv[1:3])
prev = list(range(len(b) + 1))
for i, ca in enumerate(a, 1):
    cur = [i] + [0] * len(b)
    for j, cb in enumerate(b, 1):
        cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
    prev = cur
print(f"{prev[-1] / max(1, len(a)):.4f}")
PY
}
printf "%-8s %-28s %10s %10s %7s %8s %8s\n" set page orig_bytes mrc_bytes ratio cer_orig cer_mrc
for mode in original mrc; do
  "$pp" run "$work/in" -o "$work/out_$mode" -l eng --pdf-image "$mode" -q || true
done
for pdf in "$work"/out_original/in/*/*.pdf; do
  rel=in/${pdf#"$work"/out_original/in/}
  set_name=${rel#in/}
  set_name=${set_name%%/*}
  stem=$(basename "$rel" .pdf)
  mrc=$work/out_mrc/$rel
  [[ -f $mrc ]] || { echo "missing $mrc" >&2; exit 1; }
  qpdf --check "$mrc" >/dev/null
  ob=$(stat -c %s "$pdf")
  mb=$(stat -c %s "$mrc")
  gt=$work/in/$set_name/$stem.gt.txt
  co=- cm=-
  if [[ -f $gt ]]; then
    for mode in original mrc; do
      pdftoppm -r 300 -gray -singlefile "$work/out_$mode/$rel" "$work/r_$mode"
      tesseract "$work/r_$mode.pgm" "$work/t_$mode" -l eng >/dev/null 2>&1
    done
    co=$(cer "$gt" "$work/t_original.txt")
    cm=$(cer "$gt" "$work/t_mrc.txt")
  fi
  printf "%-8s %-28s %10d %10d %7.1f %8s %8s\n" "$set_name" "$stem" "$ob" "$mb" \
    "$(echo "$ob / $mb" | bc -l)" "$co" "$cm"
done
