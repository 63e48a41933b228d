/// \file cuda_batch_plan.hpp
/// \brief Private to the CUDA executor: how a batch's pages are split into
/// jobs, each of which one device lane processes (pipelined_executor.hpp).
///
/// Pure host arithmetic (no CUDA), compiled in every configuration so that it
/// is unit-tested without a device (tests/unit/pipeline/test_cuda_batch_plan.cpp).
///
/// Contract of plan_cuda_batch():
/// - Every input index appears exactly once: in one job, or in `oversize`.
///   Within a job, and from job to job, indices ascend, so walking the jobs
///   visits the fitting pages in batch order.
/// - A job holds at most `max_pages_per_job` pages whose bytes sum to at most
///   `lane_bytes`. A page larger than `lane_bytes` on its own cannot be
///   staged on an ordinary lane: it is listed in `oversize` (the executor
///   sends it to its large-page lane or to the CPU) and never put in a job.
/// - Jobs are even: first the number k of jobs a greedy pass over the pages
///   needs; then each job takes ceil(pages left / jobs left) pages, fewer when
///   they do not fit, so page counts differ by at most one where the bytes
///   allow (lanes finish at about the same time). Pages left after k jobs
///   (only when a share had to shrink) go greedily into further jobs.
/// - An empty batch gives no jobs; no job is empty.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace pageprep::host {

/// Device pitch alignment of the CUDA executor's images, in bytes.
constexpr int64_t kCudaPitchAlign = 256;

inline int64_t cuda_pitch(int64_t width) {
  return (width + kCudaPitchAlign - 1) / kCudaPitchAlign * kCudaPitchAlign;
}

/// Bytes one page of width x height takes in a lane's device region: the
/// device pitch times (height + 1) rows (one row of slack), twice that when
/// the canvas expands on rotation (the rotated page grows; twice covers the
/// area up to ~40 degrees).
inline int64_t cuda_page_bytes(int64_t width, int64_t height, bool expand_canvas) {
  return cuda_pitch(width) * (height + 1) * (expand_canvas ? 2 : 1);
}

/// The largest width and height a w x h page reaches on a lane: its own, or
/// with an expanding canvas that of the canvas rotated by up to
/// max_angle_deg (<= 45). Bounds rotated_size() from above at every angle:
/// w cos a + h sin a <= w + h sin(max), and the same for the height.
inline void cuda_lane_extent(int64_t w, int64_t h, bool expand_canvas, double max_angle_deg,
                             int64_t* out_w, int64_t* out_h) {
  *out_w = w;
  *out_h = h;
  if (!expand_canvas || w <= 0 || h <= 0) return;
  const double a = std::min(45.0, std::fabs(max_angle_deg)) * (3.14159265358979323846 / 180.0);
  const double s = std::sin(a);
  *out_w = w + static_cast<int64_t>(std::ceil(static_cast<double>(h) * s)) + 1;
  *out_h = h + static_cast<int64_t>(std::ceil(static_cast<double>(w) * s)) + 1;
}

/// Whether operations built for pages up to max_width x max_height take a
/// w x h page through every step (cuda_lane_extent()): the lanes' operations
/// check each page against them, so a page that only fits by bytes (a
/// 10200x7200 landscape page on a 7200x10200 lane) must go elsewhere.
inline bool cuda_lane_takes(int64_t w, int64_t h, bool expand_canvas, double max_angle_deg,
                            int64_t max_width, int64_t max_height) {
  int64_t ew = 0, eh = 0;
  cuda_lane_extent(w, h, expand_canvas, max_angle_deg, &ew, &eh);
  return ew <= max_width && eh <= max_height;
}

struct CudaJobPlan {
  std::vector<int32_t> pages;  ///< input indices, ascending
  int64_t bytes = 0;           ///< sum of their page_bytes
};

struct CudaBatchPlan {
  std::vector<CudaJobPlan> jobs;
  std::vector<int32_t> oversize;  ///< input indices of pages larger than one lane
};

/// Plans a batch whose page i needs page_bytes[i] (cuda_page_bytes) bytes.
/// lane_bytes > 0 and max_pages_per_job >= 1.
CudaBatchPlan plan_cuda_batch(const std::vector<int64_t>& page_bytes, int64_t lane_bytes,
                              int32_t max_pages_per_job);

}  // namespace pageprep::host
