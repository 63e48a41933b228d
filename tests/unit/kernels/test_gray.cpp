// Gray conversion against a double-precision reference, on odd shapes and padded pitch.
#include <gtest/gtest.h>

#include <cmath>

#include "pageprep/kernels/gray.hpp"
#include "support/printers.hpp"
#include "support/random_image.hpp"

namespace pageprep {
namespace {

using kernels::PixelFormat;
using testsupport::OwnedImage;

uint8_t reference_gray(const OwnedImage& src, PixelFormat f, int32_t x, int32_t y) {
  auto rgb = [](double r, double g, double b) {
    return static_cast<uint8_t>(std::floor(0.299 * r + 0.587 * g + 0.114 * b + 0.5));
  };
  switch (f) {
    case PixelFormat::kGray8:
      return src.at(x, y);
    case PixelFormat::kGray16: {
      const uint16_t v = static_cast<uint16_t>(src.at(x, y, 0) | (src.at(x, y, 1) << 8));
      return static_cast<uint8_t>(std::floor(v * 255.0 / 65535.0 + 0.5));
    }
    case PixelFormat::kRgb8:
    case PixelFormat::kRgba8:
      return rgb(src.at(x, y, 0), src.at(x, y, 1), src.at(x, y, 2));
    case PixelFormat::kBgr8:
    case PixelFormat::kBgra8:
      return rgb(src.at(x, y, 2), src.at(x, y, 1), src.at(x, y, 0));
  }
  return 0;
}

class GrayTest : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(GrayTest, MatchesReferenceOnOddShapes) {
  const PixelFormat f = GetParam();
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 1;
  for (auto [w, h] : testsupport::odd_shapes()) {
    for (int32_t pad : {0, 13}) {
      OwnedImage src = testsupport::random_image(w, h, seed++, kernels::bytes_per_pixel(f), pad);
      OwnedImage dst(w, h, 1, pad, testsupport::kPoison);
      std::vector<kernels::ConstGrayView> in{src.cview()};
      std::vector<kernels::GrayView> out{dst.view()};
      ASSERT_TRUE(
          kernels::cpu::gray_convert(pool, f, testsupport::batch_of(in), testsupport::batch_of(out))
              .is_ok());
      int mismatches = 0;
      int max_diff = 0;
      for (int32_t y = 0; y < h; ++y)
        for (int32_t x = 0; x < w; ++x) {
          const int d = std::abs(int(dst.at(x, y)) - int(reference_gray(src, f, x, y)));
          max_diff = std::max(max_diff, d);
          mismatches += d != 0;
        }
      // Fixed-point weights differ from the real ones by < 2^-15; ties may round
      // the other way, never by more than one level.
      EXPECT_LE(max_diff, 1) << w << "x" << h;
      EXPECT_LE(mismatches, std::max(1, w * h / 100)) << w << "x" << h;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, GrayTest,
                         ::testing::Values(PixelFormat::kGray8, PixelFormat::kGray16,
                                           PixelFormat::kRgb8, PixelFormat::kBgr8,
                                           PixelFormat::kRgba8, PixelFormat::kBgra8));

TEST(Gray, EmptyBatchAndEmptyPageAreOk) {
  kernels::cpu::ThreadPool pool(2);
  EXPECT_TRUE(kernels::cpu::gray_convert(pool, PixelFormat::kRgb8, {}, {}).is_ok());
  std::vector<kernels::ConstGrayView> in{{nullptr, 0, 0, 0}};
  std::vector<kernels::GrayView> out{{nullptr, 0, 0, 0}};
  EXPECT_TRUE(kernels::cpu::gray_convert(pool, PixelFormat::kRgb8, testsupport::batch_of(in),
                                         testsupport::batch_of(out))
                  .is_ok());
}

TEST(Gray, RejectsMismatchedShapes) {
  kernels::cpu::ThreadPool pool(1);
  OwnedImage a(4, 4, 3), b(5, 4, 1);
  std::vector<kernels::ConstGrayView> in{a.cview()};
  std::vector<kernels::GrayView> out{b.view()};
  const auto st = kernels::cpu::gray_convert(pool, PixelFormat::kRgb8, testsupport::batch_of(in),
                                             testsupport::batch_of(out));
  EXPECT_EQ(st.code(), kernels::StatusCode::kInvalidArgument);
}

TEST(Gray, IndependentOfThreadCount) {
  OwnedImage src = testsupport::random_image(301, 257, 77, 3, 5);
  OwnedImage d1(301, 257, 1, 0, 0), d4(301, 257, 1, 0, 0);
  std::vector<kernels::ConstGrayView> in{src.cview()};
  std::vector<kernels::GrayView> o1{d1.view()}, o4{d4.view()};
  kernels::cpu::ThreadPool p1(1), p4(4);
  ASSERT_TRUE(kernels::cpu::gray_convert(p1, PixelFormat::kRgb8, testsupport::batch_of(in),
                                         testsupport::batch_of(o1))
                  .is_ok());
  ASSERT_TRUE(kernels::cpu::gray_convert(p4, PixelFormat::kRgb8, testsupport::batch_of(in),
                                         testsupport::batch_of(o4))
                  .is_ok());
  EXPECT_TRUE(d1.same_pixels(d4));
}

}  // namespace
}  // namespace pageprep
