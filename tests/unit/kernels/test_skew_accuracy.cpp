// Skew accuracy sweep on generated pages (slow: label it `slow`).
//
// PAGEPREP_SKEW_PAGES (default 60) pages: layouts cycling over single,
// two-column, table, figure and sparse; skew uniform in +-15 degrees (every
// tenth page straight); random noise, specks, blur, uneven light, low
// contrast, dark borders and JPEG. Prints MAE, the share within 0.1 deg, the
// worst error, single-thread CPU time per page, and the same for Leptonica's
// pixFindSkewSweepAndSearch (the peer) on the Otsu-free 1-bpp conversion.
#include <gtest/gtest.h>
#include <leptonica/allheaders.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <vector>

#include "pageprep/kernels/deskew.hpp"
#include "support/page_generator.hpp"
#include "support/random_image.hpp"
#include "unit/kernels/skew_test_util.hpp"

namespace pageprep {
namespace {

// Thread CPU time: the runs are single-threaded, and the machine may be shared.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
  }
};

double ms_since(double t0) {
  return Clock::now() - t0;
}

struct Stats {
  std::vector<double> err;
  double ms = 0;
  void print(const char* name) const {
    double sum = 0, worst = 0;
    int within = 0;
    for (double e : err) {
      sum += std::abs(e);
      worst = std::max(worst, std::abs(e));
      within += std::abs(e) <= 0.1;
    }
    const double n = static_cast<double>(err.size());
    std::printf(
        "%-10s pages %3zu  MAE %.4f deg  within 0.1: %5.1f%%  worst %.3f deg  %.1f ms/page\n", name,
        err.size(), sum / n, 100.0 * within / n, worst, ms / n);
  }
  double mae() const {
    double s = 0;
    for (double e : err) s += std::abs(e);
    return s / static_cast<double>(err.size());
  }
  double within(double t) const {
    int k = 0;
    for (double e : err) k += std::abs(e) <= t;
    return static_cast<double>(k) / static_cast<double>(err.size());
  }
  double worst() const {
    double w = 0;
    for (double e : err) w = std::max(w, std::abs(e));
    return w;
  }
};

TEST(SkewAccuracy, GeneratedPageSweep) {
  const char* env = std::getenv("PAGEPREP_SKEW_PAGES");
  const int pages = env ? std::max(1, std::atoi(env)) : 60;
  std::unique_ptr<kernels::cpu::SkewEstimator> est;
  ASSERT_TRUE(kernels::cpu::SkewEstimator::create({}, {}, &est).is_ok());
  kernels::cpu::ThreadPool pool(1);
  std::mt19937_64 rng(2024);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const testsupport::Layout layouts[] = {
      testsupport::Layout::kSingleColumn, testsupport::Layout::kTwoColumn,
      testsupport::Layout::kTable, testsupport::Layout::kFigure, testsupport::Layout::kSparse};
  Stats ours, lept, lept_neg, straight;
  for (int i = 0; i < pages; ++i) {
    testsupport::PageSpec spec;
    spec.seed = 1000 + static_cast<uint64_t>(i);
    spec.layout = layouts[i % 5];
    spec.font =
        (i % 3 == 0) ? "DejaVuSans" : (i % 3 == 1 ? "DejaVuSerif" : "LiberationSerif-Regular");
    spec.font_pt = 9.0 + 4.0 * u(rng);
    testsupport::Degradation deg;
    deg.skew_deg = (i % 10 == 0) ? 0.0 : -15.0 + 30.0 * u(rng);
    deg.noise_sigma = 12.0 * u(rng);
    deg.speck_density = 300.0 * u(rng);
    deg.blur_sigma = u(rng) < 0.5 ? 1.5 * u(rng) : 0.0;
    deg.illumination = u(rng) < 0.5 ? 0.8 * u(rng) : 0.0;
    deg.contrast = u(rng) < 0.3 ? 0.5 + 0.4 * u(rng) : 1.0;
    deg.dark_border_px = u(rng) < 0.4 ? static_cast<int>(20 + 100 * u(rng)) : 0;
    deg.jpeg_quality = u(rng) < 0.3 ? 60 + static_cast<int>(30 * u(rng)) : 0;
    testsupport::GeneratedPage page;
    std::string error;
    ASSERT_TRUE(testsupport::generate_page(spec, deg, &page, &error)) << error;
    const cv::Mat& g = page.degraded;

    std::vector<kernels::ConstGrayView> in{testsupport::view_of(g)};
    kernels::SkewResult r;
    const float dpi = 300.f;
    auto t0 = Clock::now();
    ASSERT_TRUE(est->run(pool, testsupport::batch_of(in), &r, &dpi).is_ok());
    ours.ms += ms_since(t0);
    const double e = r.angle_deg - deg.skew_deg;
    ours.err.push_back(e);
    if (deg.skew_deg == 0) straight.err.push_back(e);
    if (std::abs(e) > 0.1)
      std::printf("  page %2d %-6s skew %+7.3f est %+7.3f err %+.3f conf %.2f border %d\n", i,
                  testsupport::layout_name(spec.layout), deg.skew_deg, r.angle_deg, e, r.confidence,
                  deg.dark_border_px);

    // Peer: Leptonica, from gray (1-bpp conversion at 128 included in its time).
    PIX* pix = pixCreate(g.cols, g.rows, 8);
    for (int y = 0; y < g.rows; ++y) {
      l_uint32* line = pixGetData(pix) + y * pixGetWpl(pix);
      const uint8_t* src = g.ptr<uint8_t>(y);
      for (int x = 0; x < g.cols; ++x) SET_DATA_BYTE(line, x, src[x]);
    }
    t0 = Clock::now();
    PIX* bin = pixConvertTo1(pix, 128);
    l_float32 la = 0, lc = 0;
    pixFindSkewSweepAndSearch(bin, &la, &lc, 4, 2, 15.f, 1.f, 0.01f);
    const double lms = ms_since(t0);
    lept.ms += lms;
    lept_neg.ms += lms;
    lept.err.push_back(la - deg.skew_deg);
    lept_neg.err.push_back(-la - deg.skew_deg);
    pixDestroy(&bin);
    pixDestroy(&pix);
  }
  ours.print("pageprep");
  (lept.mae() < lept_neg.mae() ? lept : lept_neg).print("leptonica");
  if (!straight.err.empty()) straight.print("straight");
  EXPECT_LE(ours.mae(), 0.05);
  EXPECT_GE(ours.within(0.1), 0.9);
  EXPECT_LE(ours.worst(), 0.5);
  if (!straight.err.empty()) {
    EXPECT_LE(straight.worst(), 0.05);
  }
}

}  // namespace
}  // namespace pageprep
