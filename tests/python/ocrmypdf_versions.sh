#!/usr/bin/env bash
# Which OCRmyPDF versions the plugin works with: for each version given, a venv
# (build/venv-ocrmypdf-VERSION) with that OCRmyPDF and pageprep linked against
# the installed C++ build, then the plugin's alignment and inertness tests.
# Not part of CI (each version is a download); docs/API.md has the results.
# An argument VERSION:PIN adds a pin for an older OCRmyPDF's own dependencies.
# Usage: bash tests/python/ocrmypdf_versions.sh 16.13.0 '15.4.4:pikepdf<9' '14.4.0:pikepdf<8' 
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake --install build --prefix build/install >/dev/null
for arg in "$@"; do
  v=${arg%%:*}
  pins=()
  [[ $arg == *:* ]] && pins=("${arg#*:}")
  venv=build/venv-ocrmypdf-$v
  [[ -x $venv/bin/python ]] || /usr/bin/python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q "ocrmypdf==$v" "${pins[@]}" pytest img2pdf pypdfium2 pdfminer.six
  "$venv/bin/python" -m pip install -q . --config-settings=cmake.define.PAGEPREP_PREFIX="$PWD/build/install" \
    --config-settings=build-dir="build/pip-prefix"
  echo "== ocrmypdf $v"
  (cd tests/python && PATH="$PWD/../../$venv/bin:$PATH" PAGEPREP_PYTEST_STRICT=1 \
     PAGEPREP_SYNTH="$PWD/../../build/tests/support/pageprep-synth" \
     "../../$venv/bin/python" -m pytest -p no:cacheprovider -q -rA \
     -k "text_layer or inert" test_ocrmypdf_plugin.py) || echo "== ocrmypdf $v: FAILED"
done
