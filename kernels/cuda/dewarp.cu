// CUDA schedule of the dewarp remap: one thread per output pixel calls the
// shared ops::dewarp_pixel (the same integers as the CPU's ops::dewarp_row).
// A warp takes 32 neighbouring pixels of one row: the grid nodes it reads are
// one or two cache lines, and its source reads follow one text line. The
// model (kernels::fit_dewarp) is a host decision; the caller uploads its grid.
#include "cuda_check.hpp"
#include "pageprep/kernels/dewarp.hpp"
#include "pageprep/kernels/ops/dewarp_ops.hpp"

namespace pageprep::kernels::cuda {
namespace {

__global__ void dewarp_kernel(ConstGrayView src, GrayView dst, ops::DewarpGrid grid) {
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= src.width || y >= src.height) return;
  dst.row(y)[x] = ops::dewarp_pixel(src, grid, x, y);
}

}  // namespace

Status dewarp(Stream stream, ConstGrayView src, GrayView dst, const ops::DewarpGrid& grid) {
  // The nodes are in device memory: shapes only (the host checked the model).
  if (Status st = validate_dewarp(src, dst, grid, false); !st.is_ok()) return st;
  const dim3 block(32, 8);
  const dim3 cells((src.width + block.x - 1) / block.x, (src.height + block.y - 1) / block.y);
  dewarp_kernel<<<cells, block, 0, stream>>>(src, dst, grid);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  return Status::ok();
}

}  // namespace pageprep::kernels::cuda
