// page_signals: the measurements and the OCR-input rule against values worked
// out by hand on synthetic pages (issue 23 item 7).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "pipeline/page_signals.hpp"

namespace pageprep {
namespace {

using host::PageSignals;

TEST(PageSignals, EvenCleanPageHasNoSpreadAndTheNoiseFloor) {
  const cv::Mat page(64, 64, CV_8UC1, cv::Scalar(255));
  const PageSignals s = host::measure_page_signals(page, 32);
  EXPECT_DOUBLE_EQ(s.background_spread, 0);
  // Every neighbour difference is 0: the median bin 0, centred, is 0.5 / 0.954.
  EXPECT_DOUBLE_EQ(s.noise_sigma, 0.5 / 0.954);
}

TEST(PageSignals, HalfDarkenedPaperGivesTheSpreadOfItsTwoLevels) {
  // 32 dpi: 8-pixel tiles, 64 of them; half at paper 255, half at 128.
  // Sorted levels: p30 (index 18 of 63) is 128, p90 (index 56) is 255.
  cv::Mat page(64, 64, CV_8UC1, cv::Scalar(255));
  page.colRange(32, 64).setTo(128);
  const PageSignals s = host::measure_page_signals(page, 32);
  EXPECT_DOUBLE_EQ(s.background_spread, (255.0 - 128.0) / 255.0);
  EXPECT_GT(s.background_spread, host::kUnevenLightSpread);
}

TEST(PageSignals, NoiseIsTheMedianNeighbourDifference) {
  // Columns alternate 200 / 210: every horizontal pair differs by 10.
  cv::Mat page(64, 64, CV_8UC1);
  for (int y = 0; y < page.rows; ++y)
    for (int x = 0; x < page.cols; ++x) page.at<uint8_t>(y, x) = (x % 2) ? 210 : 200;
  const PageSignals s = host::measure_page_signals(page, 300);
  EXPECT_DOUBLE_EQ(s.noise_sigma, 10.5 / 0.954);
}

TEST(PageSignals, InkBelowThePaperLevelIsNotNoise) {
  // Paper 250 with ink on columns 1, 3, 5 of every 8: three of four measured
  // pairs are paper/ink edges (difference 250), which would be the median if
  // they counted. Ink is below median - 40, so only the paper pairs count.
  cv::Mat page(64, 64, CV_8UC1, cv::Scalar(250));
  for (int x = 0; x < page.cols; ++x)
    if (x % 8 == 1 || x % 8 == 3 || x % 8 == 5) page.col(x).setTo(0);
  const PageSignals s = host::measure_page_signals(page, 300);
  EXPECT_DOUBLE_EQ(s.noise_sigma, 0.5 / 0.954);
}

TEST(PageSignals, EmptyOrNonGrayInputMeasuresNothing) {
  PageSignals s = host::measure_page_signals(cv::Mat(), 300);
  EXPECT_EQ(s.background_spread, 0);
  EXPECT_EQ(s.noise_sigma, 0);
  s = host::measure_page_signals(cv::Mat(16, 16, CV_8UC3, cv::Scalar(1, 2, 3)), 300);
  EXPECT_EQ(s.background_spread, 0);
  EXPECT_EQ(s.noise_sigma, 0);
}

TEST(PageSignals, RuleReadsBinaryOnUnevenLightOrSpecksWithoutNoise) {
  PageSignals s;
  const int64_t mpx = 1000000;
  EXPECT_FALSE(host::choose_binary_for_ocr(s, 0, mpx)) << "clean page: gray";
  s.background_spread = 0.081;
  EXPECT_TRUE(host::choose_binary_for_ocr(s, 0, mpx)) << "uneven light: binary";
  s.background_spread = 0.08;
  EXPECT_FALSE(host::choose_binary_for_ocr(s, 0, mpx)) << "at the threshold: gray";
  s.background_spread = 0;
  s.noise_sigma = 1;
  EXPECT_FALSE(host::choose_binary_for_ocr(s, 20, mpx)) << "20 specks/Mpx is not above 20";
  EXPECT_TRUE(host::choose_binary_for_ocr(s, 21, mpx));
  EXPECT_TRUE(host::choose_binary_for_ocr(s, 42, 2 * mpx - 1)) << "a rate, not a count";
  EXPECT_FALSE(host::choose_binary_for_ocr(s, 40, 2 * mpx)) << "20/Mpx again";
  s.noise_sigma = 5;
  EXPECT_FALSE(host::choose_binary_for_ocr(s, 1000, mpx)) << "noisy: the gray page reads better";
  s.noise_sigma = 0;
  EXPECT_FALSE(host::choose_binary_for_ocr(s, 1000, 0)) << "no pixels: no rate";
}

TEST(PageSignals, GrayForOcrLowPassesOnlyPagesNotResampled) {
  cv::Mat page(7, 7, CV_8UC1, cv::Scalar(0));
  page.at<uint8_t>(3, 3) = 160;
  cv::Mat into(1, 1, CV_8UC1, cv::Scalar(99));  // poisoned
  const cv::Mat& same = host::gray_for_ocr(page, /*resampled=*/true, &into);
  EXPECT_EQ(&same, &page);
  EXPECT_EQ(into.at<uint8_t>(0, 0), 99) << "untouched when resampled";

  const cv::Mat& low = host::gray_for_ocr(page, /*resampled=*/false, &into);
  EXPECT_EQ(&low, &into);
  ASSERT_EQ(low.size(), page.size());
  // The 3x3 binomial kernel [1 2 1]^T [1 2 1] / 16 on an impulse of 160.
  const int expect[3][3] = {{10, 20, 10}, {20, 40, 20}, {10, 20, 10}};
  for (int y = 0; y < 7; ++y)
    for (int x = 0; x < 7; ++x) {
      const bool near = std::abs(y - 3) <= 1 && std::abs(x - 3) <= 1;
      const int want = near ? expect[y - 2][x - 2] : 0;
      EXPECT_EQ(low.at<uint8_t>(y, x), want) << y << "," << x;
    }
  EXPECT_EQ(page.at<uint8_t>(3, 3), 160) << "the input is not changed";
}

}  // namespace
}  // namespace pageprep
