// Skew estimation: known angles on generated pages, blank and noise pages,
// dark borders, odd shapes, thread-count independence, parameter checks and
// the background level against a naive reference.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include "pageprep/kernels/deskew.hpp"
#include "support/page_generator.hpp"
#include "support/random_image.hpp"
#include "unit/kernels/skew_test_util.hpp"

namespace pageprep {
namespace {

using kernels::SkewResult;
using testsupport::OwnedImage;

std::unique_ptr<kernels::cpu::SkewEstimator> make_estimator(kernels::SkewParams p = {}) {
  std::unique_ptr<kernels::cpu::SkewEstimator> est;
  EXPECT_TRUE(kernels::cpu::SkewEstimator::create(p, {}, &est).is_ok());
  return est;
}

SkewResult estimate(kernels::cpu::SkewEstimator& est, kernels::cpu::ThreadPool& pool,
                    kernels::ConstGrayView page) {
  std::vector<kernels::ConstGrayView> in{page};
  SkewResult r;
  r.angle_deg = 1234.f;  // poison
  EXPECT_TRUE(est.run(pool, testsupport::batch_of(in), &r).is_ok());
  return r;
}

cv::Mat generated(double skew, testsupport::Layout layout, uint64_t seed, bool degrade) {
  testsupport::PageSpec spec;
  spec.seed = seed;
  spec.layout = layout;
  testsupport::Degradation deg;
  deg.skew_deg = skew;
  if (degrade) {
    deg.noise_sigma = 8;
    deg.speck_density = 150;
    deg.blur_sigma = 0.8;
    deg.illumination = 0.5;
  }
  testsupport::GeneratedPage page;
  std::string error;
  EXPECT_TRUE(testsupport::generate_page(spec, deg, &page, &error)) << error;
  return page.degraded;
}

TEST(Skew, KnownAnglesOnGeneratedPages) {
  auto est = make_estimator();
  kernels::cpu::ThreadPool pool(2);
  const double angles[] = {-14.3, -7.1, -2.05, -0.3, 0.0, 0.45, 3.3, 9.9, 14.6};
  const testsupport::Layout layouts[] = {testsupport::Layout::kSingleColumn,
                                         testsupport::Layout::kTwoColumn,
                                         testsupport::Layout::kFigure};
  double sum = 0;
  int i = 0;
  for (double a : angles) {
    const cv::Mat page = generated(a, layouts[i % 3], 40 + static_cast<uint64_t>(i), i % 2 == 1);
    const SkewResult r = estimate(*est, pool, testsupport::view_of(page));
    const double err = r.angle_deg - a;
    EXPECT_LT(std::abs(err), 0.1) << "skew " << a << " estimated " << r.angle_deg;
    EXPECT_TRUE(r.confident) << "skew " << a << " confidence " << r.confidence;
    if (a == 0.0) {
      EXPECT_LT(std::abs(err), 0.05) << "a straight page must stay straight";
    }
    sum += std::abs(err);
    ++i;
  }
  EXPECT_LT(sum / i, 0.05);
}

TEST(Skew, SelfRenderedBlocksPageInTwoColumns) {
  // Independent of the generator: rows of word-like dark boxes in two columns,
  // a figure block and specks, skewed with OpenCV (white fill).
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> word(30, 160), gap(12, 30);
  cv::Mat page(3508, 2480, CV_8UC1, cv::Scalar(235));
  for (int col = 0; col < 2; ++col) {
    const int x0 = 250 + col * 1050, x1 = x0 + 930;
    for (int y = 300; y < 3200; y += 52) {
      if (y > 1500 && y < 2100 && col == 1) continue;  // figure area
      if ((y / 52) % 9 == 0) continue;                 // paragraph break
      for (int x = x0; x < x1;) {
        const int w = std::min(word(rng), x1 - x);
        cv::rectangle(page, cv::Rect(x, y, w, 24), cv::Scalar(30), cv::FILLED);
        x += w + gap(rng);
      }
    }
  }
  cv::rectangle(page, cv::Rect(1350, 1520, 800, 560), cv::Scalar(90), cv::FILLED);
  std::uniform_int_distribution<int> px(0, 2479), py(0, 3507);
  for (int k = 0; k < 3000; ++k) page.at<uint8_t>(py(rng), px(rng)) = 0;
  auto est = make_estimator();
  kernels::cpu::ThreadPool pool(2);
  for (double a : {-6.25, 0.0, 2.7}) {
    cv::Mat skewed;
    const cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(1239.5f, 1753.5f), a, 1.0);
    cv::warpAffine(page, skewed, m, page.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                   cv::Scalar(255));
    const SkewResult r = estimate(*est, pool, testsupport::view_of(skewed));
    EXPECT_LT(std::abs(r.angle_deg - a), 0.1) << "skew " << a << " estimated " << r.angle_deg;
  }
}

TEST(Skew, DarkBordersDoNotPullTowardsZero) {
  auto est = make_estimator();
  kernels::cpu::ThreadPool pool(2);
  for (double a : {-4.4, 1.3}) {
    testsupport::PageSpec spec;
    spec.seed = 77;
    testsupport::Degradation deg;
    deg.skew_deg = a;
    deg.dark_border_px = 110;
    testsupport::GeneratedPage page;
    ASSERT_TRUE(testsupport::generate_page(spec, deg, &page, nullptr));
    // Make sure there is a border: a full-width black band on top as well.
    cv::rectangle(page.degraded, cv::Rect(0, 0, page.degraded.cols, 60), cv::Scalar(20),
                  cv::FILLED);
    const SkewResult r = estimate(*est, pool, testsupport::view_of(page.degraded));
    EXPECT_LT(std::abs(r.angle_deg - a), 0.1) << "skew " << a << " estimated " << r.angle_deg;
  }
}

TEST(Skew, BlankPageGivesZeroAngleAndZeroConfidence) {
  auto est = make_estimator();
  kernels::cpu::ThreadPool pool(2);
  cv::Mat white(1754, 1240, CV_8UC1, cv::Scalar(240));
  SkewResult r = estimate(*est, pool, testsupport::view_of(white));
  EXPECT_EQ(r.angle_deg, 0.f);
  EXPECT_EQ(r.confidence, 0.f);
  EXPECT_FALSE(r.confident);
  // Paper noise and a few specks only: still blank.
  cv::Mat noisy(1754, 1240, CV_8UC1);
  cv::randn(noisy, 230, 6);
  std::mt19937_64 rng(3);
  for (int k = 0; k < 40; ++k)
    noisy.at<uint8_t>(static_cast<int>(rng() % 1754), static_cast<int>(rng() % 1240)) = 10;
  r = estimate(*est, pool, testsupport::view_of(noisy));
  EXPECT_FALSE(r.confident) << r.confidence;
}

TEST(Skew, TextlessTextureHasLowConfidence) {
  // Random blobs (no lines of text): whatever angle wins, it must not be trusted.
  OwnedImage doc = testsupport::random_document(1240, 1754, 9);
  auto est = make_estimator();
  kernels::cpu::ThreadPool pool(2);
  const SkewResult r = estimate(*est, pool, doc.cview());
  EXPECT_FALSE(r.confident) << "confidence " << r.confidence;
  EXPECT_LT(r.confidence, 0.3f);
}

TEST(Skew, IndependentOfThreadCountAndBatching) {
  const cv::Mat a = generated(3.7, testsupport::Layout::kTwoColumn, 5, true);
  const cv::Mat b = generated(-1.1, testsupport::Layout::kTable, 6, false);
  auto est = make_estimator();
  kernels::cpu::ThreadPool p1(1), p4(4);
  std::vector<kernels::ConstGrayView> in{testsupport::view_of(a), testsupport::view_of(b)};
  SkewResult r1[2], r4[2];
  ASSERT_TRUE(est->run(p1, testsupport::batch_of(in), r1).is_ok());
  ASSERT_TRUE(est->run(p4, testsupport::batch_of(in), r4).is_ok());
  const SkewResult single = estimate(*est, p4, in[1]);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(r1[i].angle_deg, r4[i].angle_deg);
    EXPECT_EQ(r1[i].confidence, r4[i].confidence);
  }
  EXPECT_EQ(single.angle_deg, r1[1].angle_deg);
}

