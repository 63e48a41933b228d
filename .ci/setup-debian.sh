#!/usr/bin/env bash
# Installs what pageprep needs on a fresh Debian 12 machine, skipping what is
# already there (so it is fast, and works offline, on a machine set up before).
# CUDA is not installed here: nvcc is expected at /usr/local/cuda (optional;
# without it the CPU schedules alone are built).
set -euo pipefail
# libqpdf-dev (Apache-2.0) and libopenjp2-7-dev (BSD) are linked in; poppler-utils
# (GPL) gives pdftoppm, run as a separate program for PDF pages that must be
# rendered; qpdf, img2pdf, libopenjp2-tools and libxml2-utils are for the tests
# (making PDFs and JP2 files, qpdf --check, pdftotext, xmllint).

packages=(
  build-essential cmake ninja-build pkg-config git python3
  libopencv-dev libtesseract-dev libleptonica-dev libtiff-dev libjpeg-dev libfreetype-dev
  libdeflate-dev zlib1g-dev
  libqpdf-dev libopenjp2-7-dev
  qpdf poppler-utils img2pdf libopenjp2-tools libxml2-utils
  tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd tesseract-ocr-chi-sim tesseract-ocr-rus
  libgtest-dev libgmock-dev libbenchmark-dev
  fonts-dejavu-core fonts-liberation fonts-wqy-zenhei
  # Python package, OCRmyPDF plugin and OCR-D processor tests (.ci/python-test.sh):
  # the venv, Python headers for the extension, and OCRmyPDF's programs
  # (Ghostscript; unpaper for the `--clean` baseline).
  python3-venv python3-dev ghostscript unpaper
  # setpriv (permission tests as nobody); clang and libFuzzer (.ci/fuzz-smoke.sh)
  util-linux clang libclang-rt-14-dev
)
# Peers for the comparison script (bench/compare_tools.sh), only when asked.
if [[ "${PAGEPREP_WITH_PEERS:-0}" == 1 ]]; then
  packages+=(ocrmypdf hyperfine)
fi

# A local Slurm for the cluster test (tests/cluster), only when asked.
if [[ "${PAGEPREP_WITH_CLUSTER:-0}" == 1 ]]; then
  packages+=(slurm-wlm munge libtiff-tools)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

# Optional: nvJPEG's header, for the device JPEG decoder (host/io/nvjpeg_decoder.cpp;
# issue 19 item 3). pageprep loads libnvjpeg at run time (dlopen), so only the
# header matters for the build; CMake finds it in /opt/nvidia-nvjpeg. Only where
# nvcc is present, never fatal (without it JPEG pages decode on the CPU), and
# skipped with PAGEPREP_WITH_NVJPEG=0. The PyPI wheel nvidia-nvjpeg carries the
# header and libnvjpeg.so.13; installed with a throwaway venv's pip (Debian's
# python3 has no pip) into its own folder, so the system Python is untouched.
if [[ "${PAGEPREP_WITH_NVJPEG:-1}" == 1 && -x /usr/local/cuda/bin/nvcc &&
      ! -f /usr/local/cuda/include/nvjpeg.h && ! -f /opt/nvidia-nvjpeg/nvidia/cu13/include/nvjpeg.h ]]; then
  echo "setup: nvjpeg.h (optional) from PyPI's nvidia-nvjpeg into /opt/nvidia-nvjpeg"
  venv=$(mktemp -d)
  if python3 -m venv "$venv" &&
     "$venv/bin/pip" install -q --target /opt/nvidia-nvjpeg 'nvidia-nvjpeg>=13,<14'; then
    echo "setup: nvjpeg.h installed"
  else
    echo "setup: nvidia-nvjpeg not installed (optional): the device JPEG decoder is not built"
  fi
  rm -rf "$venv"
fi
