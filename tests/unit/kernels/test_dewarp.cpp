// Dewarp (dewarp.hpp): the remap against a naive double-precision reference
// with poisoned outputs and padded pitches; an all-zero grid is the identity;
// an integer shift moves rows exactly; shape checks. The model on generated
// curled pages (tests/support/page_curl.hpp) recovers the known field, and
// its remap brings the page back near the flat original; flat and blank pages
// are never resampled.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "pageprep/kernels/dewarp.hpp"
#include "pageprep/kernels/ops/dewarp_ops.hpp"
#include "support/page_curl.hpp"
#include "support/page_generator.hpp"
#include "support/random_image.hpp"

namespace pageprep {
namespace {

namespace ts = testsupport;
namespace ops = kernels::ops;

kernels::ConstGrayView cview(const cv::Mat& m) {
  return {m.data, m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}

std::vector<int32_t> random_grid(int32_t w, int32_t h, uint64_t seed, int32_t max_q8) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> d(-max_q8, max_q8);
  std::vector<int32_t> g(static_cast<size_t>(ops::dewarp_grid_w(w)) * ops::dewarp_grid_h(h));
  for (auto& v : g) v = d(rng);
  return g;
}

/// Naive reference: v by bilinear interpolation of the nodes in double, then
/// the bilinear sample of the source at (x, y + v), outside pixels = fill.
double naive_pixel(const ts::OwnedImage& src, const std::vector<int32_t>& g, int32_t gw,
                   uint8_t fill, int32_t x, int32_t y) {
  const double step = ops::kDewarpGridStep;
  const int32_t i = x / ops::kDewarpGridStep, j = y / ops::kDewarpGridStep;
  const double fx = (x - i * step) / step, fy = (y - j * step) / step;
  const auto node = [&](int32_t a, int32_t b) {
    return g[static_cast<size_t>(b * gw + a)] / 256.0;
  };
  const double v = (node(i, j) * (1 - fx) + node(i + 1, j) * fx) * (1 - fy) +
                   (node(i, j + 1) * (1 - fx) + node(i + 1, j + 1) * fx) * fy;
  const double sy = y + v;
  const int32_t y0 = static_cast<int32_t>(std::floor(sy));
  const double t = sy - y0;
  const auto px = [&](int32_t yy) -> double {
    return (yy >= 0 && yy < src.height) ? src.at(x, yy) : fill;
  };
  return px(y0) * (1 - t) + px(y0 + 1) * t;
}

TEST(Dewarp, RemapMatchesNaiveReference) {
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 5;
  for (auto [w, h] : ts::odd_shapes()) {
    if (w <= 0 || h <= 0) continue;
    for (int32_t pad : {0, 13}) {
      const ts::OwnedImage src = ts::random_document(w, h, seed++, pad);
      ts::OwnedImage dst(w, h, 1, pad, ts::kPoison);
      const auto g = random_grid(w, h, seed++, 40 * 256);
      const ops::DewarpGrid grid{g.data(), ops::dewarp_grid_w(w), ops::dewarp_grid_h(h), 201};
      ASSERT_TRUE(kernels::cpu::dewarp(pool, src.cview(), dst.view(), grid).is_ok());
      int32_t worst = 0;
      for (int32_t y = 0; y < h; ++y)
        for (int32_t x = 0; x < w; ++x) {
          const double ref = naive_pixel(src, g, grid.grid_w, grid.fill, x, y);
          worst = std::max(worst, static_cast<int32_t>(std::ceil(std::fabs(dst.at(x, y) - ref))));
        }
      // 8-bit weights and Q16 positions: within 2 levels of the exact blend.
      EXPECT_LE(worst, 2) << w << "x" << h << " pad " << pad;
    }
  }
}

TEST(Dewarp, ZeroGridIsTheIdentity) {
  kernels::cpu::ThreadPool pool(2);
  for (auto [w, h] : std::vector<std::pair<int32_t, int32_t>>{{1, 1}, {33, 65}, {257, 130}}) {
    const ts::OwnedImage src = ts::random_image(w, h, 9, 1, 7);
    ts::OwnedImage dst(w, h, 1, 3, ts::kPoison);
    std::vector<int32_t> g(static_cast<size_t>(ops::dewarp_grid_w(w)) * ops::dewarp_grid_h(h), 0);
    const ops::DewarpGrid grid{g.data(), ops::dewarp_grid_w(w), ops::dewarp_grid_h(h), 0};
    ASSERT_TRUE(kernels::cpu::dewarp(pool, src.cview(), dst.view(), grid).is_ok());
    EXPECT_TRUE(dst.same_pixels(src)) << w << "x" << h;
  }
}

TEST(Dewarp, ScheduleEqualsPlainRowWalkWithZeroCells) {
  // The CPU schedule copies cells whose nodes are all 0; every other pixel is
  // ops::dewarp_pixel. Half the grid is 0 here: the bytes must be those of
  // the plain ops::dewarp_row, exactly.
  kernels::cpu::ThreadPool pool(2);
  const int32_t w = 203, h = 150;
  const ts::OwnedImage src = ts::random_document(w, h, 8, 5);
  auto g = random_grid(w, h, 12, 20 * 256);
  const int32_t gw = ops::dewarp_grid_w(w);
  for (size_t k = 0; k < g.size(); ++k)
    if (static_cast<int32_t>(k) % gw < gw / 2) g[k] = 0;
  const ops::DewarpGrid grid{g.data(), gw, ops::dewarp_grid_h(h), 255};
  ts::OwnedImage dst(w, h, 1, 3, ts::kPoison), ref(w, h, 1, 0, 0);
  ASSERT_TRUE(kernels::cpu::dewarp(pool, src.cview(), dst.view(), grid).is_ok());
  for (int32_t y = 0; y < h; ++y) ops::dewarp_row(src.cview(), grid, y, &ref.at(0, y));
  EXPECT_TRUE(dst.same_pixels(ref));
}

TEST(Dewarp, IntegerShiftMovesRowsExactly) {
  kernels::cpu::ThreadPool pool(2);
  const int32_t w = 77, h = 90, shift = 3;
  const ts::OwnedImage src = ts::random_image(w, h, 4);
  ts::OwnedImage dst(w, h, 1, 0, ts::kPoison);
  std::vector<int32_t> g(static_cast<size_t>(ops::dewarp_grid_w(w)) * ops::dewarp_grid_h(h),
                         shift * 256);
  const ops::DewarpGrid grid{g.data(), ops::dewarp_grid_w(w), ops::dewarp_grid_h(h), 250};
  ASSERT_TRUE(kernels::cpu::dewarp(pool, src.cview(), dst.view(), grid).is_ok());
  for (int32_t y = 0; y < h; ++y)
    for (int32_t x = 0; x < w; ++x)
      ASSERT_EQ(dst.at(x, y), y + shift < h ? src.at(x, y + shift) : 250) << x << "," << y;
}

TEST(Dewarp, RejectsBadShapes) {
  kernels::cpu::ThreadPool pool(1);
  ts::OwnedImage src = ts::random_image(40, 40, 1), dst(40, 40), small(39, 40);
  std::vector<int32_t> g(static_cast<size_t>(ops::dewarp_grid_w(40)) * ops::dewarp_grid_h(40), 0);
  ops::DewarpGrid grid{g.data(), ops::dewarp_grid_w(40), ops::dewarp_grid_h(40), 0};
  EXPECT_EQ(kernels::cpu::dewarp(pool, src.cview(), small.view(), grid).code(),
            kernels::StatusCode::kInvalidArgument);
  EXPECT_EQ(kernels::cpu::dewarp(pool, src.cview(), src.view(), grid).code(),
            kernels::StatusCode::kInvalidArgument);  // aliasing
  ops::DewarpGrid bad = grid;
  bad.grid_w -= 1;
  EXPECT_EQ(kernels::cpu::dewarp(pool, src.cview(), dst.view(), bad).code(),
            kernels::StatusCode::kInvalidArgument);
  g[3] = (ops::kDewarpMaxShiftPx + 1) * 256;
  EXPECT_EQ(kernels::cpu::dewarp(pool, src.cview(), dst.view(), grid).code(),
            kernels::StatusCode::kOutOfRange);
}

TEST(Dewarp, StripProfilesMatchNaiveCount) {
  kernels::cpu::ThreadPool pool(2);
  const ts::OwnedImage src = ts::random_document(301, 97, 3, 5);
  std::vector<int32_t> p(5, -1);  // wrong size and poisoned: must be replaced
  ASSERT_TRUE(kernels::cpu::strip_profiles(pool, src.cview(), 128, &p).is_ok());
  ASSERT_EQ(p.size(), static_cast<size_t>(kernels::kDewarpStrips) * 97);
  for (int32_t s = 0; s < kernels::kDewarpStrips; ++s)
    for (int32_t y = 0; y < 97; ++y) {
      int32_t n = 0;
      for (int32_t x = s * 301 / kernels::kDewarpStrips; x < (s + 1) * 301 / kernels::kDewarpStrips;
           ++x)
        n += src.at(x, y) < 128;
      ASSERT_EQ(p[static_cast<size_t>(s * 97 + y)], n) << s << "," << y;
    }
}

cv::Mat flat_page(uint64_t seed, ts::Layout layout = ts::Layout::kSingleColumn, int dpi = 150,
                  int* margin = nullptr) {
  ts::PageSpec spec;
  spec.seed = seed;
  spec.dpi = dpi;
  spec.width_px = ts::PageSpec::a4_width_px(dpi);
  spec.height_px = ts::PageSpec::a4_height_px(dpi);
  spec.layout = layout;
  ts::Degradation deg;
  deg.noise_sigma = 4;
  ts::GeneratedPage p;
  std::string err;
  EXPECT_TRUE(ts::generate_page(spec, deg, &p, &err)) << err;
  if (margin != nullptr) *margin = p.margin_px;
  return p.degraded;
}

kernels::DewarpModel model_of(const cv::Mat& img) {
  kernels::cpu::ThreadPool pool(2);
  kernels::DewarpModel m;
  EXPECT_TRUE(kernels::cpu::dewarp_model(pool, cview(img), &m).is_ok());
  return m;
}

/// Largest and mean |model - truth| over the grid nodes of the text area.
void field_error(const kernels::DewarpModel& m, const ts::CurlSpec& c, int margin, double* worst,
                 double* mean) {
  const int32_t gw = ops::dewarp_grid_w(m.width), gh = ops::dewarp_grid_h(m.height);
  *worst = 0, *mean = 0;
  int n = 0;
  for (int32_t j = 0; j < gh; ++j) {
    const int32_t y = j * ops::kDewarpGridStep;
    if (y < margin || y > m.height - margin) continue;
    for (int32_t i = 0; i < gw; ++i) {
      const int32_t x = i * ops::kDewarpGridStep;
      if (x < margin || x > m.width - margin) continue;
      const double d = m.v_q8[static_cast<size_t>(j * gw + i)] / 256.0 -
                       ts::curl_truth_v(c, m.width, m.height, x, y);
      *worst = std::max(*worst, std::fabs(d));
      *mean += std::fabs(d);
      ++n;
    }
  }
  *mean /= std::max(1, n);
}

/// Mean |a - b| over the page less its margins.
double mean_diff(const cv::Mat& a, const cv::Mat& b, int margin) {
  const cv::Rect r(margin, margin, a.cols - 2 * margin, a.rows - 2 * margin);
  return cv::mean(cv::abs(a(r) - b(r)))[0] + cv::mean(cv::abs(b(r) - a(r)))[0];
}

TEST(Dewarp, ModelRecoversKnownCurlAndFlattensThePage) {
  for (bool right : {true, false}) {
    int margin = 0;
    const cv::Mat flat = flat_page(right ? 21 : 22, ts::Layout::kSingleColumn, 150, &margin);
    ts::CurlSpec c;
    c.depth_px = 30;  // 150 dpi: 60 px at 300 dpi
    c.binding_right = right;
    c.shadow_depth = 0.3;
    const cv::Mat curled = ts::curl_page(flat, c);
    ASSERT_FALSE(curled.empty());
    const kernels::DewarpModel m = model_of(curled);
    ASSERT_TRUE(m.apply) << m.note << " conf " << m.confidence;
    EXPECT_GE(m.confidence, kernels::kDewarpMinConfidence);
    // The model is held at the text's edge, short of the binding edge.
    EXPECT_GE(m.max_px, 0.4 * c.depth_px);
    EXPECT_LE(m.max_px, 1.2 * c.depth_px * (1 + c.spread));
    double worst = 0, mean = 0;
    field_error(m, c, margin, &worst, &mean);  // the text area: the model's evidence
    std::printf("curl %s: max %.2f px, confidence %.3f, field error worst %.2f mean %.2f px\n",
                right ? "right" : "left", m.max_px, m.confidence, worst, mean);
    EXPECT_LE(worst, 3.0) << (right ? "right" : "left");
    EXPECT_LE(mean, 0.75) << (right ? "right" : "left");
    kernels::cpu::ThreadPool pool(2);
    cv::Mat out(curled.size(), CV_8UC1, cv::Scalar(ts::kPoison));
    ASSERT_TRUE(kernels::cpu::dewarp(
                    pool, cview(curled),
                    {out.data, out.cols, out.rows, static_cast<int64_t>(out.step[0])}, m.grid(255))
                    .is_ok());
    // The shadow stays (dewarp does not relight), so compare away from the binding.
    const cv::Mat f = right ? flat.colRange(0, flat.cols - 150) : flat.colRange(150, flat.cols);
    const cv::Mat o = right ? out.colRange(0, out.cols - 150) : out.colRange(150, out.cols);
    const cv::Mat k =
        right ? curled.colRange(0, curled.cols - 150) : curled.colRange(150, curled.cols);
    EXPECT_LT(mean_diff(o, f, 60), 0.5 * mean_diff(k, f, 60)) << (right ? "right" : "left");
  }
}

TEST(Dewarp, FlatPagesAreNeverResampled) {
  for (auto layout : {ts::Layout::kSingleColumn, ts::Layout::kTwoColumn, ts::Layout::kTable,
                      ts::Layout::kFigure}) {
    const kernels::DewarpModel m = model_of(flat_page(40 + static_cast<int>(layout), layout));
    EXPECT_FALSE(m.apply) << layout_name(layout) << " max " << m.max_px;
    EXPECT_FALSE(m.note.empty());
  }
}

TEST(Dewarp, BlankPageHasTooFewLines) {
  const cv::Mat blank(1754, 1240, CV_8UC1, cv::Scalar(240));
  const kernels::DewarpModel m = model_of(blank);
  EXPECT_FALSE(m.apply);
  EXPECT_EQ(m.note.rfind("too few text lines", 0), 0u) << m.note;
}

}  // namespace
}  // namespace pageprep