TEST(Skew, OddShapesAndPaddedPitchAreSafe) {
  auto est = make_estimator();
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 1;
  for (auto [w, h] : testsupport::odd_shapes()) {
    for (int32_t pad : {0, 13}) {
      OwnedImage img = testsupport::random_document(w, h, seed++, pad);
      const SkewResult r = estimate(*est, pool, img.cview());
      EXPECT_TRUE(std::isfinite(r.angle_deg)) << w << "x" << h;
      EXPECT_LE(std::abs(r.angle_deg), 15.f) << w << "x" << h;
      EXPECT_GE(r.confidence, 0.f);
      EXPECT_LE(r.confidence, 1.f);
    }
  }
  EXPECT_TRUE(est->run(pool, {}, nullptr).is_ok());
  std::vector<kernels::ConstGrayView> empty{{nullptr, 0, 0, 0}};
  SkewResult r;
  r.angle_deg = 5;
  ASSERT_TRUE(est->run(pool, testsupport::batch_of(empty), &r).is_ok());
  EXPECT_EQ(r.angle_deg, 0.f);
  EXPECT_EQ(r.confidence, 0.f);
}

TEST(Skew, DpiSelectsTheReduction) {
  // The same page at 300 dpi with and without its dpi, and at 150 dpi: same answer.
  const cv::Mat page = generated(2.2, testsupport::Layout::kSingleColumn, 8, false);
  cv::Mat half;
  cv::resize(page, half, cv::Size(page.cols / 2, page.rows / 2), 0, 0, cv::INTER_AREA);
  auto est = make_estimator();
  kernels::cpu::ThreadPool pool(2);
  std::vector<kernels::ConstGrayView> in{testsupport::view_of(page), testsupport::view_of(half)};
  const float dpi[] = {300.f, 150.f};
  SkewResult r[2];
  ASSERT_TRUE(est->run(pool, testsupport::batch_of(in), r, dpi).is_ok());
  EXPECT_LT(std::abs(r[0].angle_deg - 2.2), 0.1);
  EXPECT_LT(std::abs(r[1].angle_deg - 2.2), 0.1);
}

