// Spread gutter (gutter.hpp): cell ranges against a naive reference with a
// poisoned output; known gutters of generated spreads (opposite skews, gutter
// shadow, dark bed, a vertical rule near the middle of one page); no split on
// single pages, turned pages, a rule, or a spread with a blank half.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <string>
#include <vector>

#include "pageprep/kernels/gutter.hpp"
#include "pageprep/kernels/ops/gutter_ops.hpp"
#include "support/page_bed.hpp"
#include "support/page_generator.hpp"

namespace pageprep {
namespace {

namespace ts = testsupport;

kernels::ConstGrayView cview(const cv::Mat& m) {
  return {m.data, m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}

cv::Mat page(uint64_t seed, ts::Layout layout = ts::Layout::kSingleColumn, int dpi = 150,
             int rotate90 = 0) {
  ts::PageSpec spec;
  spec.seed = seed;
  spec.dpi = dpi;
  spec.width_px = ts::PageSpec::a4_width_px(dpi);
  spec.height_px = ts::PageSpec::a4_height_px(dpi);
  spec.layout = layout;
  ts::Degradation deg;
  deg.noise_sigma = 4;
  deg.rotate90 = rotate90;
  ts::GeneratedPage p;
  std::string err;
  EXPECT_TRUE(ts::generate_page(spec, deg, &p, &err)) << err;
  return p.degraded;
}

kernels::Gutter gutter_of(const cv::Mat& img) {
  kernels::cpu::ThreadPool pool(2);
  kernels::Gutter g;
  EXPECT_TRUE(kernels::cpu::find_gutter(pool, cview(img), &g).is_ok());
  return g;
}

TEST(Gutter, CellRangesMatchNaiveReference) {
  kernels::cpu::ThreadPool pool(2);
  for (auto [w, h] : std::vector<std::pair<int, int>>{{1, 1}, {9, 17}, {100, 47}, {257, 130}}) {
    cv::Mat img(h, w, CV_8UC1);
    cv::randu(img, 0, 256);
    std::vector<uint16_t> r(3, 0xFAFA);  // poisoned, wrong size: must be replaced
    ASSERT_TRUE(kernels::cpu::gutter_cell_ranges(pool, cview(img), &r).is_ok());
    const int cw = (w + 7) / 8, ch = (h + 15) / 16;
    ASSERT_EQ(r.size(), static_cast<size_t>(cw * ch));
    for (int cy = 0; cy < ch; ++cy)
      for (int cx = 0; cx < cw; ++cx) {
        int lo = 255, hi = 0;
        for (int y = cy * 16; y < std::min(h, cy * 16 + 16); ++y)
          for (int x = cx * 8; x < std::min(w, cx * 8 + 8); ++x) {
            lo = std::min(lo, static_cast<int>(img.at<uint8_t>(y, x)));
            hi = std::max(hi, static_cast<int>(img.at<uint8_t>(y, x)));
          }
        const uint16_t v = r[static_cast<size_t>(cy * cw + cx)];
        EXPECT_EQ(kernels::ops::cell_max(v), hi) << w << "x" << h << " cell " << cx << "," << cy;
        EXPECT_EQ(kernels::ops::cell_min(v), lo) << w << "x" << h << " cell " << cx << "," << cy;
      }
  }
}

TEST(Gutter, EmptyPageIsAnError) {
  kernels::cpu::ThreadPool pool(1);
  kernels::Gutter g;
  EXPECT_FALSE(kernels::cpu::find_gutter(pool, {nullptr, 0, 0, 0}, &g).is_ok());
  EXPECT_FALSE(kernels::find_gutter({}, 10, 10).found);
}

struct SpreadCase {
  uint64_t seed;
  double left_skew, right_skew, shadow;
  int bed;  // 0: no bed
  ts::Layout layout;
  bool rule;  // a vertical rule near the middle of the left page
};

/// A spread with a known gutter; the gutter in image pixels goes to *truth.
cv::Mat spread(const SpreadCase& c, int* truth) {
  cv::Mat l = page(c.seed, c.layout), r = page(c.seed + 1000, c.layout);
  // The rule lies in the left page's text block, 42% of the way across the
  // spread: inside the middle where the gutter is looked for.
  if (c.rule)
    cv::line(l, {l.cols * 85 / 100, 200}, {l.cols * 85 / 100, l.rows - 200}, cv::Scalar(20), 3);
  ts::SpreadSpec s;
  s.left_skew_deg = c.left_skew;
  s.right_skew_deg = c.right_skew;
  s.gutter_shadow_depth = c.shadow;
  s.gutter_shadow_width_px = 40;
  const ts::SpreadPage sp = ts::make_spread(l, r, s);
  EXPECT_FALSE(sp.image.empty());
  *truth = sp.gutter_x;
  if (c.bed == 0) return sp.image;
  ts::BedSpec bed;
  bed.bed_level = c.bed;
  const ts::BedPage b = ts::place_on_bed(sp.image, bed, c.seed);
  *truth += b.page_box.x;
  return b.image;
}

TEST(Gutter, FindsKnownGuttersOfGeneratedSpreads) {
  const SpreadCase cases[] = {
      {1, 0, 0, 0, 0, ts::Layout::kSingleColumn, false},
      {2, 1.5, -2.0, 0.5, 0, ts::Layout::kSingleColumn, false},
      {3, -3.0, 2.5, 0.6, 40, ts::Layout::kSingleColumn, false},
      {4, 2.0, -1.0, 0.3, 30, ts::Layout::kTwoColumn, false},
      {5, -1.0, 1.5, 0.5, 0, ts::Layout::kTable, false},
      {6, 1.0, -1.0, 0.5, 50, ts::Layout::kSingleColumn, true},
      {7, 0.5, 2.0, 0.0, 0, ts::Layout::kTwoColumn, true},
  };
  for (const auto& c : cases) {
    int truth = 0;
    const cv::Mat img = spread(c, &truth);
    const kernels::Gutter g = gutter_of(img);
    SCOPED_TRACE("seed " + std::to_string(c.seed) + " note: " + g.note);
    ASSERT_TRUE(g.found);
    EXPECT_TRUE(g.spread_candidate);
    // Within 1% of a page's width (12 px at 150 dpi) of the true gutter.
    EXPECT_LE(std::abs(g.x - truth), 12) << "found " << g.x << " truth " << truth;
    EXPECT_GE(g.confidence, kernels::kGutterMinConfidence);
    EXPECT_LE(g.confidence, 1.0);
    EXPECT_EQ(g.shadow, c.shadow > 0) << "found " << g.x << " truth " << truth;
  }
}

TEST(Gutter, NeverSplitsASinglePage) {
  // Portrait pages of every kind: not even a candidate.
  const ts::Layout layouts[] = {ts::Layout::kSingleColumn, ts::Layout::kTwoColumn,
                                ts::Layout::kTable, ts::Layout::kFigure, ts::Layout::kBlank};
  uint64_t seed = 50;
  for (ts::Layout l : layouts) {
    const kernels::Gutter g = gutter_of(page(seed++, l));
    EXPECT_FALSE(g.found) << ts::layout_name(l);
    EXPECT_FALSE(g.spread_candidate) << ts::layout_name(l);
    EXPECT_FALSE(g.note.empty());
  }
  // Pages turned a quarter are landscape: the valley rules keep them whole.
  for (ts::Layout l : {ts::Layout::kSingleColumn, ts::Layout::kTwoColumn, ts::Layout::kTable}) {
    const kernels::Gutter g = gutter_of(page(seed++, l, 150, 90));
    EXPECT_TRUE(g.spread_candidate) << ts::layout_name(l);
    EXPECT_FALSE(g.found) << ts::layout_name(l) << " split at " << g.x;
    EXPECT_FALSE(g.note.empty());
  }
  // A landscape sheet with two columns of text: its column gap is no gutter.
  {
    ts::PageSpec spec;
    spec.seed = seed++;
    spec.dpi = 150;
    spec.width_px = 1754;
    spec.height_px = 1240;
    spec.layout = ts::Layout::kTwoColumn;
    ts::GeneratedPage p;
    std::string err;
    ASSERT_TRUE(ts::generate_page(spec, {}, &p, &err)) << err;
    const kernels::Gutter g = gutter_of(p.degraded);
    EXPECT_FALSE(g.found) << "split at " << g.x;
  }
}

TEST(Gutter, ARuleIsNotAGutter) {
  // A landscape single page with one column of text on each side of a thin
  // dark rule at its middle, in a gap as wide as a gutter (ScanTailor snaps
  // to such rules): the rule is ink, so it cuts the gap into two valleys of
  // the same width, and neither is clearly the gutter.
  cv::Mat l = page(70), r = page(71);
  cv::Mat sheet;
  cv::hconcat(l(cv::Rect(150, 0, l.cols - 150, l.rows)), r(cv::Rect(0, 0, r.cols - 150, r.rows)),
              sheet);
  cv::line(sheet, {sheet.cols / 2, 150}, {sheet.cols / 2, sheet.rows - 150}, cv::Scalar(10), 3);
  const kernels::Gutter g = gutter_of(sheet);
  EXPECT_TRUE(g.spread_candidate);
  EXPECT_FALSE(g.found) << "split at " << g.x << " (rule at " << sheet.cols / 2 << ")";
  EXPECT_LT(g.confidence, kernels::kGutterMinConfidence) << g.note;
}

TEST(Gutter, SpreadWithABlankHalfIsLeftWhole) {
  ts::SpreadSpec s;
  s.gutter_shadow_depth = 0.4;
  const ts::SpreadPage sp = ts::make_spread(page(80), page(81, ts::Layout::kBlank), s);
  const kernels::Gutter g = gutter_of(sp.image);
  EXPECT_TRUE(g.spread_candidate);
  EXPECT_FALSE(g.found) << "split at " << g.x;
  EXPECT_FALSE(g.note.empty());
}

}  // namespace
}  // namespace pageprep
