// CUDA schedule of the 3x3 median: a 32x8 block stages its tile plus a
// one-pixel halo (clamped with read_clamped) in shared memory; each thread
// takes its nine values from there and calls the shared ops::median9.
#include "cuda_check.hpp"
#include "page_table.cuh"
#include "pageprep/kernels/denoise.hpp"

namespace pageprep::kernels::cuda {
namespace {

struct MedianPolicy {
  /// 32x8 threads: a warp reads a row segment, coalesced. (Not yet tuned on hardware.)
  static constexpr int kBlockX = 32;
  static constexpr int kBlockY = 8;
};

__global__ void __launch_bounds__(MedianPolicy::kBlockX* MedianPolicy::kBlockY)
    median3x3_kernel(LaunchTable<PagePair> t) {
  constexpr int kW = MedianPolicy::kBlockX + 2;
  constexpr int kH = MedianPolicy::kBlockY + 2;
  const ConstGrayView src = t.pages[blockIdx.z].in;
  const GrayView dst = t.pages[blockIdx.z].out;
  const int32_t bx = blockIdx.x * MedianPolicy::kBlockX;
  const int32_t by = blockIdx.y * MedianPolicy::kBlockY;
  if (bx >= src.width || by >= src.height) return;  // uniform per block

  __shared__ uint8_t tile[kH][kW];
  const int32_t tid = threadIdx.y * MedianPolicy::kBlockX + threadIdx.x;
  for (int32_t k = tid; k < kW * kH; k += MedianPolicy::kBlockX * MedianPolicy::kBlockY) {
    const int32_t ty = k / kW, tx = k % kW;
    tile[ty][tx] = read_clamped(src, bx + tx - 1, by + ty - 1);
  }
  __syncthreads();

  const int32_t x = bx + threadIdx.x, y = by + threadIdx.y;
  if (x >= src.width || y >= src.height) return;
  uint8_t w[9];
  for (int32_t dy = 0; dy < 3; ++dy)
    for (int32_t dx = 0; dx < 3; ++dx) w[dy * 3 + dx] = tile[threadIdx.y + dy][threadIdx.x + dx];
  dst.row(y)[x] = ops::median9(w);
}

}  // namespace

Status median3x3(Stream stream, ConstGrayBatch in, GrayBatch out) {
  PAGEPREP_RETURN_IF_ERROR(validate_median_batch(in, out));
  return for_each_launch<PagePair>(in.count, [&](int32_t first, int32_t n) -> Status {
    const auto t = make_pair_table(in, out, first, n);
    if (t.max_width == 0 || t.max_height == 0) return Status::ok();
    const dim3 block(MedianPolicy::kBlockX, MedianPolicy::kBlockY);
    const dim3 grid((t.max_width + block.x - 1) / block.x, (t.max_height + block.y - 1) / block.y,
                    n);
    median3x3_kernel<<<grid, block, 0, stream>>>(t);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    return Status::ok();
  });
}

}  // namespace pageprep::kernels::cuda
