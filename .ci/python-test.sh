#!/usr/bin/env bash
# The Python package's tests (tests/python): builds `pip install .` into a
# venv (build/venv, from Debian's python3-venv) exactly as a user would, with
# the OCRmyPDF and OCR-D versions of python/requirements-ci.txt, then runs
# pytest. Needs the C++ build (bash .ci/build.sh) for pageprep-synth and the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup-debian.sh
venv=build/venv
if [[ ! -x $venv/bin/python ]]; then
  /usr/bin/python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -r python/requirements-ci.txt
# build-dir keeps the extension's CMake build between runs (it is rebuilt incrementally).
"$venv/bin/python" -m pip install -q . --config-settings=build-dir=build/pip

export PAGEPREP_SYNTH=$PWD/build/tests/support/pageprep-synth
export PAGEPREP_CLI=$PWD/build/host/pageprep
export PAGEPREP_PYTEST_STRICT=1  # a missing package or program fails instead of skipping
export PATH=$PWD/$venv/bin:$PATH  # ocrmypdf, ocrd, ocrd-pageprep
set +e
(cd tests/python && python -m pytest -p no:cacheprovider -rA -v .)
status=$?
set -e
if [[ $status -eq 5 ]]; then
  # pytest's "no tests collected": tests/python always has tests, so this is a broken setup.
  echo "python-test: pytest collected no tests (exit 5); tests/python should hold them" >&2
  exit 1
fi
exit $status
