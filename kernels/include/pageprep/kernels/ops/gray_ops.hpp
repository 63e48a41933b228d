/// \file gray_ops.hpp
/// \brief Per-pixel math of gray conversion, shared by the CPU and CUDA schedules.
///
/// Integer arithmetic only, so every schedule gives the same bits. The RGB
/// weights are ITU-R BT.601 (0.299, 0.587, 0.114) in 14-bit fixed point, the
/// same rounding OpenCV's cvtColor uses, so our gray matches OpenCV's.
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gray_of<kGray16> reads little-endian samples"
#endif

namespace pageprep::kernels {

/// Layout of a source page's pixels. Dispatch on it once per launch or per row.
enum class PixelFormat : int32_t {
  kGray8 = 0,
  kGray16,  ///< native-endian uint16
  kRgb8,
  kBgr8,
  kRgba8,
  kBgra8,
};

PAGEPREP_HD constexpr int32_t bytes_per_pixel(PixelFormat f) {
  return f == PixelFormat::kGray8                               ? 1
         : f == PixelFormat::kGray16                            ? 2
         : (f == PixelFormat::kRgb8 || f == PixelFormat::kBgr8) ? 3
                                                                : 4;
}

namespace ops {

constexpr int32_t kGrayShift = 14;
constexpr int32_t kGrayWr = 4899;  // round(0.299 * 2^14)
constexpr int32_t kGrayWg = 9617;  // round(0.587 * 2^14)
constexpr int32_t kGrayWb = 1868;  // round(0.114 * 2^14)

PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t rgb_to_gray(uint32_t r, uint32_t g, uint32_t b) {
  return static_cast<uint8_t>(
      (r * kGrayWr + g * kGrayWg + b * kGrayWb + (1u << (kGrayShift - 1))) >> kGrayShift);
}

/// 16-bit to 8-bit with rounding: v * 255 / 65535, exactly.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t gray16_to_gray8(uint32_t v) {
  return static_cast<uint8_t>((v * 255u + 32767u) / 65535u);
}

/// Gray value of pixel x of a row in format F. Alpha is ignored: decoders
/// composite transparent pages onto white before this point.
template <PixelFormat F>
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t gray_of(const uint8_t* row, int32_t x) {
  if constexpr (F == PixelFormat::kGray8) {
    return row[x];
  } else if constexpr (F == PixelFormat::kGray16) {
    // Byte loads: a row of a padded or odd-pitched 16-bit page need not be
    // 2-byte aligned (UBSan found the uint16_t load). Samples are in host
    // order, little-endian on every host and device pageprep builds for.
    const uint8_t* p = row + 2 * x;
    return gray16_to_gray8(static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8);
  } else if constexpr (F == PixelFormat::kRgb8) {
    const uint8_t* p = row + 3 * x;
    return rgb_to_gray(p[0], p[1], p[2]);
  } else if constexpr (F == PixelFormat::kBgr8) {
    const uint8_t* p = row + 3 * x;
    return rgb_to_gray(p[2], p[1], p[0]);
  } else if constexpr (F == PixelFormat::kRgba8) {
    const uint8_t* p = row + 4 * x;
    return rgb_to_gray(p[0], p[1], p[2]);
  } else {
    const uint8_t* p = row + 4 * x;
    return rgb_to_gray(p[2], p[1], p[0]);
  }
}

/// Converts one row of `width` pixels.
template <PixelFormat F>
PAGEPREP_HD inline void gray_row(const uint8_t* src, uint8_t* dst, int32_t width) {
  for (int32_t x = 0; x < width; ++x) dst[x] = gray_of<F>(src, x);
}

}  // namespace ops
}  // namespace pageprep::kernels
