// Book-scanning test pages: a page on a bed, a two-page spread (page_bed.hpp).
#include "support/page_bed.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <random>

namespace pageprep::testsupport {

namespace {

bool supported(const cv::Mat& m) {
  return !m.empty() && (m.type() == CV_8UC1 || m.type() == CV_8UC3);
}

/// The bed: a flat level plus smoothed Gaussian noise rescaled to +-amplitude.
cv::Mat make_bed(cv::Size size, const BedSpec& spec, std::mt19937_64& rng) {
  cv::Mat bed(size, CV_32F, cv::Scalar(spec.bed_level));
  if (spec.texture_amplitude <= 0) return bed;
  cv::Mat noise(size, CV_32F);
  std::normal_distribution<float> normal(0.f, 1.f);
  for (int y = 0; y < size.height; ++y) {
    float* row = noise.ptr<float>(y);
    for (int x = 0; x < size.width; ++x) row[x] = normal(rng);
  }
  const double sigma = std::max(1, spec.texture_scale_px);
  // Anisotropic grain (longer along x), like wood or woven cloth.
  cv::GaussianBlur(noise, noise, cv::Size(), 3 * sigma, sigma);
  double lo = 0, hi = 0;
  cv::minMaxLoc(noise, &lo, &hi);
  const double span = std::max(1e-6, std::max(-lo, hi));
  bed += noise * (spec.texture_amplitude / span);
  return bed;
}

}  // namespace

BedPage place_on_bed(const cv::Mat& page, const BedSpec& spec, uint64_t seed) {
  BedPage out;
  if (!supported(page) || spec.min_margin_px < 0 || spec.min_margin_px > spec.max_margin_px) {
    return out;
  }
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> margin(spec.min_margin_px, spec.max_margin_px);
  const int left = margin(rng), top = margin(rng), right = margin(rng), bottom = margin(rng);
  const cv::Size size(page.cols + left + right, page.rows + top + bottom);
  cv::Mat bed8;
  make_bed(size, spec, rng).convertTo(bed8, CV_8U);  // saturating
  if (page.channels() == 3) cv::cvtColor(bed8, bed8, cv::COLOR_GRAY2BGR);
  out.page_box = cv::Rect(left, top, page.cols, page.rows);
  page.copyTo(bed8(out.page_box));
  out.image = bed8;
  return out;
}

SpreadPage make_spread(const cv::Mat& left, const cv::Mat& right, const SpreadSpec& spec) {
  SpreadPage out;
  if (!supported(left) || !supported(right) || left.rows != right.rows ||
      left.type() != right.type() || !(spec.gutter_shadow_depth >= 0) ||
      spec.gutter_shadow_depth > 1 || !(spec.gutter_shadow_width_px > 0)) {
    return out;
  }
  auto skewed = [](const cv::Mat& page, double deg) {
    if (deg == 0) return page.clone();
    // The rotated-in corners get the page's brightest level (its paper).
    cv::Mat gray = page;
    if (page.channels() == 3) cv::cvtColor(page, gray, cv::COLOR_BGR2GRAY);
    double lo = 0, hi = 0;
    cv::minMaxLoc(gray, &lo, &hi);
    const cv::Point2f centre(0.5f * static_cast<float>(page.cols - 1),
                             0.5f * static_cast<float>(page.rows - 1));
    cv::Mat rotated;
    cv::warpAffine(page, rotated, cv::getRotationMatrix2D(centre, deg, 1.0), page.size(),
                   cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(hi));
    return rotated;
  };
  cv::Mat l = skewed(left, spec.left_skew_deg);
  cv::Mat r = skewed(right, spec.right_skew_deg);
  cv::Mat spread;
  cv::hconcat(l, r, spread);
  out.gutter_x = l.cols;
  out.left_box = cv::Rect(0, 0, l.cols, l.rows);
  out.right_box = cv::Rect(l.cols, 0, r.cols, r.rows);

  cv::Mat factor(1, spread.cols, CV_32F);
  const double gutter_line = out.gutter_x - 0.5;
  for (int x = 0; x < spread.cols; ++x) {
    const double d = (x - gutter_line) / spec.gutter_shadow_width_px;
    factor.at<float>(0, x) = static_cast<float>(1.0 - spec.gutter_shadow_depth * std::exp(-d * d));
  }
  const int cn = spread.channels();
  for (int y = 0; y < spread.rows; ++y) {
    uint8_t* row = spread.ptr<uint8_t>(y);
    for (int x = 0; x < spread.cols; ++x) {
      const float f = factor.at<float>(0, x);
      for (int c = 0; c < cn; ++c) {
        row[x * cn + c] = cv::saturate_cast<uint8_t>(row[x * cn + c] * f);
      }
    }
  }
  out.image = spread;
  return out;
}

}  // namespace pageprep::testsupport
