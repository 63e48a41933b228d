/// \file rotate_ops.hpp
/// \brief Per-pixel math of page rotation, shared by the CPU and CUDA schedules.
///
/// Bilinear interpolation in fixed point: source coordinates in Q16 (cos and
/// sin rounded to Q16 once per page on the host), 8-bit fractional weights,
/// one rounding at the end. Integer only, so both schedules give the same
/// pixels. Source positions step by (cos, sin) per output pixel, so a row is
/// an exact incremental walk (sx(x) = sx(0) + x * cos).
///
/// Geometry: output pixel (x, y) with the output centre ((W-1)/2, (H-1)/2)
/// maps to source (cx, cy) + R^-1 (x - (W-1)/2, y - (H-1)/2), R being the
/// counter-clockwise (displayed, y down) rotation, as cv::getRotationMatrix2D.
/// Half-pixel centres are handled by doubling the offsets, so all is integer.
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"
#include "pageprep/kernels/image_view.hpp"

namespace pageprep::kernels::ops {

/// Largest page side rotate() accepts: keeps Q16 coordinates inside int32.
constexpr int32_t kRotateMaxSide = 16384;
constexpr int32_t kRotateShift = 16;

/// One page's mapping, built on the host (detail::make_rotate_map).
struct RotateMap {
  int32_t cos_q16;
  int32_t sin_q16;
  int32_t src_w, src_h;
  int32_t dst_w, dst_h;
  uint8_t fill;
};

/// Q16 source position of output pixel (0, y); pixel x adds x * (cos, sin).
PAGEPREP_HD PAGEPREP_FORCEINLINE void rotate_row_start(const RotateMap& m, int32_t y, int32_t* sx,
                                                       int32_t* sy) {
  const int64_t dx2 = -static_cast<int64_t>(m.dst_w - 1);
  const int64_t dy2 = 2 * static_cast<int64_t>(y) - (m.dst_h - 1);
  // floor(v / 2) as an arithmetic shift (two's complement on every target).
  *sx = static_cast<int32_t>(((m.cos_q16 * dx2 - m.sin_q16 * dy2) >> 1) +
                             (static_cast<int64_t>(m.src_w - 1) << (kRotateShift - 1)));
  *sy = static_cast<int32_t>(((m.sin_q16 * dx2 + m.cos_q16 * dy2) >> 1) +
                             (static_cast<int64_t>(m.src_h - 1) << (kRotateShift - 1)));
}

PAGEPREP_HD PAGEPREP_FORCEINLINE uint32_t read_or_fill(ConstGrayView src, int32_t x, int32_t y,
                                                       uint32_t fill) {
  return src.contains(x, y) ? src.row(y)[x] : fill;
}

/// Bilinear blend of a 2 x 2 neighbourhood with 8-bit weights: rotate_sample's
/// arithmetic, also used by the CPU schedule's vectorized interior.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t bilinear_q8(uint32_t p00, uint32_t p01, uint32_t p10,
                                                     uint32_t p11, uint32_t fx, uint32_t fy) {
  const uint32_t top = p00 * (256u - fx) + p01 * fx;
  const uint32_t bot = p10 * (256u - fx) + p11 * fx;
  return static_cast<uint8_t>((top * (256u - fy) + bot * fy + 32768u) >> 16);
}

