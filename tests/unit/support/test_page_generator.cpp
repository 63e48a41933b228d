// The synthetic page generator: determinism, ground truth consistent with the
// pixels, the documented skew and rotation conventions, and the degradations.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "support/corpus_text.hpp"
#include "support/page_generator.hpp"

namespace pageprep {
namespace {

using testsupport::Degradation;
using testsupport::GeneratedPage;
using testsupport::Layout;
using testsupport::PageSpec;

const Layout kAllLayouts[] = {Layout::kSingleColumn, Layout::kTwoColumn, Layout::kTable,
                              Layout::kFigure,       Layout::kSparse,    Layout::kBlank};

GeneratedPage make(const PageSpec& spec, const Degradation& deg = {}) {
  GeneratedPage page;
  std::string err;
  EXPECT_TRUE(testsupport::generate_page(spec, deg, &page, &err)) << err;
  return page;
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

/// Number of maximal runs of rows that hold ink (< 128) within columns [x0, x1).
int ink_bands(const cv::Mat& img, int x0, int x1) {
  int bands = 0;
  bool in_band = false;
  for (int y = 0; y < img.rows; ++y) {
    const uint8_t* row = img.ptr<uint8_t>(y);
    bool ink = false;
    for (int x = x0; x < x1 && !ink; ++x) ink = row[x] < 128;
    bands += ink && !in_band;
    in_band = ink;
  }
  return bands;
}

int text_lines(const std::string& text) {
  int lines = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines += end > start;
    start = end + 1;
  }
  return lines;
}

int non_space_code_points(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 && c != ' ' && c != '\n';
  return n;
}

TEST(PageGenerator, SameSeedSamePixelsAndText) {
  PageSpec spec;
  spec.seed = 7;
  spec.layout = Layout::kFigure;
  Degradation deg;
  deg.skew_deg = 2.5;
  deg.noise_sigma = 6;
  deg.speck_density = 80;
  deg.blur_sigma = 0.6;
  deg.illumination = 0.4;
  deg.dark_border_px = 40;
  deg.jpeg_quality = 80;
  const GeneratedPage a = make(spec, deg), b = make(spec, deg);
  EXPECT_TRUE(identical(a.clean, b.clean));
  EXPECT_TRUE(identical(a.degraded, b.degraded));
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.glyphs, b.glyphs);
  spec.seed = 8;
  const GeneratedPage c = make(spec, deg);
  EXPECT_NE(a.text, c.text);
  EXPECT_FALSE(identical(a.clean, c.clean));
}

TEST(PageGenerator, DegradationDoesNotChangeTheText) {
  PageSpec spec;
  spec.seed = 3;
  Degradation deg;
  deg.noise_sigma = 10;
  deg.skew_deg = -3;
  const GeneratedPage plain = make(spec), noisy = make(spec, deg);
  EXPECT_EQ(plain.text, noisy.text);
  EXPECT_TRUE(identical(plain.clean, noisy.clean));
}

TEST(PageGenerator, NoDegradationGivesTheCleanPage) {
  PageSpec spec;
  spec.seed = 11;
  const GeneratedPage p = make(spec);
  EXPECT_TRUE(identical(p.clean, p.degraded));
  EXPECT_EQ(p.clean.type(), CV_8UC1);
  EXPECT_EQ(p.clean.cols, 2480);
  EXPECT_EQ(p.clean.rows, 3508);
  EXPECT_EQ(p.margin_px, 300);
}

TEST(PageGenerator, CleanBinaryAndGlyphCountMatchTheCleanPage) {
  uint64_t seed = 100;
  for (Layout layout : kAllLayouts) {
    PageSpec spec;
    spec.seed = seed++;
    spec.layout = layout;
    const GeneratedPage p = make(spec);
    SCOPED_TRACE(testsupport::layout_name(layout));
    ASSERT_EQ(p.clean_binary.type(), CV_8UC1);
    ASSERT_EQ(p.clean_binary.size(), p.clean.size());
    int64_t mismatches = 0, ink = 0;
    for (int y = 0; y < p.clean.rows; ++y)
      for (int x = 0; x < p.clean.cols; ++x) {
        const uint8_t c = p.clean.at<uint8_t>(y, x), b = p.clean_binary.at<uint8_t>(y, x);
        mismatches += !((b == 0 && c < 128) || (b == 255 && c >= 128));
        ink += b == 0;
      }
    EXPECT_EQ(mismatches, 0);
    EXPECT_EQ(p.glyphs, non_space_code_points(p.text));
    if (layout == Layout::kBlank) {
      EXPECT_EQ(ink, 0);
      EXPECT_EQ(p.text, "");
      EXPECT_EQ(p.glyphs, 0);
      EXPECT_EQ(cv::countNonZero(p.clean != 255), 0);  // not even anti-aliasing
    } else {
      EXPECT_GT(ink, 1000);
      EXPECT_GT(p.glyphs, layout == Layout::kSparse ? 20 : 300);
    }
  }
}

TEST(PageGenerator, TruthLinesMatchTheDrawnLines) {
  // Each truth line is one band of inked rows (lines never touch at 1.2 em pitch).
  const char* fonts[] = {"DejaVuSerif", "DejaVuSans", "LiberationSerif-Regular",
                         "LiberationSans-Regular", "LiberationMono-Regular"};
  uint64_t seed = 200;
  for (const char* font : fonts) {
    for (Layout layout : {Layout::kSingleColumn, Layout::kSparse, Layout::kTwoColumn}) {
      PageSpec spec;
      spec.seed = seed++;
      spec.font = font;
      spec.layout = layout;
      const GeneratedPage p = make(spec);
      SCOPED_TRACE(std::string(font) + " " + testsupport::layout_name(layout));
      int bands = 0;
      if (layout == Layout::kTwoColumn) {
        const int gutter = spec.dpi / 4, body = p.clean.cols - 2 * p.margin_px;
        const int col = (body - gutter) / 2;
        bands = ink_bands(p.clean, 0, p.margin_px + col + gutter / 2) +
                ink_bands(p.clean, p.margin_px + col + gutter / 2, p.clean.cols);
      } else {
        bands = ink_bands(p.clean, 0, p.clean.cols);
      }
      EXPECT_EQ(bands, text_lines(p.text));
      if (layout == Layout::kSparse) {
        EXPECT_GE(text_lines(p.text), 3);
        EXPECT_LE(text_lines(p.text), 5);
      }
    }
  }
}

TEST(PageGenerator, InkStaysInsideTheMargins) {
  uint64_t seed = 300;
  for (Layout layout : kAllLayouts) {
    PageSpec spec;
    spec.seed = seed++;
    spec.layout = layout;
    const GeneratedPage p = make(spec);
    if (layout == Layout::kBlank) continue;
    cv::Mat ink_mask = p.clean < 128;
    const cv::Rect bbox = cv::boundingRect(ink_mask);
    const int m = p.margin_px, slack = spec.dpi / 30;  // glyph side bearings may overhang
    SCOPED_TRACE(testsupport::layout_name(layout));
    EXPECT_GE(bbox.x, m - slack);
    EXPECT_GE(bbox.y, m - slack);
    EXPECT_LE(bbox.x + bbox.width, p.clean.cols - m + slack);
    EXPECT_LE(bbox.y + bbox.height, p.clean.rows - m + slack);
  }
}

/// Centroid row of the top text line's ink within columns [x0, x1) of `img`:
/// the darkness-weighted mean over rows [first ink row, + line_height).
double top_line_centroid(const cv::Mat& img, int x0, int x1, int line_height) {
  int top = -1;
  for (int y = 0; y < img.rows && top < 0; ++y)
    for (int x = x0; x < x1; ++x)
      if (img.at<uint8_t>(y, x) < 128) {
        top = y;
        break;
      }
  double sw = 0, swy = 0;
  for (int y = top; y < std::min(img.rows, top + line_height); ++y)
    for (int x = x0; x < x1; ++x) {
      const double w = 255.0 - img.at<uint8_t>(y, x);
      sw += w;
      swy += w * y;
    }
  return sw > 0 ? swy / sw : -1;
}

class SkewTest : public ::testing::TestWithParam<double> {};

TEST_P(SkewTest, PositiveSkewRaisesTheRightEndOfALine) {
  const double theta = GetParam();
  PageSpec spec;
  spec.seed = 21;
  spec.font = "DejaVuSans";
  Degradation deg;
  deg.skew_deg = theta;
  const GeneratedPage p = make(spec, deg);
  ASSERT_EQ(p.skew_deg, theta);
  ASSERT_EQ(p.degraded.size(), p.clean.size());
  // The first line in the clean page: its rows and columns.
  int r0 = -1, r1 = -1;
  for (int y = 0; y < p.clean.rows; ++y) {
    const bool ink = cv::countNonZero(p.clean.row(y) < 128) > 0;
    if (ink && r0 < 0) r0 = y;
    if (!ink && r0 >= 0) {
      r1 = y;
      break;
    }
  }
  ASSERT_GE(r0, 0);
  const cv::Rect line = cv::boundingRect(p.clean.rowRange(r0, r1) < 128);
  ASSERT_GT(line.width, 1500) << "the first line should span the text width";
  // Strips 100 px wide, well inside the line's ends (the rotation about the
  // page centre shifts the top line sideways by up to ~130 px at 5 degrees).
  const int xl = line.x + 250, xr = line.x + line.width - 350;
  const double yl = top_line_centroid(p.degraded, xl, xl + 100, r1 - r0);
  const double yr = top_line_centroid(p.degraded, xr, xr + 100, r1 - r0);
  const double measured =
      std::atan2(yl - yr, static_cast<double>(xr - xl)) * 180.0 / 3.14159265358979;
  EXPECT_NEAR(measured, theta, 0.4) << "yl=" << yl << " yr=" << yr;
}

INSTANTIATE_TEST_SUITE_P(Angles, SkewTest, ::testing::Values(4.0, -4.0, 1.5, 0.0));

TEST(PageGenerator, Rotate90TurnsThePageCounterClockwise) {
  PageSpec spec;
  spec.seed = 31;
  spec.width_px = 620;  // small custom size: quick
  spec.height_px = 877;
  const std::pair<int, int> cases[] = {
      {90, cv::ROTATE_90_COUNTERCLOCKWISE}, {180, cv::ROTATE_180}, {270, cv::ROTATE_90_CLOCKWISE}};
  for (auto [deg90, code] : cases) {
    Degradation deg;
    deg.rotate90 = deg90;
    const GeneratedPage p = make(spec, deg);
    cv::Mat expected;
    cv::rotate(p.clean, expected, code);
    EXPECT_TRUE(identical(p.degraded, expected)) << deg90;
  }
  // Turned 90 degrees counter-clockwise, the page's top edge is on the left:
  // the first text line's start (top-left of the clean page) is at the bottom left.
  Degradation deg;
  deg.rotate90 = 90;
  const GeneratedPage p = make(spec, deg);
  ASSERT_EQ(p.degraded.cols, 877);
  const cv::Rect ink = cv::boundingRect(p.degraded < 128);
  const cv::Rect clean_ink = cv::boundingRect(p.clean < 128);
  EXPECT_EQ(ink.x, clean_ink.y);
  EXPECT_EQ(p.degraded.rows - (ink.y + ink.height), clean_ink.x);
}

TEST(PageGenerator, LargeSkewWidensTheMarginsSoNothingLeavesThePage) {
  PageSpec spec;
  spec.seed = 41;
  Degradation deg;
  deg.skew_deg = 15;
  deg.dark_border_px = 0;
  const GeneratedPage p = make(spec, deg);
  EXPECT_GT(p.margin_px, spec.dpi);
  // No ink near the edges of the skewed page.
  const int pad = spec.dpi / 25;
  const cv::Rect ink = cv::boundingRect(p.degraded < 128);
  EXPECT_GE(ink.x, pad);
  EXPECT_GE(ink.y, pad);
  EXPECT_LE(ink.x + ink.width, p.degraded.cols - pad);
  EXPECT_LE(ink.y + ink.height, p.degraded.rows - pad);
  // Small skews keep the one-inch layout: same text as unskewed.
  deg.skew_deg = 5;
  EXPECT_EQ(make(spec, deg).text, make(spec).text);
}

TEST(PageGenerator, Degradations) {
  PageSpec spec;
  spec.seed = 51;
  spec.layout = Layout::kBlank;
  spec.width_px = 800;
  spec.height_px = 1000;
  {  // Gaussian noise of the stated sigma on blank paper (clipped at 255: half-normal above).
    Degradation d;
    d.noise_sigma = 8;
    d.contrast = 0.8;  // paper at ~242, so little clipping
    const GeneratedPage p = make(spec, d);
    cv::Scalar mean, sd;
    cv::meanStdDev(p.degraded, mean, sd);
    EXPECT_NEAR(sd[0], 8.0, 1.0);
    EXPECT_NEAR(mean[0], 255 - 0.2 * 64, 1.0);
  }
  {  // Uneven illumination: one corner clearly darker than the opposite one.
    Degradation d;
    d.illumination = 0.8;
    const GeneratedPage p = make(spec, d);
    const int s = 50;
    std::vector<double> corners = {cv::mean(p.degraded(cv::Rect(0, 0, s, s)))[0],
                                   cv::mean(p.degraded(cv::Rect(800 - s, 0, s, s)))[0],
                                   cv::mean(p.degraded(cv::Rect(0, 1000 - s, s, s)))[0],
                                   cv::mean(p.degraded(cv::Rect(800 - s, 1000 - s, s, s)))[0]};
    const auto [lo, hi] = std::minmax_element(corners.begin(), corners.end());
    EXPECT_GT(*hi - *lo, 60.0);
    EXPECT_GT(*hi, 240.0);
  }
  {  // Yellowed colour paper: BGR, blue lowest.
    Degradation d;
    d.color = true;
    d.paper_yellow = 0.8;
    const GeneratedPage p = make(spec, d);
    ASSERT_EQ(p.degraded.type(), CV_8UC3);
    const cv::Scalar m = cv::mean(p.degraded);
    EXPECT_LT(m[0] + 40, m[2]);
    EXPECT_LT(m[1], m[2]);
  }
  {  // Dark borders on at least one side.
    Degradation d;
    d.dark_border_px = 40;
    const GeneratedPage p = make(spec, d);
    const double edges[] = {
        cv::mean(p.degraded.colRange(0, 20))[0], cv::mean(p.degraded.colRange(780, 800))[0],
        cv::mean(p.degraded.rowRange(0, 20))[0], cv::mean(p.degraded.rowRange(980, 1000))[0]};
    EXPECT_LT(*std::min_element(std::begin(edges), std::end(edges)), 80.0);
    EXPECT_GT(cv::mean(p.degraded(cv::Rect(300, 400, 200, 200)))[0], 250.0);
  }
  {  // Specks: dark dots appear on blank paper.
    Degradation d;
    d.speck_density = 2000;
    const GeneratedPage p = make(spec, d);
    const int dark = cv::countNonZero(p.degraded < 128);
    EXPECT_GT(dark, 200);  // ~800 dark specks of 1-9 px
    EXPECT_LT(dark, 20000);
  }
  // Low contrast on a text page: ink lighter, paper darker.
  spec.layout = Layout::kSingleColumn;
  Degradation d;
  d.contrast = 0.5;
  const GeneratedPage p = make(spec, d);
  double lo = 0, hi = 0;
  cv::minMaxLoc(p.degraded, &lo, &hi);
  EXPECT_NEAR(lo, 64, 1);
  EXPECT_NEAR(hi, 223, 1);
  // Blur and JPEG change the pixels but keep the shape.
  Degradation bj;
  bj.blur_sigma = 1.0;
  bj.jpeg_quality = 60;
  const GeneratedPage q = make(spec, bj);
  EXPECT_EQ(q.degraded.size(), q.clean.size());
  EXPECT_FALSE(identical(q.degraded, q.clean));
}

TEST(PageGenerator, DpiScalesTheDefaultA4Page) {
  PageSpec spec;
  spec.dpi = 150;
  const GeneratedPage p = make(spec);
  EXPECT_EQ(p.clean.cols, 1240);
  EXPECT_EQ(p.clean.rows, 1754);
  EXPECT_EQ(p.margin_px, 150);
  EXPECT_GT(p.glyphs, 1000);
  spec.width_px = 1000;  // an explicit size is used as given
  spec.height_px = 1400;
  EXPECT_EQ(make(spec).clean.cols, 1000);
}

TEST(PageGenerator, ReportsErrors) {
  GeneratedPage p;
  std::string err;
  PageSpec spec;
  spec.font = "NoSuchFont-Regular";
  EXPECT_FALSE(testsupport::generate_page(spec, {}, &p, &err));
  EXPECT_NE(err.find("NoSuchFont-Regular"), std::string::npos) << err;
  spec = PageSpec();
  Degradation d;
  d.rotate90 = 45;
  EXPECT_FALSE(testsupport::generate_page(spec, d, &p, &err));
  spec.language = "klingon";
  EXPECT_FALSE(testsupport::generate_page(spec, {}, &p, &err));
  EXPECT_FALSE(testsupport::generate_page(spec, {}, &p, nullptr));  // null error is allowed
}

TEST(PageGenerator, ChinesePage) {
  PageSpec spec;
  spec.seed = 61;
  spec.language = "chi_sim";
  GeneratedPage p;
  std::string err;
  if (testsupport::find_cjk_font().empty()) {
    EXPECT_FALSE(testsupport::generate_page(spec, {}, &p, &err));
    EXPECT_NE(err.find("CJK"), std::string::npos) << err;
    GTEST_SKIP() << "no CJK font installed (fonts-wqy-zenhei or fonts-noto-cjk): " << err;
  }
  ASSERT_TRUE(testsupport::generate_page(spec, {}, &p, &err)) << err;
  EXPECT_GT(p.glyphs, 500);
  EXPECT_EQ(p.glyphs, non_space_code_points(p.text));
  for (char c : p.text) EXPECT_FALSE((c >= 'a' && c <= 'z') || c == ' ');
  EXPECT_EQ(ink_bands(p.clean, 0, p.clean.cols), text_lines(p.text));
  // Line breaking: closing punctuation ('，' '。') never starts a line.
  for (size_t nl = p.text.find('\n'); nl != std::string::npos; nl = p.text.find('\n', nl + 1)) {
    const std::string next = p.text.substr(nl + 1, 3);
    EXPECT_NE(next, "\xEF\xBC\x8C");
    EXPECT_NE(next, "\xE3\x80\x82");
  }
}

TEST(PageGenerator, EnglishCorpusIsPlainText) {
  testsupport::Rng rng(5);
  int words = 0;
  for (int i = 0; i < 200; ++i)
    for (const auto& t : testsupport::english_sentence(rng)) {
      ++words;
      ASSERT_FALSE(t.text.empty());
      for (char32_t c : t.text) ASSERT_TRUE(c > 0x20 && c < 0x7F);
    }
  EXPECT_GT(words, 200 * 6);
  EXPECT_GE(testsupport::common_english_words().size(), 300u);
  EXPECT_GE(testsupport::common_hanzi().size(), 300u);
}

// The generator's time is a benchmark row (BM_GeneratePage in
// bench/bench_support.cpp), not a test.

}  // namespace
}  // namespace pageprep
