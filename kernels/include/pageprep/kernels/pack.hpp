/// \file pack.hpp
/// \brief 1-bit packing of binary pages and its inverse.
///
/// Packed views: `width` and `height` count PIXELS (as in the unpacked page),
/// `pitch` counts bytes and must be at least (width + 7) / 8. Bits: 1 = ink
/// (black), most significant bit first, padding bits of a row's last byte 0
/// (TIFF G4 MINISWHITE / Leptonica layout; ops/pack_ops.hpp). Packing treats
/// gray < 128 as ink; unpacking writes 0 (ink) and 255 (paper). Bytes of a
/// packed row past (width + 7) / 8 are left untouched.
#pragma once

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/ops/pack_ops.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

/// Page `index` of a pack or unpack: same pixel sizes, packed pitch at least
/// (width + 7) / 8.
Status validate_pack_page(int32_t index, const ConstGrayView& gray, const ConstGrayView& packed);

namespace cpu {
/// Packs one row of `width` gray pixels into (width + 7) / 8 bytes at
/// `packed` (layout of ops/pack_ops.hpp, padding bits 0; nothing past the
/// row's last byte is written). Eight pixels per step, word-wise, in every
/// target_clones variant; bit-identical to ops::pack_byte8 / ops::pack_byte.
void pack_row(const uint8_t* gray, int32_t width, uint8_t* packed);

Status pack_bits(ThreadPool& pool, ConstGrayBatch in, GrayBatch packed);
Status unpack_bits(ThreadPool& pool, ConstGrayBatch packed, GrayBatch out);
}  // namespace cpu

namespace cuda {
/// Device batches; no workspace (the page tables travel as kernel parameters).
Status pack_bits(Stream stream, ConstGrayBatch in, GrayBatch packed);
Status unpack_bits(Stream stream, ConstGrayBatch packed, GrayBatch out);
}  // namespace cuda
}  // namespace pageprep::kernels
