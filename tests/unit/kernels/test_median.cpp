// 3x3 median against a naive sort-the-window reference, on odd shapes, padded
// pitch, thread counts; the min/max network checked on every 0/1 window.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "pageprep/kernels/denoise.hpp"
#include "support/random_image.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

uint8_t reference_median(const OwnedImage& src, int32_t x, int32_t y) {
  std::array<uint8_t, 9> v{};
  int k = 0;
  for (int dy = -1; dy <= 1; ++dy)
    for (int dx = -1; dx <= 1; ++dx) {
      const int32_t xx = std::clamp(x + dx, 0, src.width - 1);
      const int32_t yy = std::clamp(y + dy, 0, src.height - 1);
      v[k++] = src.at(xx, yy);
    }
  std::sort(v.begin(), v.end());
  return v[4];
}

kernels::Status run_median(kernels::cpu::ThreadPool& pool, const OwnedImage& src, OwnedImage* dst) {
  std::vector<kernels::ConstGrayView> in{src.cview()};
  std::vector<kernels::GrayView> out{dst->view()};
  return kernels::cpu::median3x3(pool, testsupport::batch_of(in), testsupport::batch_of(out));
}

TEST(Median, NetworkIsExactOnAllBinaryWindowsAndRandomOnes) {
  // 0-1 principle: a min/max network that selects the median of every 0/1
  // input selects it for every input; random windows double-check.
  for (int bits = 0; bits < 512; ++bits) {
    uint8_t w[9];
    int ones = 0;
    for (int k = 0; k < 9; ++k) {
      w[k] = (bits >> k) & 1 ? 200 : 10;
      ones += (bits >> k) & 1;
    }
    EXPECT_EQ(kernels::ops::median9(w), ones >= 5 ? 200 : 10) << bits;
  }
  OwnedImage r = testsupport::random_image(9, 500, 3);
  for (int32_t row = 0; row < 500; ++row) {
    uint8_t w[9];
    for (int k = 0; k < 9; ++k) w[k] = r.at(k, row);
    std::array<uint8_t, 9> s{};
    std::copy(w, w + 9, s.begin());
    std::sort(s.begin(), s.end());
    EXPECT_EQ(kernels::ops::median9(w), s[4]);
  }
}

TEST(Median, MatchesReferenceOnOddShapes) {
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 5;
  auto shapes = testsupport::odd_shapes();
  shapes.push_back({600, 40});  // rows longer than one block of the CPU schedule
  for (auto [w, h] : shapes) {
    for (int32_t pad : {0, 13}) {
      for (bool document : {false, true}) {
        const OwnedImage src = document ? testsupport::random_document(w, h, seed++, pad)
                                        : testsupport::random_image(w, h, seed++, 1, pad);
        OwnedImage dst(w, h, 1, pad, testsupport::kPoison);
        ASSERT_TRUE(run_median(pool, src, &dst).is_ok());
        int mismatches = 0;
        for (int32_t y = 0; y < h; ++y)
          for (int32_t x = 0; x < w; ++x) mismatches += dst.at(x, y) != reference_median(src, x, y);
        EXPECT_EQ(mismatches, 0) << w << "x" << h << " pad " << pad;
      }
    }
  }
}

TEST(Median, VarShapeBatch) {
  kernels::cpu::ThreadPool pool(2);
  std::vector<OwnedImage> src, dst;
  uint64_t seed = 40;
  for (auto [w, h] : testsupport::odd_shapes()) {
    src.push_back(testsupport::random_image(w, h, seed++, 1, 3));
    dst.emplace_back(w, h, 1, 0, testsupport::kPoison);
  }
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> out;
  for (size_t i = 0; i < src.size(); ++i) {
    in.push_back(src[i].cview());
    out.push_back(dst[i].view());
  }
  ASSERT_TRUE(
      kernels::cpu::median3x3(pool, testsupport::batch_of(in), testsupport::batch_of(out)).is_ok());
  for (size_t i = 0; i < src.size(); ++i)
    for (int32_t y = 0; y < src[i].height; ++y)
      for (int32_t x = 0; x < src[i].width; ++x)
        ASSERT_EQ(dst[i].at(x, y), reference_median(src[i], x, y)) << i << " " << x << "," << y;
}

TEST(Median, RemovesSaltAndPepperKeepsEdges) {
  // A property the pipeline relies on: isolated dots vanish, a straight edge
  // between two flat regions stays where it is.
  OwnedImage src(40, 30, 1, 0, 255);
  for (int32_t y = 0; y < 30; ++y)
    for (int32_t x = 20; x < 40; ++x) src.at(x, y) = 0;
  src.at(5, 5) = 0;
  src.at(30, 10) = 255;
  OwnedImage dst(40, 30, 1, 0, testsupport::kPoison);
  kernels::cpu::ThreadPool pool(1);
  ASSERT_TRUE(run_median(pool, src, &dst).is_ok());
  for (int32_t y = 0; y < 30; ++y)
    for (int32_t x = 0; x < 40; ++x) EXPECT_EQ(dst.at(x, y), x < 20 ? 255 : 0) << x << "," << y;
}

TEST(Median, IndependentOfThreadCount) {
  const OwnedImage src = testsupport::random_image(517, 389, 77, 1, 5);
  OwnedImage d1(517, 389, 1, 0, testsupport::kPoison), d4(517, 389, 1, 0, testsupport::kPoison);
  kernels::cpu::ThreadPool p1(1), p4(4);
  ASSERT_TRUE(run_median(p1, src, &d1).is_ok());
  ASSERT_TRUE(run_median(p4, src, &d4).is_ok());
  EXPECT_TRUE(d1.same_pixels(d4));
}

TEST(Median, EmptyBatchAndEmptyPageAreOk) {
  kernels::cpu::ThreadPool pool(2);
  EXPECT_TRUE(kernels::cpu::median3x3(pool, {}, {}).is_ok());
  std::vector<kernels::ConstGrayView> in{{nullptr, 0, 0, 0}};
  std::vector<kernels::GrayView> out{{nullptr, 0, 0, 0}};
  EXPECT_TRUE(
      kernels::cpu::median3x3(pool, testsupport::batch_of(in), testsupport::batch_of(out)).is_ok());
}

TEST(Median, RejectsMismatchedShapesAndInPlace) {
  kernels::cpu::ThreadPool pool(1);
  OwnedImage a(4, 4), b(5, 4);
  {
    std::vector<kernels::ConstGrayView> in{a.cview()};
    std::vector<kernels::GrayView> out{b.view()};
    EXPECT_EQ(
        kernels::cpu::median3x3(pool, testsupport::batch_of(in), testsupport::batch_of(out)).code(),
        kernels::StatusCode::kInvalidArgument);
  }
  {
    std::vector<kernels::ConstGrayView> in{a.cview()};
    std::vector<kernels::GrayView> out{a.view()};
    EXPECT_EQ(
        kernels::cpu::median3x3(pool, testsupport::batch_of(in), testsupport::batch_of(out)).code(),
        kernels::StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace pageprep
