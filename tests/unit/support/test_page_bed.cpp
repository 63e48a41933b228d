// Book-scanning test pages (page_bed.hpp): the known page box and gutter agree
// with the pixels, the skews have the documented signs, inputs are validated.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <string>

#include "support/page_bed.hpp"
#include "support/page_generator.hpp"

namespace pageprep {
namespace {

using testsupport::BedSpec;
using testsupport::SpreadSpec;

cv::Mat small_page(uint64_t seed) {
  testsupport::PageSpec spec;
  spec.seed = seed;
  spec.dpi = 100;
  testsupport::GeneratedPage page;
  std::string err;
  EXPECT_TRUE(testsupport::generate_page(spec, {}, &page, &err)) << err;
  return page.clean;
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

/// Mask of the pixels outside `box`.
cv::Mat outside(cv::Size size, const cv::Rect& box) {
  cv::Mat m(size, CV_8U, cv::Scalar(255));
  m(box).setTo(0);
  return m;
}

TEST(PageBed, FlatBedHoldsThePageUnchangedInsideTheBox) {
  const cv::Mat page = small_page(3);
  BedSpec spec;
  const auto bed = testsupport::place_on_bed(page, spec, 11);
  ASSERT_FALSE(bed.image.empty());
  const cv::Rect& b = bed.page_box;
  EXPECT_EQ(b.size(), page.size());
  for (int m : {b.x, b.y, bed.image.cols - b.br().x, bed.image.rows - b.br().y}) {
    EXPECT_GE(m, spec.min_margin_px);
    EXPECT_LE(m, spec.max_margin_px);
  }
  EXPECT_TRUE(identical(bed.image(b), page));
  double lo = 0, hi = 0;
  cv::minMaxLoc(bed.image, &lo, &hi, nullptr, nullptr, outside(bed.image.size(), b));
  EXPECT_EQ(lo, spec.bed_level);
  EXPECT_EQ(hi, spec.bed_level);
}

TEST(PageBed, DeterministicAndTheSeedMovesThePage) {
  const cv::Mat page = small_page(4);
  const auto a = testsupport::place_on_bed(page, {}, 7);
  const auto b = testsupport::place_on_bed(page, {}, 7);
  EXPECT_TRUE(identical(a.image, b.image));
  EXPECT_EQ(a.page_box, b.page_box);
  bool moved = false;
  for (uint64_t seed = 8; seed < 12 && !moved; ++seed) {
    moved = testsupport::place_on_bed(page, {}, seed).page_box != a.page_box;
  }
  EXPECT_TRUE(moved);
}

TEST(PageBed, TexturedBedStaysDarkWithinItsAmplitudeAndVaries) {
  const cv::Mat page = small_page(5);
  BedSpec spec;
  spec.bed_level = 70;
  spec.texture_amplitude = 30;
  const auto bed = testsupport::place_on_bed(page, spec, 21);
  ASSERT_FALSE(bed.image.empty());
  EXPECT_TRUE(identical(bed.image(bed.page_box), page));
  const cv::Mat mask = outside(bed.image.size(), bed.page_box);
  double lo = 0, hi = 0;
  cv::minMaxLoc(bed.image, &lo, &hi, nullptr, nullptr, mask);
  EXPECT_GE(lo, spec.bed_level - spec.texture_amplitude);
  EXPECT_LE(hi, spec.bed_level + spec.texture_amplitude);
  cv::Scalar mean, stddev;
  cv::meanStdDev(bed.image, mean, stddev, mask);
  EXPECT_GT(stddev[0], 3.0) << "a textured bed must not be flat";
  EXPECT_NEAR(mean[0], spec.bed_level, 10.0);
}

TEST(PageBed, ColorPageAndInvalidInputs) {
  cv::Mat color;
  cv::cvtColor(small_page(6), color, cv::COLOR_GRAY2BGR);
  const auto bed = testsupport::place_on_bed(color, {}, 1);
  ASSERT_EQ(bed.image.type(), CV_8UC3);
  EXPECT_TRUE(identical(bed.image(bed.page_box), color));
  EXPECT_TRUE(testsupport::place_on_bed(cv::Mat(), {}, 1).image.empty());
  EXPECT_TRUE(testsupport::place_on_bed(cv::Mat(10, 10, CV_16U), {}, 1).image.empty());
  BedSpec bad;
  bad.min_margin_px = 50;
  bad.max_margin_px = 10;
  EXPECT_TRUE(testsupport::place_on_bed(color, bad, 1).image.empty());
}

TEST(PageSpread, GutterShadowIsDeepestAtTheGutterAndSymmetric) {
  const cv::Mat white(400, 300, CV_8U, cv::Scalar(250));
  SpreadSpec spec;
  spec.gutter_shadow_depth = 0.6;
  spec.gutter_shadow_width_px = 40;
  const auto s = testsupport::make_spread(white, white, spec);
  ASSERT_FALSE(s.image.empty());
  EXPECT_EQ(s.gutter_x, 300);
  EXPECT_EQ(s.left_box, cv::Rect(0, 0, 300, 400));
  EXPECT_EQ(s.right_box, cv::Rect(300, 0, 300, 400));
  const cv::Mat row = s.image.row(200);
  double lo = 0;
  cv::minMaxLoc(row, &lo);
  // Deepest at the gutter (neighbours may round to the same level).
  EXPECT_EQ(row.at<uint8_t>(0, s.gutter_x), lo);
  EXPECT_EQ(row.at<uint8_t>(0, s.gutter_x - 1), lo);
  EXPECT_GT(row.at<uint8_t>(0, s.gutter_x + 20), lo + 10);
  const double expected = 250 * (1 - 0.6 * std::exp(-(0.5 / 40) * (0.5 / 40)));
  EXPECT_NEAR(lo, expected, 1.0);
  for (int k = 0; k < 300; ++k) {
    ASSERT_EQ(row.at<uint8_t>(0, s.gutter_x - 1 - k), row.at<uint8_t>(0, s.gutter_x + k)) << k;
  }
  EXPECT_EQ(row.at<uint8_t>(0, 0), 250) << "no shadow far from the gutter";
}

/// The row of the line drawn in a page at column x (its darkest pixel).
int line_row(const cv::Mat& img, int x) {
  cv::Point at;
  cv::minMaxLoc(img.col(x), nullptr, nullptr, &at);
  return at.y;
}

TEST(PageSpread, OppositeSkewsHaveTheDocumentedSigns) {
  cv::Mat page(400, 300, CV_8U, cv::Scalar(250));
  cv::line(page, {20, 200}, {279, 200}, cv::Scalar(0), 3);
  SpreadSpec spec;
  spec.left_skew_deg = 3;
  spec.right_skew_deg = -3;
  spec.gutter_shadow_depth = 0;
  const auto s = testsupport::make_spread(page, page, spec);
  ASSERT_FALSE(s.image.empty());
  // Counter-clockwise positive: the left page's line rises to the right.
  const double rise = 260 * std::tan(3 * CV_PI / 180);  // ~13.6 px over the line
  EXPECT_NEAR(line_row(s.image, 30) - line_row(s.image, 270), rise, 2.0);
  EXPECT_NEAR(line_row(s.image, 300 + 270) - line_row(s.image, 300 + 30), rise, 2.0);
  // The corners rotated in are paper, not black.
  EXPECT_EQ(s.image.at<uint8_t>(0, 0), 250);
  EXPECT_EQ(s.image.at<uint8_t>(399, 599), 250);
}

TEST(PageSpread, InvalidInputs) {
  const cv::Mat a(100, 80, CV_8U, cv::Scalar(250));
  const cv::Mat b(90, 80, CV_8U, cv::Scalar(250));
  EXPECT_TRUE(testsupport::make_spread(a, b, {}).image.empty());
  cv::Mat c;
  cv::cvtColor(a, c, cv::COLOR_GRAY2BGR);
  EXPECT_TRUE(testsupport::make_spread(a, c, {}).image.empty());
  SpreadSpec deep;
  deep.gutter_shadow_depth = 1.5;
  EXPECT_TRUE(testsupport::make_spread(a, a, deep).image.empty());
  EXPECT_FALSE(testsupport::make_spread(a, a, {}).image.empty());
}

}  // namespace
}  // namespace pageprep
