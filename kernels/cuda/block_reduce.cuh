/// \file block_reduce.cuh
/// \brief Block- and warp-parallel forms of the shared decisions that used to
/// run on one thread per page (private to kernels/cuda): Otsu's threshold of
/// a 256-bin histogram and the argmax of a stage's scores. They reduce with
/// the same associative preference functions as the serial scans in ops/
/// (ops::otsu_prefers, ops::argmax_prefers), so they pick the same index.
#pragma once

#include <cub/block/block_scan.cuh>

#include <cstdint>

#include "pageprep/kernels/ops/skew_ops.hpp"
#include "pageprep/kernels/ops/threshold_ops.hpp"

namespace pageprep::kernels::cuda {

/// Threads of block_otsu_threshold: one per histogram bin.
constexpr int kOtsuBlock = 256;

struct BlockOtsuStorage {
  typename cub::BlockScan<unsigned long long, kOtsuBlock>::TempStorage scan;
  ops::OtsuScore score[kOtsuBlock];
  int32_t t[kOtsuBlock];
  unsigned long long total_n, total_s;
};

/// Otsu's threshold of `hist` (256 bins) by a block of kOtsuBlock threads:
/// thread t holds the class-0 prefix through t (two block scans), scores t
/// with ops::otsu_candidate, and a shared-memory tree keeps the candidate
/// ops::otsu_prefers. The result equals ops::otsu_threshold(hist); every
/// thread returns it. All threads of the block must call it.
__device__ inline int32_t block_otsu_threshold(const uint32_t* hist, BlockOtsuStorage& sm) {
  using Scan = cub::BlockScan<unsigned long long, kOtsuBlock>;
  const int32_t t = threadIdx.x;
  const unsigned long long h = hist[t];
  unsigned long long n0, s0, n, s;
  Scan(sm.scan).InclusiveSum(h, n0, n);
  __syncthreads();
  Scan(sm.scan).InclusiveSum(h * static_cast<unsigned long long>(t), s0, s);
  ops::OtsuScore score{0, 0, 1};
  const bool valid = t < 255 && ops::otsu_candidate(n0, s0, n, s, &score);
  sm.score[t] = score;
  sm.t[t] = valid ? t : -1;
  __syncthreads();
  for (int32_t stride = kOtsuBlock / 2; stride > 0; stride /= 2) {
    if (t < stride) {
      const int32_t tb = sm.t[t + stride];
      if (tb >= 0 &&
          (sm.t[t] < 0 || ops::otsu_prefers(sm.score[t + stride], tb, sm.score[t], sm.t[t]))) {
        sm.score[t] = sm.score[t + stride];
        sm.t[t] = tb;
      }
    }
    __syncthreads();
  }
  return sm.t[0];
}

/// Index of the largest of scores[0, n) by one warp (ties: the smallest
/// index): ops::argmax_score's answer. All 32 lanes must call it; every lane
/// returns the index.
__device__ inline int32_t warp_argmax(const int64_t* scores, int32_t n) {
  const int32_t lane = threadIdx.x & 31;
  long long best = n > 0 ? scores[0] : 0;
  int32_t at = 0;
  for (int32_t j = lane; j < n; j += 32)
    if (ops::argmax_prefers(scores[j], j, best, at)) {
      best = scores[j];
      at = j;
    }
  for (int32_t o = 16; o > 0; o /= 2) {
    const long long vb = __shfl_down_sync(0xffffffffu, best, o);
    const int32_t jb = __shfl_down_sync(0xffffffffu, at, o);
    if (ops::argmax_prefers(vb, jb, best, at)) {
      best = vb;
      at = jb;
    }
  }
  return __shfl_sync(0xffffffffu, at, 0);
}

}  // namespace pageprep::kernels::cuda
