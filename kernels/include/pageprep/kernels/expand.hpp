/// \file expand.hpp
/// \brief Bilevel input pages (1 bit per pixel) expanded to 8-bit gray: the
/// device schedule lets a G4 TIFF or 1-bit PNG master travel to the GPU packed
/// (one eighth of the bytes) and become gray there (issue 19 item 3).
///
/// Views as pack.hpp: `width` and `height` count PIXELS, a packed view's
/// `pitch` counts bytes and is at least (width + 7) / 8. Bits MSB first; the
/// polarity is the decoder's (ExpandParams::one_is_ink). Output 0 (ink) / 255
/// (paper); bytes of an output row past `width` are left untouched.
#pragma once

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/ops/expand_ops.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

struct ExpandParams {
  /// true: bit 1 is black (G4 MINISWHITE); false: bit 1 is white (1-bit PNG,
  /// MINISBLACK).
  bool one_is_ink = true;
};

namespace cpu {
Status expand_bits(ThreadPool& pool, const ExpandParams& params, ConstGrayBatch packed,
                   GrayBatch out);
}  // namespace cpu

namespace cuda {
/// Device batches; no workspace (the page table travels as a kernel parameter).
Status expand_bits(Stream stream, const ExpandParams& params, ConstGrayBatch packed, GrayBatch out);
}  // namespace cuda
}  // namespace pageprep::kernels
