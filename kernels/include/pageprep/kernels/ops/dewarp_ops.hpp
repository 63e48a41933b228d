/// \file dewarp_ops.hpp
/// \brief Per-pixel math of page dewarping (`--dewarp auto`, issue 21), shared
/// by the CPU and CUDA schedules.
///
/// The flattening is a vertical disparity remap: output pixel (x, y) is the
/// bilinear sample of the input at (x, y + v(x, y)), v in pixels. v is given
/// on a coarse grid of nodes every kDewarpGridStep pixels (node (i, j) at
/// x = i * step, y = j * step; the grid reaches one node past the page) as
/// integers in 1/256 px (Q8), and is interpolated bilinearly between nodes in
/// integer arithmetic. The source position is Q16 and goes through the same
/// 2 x 2 blend as rotation (rotate_ops.hpp), so both schedules give the same
/// pixels. Where v is 0 the output is the input pixel unchanged.
///
/// The model's only per-pixel work is strip_row_ink: the ink count of one row
/// of one vertical strip (kernels/dewarp.hpp decides from those counts).
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"
#include "pageprep/kernels/image_view.hpp"
#include "pageprep/kernels/ops/rotate_ops.hpp"

namespace pageprep::kernels::ops {

/// Node spacing of the disparity grid (a power of two: the interpolation
/// weights are then exact integers). 32 px is 2.7 mm at 300 dpi; a curl bends
/// over hundreds of pixels.
constexpr int32_t kDewarpGridShift = 5;
constexpr int32_t kDewarpGridStep = 1 << kDewarpGridShift;
/// Largest |v| a grid node may hold, in pixels (keeps Q16 positions in int32).
constexpr int32_t kDewarpMaxShiftPx = 1024;

PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t dewarp_grid_w(int32_t width) {
  return ((width + kDewarpGridStep - 1) >> kDewarpGridShift) + 1;
}
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t dewarp_grid_h(int32_t height) {
  return ((height + kDewarpGridStep - 1) >> kDewarpGridShift) + 1;
}

/// One page's disparity grid: grid_w x grid_h nodes, row-major, Q8 pixels.
/// `v_q8` points to host memory for the CPU schedule and device memory for CUDA.
struct DewarpGrid {
  const int32_t* v_q8;
  int32_t grid_w, grid_h;  ///< dewarp_grid_w(width), dewarp_grid_h(height)
  uint8_t fill;            ///< value of samples outside the input
};

/// v(x, y) in Q16 pixels: bilinear between the four nodes around (x, y).
/// Exact integers: weights are (step - f) and f with f < step = 2^5, so the
/// blend is Q8 * 2^10 = Q18, and one arithmetic shift makes it Q16.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t dewarp_v_q16(const DewarpGrid& g, int32_t x, int32_t y) {
  const int32_t i = x >> kDewarpGridShift, j = y >> kDewarpGridShift;
  const int64_t fx = x & (kDewarpGridStep - 1), fy = y & (kDewarpGridStep - 1);
  const int32_t* r0 = g.v_q8 + static_cast<int64_t>(j) * g.grid_w + i;
  const int32_t* r1 = r0 + g.grid_w;
  const int64_t top = r0[0] * (kDewarpGridStep - fx) + r0[1] * fx;
  const int64_t bot = r1[0] * (kDewarpGridStep - fx) + r1[1] * fx;
  const int64_t q18 = top * (kDewarpGridStep - fy) + bot * fy;
  return static_cast<int32_t>(q18 >> (2 * kDewarpGridShift + 8 - kRotateShift));
}

/// Output pixel (x, y): the input at (x, y + v(x, y)), bilinear.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t dewarp_pixel(ConstGrayView src, const DewarpGrid& g,
                                                      int32_t x, int32_t y) {
  const int32_t sy = (y << kRotateShift) + dewarp_v_q16(g, x, y);
  return rotate_sample(src, g.fill, x << kRotateShift, sy);
}

/// Output row y (dst has src.width pixels).
PAGEPREP_HD inline void dewarp_row(ConstGrayView src, const DewarpGrid& g, int32_t y,
                                   uint8_t* dst) {
  for (int32_t x = 0; x < src.width; ++x) dst[x] = dewarp_pixel(src, g, x, y);
}

/// Ink pixels (gray < threshold) of row `r` in columns [x0, x1).
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t strip_row_ink(const uint8_t* r, int32_t x0, int32_t x1,
                                                       int32_t threshold) {
  int32_t n = 0;
  for (int32_t x = x0; x < x1; ++x) n += r[x] < threshold ? 1 : 0;
  return n;
}

}  // namespace pageprep::kernels::ops
