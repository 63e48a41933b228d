#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, generates the
# bundled sample pages (deterministic, with ground truth), runs pageprep on
# them with Tesseract, and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/build.sh
samples=build/samples
out=build/demo-out
rm -rf "$samples" "$out"
build/tests/support/pageprep-synth --preset demo --count 10 --seed 2026 --out "$samples"
set +e
build/host/pageprep run "$samples" -o "$out" --eval-raw --save-gray
status=$?
set -e
echo
python3 bench/summarize_run.py "$out" "$samples/manifest.jsonl"
echo
echo "outputs in $out (exit code $status)"
exit $status
