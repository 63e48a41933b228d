/// \file cuda_batch_plan.hpp
/// \brief Private to the CUDA executor: how a batch's pages are split into
/// chunks and, inside a chunk, into the two stream slots.
///
/// Pure host arithmetic (no CUDA), compiled in every configuration so that it
/// is unit-tested without a device (tests/unit/test_cuda_batch_plan.cpp).
///
/// Contract of plan_cuda_batch():
/// - Every input index appears exactly once: in one slot of one chunk, or in
///   `oversize`. Within a slot, and from chunk to chunk, indices ascend, so
///   walking chunks -> slot 0 -> slot 1 visits the fitting pages in batch order.
/// - A slot holds at most `max_pages_per_slot` pages whose bytes sum to at most
///   `region_bytes`. A page larger than `region_bytes` on its own cannot be
///   staged at all: it is listed in `oversize` (the executor sends it to the
///   CPU) and never put in a chunk.
/// - Chunks are greedy: each takes as many consecutive fitting pages as can be
///   split into two slots that respect the limits. The split point is the one
///   that minimizes the larger slot's bytes (the two streams then finish at
///   about the same time); ties go to the more even page counts, then to the
///   larger slot 0 (it starts first, so slot 1's exposed tail is shorter).
/// - A chunk never has an empty slot 0; slot 1 is empty only for a chunk of
///   one page. An empty batch gives no chunks.
#pragma once

#include <cstdint>
#include <vector>

namespace pageprep::host {

/// Device pitch alignment of the CUDA executor's images, in bytes.
constexpr int64_t kCudaPitchAlign = 256;

inline int64_t cuda_pitch(int64_t width) {
  return (width + kCudaPitchAlign - 1) / kCudaPitchAlign * kCudaPitchAlign;
}

/// Bytes one page of width x height takes in a slot region: the device pitch
/// times (height + 1) rows (one row of slack), twice that when the canvas
/// expands on rotation (the rotated page grows; twice covers the area up to
/// ~40 degrees).
inline int64_t cuda_page_bytes(int64_t width, int64_t height, bool expand_canvas) {
  return cuda_pitch(width) * (height + 1) * (expand_canvas ? 2 : 1);
}

struct CudaSlotPlan {
  std::vector<int32_t> pages;  ///< input indices, ascending
  int64_t bytes = 0;           ///< sum of their page_bytes
};

struct CudaChunkPlan {
  CudaSlotPlan slot[2];
};

struct CudaBatchPlan {
  std::vector<CudaChunkPlan> chunks;
  std::vector<int32_t> oversize;  ///< input indices of pages larger than one region
};

/// Plans a batch whose page i needs page_bytes[i] (cuda_page_bytes) bytes.
/// region_bytes > 0 and max_pages_per_slot >= 1.
CudaBatchPlan plan_cuda_batch(const std::vector<int64_t>& page_bytes, int64_t region_bytes,
                              int32_t max_pages_per_slot);

}  // namespace pageprep::host
