// Background normalization: the shared pieces against naive references, the
// whole operation against a plain re-implementation of its definition, and the
// behaviour it exists for (an illumination gradient is flattened, ink stays
// dark).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "pageprep/kernels/background.hpp"
#include "support/op_harness.hpp"
#include "support/random_image.hpp"

namespace pageprep {
namespace {

using kernels::BackgroundParams;
using kernels::BatchLimits;
using testsupport::OwnedImage;

std::unique_ptr<kernels::cpu::BackgroundNormalize> make_op(const BackgroundParams& p,
                                                           BatchLimits limits = BatchLimits{}) {
  return testsupport::make_cpu_op<kernels::cpu::BackgroundNormalize>(p, limits);
}

OwnedImage run_one(kernels::cpu::BackgroundNormalize& op, kernels::cpu::ThreadPool& pool,
                   const OwnedImage& src, int32_t pad = 0, float dpi = 300.f) {
  return testsupport::run_one_page(op, pool, src, pad, dpi);
}

// ---------------------------------------------------------------------------
// Naive references
// ---------------------------------------------------------------------------

/// Mean of the brightest ceil(n/4) values, in 1/16 levels, rounded half up.
int naive_tile_background16(std::vector<int> values) {
  std::sort(values.rbegin(), values.rend());
  const size_t k = (values.size() + 3) / 4;
  long long sum = 0;
  for (size_t i = 0; i < k; ++i) sum += values[i];
  return static_cast<int>(
      std::floor(16.0 * static_cast<double>(sum) / static_cast<double>(k) + 0.5));
}

int naive_filter(const std::vector<int>& map, int tx, int ty, int i, int j, int op) {
  std::vector<int> v;
  for (int y = j - 1; y <= j + 1; ++y)
    for (int x = i - 1; x <= i + 1; ++x)
      if (x >= 0 && y >= 0 && x < tx && y < ty) v.push_back(map[y * tx + x]);
  if (op == 0) return *std::max_element(v.begin(), v.end());
  if (op == 1) return *std::min_element(v.begin(), v.end());
  double s = 0;
  for (int e : v) s += e;
  return static_cast<int>(std::floor(s / static_cast<double>(v.size()) + 0.5));
}

/// The whole operation written plainly from its definition (header comments):
/// per-tile sort, clamped 3x3 filters, gains, bilinear interpolation between
/// tile centres with 8-bit weights, vertical then horizontal, rounding each.
OwnedImage naive_normalize(const OwnedImage& src, int tile, int target) {
  const int w = src.width, h = src.height;
  const int tx = (w + tile - 1) / tile, ty = (h + tile - 1) / tile;
  std::vector<int> map(tx * ty);
  for (int j = 0; j < ty; ++j)
    for (int i = 0; i < tx; ++i) {
      std::vector<int> v;
      for (int y = j * tile; y < std::min(h, (j + 1) * tile); ++y)
        for (int x = i * tile; x < std::min(w, (i + 1) * tile); ++x) v.push_back(src.at(x, y));
      map[j * tx + i] = naive_tile_background16(v);
    }
  for (int op = 0; op < 3; ++op) {
    std::vector<int> next(map.size());
    for (int j = 0; j < ty; ++j)
      for (int i = 0; i < tx; ++i) next[j * tx + i] = naive_filter(map, tx, ty, i, j, op);
    map = next;
  }
  std::vector<int> gain(map.size());
  for (size_t k = 0; k < map.size(); ++k) {
    const double bg = std::max(map[k], 32 * 16) / 16.0;
    gain[k] = static_cast<int>(std::floor(target * 4096.0 / bg + 0.5));
  }
  // Tap: centre c_i = i*T + (T-1)/2; weight floor(256 * frac).
  auto tap = [&](int p, int n, int* i0, int* i1, int* wt) {
    const double u = (p - (tile - 1) / 2.0) / tile;
    if (u <= 0) {
      *i0 = *i1 = 0;
      *wt = 0;
      return;
    }
    const int f = static_cast<int>(std::floor(u));
    if (f >= n - 1) {
      *i0 = *i1 = n - 1;
      *wt = 0;
      return;
    }
    *i0 = f;
    *i1 = f + 1;
    *wt = static_cast<int>(std::floor((u - f) * 256 + 1e-9));
  };
  auto lerp = [](int a, int b, int wt) {
    return static_cast<int>(std::floor((a * (256.0 - wt) + b * wt) / 256.0 + 0.5));
  };
  OwnedImage out(w, h, 1, 0, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int xi0, xi1, xw, yi0, yi1, yw;
      tap(x, tx, &xi0, &xi1, &xw);
      tap(y, ty, &yi0, &yi1, &yw);
      const int g0 = lerp(gain[yi0 * tx + xi0], gain[yi1 * tx + xi0], yw);
      const int g1 = lerp(gain[yi0 * tx + xi1], gain[yi1 * tx + xi1], yw);
      const int g = lerp(g0, g1, xw);
      out.at(x, y) = static_cast<uint8_t>(
          std::min(255.0, std::floor(src.at(x, y) * static_cast<double>(g) / 4096.0 + 0.5)));
    }
  return out;
}

// ---------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------

TEST(BackgroundOps, TileBackgroundMatchesSortedReference) {
  std::mt19937_64 rng(1);
  for (int trial = 0; trial < 500; ++trial) {
    const int n = 1 + static_cast<int>(rng() % 2000);
    std::vector<int> v(n);
    uint32_t hist[256] = {};
    const int lo = static_cast<int>(rng() % 256);
    for (int& e : v) {
      e = lo + static_cast<int>(rng() % (256 - lo));
      ++hist[e];
    }
    EXPECT_EQ(kernels::ops::tile_background16(hist, static_cast<uint32_t>(n)),
              naive_tile_background16(v))
        << "trial " << trial;
  }
}

TEST(BackgroundOps, TileBackgroundIgnoresInkUpToThreeQuarters) {
  uint32_t hist[256] = {};
  hist[20] = 740;   // ink: 74% of the tile
  hist[200] = 260;  // paper
  EXPECT_EQ(kernels::ops::tile_background16(hist, 1000), 200 * 16);
}

TEST(BackgroundOps, MapFiltersMatchNaive) {
  std::mt19937_64 rng(2);
  for (auto [tx, ty] : std::vector<std::pair<int, int>>{{1, 1}, {1, 5}, {6, 1}, {2, 2}, {7, 5}}) {
    std::vector<int> map(tx * ty);
    for (int& e : map) e = static_cast<int>(rng() % 4081);
    for (int j = 0; j < ty; ++j)
      for (int i = 0; i < tx; ++i) {
        using kernels::ops::MapFilter;
        EXPECT_EQ((kernels::ops::map_filter_at<MapFilter::kMax3x3>(map.data(), tx, ty, i, j)),
                  naive_filter(map, tx, ty, i, j, 0));
        EXPECT_EQ((kernels::ops::map_filter_at<MapFilter::kMin3x3>(map.data(), tx, ty, i, j)),
                  naive_filter(map, tx, ty, i, j, 1));
        EXPECT_EQ((kernels::ops::map_filter_at<MapFilter::kMean3x3>(map.data(), tx, ty, i, j)),
                  naive_filter(map, tx, ty, i, j, 2));
      }
  }
}

TEST(BackgroundOps, GainAndNormalizeMatchNaive) {
  for (int bg16 = 0; bg16 <= 255 * 16; bg16 += 7)
    for (int target : {32, 200, 240, 255}) {
      const double bg = std::max(bg16, 32 * 16) / 16.0;
      EXPECT_EQ(kernels::ops::gain_q12(bg16, target),
                static_cast<int>(std::floor(target * 4096.0 / bg + 0.5)));
    }
  for (int v = 0; v < 256; v += 3)
    for (int g : {0, 1000, 4096, 5000, 32640})
      EXPECT_EQ(kernels::ops::normalize_pixel(static_cast<uint32_t>(v), g),
                static_cast<int>(std::min(255.0, std::floor(v * g / 4096.0 + 0.5))));
}

TEST(BackgroundOps, BilinearTapsHitTileCentresAndInterpolate) {
  for (int tile : {8, 16, 31, 32}) {
    const int tiles = 5;
    for (int p = 0; p < tiles * tile; ++p) {
      const kernels::ops::Tap t = kernels::ops::bilinear_tap(p, tile, tiles);
      const double u = (p - (tile - 1) / 2.0) / tile;
      const double expect = std::clamp(u, 0.0, tiles - 1.0);
      EXPECT_NEAR(t.i0 + t.w / 256.0, expect, 1.0 / 256 + 1e-9) << "tile " << tile << " p " << p;
      EXPECT_GE(t.w, 0);
      EXPECT_LT(t.w, 256);
      EXPECT_LE(t.i1, tiles - 1);
      if (t.w > 0) {
        EXPECT_EQ(t.i1, t.i0 + 1);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Operation
// ---------------------------------------------------------------------------

TEST(Background, ValidatesParamsAndScalesTile) {
  BackgroundParams p;
  EXPECT_TRUE(kernels::validate(p).is_ok());
  EXPECT_EQ(kernels::background_tile(p, 300.f), 32);
  EXPECT_EQ(kernels::background_tile(p, 600.f), 64);
  EXPECT_EQ(kernels::background_tile(p, 72.f), 16);
  EXPECT_EQ(kernels::background_tile(p, 0.f), 32);
  EXPECT_EQ(kernels::background_tile(p, 10000.f), 256);
  p.tile = 7;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p.tile = 1025;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p.tile = 24;
  EXPECT_EQ(kernels::background_tile(p, 600.f), 24);
  p.target = 10;
  std::unique_ptr<kernels::cpu::BackgroundNormalize> op;
  EXPECT_EQ(kernels::cpu::BackgroundNormalize::create(p, BatchLimits{}, &op).code(),
            kernels::StatusCode::kInvalidArgument);
}

TEST(Background, MatchesNaiveDefinitionOnOddShapes) {
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 10;
  for (int32_t tile : {8, 16, 29}) {
    BackgroundParams p;
    p.tile = tile;
    p.target = static_cast<uint8_t>(tile == 29 ? 250 : 240);
    auto op = make_op(p);
    for (auto [w, h] : testsupport::odd_shapes()) {
      for (int32_t pad : {0, 13}) {
        const OwnedImage src = (seed % 2) ? testsupport::random_document(w, h, seed, pad)
                                          : testsupport::random_image(w, h, seed, 1, pad);
        ++seed;
        const OwnedImage dst = run_one(*op, pool, src, pad);
        EXPECT_TRUE(dst.same_pixels(naive_normalize(src, tile, p.target)))
            << w << "x" << h << " tile " << tile;
      }
    }
  }
}

TEST(Background, DpiScaledTileAndVarShapeBatch) {
  BackgroundParams p;  // tile from dpi
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(2);
  std::vector<OwnedImage> src{testsupport::random_document(150, 97, 1, 0),
                              testsupport::random_document(61, 200, 2, 13)};
  std::vector<float> dpi{600.f, 150.f};  // tiles 64 and 16
  std::vector<OwnedImage> out;
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> outv;
  for (auto& s : src) out.emplace_back(s.width, s.height, 1, 1, testsupport::kPoison);
  for (size_t i = 0; i < src.size(); ++i) {
    in.push_back(src[i].cview());
    outv.push_back(out[i].view());
  }
  ASSERT_TRUE(
      op->run(pool, testsupport::batch_of(in), testsupport::batch_of(outv), dpi.data()).is_ok());
  EXPECT_TRUE(out[0].same_pixels(naive_normalize(src[0], 64, 240)));
  EXPECT_TRUE(out[1].same_pixels(naive_normalize(src[1], 16, 240)));
}

TEST(Background, IndependentOfThreadCount) {
  BackgroundParams p;
  auto op1 = make_op(p), op4 = make_op(p);
  kernels::cpu::ThreadPool p1(1), p4(4);
  const OwnedImage src = testsupport::random_document(701, 903, 5, 3);
  EXPECT_TRUE(run_one(*op1, p1, src).same_pixels(run_one(*op4, p4, src)));
}

TEST(Background, EmptyBatchEmptyPageAndBadShapes) {
  auto op = make_op({}, BatchLimits{2, 64, 64});
  kernels::cpu::ThreadPool pool(2);
  EXPECT_TRUE(op->run(pool, {}, {}).is_ok());
  std::vector<kernels::ConstGrayView> in0{{nullptr, 0, 0, 0}};
  std::vector<kernels::GrayView> out0{{nullptr, 0, 0, 0}};
  EXPECT_TRUE(op->run(pool, testsupport::batch_of(in0), testsupport::batch_of(out0)).is_ok());
  OwnedImage a(10, 10), b(11, 10), big(65, 3), big_out(65, 3);
  std::vector<kernels::ConstGrayView> in{a.cview()};
  std::vector<kernels::GrayView> out{b.view()};
  EXPECT_EQ(op->run(pool, testsupport::batch_of(in), testsupport::batch_of(out)).code(),
            kernels::StatusCode::kInvalidArgument);
  std::vector<kernels::ConstGrayView> inb{big.cview()};
  std::vector<kernels::GrayView> outb{big_out.view()};
  EXPECT_EQ(op->run(pool, testsupport::batch_of(inb), testsupport::batch_of(outb)).code(),
            kernels::StatusCode::kOutOfRange);
}

TEST(Background, FlattensIlluminationGradientAndKeepsInkDark) {
  // A 300 dpi-like page: paper falls from 235 (top left) to 95 (bottom right),
  // with small paper noise; text lines of dark strokes at 30% of their paper.
  const int32_t w = 800, h = 1000;
  OwnedImage src(w, h, 1, 0, 0);
  std::vector<uint8_t> is_ink(static_cast<size_t>(w) * h, 0);
  std::mt19937_64 rng(17);
  for (int32_t y = 0; y < h; ++y)
    for (int32_t x = 0; x < w; ++x) {
      const double paper =
          235.0 - 140.0 * (0.5 * x / w + 0.5 * y / h) + static_cast<double>(rng() % 7) - 3.0;
      const bool line = (y % 40) >= 10 && (y % 40) < 24;  // text line band
      const bool ink =
          line && (x % 11 < 2 || (y % 40) == 12 || (y % 40) == 21) && x > 40 && x < w - 40;
      is_ink[y * w + x] = ink;
      src.at(x, y) = static_cast<uint8_t>(std::clamp(ink ? 0.3 * paper : paper, 0.0, 255.0));
    }
  auto stats = [&](const OwnedImage& img, bool ink, double* mean, double* sd, int* maxv) {
    double s = 0, q = 0, n = 0;
    *maxv = 0;
    for (int32_t y = 0; y < h; ++y)
      for (int32_t x = 0; x < w; ++x) {
        if (static_cast<bool>(is_ink[y * w + x]) != ink) continue;
        const double v = img.at(x, y);
        s += v;
        q += v * v;
        n += 1;
        *maxv = std::max(*maxv, static_cast<int>(v));
      }
    *mean = s / n;
    *sd = std::sqrt(q / n - *mean * *mean);
  };
  BackgroundParams p;
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(2);
  const OwnedImage dst = run_one(*op, pool, src);

  double bg_mean0, bg_sd0, bg_mean1, bg_sd1, ink_mean0, ink_sd0, ink_mean1, ink_sd1;
  int bg_max0, bg_max1, ink_max0, ink_max1;
  stats(src, false, &bg_mean0, &bg_sd0, &bg_max0);
  stats(dst, false, &bg_mean1, &bg_sd1, &bg_max1);
  stats(src, true, &ink_mean0, &ink_sd0, &ink_max0);
  stats(dst, true, &ink_mean1, &ink_sd1, &ink_max1);
  // Before: background sd ~29 gray levels. After: paper flat near the target.
  EXPECT_GT(bg_sd0, 25.0);
  EXPECT_LT(bg_sd1, 5.0) << "background sd " << bg_sd0 << " -> " << bg_sd1;
  std::printf(
      "background mean %.1f sd %.2f -> mean %.1f sd %.2f; ink mean %.1f max %d -> mean %.1f max "
      "%d\n",
      bg_mean0, bg_sd0, bg_mean1, bg_sd1, ink_mean0, ink_max0, ink_mean1, ink_max1);
  EXPECT_NEAR(bg_mean1, 240.0, 6.0);
  // Ink stays dark: at 30% of its paper it maps to ~72 after normalization.
  EXPECT_LT(ink_mean1, 90.0);
  EXPECT_LE(ink_max1, 110);
  // Every ink pixel is now darker than every... nearly every paper pixel: a
  // single global threshold separates them.
  int paper_below = 0;
  for (int32_t y = 0; y < h; ++y)
    for (int32_t x = 0; x < w; ++x)
      if (!is_ink[y * w + x] && dst.at(x, y) <= ink_max1) ++paper_below;
  EXPECT_EQ(paper_below, 0);
}

TEST(Background, ConstantPageMapsToTarget) {
  BackgroundParams p;
  p.target = 235;
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(2);
  for (uint8_t level : {uint8_t{60}, uint8_t{180}, uint8_t{255}}) {
    const OwnedImage src(123, 77, 1, 5, level);
    const OwnedImage dst = run_one(*op, pool, src);
    for (int32_t y = 0; y < dst.height; ++y)
      for (int32_t x = 0; x < dst.width; ++x) ASSERT_NEAR(dst.at(x, y), 235, 1) << int(level);
  }
}

}  // namespace
}  // namespace pageprep
