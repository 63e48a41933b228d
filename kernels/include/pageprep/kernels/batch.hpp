/// \file batch.hpp
/// \brief Var-shape page batches (CV-CUDA's ImageBatchVarShape idea).
///
/// A batch is a table of per-page views: pages of different sizes share one
/// launch, and a CUDA grid indexes the table with `blockIdx.z`. The table itself
/// lives in host memory; for CUDA operations the views' `data` pointers are
/// device pointers, and the operation copies the views into a launch table
/// that travels by value as a kernel parameter (cuda/page_table.cuh): nothing
/// is staged to the device. `count == 0` is a valid, empty batch.
#pragma once

#include <cstdint>

#include "pageprep/kernels/image_view.hpp"

// cudaStream_t is `CUstream_st*`; naming it here keeps CUDA headers out of
// plain C++ translation units that only pass streams through.
struct CUstream_st;

namespace pageprep::kernels {

namespace cuda {
using Stream = CUstream_st*;
}  // namespace cuda

template <typename T>
struct BatchView {
  const ImageView<T>* pages = nullptr;
  int32_t count = 0;

  const ImageView<T>& operator[](int32_t i) const { return pages[i]; }
};

using GrayBatch = BatchView<uint8_t>;
using ConstGrayBatch = BatchView<const uint8_t>;

/// Largest width and height in a batch; workspaces are sized against these.
template <typename T>
inline void batch_extent(const BatchView<T>& b, int32_t* max_w, int32_t* max_h) {
  *max_w = 0;
  *max_h = 0;
  for (int32_t i = 0; i < b.count; ++i) {
    if (b.pages[i].width > *max_w) *max_w = b.pages[i].width;
    if (b.pages[i].height > *max_h) *max_h = b.pages[i].height;
  }
}

/// The largest page any operation accepts, on a side and in pixels: large
/// formats (newspapers, maps, A2 at 600 dpi) fit. Bounded by the rotation's
/// Q16 coordinates (ops::kRotateMaxSide) and Otsu's 2^28-pixel histograms.
/// The host's decode limits default to these, so a page that decodes is a
/// page the executors can process.
constexpr int32_t kMaxPageSide = 16384;
constexpr int64_t kMaxPagePixels = 250'000'000;

/// Sizes an operation object is built for (house style §2): its workspace is
/// allocated once for these and run() never allocates.
struct BatchLimits {
  int32_t max_batch = 16;
  int32_t max_width = 2480 * 2;  ///< A4 at 600 dpi
  int32_t max_height = 3508 * 2;
  /// Pixels of one run()'s pages together, for workspaces that hold a whole
  /// batch at once (the CUDA label workspace); larger batches run in passes.
  /// 0: the operation's default (see its header). One page of max_width x
  /// max_height always fits.
  int64_t max_batch_pixels = 0;
};

}  // namespace pageprep::kernels
