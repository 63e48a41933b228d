#!/usr/bin/env bash
# Installs the build tree into a fresh prefix, then builds and runs
# tests/install/consumer against it as a separate project would, and checks
# that the installed package keeps its dependencies private.
# Usage: check_install.sh BUILD_DIR WORK_DIR GENERATOR
set -euo pipefail
build=$1 work=$2 generator=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

cmake --install "$build" --prefix "$prefix" >"$work/install.log"
for f in bin/pageprep include/pageprep/engine.hpp lib/cmake/pageprep/pageprepConfig.cmake \
         lib/cmake/pageprep/pageprepConfigVersion.cmake lib/cmake/pageprep/pageprepTargets.cmake; do
  [[ -e $prefix/$f ]] || { echo "FAIL: $f is not installed"; exit 1; }
done
lib=$(ls "$prefix"/lib/libpageprep.so.* | head -n1)
[[ -n $lib ]] || { echo "FAIL: libpageprep.so is not installed"; exit 1; }

# Public headers name no dependency.
if grep -nE '#include *[<"](opencv|tesseract|leptonica|cuda|tiff|pageprep/kernels)' \
     -r "$prefix/include/pageprep"; then
  echo "FAIL: a public header includes a private dependency"; exit 1
fi
# The library exports pageprep's API only: no OpenCV, Tesseract, kernels, host
# or CUDA runtime symbols. (Instantiations of libstdc++ templates keep default
# visibility by the standard headers' own pragma; they are allowed.)
exported=$(nm -DC --defined-only "$lib" | cut -d' ' -f3-)
leaked=$(echo "$exported" |
         grep -vE '^((typeinfo (name )?for |vtable for )?(pageprep|std|__gnu_cxx)::|__bss_start$|_edata$|_end$|_init$|_fini$)' || true)
internal=$(echo "$exported" | grep -E 'pageprep::(host|kernels|testsupport)::' || true)
if [[ -n $leaked || -n $internal ]]; then
  echo "FAIL: libpageprep exports symbols outside its API"; echo "$leaked$internal" | head -20; exit 1
fi
if readelf -d "$lib" | grep -q 'libcudart'; then
  echo "FAIL: libpageprep depends on the shared CUDA runtime"; exit 1
fi
echo "installed: $(echo "$exported" | grep -c "^pageprep::") pageprep:: symbols exported, nothing private"

cmake -S "$here/consumer" -B "$work/consumer" -G "$generator" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >"$work/configure.log"
cmake --build "$work/consumer" >"$work/build.log"
"$work/consumer/consumer"
