/// \file page_box_ops.hpp
/// \brief Math of the page-box (crop to the page) detector, shared by the CPU
/// and CUDA schedules.
///
/// The page is cut into kPageBoxCell x kPageBoxCell cells; each cell's gray sum
/// is the only per-pixel work (cell_sum). A paper cell is one whose mean is at
/// or above the Otsu threshold of the cell means (cell_is_paper); the page box is
/// the bounding box of the largest 4-connected region of paper cells, accepted
/// only when the surround is bed (page_box.hpp says when).
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"

namespace pageprep::kernels::ops {

/// Cell side in pixels (16 px is 1.4 mm at 300 dpi: a text line's x-height
/// averages into the paper, a bed margin of 60 px is several cells).
constexpr int32_t kPageBoxCell = 16;

PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t page_box_cells(int32_t pixels) {
  return (pixels + kPageBoxCell - 1) / kPageBoxCell;
}

/// Sum of the gray values of cell (cx, cy) of a width x height page whose row
/// y starts at row(y); the last row/column of cells may be partial.
template <class RowFn>
PAGEPREP_HD PAGEPREP_FORCEINLINE uint32_t cell_sum(RowFn row, int32_t width, int32_t height,
                                                   int32_t cx, int32_t cy) {
  const int32_t x0 = cx * kPageBoxCell, y0 = cy * kPageBoxCell;
  const int32_t x1 = x0 + kPageBoxCell < width ? x0 + kPageBoxCell : width;
  const int32_t y1 = y0 + kPageBoxCell < height ? y0 + kPageBoxCell : height;
  uint32_t s = 0;
  for (int32_t y = y0; y < y1; ++y) {
    const uint8_t* r = row(y);
    for (int32_t x = x0; x < x1; ++x) s += r[x];
  }
  return s;
}

/// Pixels in cell (cx, cy).
PAGEPREP_HD PAGEPREP_FORCEINLINE uint32_t cell_area(int32_t width, int32_t height, int32_t cx,
                                                    int32_t cy) {
  const int32_t x0 = cx * kPageBoxCell, y0 = cy * kPageBoxCell;
  const int32_t w = (x0 + kPageBoxCell < width ? x0 + kPageBoxCell : width) - x0;
  const int32_t h = (y0 + kPageBoxCell < height ? y0 + kPageBoxCell : height) - y0;
  return static_cast<uint32_t>(w * h);
}

/// The cell's mean gray, rounded down.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t cell_mean(uint32_t sum, uint32_t area) {
  return area == 0 ? 0 : static_cast<uint8_t>(sum / area);
}

/// A paper cell: mean at or above the threshold.
PAGEPREP_HD PAGEPREP_FORCEINLINE bool cell_is_paper(uint8_t mean, int32_t threshold) {
  return mean >= threshold;
}

}  // namespace pageprep::kernels::ops
