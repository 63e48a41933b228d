#!/usr/bin/env bash
# Builds, on this (GPU-less) machine, what tests/gpu/device_check.sh needs
# for a device machine that lacks the build dependencies (OpenCV, Tesseract,
# Leptonica, libtiff, FreeType, GoogleTest: the lent GPU machines have nvcc,
# CMake and ninja but may have none of these, and cannot install packages).
#
# Output: .device/bundle.tar.xz (git-ignored), holding
#   bin/   pageprep, pageprep-synth and every parity test, built for sm_90
#   lib/   the shared libraries they load, except glibc's own (the device's
#          newer glibc runs them), found with ldd
# Then, from the session that holds the device:
#   run(command="bash tests/gpu/device_check.sh", carry=[".device"], timeout_s=540)
# The bundle counts towards the 64 MiB a call may carry; this script fails
# if it is larger than 56 MiB.
#
# usage: bash tests/gpu/make_bundle.sh [BUILD_DIR]   (default build-sm90)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
build=${1:-build-sm90}
jobs=$(nproc)

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPAGEPREP_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DPAGEPREP_BUILD_BENCH=OFF >/dev/null
parity=$(cd "$build" && ninja -t targets all | sed -n 's/^\(parity_test_[a-z_]*\): phony$/\1/p' | sort -u)
cmake --build "$build" -j "$jobs" --target pageprep pageprep-synth $parity

stage=$(mktemp -d /tmp/pageprep-bundle.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
cp "$build/host/pageprep" "$build/tests/support/pageprep-synth" "$stage/bin/"
for t in $parity; do cp "$build/tests/$t" "$stage/bin/"; done
# Shared libraries: everything ldd resolves, minus glibc (libc, libm, libdl,
# libpthread, librt, the loader) and the CUDA driver, which the device has.
for b in "$stage"/bin/*; do ldd "$b"; done | awk '/=> \// {print $3}' | sort -u |
  while read -r lib; do
    case $(basename "$lib") in
      libc.so.*|libm.so.*|libdl.so.*|libpthread.so.*|librt.so.*|ld-linux*|libcuda.so*) ;;
      *) cp -L "$lib" "$stage/lib/" ;;
    esac
  done
# Tesseract's data is not needed: the device check runs --ocr none.
mkdir -p .device
tar -C "$stage" -cf - bin lib | xz -T"$jobs" -6 >.device/bundle.tar.xz
size=$(stat -c %s .device/bundle.tar.xz)
echo "make_bundle: .device/bundle.tar.xz is $((size / 1048576)) MiB ($(ls "$stage/bin" | wc -l) binaries, $(ls "$stage/lib" | wc -l) libraries)"
if ((size > 56 * 1048576)); then
  echo "make_bundle: larger than 56 MiB: it would not fit a call's 64 MiB with the tree" >&2
  exit 1
fi
