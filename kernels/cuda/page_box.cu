// CUDA schedule of the page-box cell sums: one thread per cell calls the
// shared ops::cell_sum (a 16x16 cell is 256 loads; the sums are a few thousand
// per page, so this is a small kernel by design). The decision
// (kernels::find_page_box) runs on the host on the downloaded sums.
#include "cuda_check.hpp"
#include "pageprep/kernels/ops/page_box_ops.hpp"
#include "pageprep/kernels/page_box.hpp"

namespace pageprep::kernels::cuda {
namespace {

__global__ void cell_sums_kernel(ConstGrayView page, int32_t cells_w, int32_t cells_h,
                                 uint32_t* sums) {
  const int32_t cx = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t cy = blockIdx.y * blockDim.y + threadIdx.y;
  if (cx >= cells_w || cy >= cells_h) return;
  const auto row = [&](int32_t y) { return page.row(y); };
  sums[cy * cells_w + cx] = ops::cell_sum(row, page.width, page.height, cx, cy);
}

}  // namespace

Status page_cell_sums(Stream stream, ConstGrayView page, uint32_t* sums) {
  if (page.width <= 0 || page.height <= 0 || page.data == nullptr || sums == nullptr)
    return {StatusCode::kInvalidArgument, "page box: empty page"};
  const int32_t cw = ops::page_box_cells(page.width), ch = ops::page_box_cells(page.height);
  const dim3 block(32, 4);
  const dim3 grid((cw + block.x - 1) / block.x, (ch + block.y - 1) / block.y);
  cell_sums_kernel<<<grid, block, 0, stream>>>(page, cw, ch, sums);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  return Status::ok();
}

}  // namespace pageprep::kernels::cuda
