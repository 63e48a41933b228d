/// \file page_curl.hpp
/// \brief Curled book pages with a known displacement field (issue 21,
/// `--dewarp`): text lines that bend towards the binding, as on a page that
/// lifts off the glass of a book scanner, optionally with a gutter shadow.
///
/// Contract:
/// - The curl moves the page's content down by d(x, y) pixels:
///   d(x, y) = depth_px * s(x)^2 * g(y), where s(x) is 0 on the outer part of
///   the page (the `flat_fraction` of the width nearest the outer edge) and
///   grows linearly to 1 at the binding edge, and g(y) = (1 - spread) +
///   2 * spread * y / (H - 1) (so lines near the foot bend more when spread > 0).
///   curl_page samples the flat page at (x, y - d(x, y)) (bilinear, the paper's
///   brightest level outside the page).
/// - The truth a dewarp must recover is the remap v with
///   flat(x, y) = curled(x, y + v(x, y)), i.e. v = d(x, y + v):
///   curl_truth_v solves it by fixed-point iteration (|dd/dy| <= 2 * spread *
///   depth / H, far below 1, so it converges in a few steps).
/// - The gutter shadow (after the curl) multiplies by
///   1 - shadow_depth * exp(-(dist / shadow_width_px)^2), dist the distance in
///   columns from the binding edge.
/// - Pure functions of their inputs; thread-safe.
#pragma once

#include <opencv2/core/mat.hpp>

namespace pageprep::testsupport {

struct CurlSpec {
  double depth_px = 0;         ///< largest displacement (at the binding edge, spread 0)
  bool binding_right = true;   ///< the binding is the right edge (a recto page)
  double flat_fraction = 0.4;  ///< outer part of the width that stays flat, 0..1
  double spread = 0.3;         ///< 0..1: how much more the foot bends than the head
  double shadow_depth = 0;     ///< 0..1
  double shadow_width_px = 80;
};

/// d(x, y) of a width x height page (the contract).
double curl_displacement(const CurlSpec& spec, int width, int height, double x, double y);
/// v(x, y): the remap that flattens the curled page (the contract).
double curl_truth_v(const CurlSpec& spec, int width, int height, double x, double y);
/// The curled page (CV_8UC1 or CV_8UC3; an empty image for another type or a
/// spec out of range).
cv::Mat curl_page(const cv::Mat& flat, const CurlSpec& spec);

}  // namespace pageprep::testsupport
