#!/usr/bin/env bash
# The README's test command: install, build, run the default suite.
# The default suite is every test but those labelled slow; parity tests
# (label gpu) run where a CUDA device is present and are reported as skipped
# elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/build.sh
cd build
ctest --output-on-failure -LE slow -j "$(nproc)" --timeout 600
