// DecodeLimits::reduce_to_side: a JPEG decoded at libjpeg's DCT scale (the
// review sheet's thumbnails) has ceil(side / 2^k) pixels a side, the smallest
// such size that keeps the longer side >= the request, looks like the full
// decode shrunk, and a damaged file is still an error.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <vector>

#include "io/codec.hpp"

namespace pageprep::host {
namespace {

std::vector<uint8_t> test_jpeg(int w, int h) {
  cv::Mat m(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.at<uint8_t>(y, x) = static_cast<uint8_t>((x * 255 / w + (y / 40 % 2) * 60) % 256);
  cv::rectangle(m, cv::Rect(w / 4, h / 4, w / 3, h / 5), cv::Scalar(20), cv::FILLED);
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(cv::imencode(".jpg", m, bytes, {cv::IMWRITE_JPEG_QUALITY, 90}));
  return bytes;
}

TEST(CodecReduced, DenominatorKeepsTheLongerSideAtLeastTheRequest) {
  EXPECT_EQ(jpeg_reduce_denominator(1000, 700, 0), 1);
  EXPECT_EQ(jpeg_reduce_denominator(1000, 700, 120), 8);  // 125 >= 120
  EXPECT_EQ(jpeg_reduce_denominator(1000, 700, 126), 4);  // 125 < 126 <= 250
  EXPECT_EQ(jpeg_reduce_denominator(1000, 700, 300), 2);
  EXPECT_EQ(jpeg_reduce_denominator(1000, 700, 501), 1);
  EXPECT_EQ(jpeg_reduce_denominator(700, 1001, 126), 8);  // ceil(1001 / 8) = 126
}

TEST(CodecReduced, ReducedJpegIsTheFullPageShrunk) {
  const auto bytes = test_jpeg(1001, 703);
  kernels::cpu::ThreadPool pool(1);
  DecodeLimits full;
  const DecodeResult f = decode_page_from_memory(bytes, "t.jpg", 0, full, pool);
  ASSERT_EQ(f.error, PageError::kNone) << f.message;
  ASSERT_EQ(f.page.gray.cols, 1001);
  for (const int side : {120, 200, 400}) {
    DecodeLimits small;
    small.reduce_to_side = side;
    const DecodeResult r = decode_page_from_memory(bytes, "t.jpg", 0, small, pool);
    ASSERT_EQ(r.error, PageError::kNone) << r.message;
    const int denom = jpeg_reduce_denominator(1001, 703, side);
    EXPECT_GT(denom, 1);
    EXPECT_EQ(r.page.gray.cols, (1001 + denom - 1) / denom) << side;
    EXPECT_EQ(r.page.gray.rows, (703 + denom - 1) / denom) << side;
    EXPECT_GE(r.page.gray.cols, side);
    EXPECT_EQ(r.page.format, "jpeg");
    cv::Mat shrunk;
    cv::resize(f.page.gray, shrunk, r.page.gray.size(), 0, 0, cv::INTER_AREA);
    cv::Mat diff;
    cv::absdiff(shrunk, r.page.gray, diff);
    // Edges differ by the half pixel libjpeg's scaling rounds to; the mean
    // is what says it is the same picture.
    EXPECT_LT(cv::mean(diff)[0], 6.0) << side;
  }
}

TEST(CodecReduced, DamagedJpegIsStillAnErrorWhenReduced) {
  auto bytes = test_jpeg(800, 600);
  bytes.resize(bytes.size() * 2 / 3);  // cut in the entropy-coded data
  kernels::cpu::ThreadPool pool(1);
  DecodeLimits small;
  small.reduce_to_side = 100;
  const DecodeResult r = decode_page_from_memory(bytes, "t.jpg", 0, small, pool);
  EXPECT_EQ(r.error, PageError::kCorrupt) << r.message;
  EXPECT_TRUE(r.page.gray.empty());
}

}  // namespace
}  // namespace pageprep::host
