// DecodeLimits::reduce_to_side: a JPEG decoded at libjpeg's DCT scale (the
// review sheet's thumbnails) has ceil(side / 2^k) pixels a side, the smallest
// such size that keeps the longer side >= the request, looks like the full
// decode shrunk, and a damaged file is still an error. A JPEG 2000 (made by
// Debian's opj_compress, not by our code) decodes its lower resolution level.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <tuple>
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

TEST(CodecReduced, Jp2DecodesALowerResolutionLevel) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("pageprep_jp2r_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // Smooth enough for 1/16 (wide bands, no wrap in the gradient).
  cv::Mat m(703, 1001, CV_8UC1);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x)
      m.at<uint8_t>(y, x) = static_cast<uint8_t>(x * 180 / m.cols + (y / 120 % 2) * 60);
  cv::rectangle(m, cv::Rect(250, 170, 330, 140), cv::Scalar(10), cv::FILLED);
  ASSERT_TRUE(cv::imwrite((dir / "p.png").string(), m));
  ASSERT_EQ(std::system(("opj_compress -i '" + (dir / "p.png").string() + "' -o '" +
                         (dir / "p.jp2").string() + "' >/dev/null 2>&1")
                            .c_str()),
            0)
      << "opj_compress (libopenjp2-tools, .ci/setup-debian.sh)";
  std::ifstream f(dir / "p.jp2", std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                                   std::istreambuf_iterator<char>());
  kernels::cpu::ThreadPool pool(1);
  const DecodeResult full = decode_page_from_memory(bytes, "p.jp2", 0, DecodeLimits{}, pool);
  ASSERT_EQ(full.error, PageError::kNone) << full.message;
  ASSERT_EQ(full.page.gray.cols, 1001);
  for (const auto& [side, w, h] :
       {std::tuple{120, 126, 88}, std::tuple{200, 251, 176}, std::tuple{40, 63, 44}}) {
    DecodeLimits small;
    small.reduce_to_side = side;
    const DecodeResult r = decode_page_from_memory(bytes, "p.jp2", 0, small, pool);
    ASSERT_EQ(r.error, PageError::kNone) << r.message;
    EXPECT_EQ(r.page.gray.cols, w) << side;
    EXPECT_EQ(r.page.gray.rows, h) << side;
    cv::Mat shrunk, diff;
    cv::resize(full.page.gray, shrunk, r.page.gray.size(), 0, 0, cv::INTER_AREA);
    // The wavelet's low band and a box filter differ at sharp edges; blurred,
    // the same picture agrees (a shifted, cut or flipped one would not).
    cv::Mat a, b;
    cv::GaussianBlur(shrunk, a, cv::Size(5, 5), 1.5);
    cv::GaussianBlur(r.page.gray, b, cv::Size(5, 5), 1.5);
    cv::absdiff(a, b, diff);
    EXPECT_LT(cv::mean(diff)[0], 6.0) << side;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pageprep::host
