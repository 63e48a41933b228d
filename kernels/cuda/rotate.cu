// CUDA schedule of page rotation: one thread per output pixel, blockIdx.z is
// the page; each thread calls the shared ops::rotate_row_start and
// ops::rotate_sample, so its pixel equals the CPU's incremental row walk.
#include <algorithm>

#include "cuda_check.hpp"
#include "pageprep/kernels/deskew.hpp"

namespace pageprep::kernels::cuda {
namespace {

/// 32x8 threads: a warp writes a row segment (coalesced stores; the reads
/// follow a rotated line and hit L1/L2).
struct RotatePolicy {
  static constexpr int kBlockX = 32;
  static constexpr int kBlockY = 8;
  static constexpr int kPagesPerLaunch = 32;  ///< the table below stays under 4 KiB
};

struct RotateTable {
  ConstGrayView in[RotatePolicy::kPagesPerLaunch];
  GrayView out[RotatePolicy::kPagesPerLaunch];
  ops::RotateMap map[RotatePolicy::kPagesPerLaunch];
};
static_assert(sizeof(RotateTable) <= 4000, "kernel parameter space");

__global__ void rotate_kernel(RotateTable t) {
  const int32_t p = blockIdx.z;
  const ops::RotateMap& m = t.map[p];
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= m.dst_w || y >= m.dst_h) return;
  int32_t sx, sy;
  ops::rotate_row_start(m, y, &sx, &sy);
  // The same int32 values as the CPU's walk sx += cos x times (wrap-free:
  // validate_rotate bounds the page sides).
  sx += m.cos_q16 * x;
  sy += m.sin_q16 * x;
  t.out[p].row(y)[x] = ops::rotate_sample(t.in[p], m.fill, sx, sy);
}

}  // namespace

Status rotate(Stream stream, const RotateParams& params, ConstGrayBatch in, GrayBatch out,
              const float* angles_deg, const uint8_t* fill) {
  PAGEPREP_RETURN_IF_ERROR(validate_rotate(params, in, out, angles_deg, fill));
  for (int32_t first = 0; first < in.count; first += RotatePolicy::kPagesPerLaunch) {
    const int32_t n = std::min(RotatePolicy::kPagesPerLaunch, in.count - first);
    RotateTable t{};
    int32_t max_w = 0, max_h = 0;
    for (int32_t i = 0; i < n; ++i) {
      t.in[i] = in[first + i];
      t.out[i] = out[first + i];
      if (t.out[i].empty()) continue;  // zero map: the kernel skips the page
      if (t.in[i].empty()) continue;   // (cannot happen: empty input has an empty output)
      t.map[i] = detail::make_rotate_map(t.in[i], t.out[i], angles_deg[first + i], fill[first + i]);
      max_w = std::max(max_w, t.out[i].width);
      max_h = std::max(max_h, t.out[i].height);
    }
    if (max_w == 0 || max_h == 0) continue;
    const dim3 block(RotatePolicy::kBlockX, RotatePolicy::kBlockY);
    const dim3 grid((max_w + block.x - 1) / block.x, (max_h + block.y - 1) / block.y, n);
    rotate_kernel<<<grid, block, 0, stream>>>(t);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  }
  return Status::ok();
}

}  // namespace pageprep::kernels::cuda
