#!/usr/bin/env bash
# The kernels-only project (tests/gpu/kcheck) configures with only CUDA and
# CMake, and none of its compile or link lines names a -dev package of the
# full build (OpenCV, GTest, Tesseract, Leptonica, qpdf, FreeType,
# libdeflate, openjp2, libtiff, libpng, libjpeg): what the lent GPU machine
# lacks cannot creep in. Configure only; nothing is compiled.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d /tmp/pageprep-kdeps.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cmake -S "$here/kcheck" -B "$tmp" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CUDA_ARCHITECTURES=90 >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; exit 1; }
# The checkout's and the build's own paths are not packages: a checkout in a
# folder named like one (say .../nvjpeg/) must not fail the check.
root=$(cd "$here/../.." && pwd)
commands=$(cd "$tmp" && ninja -t commands pageprep-kcheck)
commands=${commands//"$root"/SRC}
commands=${commands//"$tmp"/BUILD}
n=$(printf '%s\n' "$commands" | grep -c . || true)
if ((n < 10)); then
  echo "FAIL: only $n build commands: the project lost its sources"
  exit 1
fi
if printf '%s\n' "$commands" | grep -iE 'opencv|gtest|tesseract|lept|qpdf|freetype|deflate|openjp|tiff|png|jpeg'; then
  echo "FAIL: a build command above names a -dev package"
  exit 1
fi
printf '%s\n' "$commands" | grep -q -- '-static-libstdc++' || { echo "FAIL: link not static-libstdc++"; exit 1; }
echo "kernels_only_deps_test: ok ($n commands, no -dev package)"
