/// \file gray.hpp
/// \brief Gray conversion: RGB, RGBA, BGR(A) and 16-bit pages to 8-bit gray.
///
/// Input views hold raw bytes: `width` counts pixels, `pitch` counts bytes, and
/// the pixel layout is the operation's PixelFormat. Output pages must have the
/// same width and height as their input. The math is ops/gray_ops.hpp.
#pragma once

#include <memory>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/ops/gray_ops.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

/// Shape checks shared by both schedules.
Status validate_gray_batch(ConstGrayBatch in, GrayBatch out);

namespace cpu {

/// Converts every page of `in` to gray in `out`, rows spread over `pool`.
Status gray_convert(ThreadPool& pool, PixelFormat format, ConstGrayBatch in, GrayBatch out);

}  // namespace cpu

namespace cuda {

/// Enqueues the conversion of a device batch on `stream`. Needs no workspace:
/// the page table travels as a kernel parameter (page_table.cuh).
Status gray_convert(Stream stream, PixelFormat format, ConstGrayBatch in, GrayBatch out);

}  // namespace cuda
}  // namespace pageprep::kernels
