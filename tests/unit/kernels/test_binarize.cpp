// Binarization: Otsu against a naive double-precision Otsu, Sauvola and Wolf
// against naive per-pixel windows in long double, plus the properties every
// binarizer must have (only 0/255, idempotence, thread-count independence).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <random>
#include <vector>

#include "pageprep/kernels/binarize.hpp"
#include "support/op_harness.hpp"
#include "support/printers.hpp"
#include "support/random_image.hpp"

namespace pageprep {
namespace {

using kernels::BatchLimits;
using kernels::BinarizeMethod;
using kernels::BinarizeParams;
using testsupport::OwnedImage;

std::unique_ptr<kernels::cpu::Binarize> make_op(const BinarizeParams& p,
                                                BatchLimits limits = BatchLimits{}) {
  return testsupport::make_cpu_op<kernels::cpu::Binarize>(p, limits);
}

OwnedImage run_one(kernels::cpu::Binarize& op, kernels::cpu::ThreadPool& pool,
                   const OwnedImage& src, int32_t pad = 0, float dpi = 300.f) {
  return testsupport::run_one_page(op, pool, src, pad, dpi);
}

bool only_binary(const OwnedImage& img) {
  for (int32_t y = 0; y < img.height; ++y)
    for (int32_t x = 0; x < img.width; ++x)
      if (img.at(x, y) != 0 && img.at(x, y) != 255) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Naive references
// ---------------------------------------------------------------------------

/// Between-class variance w0 w1 (mu0 - mu1)^2 of threshold t, in double.
double naive_otsu_variance(const std::vector<double>& hist, int t) {
  double n0 = 0, s0 = 0, n1 = 0, s1 = 0;
  for (int i = 0; i < 256; ++i) {
    if (i <= t) {
      n0 += hist[i];
      s0 += i * hist[i];
    } else {
      n1 += hist[i];
      s1 += i * hist[i];
    }
  }
  if (n0 == 0 || n1 == 0) return -1;
  const double n = n0 + n1;
  return (n0 / n) * (n1 / n) * std::pow(s0 / n0 - s1 / n1, 2);
}

std::vector<double> histogram(const OwnedImage& img) {
  std::vector<double> h(256, 0.0);
  for (int32_t y = 0; y < img.height; ++y)
    for (int32_t x = 0; x < img.width; ++x) h[img.at(x, y)] += 1;
  return h;
}

int naive_otsu(const std::vector<double>& hist) {
  int best = -1;
  double best_v = -1;
  for (int t = 0; t < 255; ++t) {
    const double v = naive_otsu_variance(hist, t);
    if (v > best_v) best_v = v, best = t;
  }
  return best;
}

struct NaiveWindow {
  long double n = 0, mean = 0, std = 0;
};

NaiveWindow naive_window(const OwnedImage& img, int32_t x, int32_t y, int32_t half) {
  long double s = 0, q = 0, n = 0;
  for (int32_t yy = std::max(0, y - half); yy <= std::min(img.height - 1, y + half); ++yy)
    for (int32_t xx = std::max(0, x - half); xx <= std::min(img.width - 1, x + half); ++xx) {
      s += img.at(xx, yy);
      q += static_cast<long double>(img.at(xx, yy)) * img.at(xx, yy);
      n += 1;
    }
  NaiveWindow w;
  w.n = n;
  w.mean = s / n;
  w.std = std::sqrt(std::max<long double>(0, q / n - w.mean * w.mean));
  return w;
}

/// Local thresholds per pixel in long double with the quantized k and R of the
/// definition. Returns the threshold image.
std::vector<long double> naive_local_thresholds(const OwnedImage& img, const BinarizeParams& p,
                                                int32_t window) {
  const int32_t half = window / 2;
  const long double k = kernels::ops::quantize_k(kernels::binarize_k(p)) / 4096.0L;
  std::vector<NaiveWindow> win(static_cast<size_t>(img.width) * img.height);
  long double max_std = 0, min_gray = 255;
  for (int32_t y = 0; y < img.height; ++y)
    for (int32_t x = 0; x < img.width; ++x) {
      win[y * img.width + x] = naive_window(img, x, y, half);
      max_std = std::max(max_std, win[y * img.width + x].std);
      min_gray = std::min<long double>(min_gray, img.at(x, y));
    }
  std::vector<long double> t(win.size());
  if (p.method == BinarizeMethod::kSauvola) {
    const long double r = kernels::ops::quantize_r(p.r) / 16.0L;
    for (size_t i = 0; i < win.size(); ++i) t[i] = win[i].mean * (1 + k * (win[i].std / r - 1));
  } else {
    // R rounded up to 1/16, at least 1/16; a tiny slack keeps an exact
    // multiple of 1/16 from rounding up through long double error.
    const long double r = std::max(1.0L, std::ceil(max_std * 16 - 1e-12L)) / 16.0L;
    for (size_t i = 0; i < win.size(); ++i)
      t[i] = (1 - k) * win[i].mean + k * min_gray + k * (win[i].std / r) * (win[i].mean - min_gray);
  }
  return t;
}

/// Compares an output with the naive thresholds; pixels within 1e-9 of their
/// threshold are ties the long double reference cannot decide, and are skipped.
void expect_matches_local_reference(const OwnedImage& src, const OwnedImage& dst,
                                    const BinarizeParams& p, int32_t window) {
  const auto t = naive_local_thresholds(src, p, window);
  int mismatches = 0, ties = 0;
  for (int32_t y = 0; y < src.height; ++y)
    for (int32_t x = 0; x < src.width; ++x) {
      const long double th = t[y * src.width + x];
      const long double v = src.at(x, y);
      if (std::fabs(v - th) < 1e-9L) {
        ++ties;
        continue;
      }
      const uint8_t expect = v <= th ? 0 : 255;
      if (dst.at(x, y) != expect && ++mismatches <= 5) {
        ADD_FAILURE() << "pixel (" << x << "," << y << ") v=" << int(src.at(x, y))
                      << " T=" << static_cast<double>(th) << " got " << int(dst.at(x, y));
      }
    }
  EXPECT_EQ(mismatches, 0) << src.width << "x" << src.height << " window " << window;
  EXPECT_LE(ties, std::max(8, src.width * src.height / 50));
}

// ---------------------------------------------------------------------------
// Shared math
// ---------------------------------------------------------------------------

TEST(BinarizeOps, OtsuMatchesNaiveOnRandomHistograms) {
  std::mt19937_64 rng(5);
  for (int trial = 0; trial < 300; ++trial) {
    uint32_t hist[256] = {};
    std::vector<double> h(256, 0.0);
    const int modes = 1 + trial % 3;
    for (int m = 0; m < modes; ++m) {
      const int center = static_cast<int>(rng() % 256), spread = 1 + static_cast<int>(rng() % 40);
      const int count = 1 + static_cast<int>(rng() % 5000);
      for (int i = 0; i < count; ++i) {
        const int v =
            std::clamp(center + static_cast<int>(rng() % (2 * spread + 1)) - spread, 0, 255);
        ++hist[v];
        h[v] += 1;
      }
    }
    const int ours = kernels::ops::otsu_threshold(hist);
    const int ref = naive_otsu(h);
    if (ours != ref) {
      // Only a tie (equal variances up to double rounding) may pick differently.
      EXPECT_NEAR(naive_otsu_variance(h, ours), naive_otsu_variance(h, ref),
                  1e-12 * naive_otsu_variance(h, ref))
          << "trial " << trial;
    }
  }
}

TEST(BinarizeOps, OtsuExactComparisonSeparatesNearTies) {
  // Two thresholds whose variances differ by far less than double precision
  // resolves on 2^27 pixels: the exact comparison must still order them.
  const kernels::ops::OtsuScore a =
      kernels::ops::otsu_score(1u << 26, 0, (1u << 26) + 1, 255ull * ((1u << 26) + 1));
  const kernels::ops::OtsuScore b =
      kernels::ops::otsu_score((1u << 26) + 1, 0, 1u << 26, 255ull * (1u << 26));
  // Symmetric splits: equal exactly.
  EXPECT_FALSE(kernels::ops::otsu_greater(a, b));
  EXPECT_FALSE(kernels::ops::otsu_greater(b, a));
  const kernels::ops::OtsuScore c =
      kernels::ops::otsu_score(1u << 26, 1, (1u << 26) + 1, 255ull * ((1u << 26) + 1));
  EXPECT_TRUE(kernels::ops::otsu_greater(a, c));
  EXPECT_FALSE(kernels::ops::otsu_greater(c, a));
}

TEST(BinarizeOps, OtsuEdgeCases) {
  uint32_t hist[256] = {};
  EXPECT_EQ(kernels::ops::otsu_threshold(hist), -1);  // empty
  hist[77] = 1000;
  EXPECT_EQ(kernels::ops::otsu_threshold(hist), -1);  // constant
  hist[200] = 10;
  EXPECT_EQ(kernels::ops::otsu_threshold(hist), 77);  // two levels: smallest t of the plateau
  hist[0] = 5;
  hist[255] = 5;
  const int t = kernels::ops::otsu_threshold(hist);
  EXPECT_GE(t, 0);
  EXPECT_LT(t, 255);
}

TEST(BinarizeOps, LocalFilterAgreesWithExactTest) {
  // Random window statistics, including exact ties built on purpose; whenever
  // the filter is sure it must equal the exact decision.
  std::mt19937_64 rng(9);
  int unsure = 0;
  for (int trial = 0; trial < 200000; ++trial) {
    const int32_t side = 1 + 2 * static_cast<int32_t>(rng() % 128);
    const int32_t n = side * (1 + static_cast<int32_t>(rng() % side));
    uint32_t sum = 0, sumsq = 0;
    const int lo = static_cast<int>(rng() % 256), hi = lo + static_cast<int>(rng() % (256 - lo));
    for (int32_t i = 0; i < std::min(n, 64); ++i) {
      const uint32_t v = static_cast<uint32_t>(lo + static_cast<int>(rng() % (hi - lo + 1)));
      sum += v * static_cast<uint32_t>(n / std::min(n, 64));
      sumsq += v * v * static_cast<uint32_t>(n / std::min(n, 64));
    }
    const int32_t nn = (n / std::min(n, 64)) * std::min(n, 64);
    kernels::ops::LocalThreshold t;
    t.k_q = static_cast<int64_t>(rng() % 4097);
    t.r_q = 1 + static_cast<int64_t>(rng() % 4080);
    t.min_gray = (trial % 2) ? std::min<int64_t>(lo, static_cast<int64_t>(rng() % 256)) : 0;
    const uint32_t v = static_cast<uint32_t>(rng() % 256);
    const auto g =
        kernels::ops::local_guess(v, sum, sumsq, nn, static_cast<double>(t.k_q),
                                  static_cast<double>(t.r_q), static_cast<double>(t.min_gray));
    const bool exact = kernels::ops::local_is_ink_exact(v, sum, sumsq, nn, t);
    if (g & kernels::ops::kGuessSure) {
      ASSERT_EQ((g & kernels::ops::kGuessInk) != 0, exact) << "trial " << trial;
    } else {
      ++unsure;
    }
    EXPECT_EQ(kernels::ops::local_binarize(v, sum, sumsq, nn, t), exact ? 0 : 255);
  }
  EXPECT_LT(unsure, 2000);
}

TEST(BinarizeOps, LocalExactTestOnConstructedTie) {
  // Window of n = 4 pixels {0, 0, 200, 200}: m = 100, s = 100. With k = 0.5,
  // R = 100: T = 100 (1 + 0.5 (1 - 1)) = 100 exactly. v = 100 is ink, 101 not.
  kernels::ops::LocalThreshold t;
  t.k_q = 2048;
  t.r_q = 1600;
  EXPECT_TRUE(kernels::ops::local_is_ink_exact(100, 400, 80000, 4, t));
  EXPECT_FALSE(kernels::ops::local_is_ink_exact(101, 400, 80000, 4, t));
  EXPECT_EQ(kernels::ops::local_binarize(100, 400, 80000, 4, t), 0);
  EXPECT_EQ(kernels::ops::local_binarize(101, 400, 80000, 4, t), 255);
}

TEST(BinarizeOps, WolfStdQIsTheRoundedUpStd) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 20000; ++trial) {
    const int32_t n = 1 + static_cast<int32_t>(rng() % 65025);
    const uint64_t max_sum = 255ull * n;
    const uint32_t sum = static_cast<uint32_t>(rng() % (max_sum + 1));
    // sumsq between sum^2/n and 255*sum.
    const uint64_t lo = (static_cast<uint64_t>(sum) * sum + n - 1) / n, hi = 255ull * sum;
    const uint32_t sumsq = static_cast<uint32_t>(lo + rng() % (hi - lo + 1));
    const int32_t q = kernels::ops::wolf_std_q(sum, sumsq, n);
    const long double d = static_cast<long double>(n) * sumsq - static_cast<long double>(sum) * sum;
    const long double s16 = 16 * std::sqrt(d) / n;
    EXPECT_GE(q, s16 - 1e-9L);
    EXPECT_LT(q - 1, s16 + 1e-9L);
  }
}

// ---------------------------------------------------------------------------
// Operation
// ---------------------------------------------------------------------------

TEST(Binarize, ValidatesParams) {
  BinarizeParams p;
  EXPECT_TRUE(kernels::validate(p).is_ok());
  p.window = 30;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p.window = 257;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p.window = 1;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p.window = 255;
  EXPECT_TRUE(kernels::validate(p).is_ok());
  p.k = 1.5f;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p.k = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p.k = 0.2f;
  p.r = 0.f;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  std::unique_ptr<kernels::cpu::Binarize> op;
  EXPECT_EQ(kernels::cpu::Binarize::create(p, BatchLimits{}, &op).code(),
            kernels::StatusCode::kInvalidArgument);
}

TEST(Binarize, WindowScalesWithDpi) {
  BinarizeParams p;
  EXPECT_EQ(kernels::binarize_window(p, 300.f), 31);
  EXPECT_EQ(kernels::binarize_window(p, 600.f), 61);
  EXPECT_EQ(kernels::binarize_window(p, 150.f), 17);  // 7.5 rounds up
  EXPECT_EQ(kernels::binarize_window(p, 0.f), 31);
  EXPECT_EQ(kernels::binarize_window(p, std::numeric_limits<float>::quiet_NaN()), 31);
  EXPECT_EQ(kernels::binarize_window(p, 20.f), 3);
  EXPECT_EQ(kernels::binarize_window(p, 100000.f), 255);
  p.window = 9;
  EXPECT_EQ(kernels::binarize_window(p, 600.f), 9);
  EXPECT_FLOAT_EQ(kernels::binarize_k(p), kernels::kSauvolaDefaultK);
  p.method = BinarizeMethod::kWolf;
  EXPECT_FLOAT_EQ(kernels::binarize_k(p), kernels::kWolfDefaultK);
}

TEST(Binarize, OtsuMatchesNaiveOnOddShapes) {
  BinarizeParams p;
  p.method = BinarizeMethod::kOtsu;
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 100;
  for (auto [w, h] : testsupport::odd_shapes()) {
    for (int32_t pad : {0, 13}) {
      const OwnedImage src = (seed % 2) ? testsupport::random_document(w, h, seed, pad)
                                        : testsupport::random_image(w, h, seed, 1, pad);
      ++seed;
      const OwnedImage dst = run_one(*op, pool, src, pad);
      ASSERT_EQ(op->otsu_thresholds().size(), 1u);
      const int t = op->otsu_thresholds()[0];
      const auto hist = histogram(src);
      const int ref = naive_otsu(hist);
      if (t != ref) {
        EXPECT_NEAR(naive_otsu_variance(hist, t), naive_otsu_variance(hist, ref),
                    1e-12 * naive_otsu_variance(hist, ref));
      }
      for (int32_t y = 0; y < h; ++y)
        for (int32_t x = 0; x < w; ++x)
          ASSERT_EQ(dst.at(x, y), src.at(x, y) <= t ? 0 : 255) << w << "x" << h;
    }
  }
}

class LocalMethodTest : public ::testing::TestWithParam<BinarizeMethod> {};

TEST_P(LocalMethodTest, MatchesNaiveWindowsOnOddShapes) {
  BinarizeParams p;
  p.method = GetParam();
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 200;
  for (int32_t window : {3, 15, 31}) {
    p.window = window;
    auto op = make_op(p);
    for (auto [w, h] : testsupport::odd_shapes()) {
      if (static_cast<int64_t>(w) * h > 64 * 64 && window != 15) continue;  // keep it fast
      for (int32_t pad : {0, 13}) {
        const OwnedImage src = (seed % 2) ? testsupport::random_document(w, h, seed, pad)
                                          : testsupport::random_image(w, h, seed, 1, pad);
        ++seed;
        const OwnedImage dst = run_one(*op, pool, src, pad);
        EXPECT_TRUE(only_binary(dst));
        expect_matches_local_reference(src, dst, p, window);
      }
    }
  }
}

TEST_P(LocalMethodTest, NonDefaultKAndRAndDpiWindow) {
  BinarizeParams p;
  p.method = GetParam();
  p.k = 0.2f;
  p.r = 64.f;
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(2);
  const OwnedImage src = testsupport::random_document(97, 83, 42, 5);
  // 100 dpi: window 2*round(5)+1 = 11.
  const OwnedImage dst = run_one(*op, pool, src, 0, 100.f);
  expect_matches_local_reference(src, dst, p, 11);
}

TEST_P(LocalMethodTest, IndependentOfThreadCount) {
  BinarizeParams p;
  p.method = GetParam();
  auto op1 = make_op(p), op4 = make_op(p);
  kernels::cpu::ThreadPool p1(1), p4(4);
  const OwnedImage src = testsupport::random_document(613, 811, 77, 3);
  const OwnedImage d1 = run_one(*op1, p1, src);
  const OwnedImage d4 = run_one(*op4, p4, src);
  EXPECT_TRUE(d1.same_pixels(d4));
  // And a second run on the same object gives the same bits.
  EXPECT_TRUE(run_one(*op4, p4, src).same_pixels(d4));
}

INSTANTIATE_TEST_SUITE_P(Methods, LocalMethodTest,
                         ::testing::Values(BinarizeMethod::kSauvola, BinarizeMethod::kWolf));

class AllMethodsTest : public ::testing::TestWithParam<BinarizeMethod> {};

TEST_P(AllMethodsTest, OutputIsBinaryAndStableUnderRepeat) {
  BinarizeParams p;
  p.method = GetParam();
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(2);
  const OwnedImage src = testsupport::random_document(301, 257, 8, 13);
  const OwnedImage once = run_one(*op, pool, src, 7);
  EXPECT_TRUE(only_binary(once));
  // Binarizing a binary page changes nothing for Otsu and Sauvola (Wolf's
  // definition depends on page statistics and is not claimed idempotent).
  if (p.method != BinarizeMethod::kWolf) {
    const OwnedImage twice = run_one(*op, pool, once, 0);
    EXPECT_TRUE(twice.same_pixels(once));
  }
}

TEST_P(AllMethodsTest, ConstantPageIsAllPaper) {
  BinarizeParams p;
  p.method = GetParam();
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(2);
  for (uint8_t level : {uint8_t{1}, uint8_t{90}, uint8_t{200}, uint8_t{255}}) {
    const OwnedImage src(45, 33, 1, 3, level);
    const OwnedImage dst = run_one(*op, pool, src);
    for (int32_t y = 0; y < dst.height; ++y)
      for (int32_t x = 0; x < dst.width; ++x)
        ASSERT_EQ(dst.at(x, y), 255) << "level " << int(level);
    if (p.method == BinarizeMethod::kOtsu) {
      EXPECT_EQ(op->otsu_thresholds()[0], -1);
    }
  }
}

TEST_P(AllMethodsTest, EmptyBatchAndEmptyPage) {
  BinarizeParams p;
  p.method = GetParam();
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(2);
  EXPECT_TRUE(op->run(pool, {}, {}).is_ok());
  std::vector<kernels::ConstGrayView> in{{nullptr, 0, 0, 0}, {nullptr, 5, 0, 5}};
  std::vector<kernels::GrayView> out{{nullptr, 0, 0, 0}, {nullptr, 5, 0, 5}};
  EXPECT_TRUE(op->run(pool, testsupport::batch_of(in), testsupport::batch_of(out)).is_ok());
}

TEST_P(AllMethodsTest, VarShapeBatchEqualsPageByPage) {
  BinarizeParams p;
  p.method = GetParam();
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(3);
  std::vector<OwnedImage> src, out;
  std::vector<float> dpi{300.f, 150.f, 600.f, 72.f};
  src.push_back(testsupport::random_document(130, 90, 1, 0));
  src.push_back(testsupport::random_document(61, 200, 2, 13));
  src.push_back(testsupport::random_document(200, 140, 3, 1));
  src.push_back(testsupport::random_document(7, 9, 4, 0));
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> outv;
  for (auto& s : src) out.emplace_back(s.width, s.height, 1, 2, testsupport::kPoison);
  for (size_t i = 0; i < src.size(); ++i) {
    in.push_back(src[i].cview());
    outv.push_back(out[i].view());
  }
  ASSERT_TRUE(
      op->run(pool, testsupport::batch_of(in), testsupport::batch_of(outv), dpi.data()).is_ok());
  const std::vector<int32_t> thresholds = op->otsu_thresholds();
  for (size_t i = 0; i < src.size(); ++i) {
    EXPECT_TRUE(run_one(*op, pool, src[i], 0, dpi[i]).same_pixels(out[i])) << "page " << i;
    if (p.method == BinarizeMethod::kOtsu) {
      EXPECT_EQ(op->otsu_thresholds()[0], thresholds[i]);
    }
  }
}

TEST_P(AllMethodsTest, RejectsBadShapesAndLimits) {
  BinarizeParams p;
  p.method = GetParam();
  BatchLimits limits;
  limits.max_batch = 1;
  limits.max_width = 40;
  limits.max_height = 40;
  auto op = make_op(p, limits);
  kernels::cpu::ThreadPool pool(1);
  OwnedImage a(10, 10), b(11, 10), big(41, 10), big_out(41, 10);
  std::vector<kernels::ConstGrayView> in{a.cview()};
  std::vector<kernels::GrayView> out{b.view()};
  EXPECT_EQ(op->run(pool, testsupport::batch_of(in), testsupport::batch_of(out)).code(),
            kernels::StatusCode::kInvalidArgument);
  std::vector<kernels::ConstGrayView> in_big{big.cview()};
  std::vector<kernels::GrayView> out_big{big_out.view()};
  EXPECT_EQ(op->run(pool, testsupport::batch_of(in_big), testsupport::batch_of(out_big)).code(),
            kernels::StatusCode::kOutOfRange);
  std::vector<kernels::ConstGrayView> in2{a.cview(), a.cview()};
  std::vector<kernels::GrayView> out2{a.view(), a.view()};
  EXPECT_EQ(op->run(pool, testsupport::batch_of(in2), testsupport::batch_of(out2)).code(),
            kernels::StatusCode::kOutOfRange);
}

INSTANTIATE_TEST_SUITE_P(Methods, AllMethodsTest,
                         ::testing::Values(BinarizeMethod::kOtsu, BinarizeMethod::kSauvola,
                                           BinarizeMethod::kWolf));

TEST(Binarize, SauvolaSeparatesInkFromUnevenPaper) {
  // Paper from 80 (left) to 240 (right), ink at 2/5 of its paper: the darkest
  // paper is darker than the lightest ink, so no global threshold works, and
  // Sauvola must find every ink pixel.
  OwnedImage src(400, 120, 1, 0, 0);
  auto is_ink = [](int32_t x, int32_t y) { return (x % 40) < 3 || (y % 30) < 2; };
  for (int32_t y = 0; y < src.height; ++y)
    for (int32_t x = 0; x < src.width; ++x) {
      const int paper = 80 + 160 * x / src.width;
      src.at(x, y) = static_cast<uint8_t>(is_ink(x, y) ? paper * 2 / 5 : paper);
    }
  BinarizeParams p;
  auto op = make_op(p);
  kernels::cpu::ThreadPool pool(2);
  const OwnedImage dst = run_one(*op, pool, src);
  expect_matches_local_reference(src, dst, p, 31);
  int wrong = 0;
  for (int32_t y = 0; y < src.height; ++y)
    for (int32_t x = 0; x < src.width; ++x)
      if ((dst.at(x, y) == 0) != is_ink(x, y) && wrong++ < 5) {
        ADD_FAILURE() << x << "," << y << " v=" << int(src.at(x, y));
      }
  EXPECT_EQ(wrong, 0);
}

}  // namespace
}  // namespace pageprep