TEST(Skew, ValidatesParamsAndLimits) {
  kernels::SkewParams p;
  EXPECT_TRUE(kernels::validate(p).is_ok());
  p.max_angle_deg = 46;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p = {};
  p.max_angle_deg = 45;
  EXPECT_TRUE(kernels::validate(p).is_ok());
  p.precision_deg = 0.001f;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p = {};
  p.min_confidence = 1.5f;
  EXPECT_FALSE(kernels::validate(p).is_ok());
  p = {};
  p.max_angle_deg = std::nanf("");
  std::unique_ptr<kernels::cpu::SkewEstimator> est;
  EXPECT_EQ(kernels::cpu::SkewEstimator::create(p, {}, &est).code(),
            kernels::StatusCode::kInvalidArgument);

  kernels::BatchLimits small;
  small.max_width = 100;
  small.max_height = 100;
  ASSERT_TRUE(kernels::cpu::SkewEstimator::create({}, small, &est).is_ok());
  OwnedImage big(101, 50, 1, 0, 200);
  std::vector<kernels::ConstGrayView> in{big.cview()};
  SkewResult r;
  kernels::cpu::ThreadPool pool(1);
  EXPECT_EQ(est->run(pool, testsupport::batch_of(in), &r).code(), kernels::StatusCode::kOutOfRange);
}

TEST(Skew, WideSearchRangeFindsLargeAngles) {
  kernels::SkewParams p;
  p.max_angle_deg = 45;
  auto est = make_estimator(p);
  kernels::cpu::ThreadPool pool(2);
  for (double a : {-31.5, 22.0}) {
    const cv::Mat page = generated(a, testsupport::Layout::kSingleColumn, 12, false);
    const SkewResult r = estimate(*est, pool, testsupport::view_of(page));
    EXPECT_LT(std::abs(r.angle_deg - a), 0.1) << "skew " << a << " estimated " << r.angle_deg;
  }
}

