// Internal helpers shared by codec.cpp (sniffing, PNG/JPEG/PNM/WebP, encoding)
// and codec_tiff.cpp (libtiff reading and writing). Not a public header.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "pageprep/host/codec.hpp"
#include "pageprep/kernels/gray.hpp"

namespace pageprep::host::detail {

/// A failed decode with "<name>: <what>".
DecodeResult decode_error(PageError e, const std::string& name, const std::string& what);

/// kNone, or kCorrupt / kTooLarge with the reason in `what`.
PageError check_dimensions(int64_t width, int64_t height, const DecodeLimits& limits,
                           std::string* what);

/// Stores a resolution read from the file, applying the sanity range; either
/// axis absent or insane means "absent" (300, dpi_from_file = false). A missing
/// `y` (<= 0) takes `x`.
void set_file_dpi(DecodedPage* page, double x, double y);

/// Converts one page of pixels in `format` (rows `pitch` bytes apart) to gray.
/// `dst` must already be CV_8UC1 of the same size.
kernels::Status to_gray(kernels::cpu::ThreadPool& pool, kernels::PixelFormat format,
                        const uint8_t* src, int64_t pitch, int32_t width, int32_t height,
                        cv::Mat* dst);

/// 8 output bytes per input byte of packed 1-bit pixels, MSB first:
/// `one_is_black` chooses MINISWHITE (1 = black = 0) or MINISBLACK.
void unpack_bits_rows(kernels::cpu::ThreadPool& pool, const uint8_t* packed, int64_t packed_pitch,
                      bool one_is_black, cv::Mat* dst);

/// Packs rows of a CV_8UC1 page to 1 bit per pixel, MSB first: bit = 1 where
/// the pixel is black (< 128) when `one_is_black`, else where it is white.
void pack_bits_rows(const cv::Mat& src, bool one_is_black, uint8_t* packed, int64_t packed_pitch);

/// TIFF (libtiff over the buffer). Messages come without the name prefix.
PageCount tiff_count_pages(const uint8_t* data, size_t size, const std::string& name);
DecodeResult tiff_decode(const uint8_t* data, size_t size, const std::string& name, int32_t page,
                         const DecodeLimits& limits, kernels::cpu::ThreadPool& pool);
EncodeResult tiff_encode(const cv::Mat& page, double dpi, bool is_binary);

}  // namespace pageprep::host::detail