/// Bilinear sample at Q16 source position (sx, sy). Neighbours outside the
/// page read as `fill`, so the page edge blends into the fill, never black.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t rotate_sample(ConstGrayView src, uint32_t fill, int32_t sx,
                                                       int32_t sy) {
  const int32_t x0 = sx >> kRotateShift;  // floor (arithmetic shift)
  const int32_t y0 = sy >> kRotateShift;
  const uint32_t fx = static_cast<uint32_t>(sx >> (kRotateShift - 8)) & 255u;
  const uint32_t fy = static_cast<uint32_t>(sy >> (kRotateShift - 8)) & 255u;
  uint32_t p00, p01, p10, p11;
  if (static_cast<uint32_t>(x0) < static_cast<uint32_t>(src.width - 1) &&
      static_cast<uint32_t>(y0) < static_cast<uint32_t>(src.height - 1)) {
    const uint8_t* r0 = src.row(y0) + x0;
    const uint8_t* r1 = src.row(y0 + 1) + x0;
    p00 = r0[0];
    p01 = r0[1];
    p10 = r1[0];
    p11 = r1[1];
  } else {
    p00 = read_or_fill(src, x0, y0, fill);
    p01 = read_or_fill(src, x0 + 1, y0, fill);
    p10 = read_or_fill(src, x0, y0 + 1, fill);
    p11 = read_or_fill(src, x0 + 1, y0 + 1, fill);
  }
  return bilinear_q8(p00, p01, p10, p11, fx, fy);
}

/// floor(a / b) for b != 0.
PAGEPREP_HD PAGEPREP_FORCEINLINE int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// The x in [0, n) with lo <= a + x * d < hi, as [*xa, *xb) (empty: *xa == *xb).
PAGEPREP_HD inline void linear_span(int64_t a, int64_t d, int64_t lo, int64_t hi, int32_t n,
                                    int32_t* xa, int32_t* xb) {
  int64_t b0 = 0, b1 = n;
  if (d == 0) {
    if (a < lo || a >= hi) b1 = 0;
  } else if (d > 0) {  // x >= ceil((lo - a) / d) and x < ceil((hi - a) / d)
    const int64_t c0 = -floor_div(a - lo, d), c1 = -floor_div(a - hi, d);
    b0 = c0 > b0 ? c0 : b0;
    b1 = c1 < b1 ? c1 : b1;
  } else {  // x <= floor((lo - a) / d) and x > floor((hi - a) / d)
    const int64_t c1 = floor_div(lo - a, d) + 1, c0 = floor_div(hi - a, d) + 1;
    b0 = c0 > b0 ? c0 : b0;
    b1 = c1 < b1 ? c1 : b1;
  }
  if (b0 > n) b0 = n;
  if (b1 < b0) b1 = b0;
  *xa = static_cast<int32_t>(b0);
  *xb = static_cast<int32_t>(b1);
}

/// Interior span of an output row whose walk starts at (sx, sy): the x in
/// [*xa, *xb) whose 2 x 2 source neighbourhood lies inside the page, i.e.
/// those for which rotate_sample takes its unchecked branch. Outside it the
/// row is fill or the blended page edge.
PAGEPREP_HD inline void rotate_inner_span(const RotateMap& m, int32_t sx, int32_t sy, int32_t* xa,
                                          int32_t* xb) {
  int32_t a0, a1, b0, b1;
  linear_span(sx, m.cos_q16, 0, static_cast<int64_t>(m.src_w - 1) << kRotateShift, m.dst_w, &a0,
              &a1);
  linear_span(sy, m.sin_q16, 0, static_cast<int64_t>(m.src_h - 1) << kRotateShift, m.dst_w, &b0,
              &b1);
  *xa = a0 > b0 ? a0 : b0;
  *xb = a1 < b1 ? a1 : b1;
  if (*xb < *xa) *xb = *xa;
}

/// Output row y of the rotated page: the plain walk, one rotate_sample per
/// pixel (the reference for the CPU schedule's span-split walk).
PAGEPREP_HD inline void rotate_row(ConstGrayView src, const RotateMap& m, int32_t y, uint8_t* dst) {
  int32_t sx, sy;
  rotate_row_start(m, y, &sx, &sy);
  for (int32_t x = 0; x < m.dst_w; ++x) {
    dst[x] = rotate_sample(src, m.fill, sx, sy);
    sx += m.cos_q16;
    sy += m.sin_q16;
  }
}

}  // namespace pageprep::kernels::ops
