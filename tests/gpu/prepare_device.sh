#!/usr/bin/env bash
# The one command, on this (GPU-less) machine, that prepares the device check
# (tests/gpu/README.md): builds the kernels-only pageprep-kcheck for sm_90
# (H100/H200) in build-kcheck/, copies it to .device/kcheck/ (git-ignored,
# carried to the GPU machine) and proves there that it needs nothing the lent
# machine lacks (check_self_contained.sh; fails otherwise).
#
# usage: bash tests/gpu/prepare_device.sh [JOBS]   (default 2)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
jobs=${1:-2}
cmake -S tests/gpu/kcheck -B build-kcheck -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
# The compile and link lines name no -dev package of the full build.
if (cd build-kcheck && ninja -t commands pageprep-kcheck) |
    grep -iE 'opencv|gtest|tesseract|lept|qpdf|freetype|deflate|openjp|tiff|png|jpeg'; then
  echo "prepare_device: the kernels-only build references a -dev package (above)" >&2
  exit 1
fi
cmake --build build-kcheck -j "$jobs" --target pageprep-kcheck
rm -rf .device/kcheck
mkdir -p .device/kcheck
cp build-kcheck/pageprep-kcheck .device/kcheck/
bash tests/gpu/check_self_contained.sh --max-mib 56 .device
echo "prepare_device: ready; carry [\".device\"] and run: bash tests/gpu/device_check.sh"
