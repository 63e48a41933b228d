// CUDA schedule of the picture-zone cell sums: one thread per cell calls the
// shared ops::zone_cell_stats (a 1/16-inch cell is a few hundred loads; a page
// has a few ten thousand cells, so this is a small kernel by design). The
// decision (kernels::find_picture_zones) runs on the host on the downloaded cells.
#include "cuda_check.hpp"
#include "pageprep/kernels/ops/picture_zone_ops.hpp"
#include "pageprep/kernels/picture_zones.hpp"

namespace pageprep::kernels::cuda {
namespace {

__global__ void zone_cells_kernel(ConstGrayView page, int32_t cell, int32_t cells_w,
                                  int32_t cells_h, ops::ZoneCell* cells) {
  const int32_t cx = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t cy = blockIdx.y * blockDim.y + threadIdx.y;
  if (cx >= cells_w || cy >= cells_h) return;
  const auto row = [&](int32_t y) { return page.row(y); };
  cells[cy * cells_w + cx] = ops::zone_cell_stats(row, page.width, page.height, cell, cx, cy);
}

}  // namespace

Status picture_zone_cells(Stream stream, ConstGrayView page, float dpi, ops::ZoneCell* cells) {
  if (page.width <= 0 || page.height <= 0 || page.data == nullptr || cells == nullptr)
    return {StatusCode::kInvalidArgument, "picture zones: empty page"};
  if (!(dpi > 0)) return {StatusCode::kInvalidArgument, "picture zones: dpi must be positive"};
  const int32_t cell = ops::picture_zone_cell_px(dpi);
  const int32_t cw = ops::picture_zone_cells(page.width, cell);
  const int32_t ch = ops::picture_zone_cells(page.height, cell);
  const dim3 block(32, 4);
  const dim3 grid((cw + block.x - 1) / block.x, (ch + block.y - 1) / block.y);
  zone_cells_kernel<<<grid, block, 0, stream>>>(page, cell, cw, ch, cells);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  return Status::ok();
}

}  // namespace pageprep::kernels::cuda
