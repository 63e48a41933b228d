# Third-party dependencies, all from Debian packages (see .ci/setup-debian.sh).
find_package(Threads REQUIRED)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TESSERACT REQUIRED IMPORTED_TARGET tesseract)
pkg_check_modules(LEPTONICA REQUIRED IMPORTED_TARGET lept)
# PNG decoding (host/io/codec_png.cpp): libdeflate inflates, zlib streams large pages.
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
find_package(ZLIB REQUIRED)
find_package(TIFF REQUIRED)
# libjpeg(-turbo) directly (host/io/codec_jpeg.cpp), for its warnings on damaged data.
find_package(JPEG REQUIRED)
# PDF input and output: qpdf (Apache-2.0); JPEG 2000: openjp2 (BSD-2-Clause).
# PDF pages that must be rendered go to poppler's pdftoppm, a separate program
# found at run time (GPL, never linked): io/pdf_document.hpp.
pkg_check_modules(QPDF REQUIRED IMPORTED_TARGET libqpdf)
pkg_check_modules(OPENJP2 REQUIRED IMPORTED_TARGET libopenjp2)
find_package(Freetype REQUIRED)
if(PAGEPREP_BUILD_TESTS)
  find_package(GTest REQUIRED)
  include(GoogleTest)
endif()
if(PAGEPREP_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