// The search plan keeps every evaluated angle inside +-max_angle_deg: the
// angle table (which every stage indexes) ends at the range, each stage's
// candidates are clamped to it, and every tangent is within +-1, which the
// segment math needs (at 45 deg + 0.72 the Q16 tangent was 67204 and the CUDA
// schedule wrote segment starts past its shared-memory array).
TEST(Skew, SearchPlanStaysWithinMaxAngle) {
  for (float max_angle : {0.01f, 1.f, 15.f, 44.3f, 44.99f, 45.f}) {
    for (float precision : {0.005f, 0.01f, 0.02f, 0.05f, 0.5f}) {
      kernels::SkewParams p;
      p.max_angle_deg = max_angle;
      p.precision_deg = precision;
      kernels::detail::SkewPlan plan;
      const kernels::Status st = kernels::detail::make_skew_plan(p, &plan);
      ASSERT_TRUE(st.is_ok()) << max_angle << " / " << precision << ": " << st.message();
      const int32_t limit = plan.table_half;
      EXPECT_LE(limit * static_cast<double>(precision), max_angle + 1e-6 * precision)
          << "max " << max_angle << " precision " << precision;
      EXPECT_GT((limit + 1) * static_cast<double>(precision), max_angle)
          << "the range must reach max_angle to within one step";
      EXPECT_LE(plan.tan_max_q16, kernels::ops::kSkewMaxTanQ16);
      ASSERT_EQ(plan.tan_q16.size(), static_cast<size_t>(2 * limit + 1));
      // Every candidate of every stage, from any centre in the range (what
      // the previous stage's argmax can produce), indexes the table.
      for (int32_t k = 0; k < kernels::ops::kSkewStages; ++k) {
        const kernels::ops::SkewStage& stage = plan.stages[k];
        for (int32_t center : {-limit, -limit + 1, 0, limit - 1, limit}) {
          for (int32_t j = 0; j <= 2 * stage.half; ++j) {
            const int32_t i = kernels::ops::stage_angle_index(stage, center, j, limit);
            ASSERT_GE(i, -limit);
            ASSERT_LE(i, limit);
          }
        }
      }
    }
  }
}

// Segment numbering: the CPU schedule calls ops::shear_segments; the CUDA
// schedule fills the same array in parallel (stage_kernel in skew.cu): each
// column that opens a segment is written at index shear_segment(x), and the
// count is shear_segment_count. The two must agree for every tangent a plan
// can evaluate (they did not past 45 deg, where a shift jumps by 2).
TEST(Skew, SegmentNumberingAgreesForEveryPlannedTangent) {
  kernels::SkewParams p;
  p.max_angle_deg = 45;
  p.precision_deg = 0.02f;
  kernels::detail::SkewPlan plan;
  ASSERT_TRUE(kernels::detail::make_skew_plan(p, &plan).is_ok());
  for (int32_t w : {1, 2, 3, 700, 2048}) {
    std::vector<int32_t> cpu(static_cast<size_t>(w) + 1);
    for (const int32_t tq : plan.tan_q16) {
      const int32_t n_gpu = kernels::ops::shear_segment_count(w, tq);
      ASSERT_LE(n_gpu, w) << "tan " << tq << ": the CUDA starts[] array holds w + 1 entries";
      std::vector<int32_t> gpu(static_cast<size_t>(n_gpu) + 1, -1);
      gpu[0] = 0;
      for (int32_t x = 0; x < w; ++x)
        if (kernels::ops::opens_segment(x, tq))
          gpu[static_cast<size_t>(kernels::ops::shear_segment(x, tq))] = x;
      gpu[static_cast<size_t>(n_gpu)] = w;
      const int32_t n_cpu = kernels::ops::shear_segments(w, tq, cpu.data());
      ASSERT_EQ(n_cpu, n_gpu) << "w " << w << " tan " << tq;
      for (int32_t k = 0; k <= n_cpu; ++k)
        ASSERT_EQ(cpu[static_cast<size_t>(k)], gpu[static_cast<size_t>(k)])
            << "w " << w << " tan " << tq << " segment " << k;
    }
  }
}

