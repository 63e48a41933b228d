#!/usr/bin/env bash
# The README's test command: install, build, run the default suite.
# The default suite is every test but those labelled slow; parity tests
# (label gpu) run where a CUDA device is present and are reported as skipped
# elsewhere. In CI (CI=true) the run is strict (PAGEPREP_STRICT=1): a test
# that skips for any reason but "no CUDA device" fails, and the skips are
# counted by reason (.ci/skip-report.py).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ ${CI:-} == true ]] && export PAGEPREP_STRICT=1
bash .ci/build.sh
cd build
rc=0
ctest --output-on-failure -LE slow -j "$(nproc)" --timeout 600 --output-junit ctest-default.xml || rc=$?
python3 ../.ci/skip-report.py ctest-default.xml || rc=1
exit "$rc"
