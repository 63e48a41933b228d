/// \file gutter_ops.hpp
/// \brief Math of the spread gutter detector (`--split auto`, issue 21), shared
/// by the CPU and CUDA schedules.
///
/// The page is cut into kGutterCellW x kGutterCellH cells (narrow columns, so
/// the gutter is placed to a few pixels); each cell's darkest and brightest
/// gray level is the only per-pixel work (cell_range). Two things follow from
/// a cell's range, and the decision (gutter.hpp) needs nothing else:
/// - its *paper level* is its maximum: a cell almost always holds some paper
///   between glyphs, so the maxima down a column follow the paper's brightness
///   (a gutter shadow is a wide dip in it; ink and thin rules are not);
/// - it is *inky* when max - min >= kGutterInkContrast: a glyph stroke, a rule
///   or a picture edge, never paper noise or the slow slope of a shadow.
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"

namespace pageprep::kernels::ops {

/// Cell width in pixels: 8 px is 0.7 mm at 300 dpi; a gutter valley (two inner
/// margins) is tens of cells wide, a column gap a handful, a rule one or two.
constexpr int32_t kGutterCellW = 8;
/// Cell height in pixels (a text line at 300 dpi spans 2-4 cells).
constexpr int32_t kGutterCellH = 16;
/// Smallest max - min of an inky cell. Paper noise (sigma <= 8) and a gutter
/// shadow's slope (< 3 levels/px, so < 24 across a cell) stay below it; a
/// stroke of ink on paper, even inside a half-depth shadow, is well above it.
constexpr int32_t kGutterInkContrast = 48;

PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t gutter_cells_w(int32_t width) {
  return (width + kGutterCellW - 1) / kGutterCellW;
}
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t gutter_cells_h(int32_t height) {
  return (height + kGutterCellH - 1) / kGutterCellH;
}

/// Range of cell (cx, cy) of a width x height page whose row y starts at
/// row(y), packed as (max << 8) | min; the last row/column of cells may be
/// partial. A cell outside the page is 0.
template <class RowFn>
PAGEPREP_HD PAGEPREP_FORCEINLINE uint16_t cell_range(RowFn row, int32_t width, int32_t height,
                                                     int32_t cx, int32_t cy) {
  const int32_t x0 = cx * kGutterCellW, y0 = cy * kGutterCellH;
  const int32_t x1 = x0 + kGutterCellW < width ? x0 + kGutterCellW : width;
  const int32_t y1 = y0 + kGutterCellH < height ? y0 + kGutterCellH : height;
  if (x0 >= x1 || y0 >= y1) return 0;
  uint32_t lo = 255, hi = 0;
  if (x1 - x0 == kGutterCellW) {
    // A whole cell: a fixed trip count, which the host compiler vectorizes.
    uint8_t l8[kGutterCellW], h8[kGutterCellW];
    for (int32_t k = 0; k < kGutterCellW; ++k) l8[k] = 255, h8[k] = 0;
    for (int32_t y = y0; y < y1; ++y) {
      const uint8_t* r = row(y) + x0;
      for (int32_t k = 0; k < kGutterCellW; ++k) {
        l8[k] = r[k] < l8[k] ? r[k] : l8[k];
        h8[k] = r[k] > h8[k] ? r[k] : h8[k];
      }
    }
    for (int32_t k = 0; k < kGutterCellW; ++k) {
      lo = l8[k] < lo ? l8[k] : lo;
      hi = h8[k] > hi ? h8[k] : hi;
    }
    return static_cast<uint16_t>((hi << 8) | lo);
  }
  for (int32_t y = y0; y < y1; ++y) {
    const uint8_t* r = row(y);
    for (int32_t x = x0; x < x1; ++x) {
      const uint32_t v = r[x];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
  }
  return static_cast<uint16_t>((hi << 8) | lo);
}

PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t cell_max(uint16_t range) {
  return range >> 8;
}
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t cell_min(uint16_t range) {
  return range & 0xFF;
}
/// A cell with a stroke of ink (or any sharp edge) in it.
PAGEPREP_HD PAGEPREP_FORCEINLINE bool cell_is_inky(uint16_t range) {
  return cell_max(range) - cell_min(range) >= kGutterInkContrast;
}

}  // namespace pageprep::kernels::ops
