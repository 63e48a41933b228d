/// \file pack_ops.hpp
/// \brief Shared math of 1-bit packing, used by the CPU and CUDA schedules.
///
/// Layout (TIFF PhotometricInterpretation MINISWHITE, Leptonica 1 bpp): bit 1 is
/// ink (black), the first pixel of a byte is its most significant bit, a row
/// takes (width + 7) / 8 bytes, and the unused low bits of a row's last byte are
/// 0. A gray pixel packs as ink when it is below 128, so 0/255 images round-trip
/// exactly.
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"

namespace pageprep::kernels::ops {

/// Bytes of one packed row of `width` pixels.
PAGEPREP_HD constexpr int32_t packed_row_bytes(int32_t width) {
  return (width + 7) / 8;
}

/// Packs `count` (1..8) gray pixels starting at `px` into one byte.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t pack_byte(const uint8_t* px, int32_t count) {
  uint32_t b = 0;
  for (int32_t i = 0; i < 8; ++i) {
    const uint32_t ink = i < count ? static_cast<uint32_t>(px[i] < 128) : 0u;
    b |= ink << (7 - i);
  }
  return static_cast<uint8_t>(b);
}

/// Packs 8 gray pixels (a full byte); branch-free so a row loop vectorizes.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t pack_byte8(const uint8_t* px) {
  uint32_t b = 0;
  for (int32_t i = 0; i < 8; ++i) b |= static_cast<uint32_t>(px[i] < 128) << (7 - i);
  return static_cast<uint8_t>(b);
}

/// Gray value (0 ink, 255 paper) of bit `i` (0 = most significant) of a byte.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t unpack_bit(uint8_t byte, int32_t i) {
  return ((byte >> (7 - i)) & 1u) ? uint8_t{0} : uint8_t{255};
}

}  // namespace pageprep::kernels::ops
