/// \file picture_zone_ops.hpp
/// \brief Math of the picture-zone detector (halftones, photos, engravings),
/// shared by the CPU and CUDA schedules.
///
/// The page is cut into square cells of picture_zone_cell_px(dpi) pixels
/// (1/16 inch). Each cell's gray sum, sum of squares and minimum are the only
/// per-pixel work (zone_cell_stats). A cell is a picture cell when, against
/// the local paper level P and the page's ink level I (picture_zones.hpp says
/// where they come from), it is
/// - textured and dense: its spread is that of ink on paper (a mixture of
///   ink and paper with mean m has variance (P - m)(m - I); a cell with more
///   than a quarter of that is textured) and its mean is at least 30% of the
///   way from paper to ink (halftone and engraving areas; body text averages
///   5-20%, more at low resolution: lines of text are told apart later), or
/// - smooth and a tone: at least 12% of the way from the paper level that
///   follows uneven light (tone_paper) to ink.
/// Every test is exact integer arithmetic on the sums, so both schedules and
/// the host decision agree bit for bit. The continuous-tone test measures
/// against a paper level that follows uneven light (picture_zones.hpp).
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"

namespace pageprep::kernels::ops {

/// The sums of one cell.
struct ZoneCell {
  uint64_t sum_sq = 0;  ///< sum of gray^2
  uint32_t sum = 0;     ///< sum of gray
  uint32_t min = 255;   ///< darkest pixel
};

/// Cell side in pixels for a page of `dpi` (1/16 inch, at least 4 px, at
/// most 64 px so a cell's sums stay far inside 32/64 bits).
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t picture_zone_cell_px(float dpi) {
  const int32_t c = static_cast<int32_t>(dpi / 16.0f + 0.5f);
  return c < 4 ? 4 : (c > 64 ? 64 : c);
}

PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t picture_zone_cells(int32_t pixels, int32_t cell) {
  return (pixels + cell - 1) / cell;
}

/// Pixels in cell (cx, cy); the last row/column of cells may be partial.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint32_t zone_cell_area(int32_t width, int32_t height,
                                                         int32_t cell, int32_t cx, int32_t cy) {
  const int32_t x0 = cx * cell, y0 = cy * cell;
  const int32_t w = (x0 + cell < width ? x0 + cell : width) - x0;
  const int32_t h = (y0 + cell < height ? y0 + cell : height) - y0;
  return static_cast<uint32_t>(w * h);
}

/// The sums of cell (cx, cy) of a width x height page whose row y starts at row(y).
template <class RowFn>
PAGEPREP_HD PAGEPREP_FORCEINLINE ZoneCell zone_cell_stats(RowFn row, int32_t width, int32_t height,
                                                          int32_t cell, int32_t cx, int32_t cy) {
  const int32_t x0 = cx * cell, y0 = cy * cell;
  const int32_t x1 = x0 + cell < width ? x0 + cell : width;
  const int32_t y1 = y0 + cell < height ? y0 + cell : height;
  ZoneCell c;
  for (int32_t y = y0; y < y1; ++y) {
    const uint8_t* r = row(y);
    uint32_t s = 0, sq = 0;  // a row of <= 64 pixels: sq <= 64 * 255^2 fits
    for (int32_t x = x0; x < x1; ++x) {
      const uint32_t v = r[x];
      s += v;
      sq += v * v;
      c.min = v < c.min ? v : c.min;
    }
    c.sum += s;
    c.sum_sq += sq;
  }
  return c;
}

/// The cell's mean, rounded down.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t zone_cell_mean(const ZoneCell& c, uint32_t area) {
  return area == 0 ? 0 : static_cast<int32_t>(c.sum / area);
}

/// Whether a cell of `area` pixels is a picture cell, against the paper
/// level `paper`, the ink level `ink` (paper > ink) and, for smooth cells,
/// `tone_paper` (<= paper; see the file comment).
PAGEPREP_HD PAGEPREP_FORCEINLINE bool is_picture_cell(const ZoneCell& c, uint32_t area,
                                                      int32_t paper, int32_t tone_paper,
                                                      int32_t ink) {
  if (area == 0 || paper <= ink) return false;
  const int64_t n = area, s = c.sum;
  const int64_t range = static_cast<int64_t>(paper - ink) * n;
  const int64_t dark = static_cast<int64_t>(paper) * n - s;  // n * (P - m)
  const int64_t light = s - static_cast<int64_t>(ink) * n;   // n * (m - I)
  // n^2 var = n * sum_sq - sum^2; smooth when 4 var < (P - m)(m - I).
  const int64_t var_n2 = n * static_cast<int64_t>(c.sum_sq) - s * s;
  const bool smooth = dark > 0 && light > 0 && 4 * var_n2 < dark * light;
  if (!smooth) return dark * 10 >= range * 3;  // dense ink: halftone, engraving, dark photo
  // A smooth tone at least 12% of the way to ink from the paper that follows the light.
  return (static_cast<int64_t>(tone_paper) * n - s) * 100 >= range * 12;
}

}  // namespace pageprep::kernels::ops
