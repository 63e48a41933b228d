// CUDA schedule of page rotation: one thread per output pixel, blockIdx.z is
// the page; each thread calls the shared ops::rotate_row_start and
// ops::rotate_sample, so its pixel equals the CPU's incremental row walk.
#include <algorithm>

#include "cuda_check.hpp"
#include "page_table.cuh"
#include "pageprep/kernels/deskew.hpp"

namespace pageprep::kernels::cuda {
namespace {

/// 32x8 threads: a warp writes a row segment (coalesced stores; the reads
/// follow a rotated line and hit L1/L2).
struct RotatePolicy {
  static constexpr int kBlockX = 32;
  static constexpr int kBlockY = 8;
};

/// A page of a launch: its views and its fixed-point mapping (a zero map,
/// dst 0 x 0, makes the kernel skip the page).
struct RotatePage {
  ConstGrayView in;
  GrayView out;
  ops::RotateMap map;
};

__global__ void rotate_kernel(LaunchTable<RotatePage> t) {
  const int32_t p = blockIdx.z;
  const ops::RotateMap& m = t.pages[p].map;
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= m.dst_w || y >= m.dst_h) return;
  int32_t sx, sy;
  ops::rotate_row_start(m, y, &sx, &sy);
  // The same int32 values as the CPU's walk sx += cos x times (wrap-free:
  // validate_rotate bounds the page sides).
  sx += m.cos_q16 * x;
  sy += m.sin_q16 * x;
  t.pages[p].out.row(y)[x] = ops::rotate_sample(t.pages[p].in, m.fill, sx, sy);
}

}  // namespace

Status rotate(Stream stream, const RotateParams& params, ConstGrayBatch in, GrayBatch out,
              const float* angles_deg, const uint8_t* fill) {
  PAGEPREP_RETURN_IF_ERROR(validate_rotate(params, in, out, angles_deg, fill));
  return for_each_launch<RotatePage>(in.count, [&](int32_t first, int32_t n) -> Status {
    const auto t = make_launch_table<RotatePage>(first, n, [&](int32_t i, RotatePage* p) {
      p->in = in[i];
      p->out = out[i];
      // An empty output (or input, which has an empty output) keeps the zero map.
      if (p->out.empty() || p->in.empty()) return std::pair<int32_t, int32_t>{0, 0};
      p->map = detail::make_rotate_map(p->in, p->out, angles_deg[i], fill[i]);
      return std::pair<int32_t, int32_t>{p->out.width, p->out.height};
    });
    if (t.max_width == 0 || t.max_height == 0) return Status::ok();
    const dim3 block(RotatePolicy::kBlockX, RotatePolicy::kBlockY);
    const dim3 grid((t.max_width + block.x - 1) / block.x, (t.max_height + block.y - 1) / block.y,
                    n);
    rotate_kernel<<<grid, block, 0, stream>>>(t);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    return Status::ok();
  });
}

}  // namespace pageprep::kernels::cuda
