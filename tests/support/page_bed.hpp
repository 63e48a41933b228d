/// \file page_bed.hpp
/// \brief Book-scanning test pages with known geometry (issue 21): a page lying
/// on a dark or textured scanner bed with a known page box, and a two-page
/// spread with a known gutter, opposite skews and a gutter shadow.
///
/// Contract:
/// - Pure functions of their inputs and `seed`; thread-safe.
/// - place_on_bed: the page is copied unchanged (not resampled) into the bed, so
///   every pixel inside `page_box` is the page's pixel and every pixel outside it
///   is bed. The bed is darker than the paper (its mean is `bed_level`, its
///   texture stays within `bed_level +- texture_amplitude`, clamped to 0..255).
/// - make_spread: the left page is rotated by +left_skew_deg and the right one by
///   +right_skew_deg (counter-clockwise positive, as Degradation::skew_deg; each
///   page about its own centre, filled with its paper colour) and put side by
///   side; `gutter_x` is the first column of the right page. The gutter shadow
///   multiplies the pixels by 1 - depth * exp(-(d / width)^2), d the distance in
///   columns from the gutter line (x = gutter_x - 0.5), so it is deepest at the
///   gutter and symmetric about it. Both pages must have the same height and type.
#pragma once

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

#include <cstdint>

namespace pageprep::testsupport {

struct BedSpec {
  /// Bed around the page: each side's width is drawn from [min_margin_px,
  /// max_margin_px] (so the page is not centred).
  int min_margin_px = 60, max_margin_px = 240;
  int bed_level = 40;            ///< mean gray of the bed (paper is ~235-255)
  double texture_amplitude = 0;  ///< 0: flat bed; >0: a smooth fabric/wood-like texture
  int texture_scale_px = 24;     ///< texture grain (Gaussian smoothing sigma of the noise)
};

struct BedPage {
  cv::Mat image;      ///< the bed with the page on it; type of the page (CV_8UC1 or CV_8UC3)
  cv::Rect page_box;  ///< where the page lies, in image pixels
};

/// Puts `page` (CV_8UC1 or CV_8UC3) on a bed. Returns an empty image for an
/// empty page, an unsupported type or min_margin_px < 0 or min > max margin.
BedPage place_on_bed(const cv::Mat& page, const BedSpec& spec, uint64_t seed);

struct SpreadSpec {
  double left_skew_deg = 0, right_skew_deg = 0;
  double gutter_shadow_depth = 0.5;  ///< 0..1: darkening at the gutter line
  double gutter_shadow_width_px = 60;
};

struct SpreadPage {
  cv::Mat image;
  int gutter_x = 0;              ///< first column of the right page
  cv::Rect left_box, right_box;  ///< each page's extent (before the shadow)
};

/// Builds a spread from two pages; an empty image if they differ in height or
/// type, are empty, or the shadow depth is outside 0..1.
SpreadPage make_spread(const cv::Mat& left, const cv::Mat& right, const SpreadSpec& spec);

}  // namespace pageprep::testsupport
