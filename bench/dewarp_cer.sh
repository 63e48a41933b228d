#!/usr/bin/env bash
# CER of curled pages after `pageprep run --dewarp auto` against the same
# pages flat (issue 21 item 3; docs/QUALITY.md "Dewarp"). Generates
# PAGES pages per curl strength with pageprep-synth --curl (300 dpi, gutter
# shadow 0.3, binding on the right) and their flat twins (--flat-out), OCRs
# flat / curled --dewarp off / curled --dewarp auto with Tesseract, and prints
# one row per page and the means. Usage: bench/dewarp_cer.sh BUILD_DIR OUT [PAGES] [STRENGTHS]
set -euo pipefail
build=${1:?build dir}; out=${2:?out dir}; pages=${3:-4}; strengths=${4:-"25 50 80"}
synth=$build/tests/support/pageprep-synth; pp=$build/host/pageprep
[ -e "$out" ] && { echo "refusing to overwrite $out" >&2; exit 2; }
mkdir -p "$out"
seed=300
for s in $strengths; do
  "$synth" --out "$out/gen$s/curled" --flat-out "$out/gen$s/flat" --count "$pages" --seed $seed \
    --curl "$s" --curl-shadow 0.3 --noise 4 > /dev/null
  for v in flat:flat:off curled:curled:off curled:dewarp:auto flat:flatdw:auto; do
    IFS=: read -r src name dw <<< "$v"
    # The flat twin with --dewarp auto only needs the decision (no OCR).
    ocr=(--page-formats txt --output-type none)
    [ "$name" = flatdw ] && ocr=(--ocr none)
    # The .gt.txt beside each input gives pages.jsonl its "cer".
    cp "$out/gen$s/curled/"*.gt.txt "$out/gen$s/flat/" 2> /dev/null || true
    "$pp" run "$out/gen$s/$src" -o "$out/run$s-$name" --dewarp "$dw" "${ocr[@]}" -j 2 \
      > /dev/null 2>&1
  done
  seed=$((seed + 100))
done
# pageprep writes each page's CER against the .gt.txt beside its input
# (pages.jsonl "cer", host/util/text_metrics), so the table reads those.
python3 - "$out" "$strengths" <<'PY'
import json, os, sys
out, strengths = sys.argv[1], sys.argv[2].split()
def recs(run):
    return {os.path.basename(r["input"]): r
            for r in map(json.loads, open(os.path.join(out, run, "pages.jsonl")))}
print("| curl px | page | CER flat % | CER curled, --dewarp off % | CER curled, --dewarp auto % "
      "| dewarp_max_px | dewarp_confidence | flat twin with --dewarp auto |")
print("|---|---|---|---|---|---|---|---|")
tot = {"flat": [], "curled": [], "dewarp": []}
for s in strengths:
    f, c, d, ff = (recs(f"run{s}-{k}") for k in ("flat", "curled", "dewarp", "flatdw"))
    for name in sorted(c):
        row = []
        for k, r in (("flat", f), ("curled", c), ("dewarp", d)):
            v = 100.0 * r[name]["cer"]; tot[k].append(v); row.append(f"{v:.2f}")
        note = ff[name].get("dewarp_note", "RESAMPLED max %s px" % ff[name].get("dewarp_max_px"))
        print(f"| {s} | {name} | {' | '.join(row)} | {d[name].get('dewarp_max_px', '-')} "
              f"| {d[name].get('dewarp_confidence', '-')} | {note} |")
m = {k: sum(v) / len(v) for k, v in tot.items()}
print(f"\nmean CER over {len(tot['flat'])} pages: flat {m['flat']:.2f}%, curled {m['curled']:.2f}%, "
      f"dewarped {m['dewarp']:.2f}%")
PY