// Angles at the edge of the range come back inside it, and a blank page at
// the widest range is not searched (a flat profile used to pick the range edge).
TEST(Skew, AnglesNearTheRangeEdgeStayInside) {
  kernels::cpu::ThreadPool pool(2);
  for (auto [max_angle, skew] : {std::pair{10.f, 9.93}, {45.f, -44.8}, {45.f, 44.85}}) {
    kernels::SkewParams p;
    p.max_angle_deg = max_angle;
    auto est = make_estimator(p);
    const cv::Mat page = generated(skew, testsupport::Layout::kSingleColumn, 5, false);
    const SkewResult r = estimate(*est, pool, testsupport::view_of(page));
    EXPECT_LE(std::abs(r.angle_deg), max_angle) << "skew " << skew;
    EXPECT_LT(std::abs(r.angle_deg - skew), 0.15)
        << "skew " << skew << " estimated " << r.angle_deg;
  }
  kernels::SkewParams p;
  p.max_angle_deg = 45;
  auto est = make_estimator(p);
  const OwnedImage blank(1700, 2300, 1, 0, 236);
  const SkewResult r = estimate(*est, pool, blank.cview());
  EXPECT_EQ(r.angle_deg, 0.f);
  EXPECT_EQ(r.confidence, 0.f);
}

// The shared search math against per-cell definitions: the column segments
// of an angle hold exactly the columns whose rounded shift is +-k, and the
// segment-wise histogram (both summation orders) equals the per-cell one.
int32_t naive_shift(int32_t x, int32_t tan_q16) {
  // x * tan_q16 / 65536 + 0.5 is exact in double; halves round up.
  return static_cast<int32_t>(std::floor(static_cast<double>(x) * tan_q16 / 65536.0 + 0.5));
}

std::vector<int32_t> test_tangents() {
  std::vector<int32_t> t = {0, 1, -1, 65536, -65536, 32768, -32768, 9, -9, 1143, -1143};
  std::mt19937_64 rng(17);
  std::uniform_int_distribution<int32_t> u(-65536, 65536);
  for (int i = 0; i < 40; ++i) t.push_back(u(rng));
  return t;
}

TEST(Skew, ShearSegmentsHoldTheColumnsOfEachShift) {
  for (int32_t w : {1, 2, 3, 17, 640, 2048}) {
    for (int32_t tq : test_tangents()) {
      std::vector<int32_t> starts(static_cast<size_t>(w) + 1, -1);
      const int32_t n = kernels::ops::shear_segments(w, tq, starts.data());
      ASSERT_GE(n, 1);
      ASSERT_EQ(n, kernels::ops::shear_segment_count(w, tq)) << "w " << w << " tan " << tq;
      EXPECT_EQ(starts[0], 0);
      EXPECT_EQ(starts[static_cast<size_t>(n)], w);
      const int32_t sign = tq < 0 ? -1 : 1;
      for (int32_t k = 0; k < n; ++k) {
        ASSERT_LT(starts[static_cast<size_t>(k)], starts[static_cast<size_t>(k) + 1]);
        for (int32_t x = starts[static_cast<size_t>(k)]; x < starts[static_cast<size_t>(k) + 1];
             ++x)
          ASSERT_EQ(naive_shift(x, tq), sign * k) << "w " << w << " tan " << tq << " x " << x;
      }
    }
  }
}

