/// \file affine.hpp
/// \brief 2-D affine maps in PDF's matrix order, for page geometry: where a
/// PDF page's image sits on its page, and how OCR coordinates on a cleaned
/// page map back to the master image.
///
/// An Affine {a, b, c, d, e, f} maps (x, y) to (a x + c y + e, b x + d y + f),
/// the order of PDF's `cm` operands. then(first, second) applies `first`, then
/// `second` (PDF writes this product as first x second).
#pragma once

#include <array>
#include <cmath>

namespace pageprep::host {

struct Affine {
  double a = 1, b = 0, c = 0, d = 1, e = 0, f = 0;

  std::array<double, 2> apply(double x, double y) const {
    return {a * x + c * y + e, b * x + d * y + f};
  }
  /// The linear part only (for directions).
  std::array<double, 2> apply_vector(double x, double y) const {
    return {a * x + c * y, b * x + d * y};
  }
  double determinant() const { return a * d - b * c; }
  /// The inverse; a singular map gives the identity (callers check determinant()).
  Affine inverse() const {
    const double det = determinant();
    if (det == 0 || !std::isfinite(det)) return {};
    Affine r;
    r.a = d / det;
    r.b = -b / det;
    r.c = -c / det;
    r.d = a / det;
    r.e = -(r.a * e + r.c * f);
    r.f = -(r.b * e + r.d * f);
    return r;
  }
  static Affine translate(double x, double y) { return {1, 0, 0, 1, x, y}; }
  static Affine scale(double sx, double sy) { return {sx, 0, 0, sy, 0, 0}; }
  /// Rotation by `deg` counter-clockwise as displayed with y pointing DOWN (the
  /// page-image convention of deskew.hpp): (1, 0) goes to (cos, -sin).
  static Affine rotate_image_ccw(double deg) {
    const double r = deg * M_PI / 180.0, cs = std::cos(r), sn = std::sin(r);
    return {cs, -sn, sn, cs, 0, 0};
  }
};

/// `first`, then `second`.
inline Affine then(const Affine& first, const Affine& second) {
  Affine r;
  r.a = first.a * second.a + first.b * second.c;
  r.b = first.a * second.b + first.b * second.d;
  r.c = first.c * second.a + first.d * second.c;
  r.d = first.c * second.b + first.d * second.d;
  r.e = first.e * second.a + first.f * second.c + second.e;
  r.f = first.e * second.b + first.f * second.d + second.f;
  return r;
}

}  // namespace pageprep::host
