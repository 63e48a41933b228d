#!/usr/bin/env bash
# Configures and builds pageprep in build/ (Release, CUDA when nvcc is found).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup-debian.sh
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release ${PAGEPREP_CMAKE_ARGS:-}
cmake --build build -j "$jobs"
# The kernels-only device check (tests/gpu/README.md): the standalone build
# that needs only CUDA, built for sm_90 and checked self-contained, so what
# the lent GPU machine runs cannot rot. One target, about a minute on 2 cores.
if [[ -x /usr/local/cuda/bin/nvcc ]] || command -v nvcc >/dev/null; then
  bash tests/gpu/prepare_device.sh "$jobs"
fi
