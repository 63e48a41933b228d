// CUDA schedule of the spread-gutter cell ranges: one thread per cell calls
// the shared ops::cell_range (an 8x16 cell is 128 loads; a 300-dpi spread has
// ~70k cells). Threads of a warp take neighbouring cells of one cell row, so a
// warp reads 256 contiguous bytes per pixel row. The decision
// (kernels::find_gutter) runs on the host on the downloaded ranges.
#include "cuda_check.hpp"
#include "pageprep/kernels/gutter.hpp"
#include "pageprep/kernels/ops/gutter_ops.hpp"

namespace pageprep::kernels::cuda {
namespace {

__global__ void gutter_cell_ranges_kernel(ConstGrayView page, int32_t cells_w, int32_t cells_h,
                                          uint16_t* ranges) {
  const int32_t cx = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t cy = blockIdx.y * blockDim.y + threadIdx.y;
  if (cx >= cells_w || cy >= cells_h) return;
  const auto row = [&](int32_t y) { return page.row(y); };
  ranges[cy * cells_w + cx] = ops::cell_range(row, page.width, page.height, cx, cy);
}

}  // namespace

Status gutter_cell_ranges(Stream stream, ConstGrayView page, uint16_t* ranges) {
  if (page.width <= 0 || page.height <= 0 || page.data == nullptr || ranges == nullptr)
    return {StatusCode::kInvalidArgument, "gutter: empty page"};
  const int32_t cw = ops::gutter_cells_w(page.width), ch = ops::gutter_cells_h(page.height);
  const dim3 block(32, 4);
  const dim3 grid((cw + block.x - 1) / block.x, (ch + block.y - 1) / block.y);
  gutter_cell_ranges_kernel<<<grid, block, 0, stream>>>(page, cw, ch, ranges);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  return Status::ok();
}

}  // namespace pageprep::kernels::cuda
