/// \file skew_test_util.hpp
/// \brief Helpers shared by the skew and rotation tests: views over cv::Mat
/// pages and a naive, double-precision rotation reference.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cmath>
#include <cstdint>

#include "pageprep/kernels/deskew.hpp"

namespace pageprep::testsupport {

inline kernels::ConstGrayView view_of(const cv::Mat& m) {
  return {m.ptr<uint8_t>(0), m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}

/// Signed difference of two angles, in degrees.
inline double angle_error(double estimate, double truth) {
  return estimate - truth;
}

/// Naive bilinear rotation of one output pixel, double precision: output
/// pixel (x, y) samples the source at centre + R^-1 (x - (W-1)/2, y - (H-1)/2),
/// R counter-clockwise as displayed; neighbours outside the source read `fill`.
inline double reference_rotate_pixel(kernels::ConstGrayView src, int32_t out_w, int32_t out_h,
                                     double angle_deg, uint8_t fill, int32_t x, int32_t y) {
  const double a = angle_deg * M_PI / 180.0;
  const double c = std::cos(a), s = std::sin(a);
  const double dx = x - (out_w - 1) / 2.0, dy = y - (out_h - 1) / 2.0;
  const double sx = c * dx - s * dy + (src.width - 1) / 2.0;
  const double sy = s * dx + c * dy + (src.height - 1) / 2.0;
  const double fx0 = std::floor(sx), fy0 = std::floor(sy);
  const int32_t x0 = static_cast<int32_t>(fx0), y0 = static_cast<int32_t>(fy0);
  const double fx = sx - fx0, fy = sy - fy0;
  auto px = [&](int32_t xx, int32_t yy) -> double {
    return src.contains(xx, yy) ? src.row(yy)[xx] : fill;
  };
  const double top = px(x0, y0) * (1 - fx) + px(x0 + 1, y0) * fx;
  const double bot = px(x0, y0 + 1) * (1 - fx) + px(x0 + 1, y0 + 1) * fx;
  return top * (1 - fy) + bot * fy;
}

}  // namespace pageprep::testsupport
