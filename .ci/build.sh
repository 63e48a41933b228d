#!/usr/bin/env bash
# Configures and builds pageprep in build/ (Release, CUDA when nvcc is found).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup-debian.sh
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release ${PAGEPREP_CMAKE_ARGS:-}
cmake --build build -j "$jobs"