TEST(Skew, SegmentHistogramEqualsPerCellHistogram) {
  std::mt19937_64 rng(23);
  for (auto [w, h] : {std::pair{1, 1}, {37, 5}, {5, 41}, {300, 200}, {1023, 77}}) {
    std::vector<uint8_t> kept(static_cast<size_t>(w) * h);
    for (auto& k : kept) k = (rng() % 5) == 0;
    // Column-major prefix table, naive.
    const int32_t pitch = kernels::ops::prefix_pitch(h);
    ASSERT_GE(pitch, h);
    ASSERT_EQ(pitch % 16, 0);
    std::vector<kernels::ops::SkewPrefix> prefix(static_cast<size_t>(w + 1) * pitch, 0);
    for (int32_t y = 0; y < h; ++y)
      for (int32_t x = 0; x < w; ++x)
        prefix[static_cast<size_t>(x + 1) * pitch + y] = static_cast<kernels::ops::SkewPrefix>(
            prefix[static_cast<size_t>(x) * pitch + y] + kept[static_cast<size_t>(y) * w + x]);
    for (int32_t tq : test_tangents()) {
      const int32_t off = w + 2;  // >= max |shift| + 1
      const int32_t bins = h + 2 * off + 1;
      std::vector<int64_t> naive(static_cast<size_t>(bins), 0), by_bin(naive), by_segment(naive);
      for (int32_t y = 0; y < h; ++y)
        for (int32_t x = 0; x < w; ++x)
          naive[static_cast<size_t>(y + off + naive_shift(x, tq))] +=
              kept[static_cast<size_t>(y) * w + x];
      std::vector<int32_t> starts(static_cast<size_t>(w) + 1);
      const int32_t n = kernels::ops::shear_segments(w, tq, starts.data());
      for (int32_t b = 0; b < bins; ++b)
        by_bin[static_cast<size_t>(b)] =
            kernels::ops::sheared_bin_count(prefix.data(), pitch, h, starts.data(), n, tq, off, b);
      for (int32_t k = 0; k < n; ++k)
        for (int32_t y = 0; y < h; ++y)
          by_segment[static_cast<size_t>(y + kernels::ops::segment_bin_offset(k, tq, off))] +=
              kernels::ops::segment_cells(prefix.data(), pitch, starts[static_cast<size_t>(k)],
                                          starts[static_cast<size_t>(k) + 1], y);
      ASSERT_EQ(by_bin, naive) << w << "x" << h << " tan " << tq;
      ASSERT_EQ(by_segment, naive) << w << "x" << h << " tan " << tq;
      std::vector<int32_t> h32(naive.begin(), naive.end());
      int64_t score = 0;
      for (size_t i = 0; i + 1 < naive.size(); ++i)
        score += (naive[i + 1] - naive[i]) * (naive[i + 1] - naive[i]);
      EXPECT_EQ(kernels::ops::profile_score_part(h32.data(), bins, 0, 1), score);
    }
  }
}

// Naive background level: Otsu by the textbook (double) formula on a 1-in-16
// subsample, then the median of the values above it.
uint8_t reference_background(const OwnedImage& img) {
  std::vector<int> v;
  const int step = img.width >= 4 && img.height >= 4 ? 4 : 1;
  for (int y = 0; y < img.height; y += step)
    for (int x = 0; x < img.width; x += step) v.push_back(img.at(x, y));
  double best = -1;
  int t_best = 127;
  for (int t = 0; t < 255; ++t) {
    double n0 = 0, n1 = 0, s0 = 0, s1 = 0;
    for (int p : v) (p <= t ? (n0 += 1, s0 += p) : (n1 += 1, s1 += p));
    if (n0 == 0 || n1 == 0) continue;
    const double d = s0 / n0 - s1 / n1;
    const double var = n0 * n1 * d * d;
    if (var > best * (1 + 1e-12)) {
      best = var;
      t_best = t;
    }
  }
  std::vector<int> bg;
  for (int p : v)
    if (p > t_best) bg.push_back(p);
  if (bg.empty()) bg = v;
  std::sort(bg.begin(), bg.end());
  return static_cast<uint8_t>(bg[(bg.size() - 1) / 2]);
}

TEST(Skew, BackgroundLevelMatchesReference) {
  uint64_t seed = 3;
  for (auto [w, h] : testsupport::odd_shapes()) {
    for (int32_t pad : {0, 13}) {
      OwnedImage img = testsupport::random_document(w, h, seed++, pad);
      EXPECT_EQ(kernels::cpu::background_level(img.cview()), reference_background(img))
          << w << "x" << h;
    }
  }
  const cv::Mat page = generated(0.0, testsupport::Layout::kFigure, 3, true);
  const uint8_t bg = kernels::cpu::background_level(testsupport::view_of(page));
  EXPECT_GT(bg, 180);
  EXPECT_EQ(kernels::cpu::background_level({nullptr, 0, 0, 0}), 255);
}

}  // namespace
}  // namespace pageprep
