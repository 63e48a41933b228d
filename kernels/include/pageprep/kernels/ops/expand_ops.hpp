/// \file expand_ops.hpp
/// \brief Shared math of expanding a bilevel INPUT page (1 bit per pixel, as
/// its decoder produced the rows) to 8-bit gray on the host or the device.
///
/// Decoders give packed rows in either polarity: CCITT G4 TIFF
/// (PhotometricInterpretation MINISWHITE) stores 1 = black, while 1-bit PNG and
/// MINISBLACK TIFF store 1 = white. `one_is_ink` says which; the result is 0
/// (ink) and 255 (paper), MSB first, as pack_ops.hpp's unpack_bit. The
/// expansion is unpack_bit on the byte flipped to the 1 = ink layout, so the
/// CPU schedule, the CUDA kernel and the host decoders' unpack agree bit for bit.
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"
#include "pageprep/kernels/ops/pack_ops.hpp"

namespace pageprep::kernels::ops {

/// The XOR that brings a decoder's packed byte to the 1 = ink layout.
PAGEPREP_HD constexpr uint8_t expand_flip(bool one_is_ink) {
  return one_is_ink ? uint8_t{0x00} : uint8_t{0xFF};
}

/// Gray value (0 ink, 255 paper) of bit `i` (0 = most significant) of a
/// decoder's packed byte, given the flip from expand_flip().
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t expand_bit(uint8_t byte, uint8_t flip, int32_t i) {
  return unpack_bit(static_cast<uint8_t>(byte ^ flip), i);
}

}  // namespace pageprep::kernels::ops
