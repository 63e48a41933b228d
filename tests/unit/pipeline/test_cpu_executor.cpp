// The CPU executor on large formats (issue 9, defect 14): a landscape A3 page
// at 600 dpi (10200 x 7200, refused before) and a page at the largest side
// the operations accept are processed, with workspaces sized to them, and the
// result equals running the operations directly; the decode limits agree
// with what the executors accept.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "io/codec.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pipeline/executor.hpp"
#include "support/page_generator.hpp"

namespace pageprep::host {
namespace {

/// A text page of w x h at `dpi`, skewed by `skew` degrees.
cv::Mat text_page(int w, int h, int dpi, double skew) {
  testsupport::PageSpec spec;
  spec.dpi = dpi;
  spec.width_px = w;
  spec.height_px = h;
  spec.font_pt = 10;
  testsupport::Degradation deg;
  deg.skew_deg = skew;
  deg.noise_sigma = 4;
  testsupport::GeneratedPage g;
  std::string err;
  EXPECT_TRUE(testsupport::generate_page(spec, deg, &g, &err)) << err;
  return g.degraded;
}

std::unique_ptr<PageWork> run_cpu(const cv::Mat& gray, double dpi) {
  StepConfig steps;
  std::string err;
  auto ex = make_cpu_executor(steps, 2, &err);
  EXPECT_NE(ex, nullptr) << err;
  auto w = std::make_unique<PageWork>();
  w->decoded.gray = gray;
  w->decoded.dpi_x = w->decoded.dpi_y = dpi;
  PageBatch batch{w.get()};
  ex->process(batch);
  return w;
}

TEST(CpuExecutor, LandscapeA3At600DpiIsProcessed) {
  const cv::Mat page = text_page(10200, 7200, 600, 2.5);
  ASSERT_EQ(page.cols, 10200);
  const auto w = run_cpu(page, 600);
  ASSERT_TRUE(w->ok()) << w->message;
  EXPECT_EQ(w->executor, "cpu");
  EXPECT_NEAR(w->skew_deg, 2.5, 0.1);
  EXPECT_TRUE(w->rotated);
  ASSERT_EQ(w->binary.cols, 10200);
  ASSERT_EQ(w->binary.rows, 7200);
  // The same operations run directly on the same page give the same binary page.
  kernels::cpu::ThreadPool pool(2);
  std::unique_ptr<kernels::cpu::SkewEstimator> skew;
  kernels::BatchLimits limits{1, 10200, 7200};
  ASSERT_TRUE(
      kernels::cpu::SkewEstimator::create(skew_params(StepConfig{}), limits, &skew).is_ok());
  const kernels::ConstGrayView in{page.data, page.cols, page.rows,
                                  static_cast<int64_t>(page.step[0])};
  kernels::SkewResult r;
  const float dpi = 600;
  ASSERT_TRUE(skew->run(pool, {&in, 1}, &r, &dpi).is_ok());
  EXPECT_EQ(r.angle_deg, w->skew_deg);
  cv::Mat rotated(page.size(), CV_8UC1), bin(page.size(), CV_8UC1);
  const float angle = -r.angle_deg;
  const uint8_t fill = rotation_fill(StepConfig{}, in);
  kernels::GrayView rv{rotated.data, rotated.cols, rotated.rows,
                       static_cast<int64_t>(rotated.step[0])};
  ASSERT_TRUE(kernels::cpu::rotate(pool, {}, {&in, 1}, {&rv, 1}, &angle, &fill).is_ok());
  std::unique_ptr<kernels::cpu::Binarize> binarize;
  ASSERT_TRUE(kernels::cpu::Binarize::create({}, limits, &binarize).is_ok());
  const kernels::ConstGrayView rin = kernels::as_const(rv);
  kernels::GrayView bv{bin.data, bin.cols, bin.rows, static_cast<int64_t>(bin.step[0])};
  ASSERT_TRUE(binarize->run(pool, {&rin, 1}, {&bv, 1}, &dpi).is_ok());
  std::unique_ptr<kernels::cpu::Despeckle> despeckle;
  ASSERT_TRUE(kernels::cpu::Despeckle::create({}, limits, &despeckle).is_ok());
  ASSERT_TRUE(despeckle->run(pool, {&bv, 1}, &dpi).is_ok());
  EXPECT_EQ(cv::countNonZero(bin != w->binary), 0);
}

TEST(CpuExecutor, PageAtTheLargestSideIsProcessedAndOneMoreIsRefused) {
  cv::Mat page(kernels::kMaxPageSide, 1500, CV_8UC1, cv::Scalar(235));
  for (int y = 200; y < page.rows - 200; y += 60)
    cv::rectangle(page, {100, y}, {1400, y + 12}, cv::Scalar(20), cv::FILLED);
  const auto w = run_cpu(page, 300);
  ASSERT_TRUE(w->ok()) << w->message;
  EXPECT_EQ(w->binary.rows, kernels::kMaxPageSide);
  EXPECT_GT(cv::countNonZero(w->binary == 0), 0);

  cv::Mat bigger(kernels::kMaxPageSide + 1, 64, CV_8UC1, cv::Scalar(235));
  const auto refused = run_cpu(bigger, 300);
  EXPECT_EQ(refused->error, PageError::kTooLarge);
}

TEST(CpuExecutor, DecodeLimitsAgreeWithWhatTheExecutorsAccept) {
  const DecodeLimits d;
  EXPECT_EQ(d.max_dimension, kernels::kMaxPageSide);
  EXPECT_EQ(d.max_pixels, kernels::kMaxPagePixels);
  std::string why;
  // Everything the decoder lets through is accepted...
  const int32_t side = kernels::kMaxPageSide;
  EXPECT_TRUE(executor_accepts(side, static_cast<int32_t>(d.max_pixels / side), &why)) << why;
  EXPECT_TRUE(executor_accepts(10200, 7200, &why));
  EXPECT_TRUE(executor_accepts(15000, 11000, &why)) << "a broadsheet at 600 dpi";
  // ...and what it refuses, the executors refuse too.
  EXPECT_FALSE(executor_accepts(side + 1, 10, &why));
  EXPECT_FALSE(executor_accepts(side, side, &why)) << "268 Mpx > the pixel limit";
}

}  // namespace
}  // namespace pageprep::host
