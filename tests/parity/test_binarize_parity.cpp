// Binarization: CUDA against CPU, exact, on var-shape batches with per-page dpi.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <vector>

#include "pageprep/kernels/binarize.hpp"
#include "parity/device_batch.hpp"
#include "support/printers.hpp"

namespace pageprep {
namespace {

using kernels::BinarizeMethod;
using kernels::BinarizeParams;
using testsupport::OwnedImage;

/// Runs both schedules on `src` (one batch) and expects identical pages and,
/// for Otsu, identical thresholds.
void expect_parity(const BinarizeParams& p, const std::vector<OwnedImage>& src,
                   const std::vector<float>& dpi) {
  std::unique_ptr<kernels::cpu::Binarize> cpu_op;
  std::unique_ptr<kernels::cuda::Binarize> gpu_op;
  testsupport::expect_gray_op_parity(p, src, dpi, &cpu_op, &gpu_op);
  if (::testing::Test::HasFatalFailure()) return;
  if (p.method == BinarizeMethod::kOtsu) {
    std::vector<int32_t> t(src.size(), 0);
    ASSERT_EQ(cudaMemcpy(t.data(), gpu_op->device_otsu_thresholds(), t.size() * sizeof(int32_t),
                         cudaMemcpyDeviceToHost),
              cudaSuccess);
    EXPECT_EQ(t, cpu_op->otsu_thresholds());
  }
}

std::vector<OwnedImage> mixed_pages(uint64_t seed, std::vector<float>* dpi) {
  std::vector<OwnedImage> pages;
  const float dpis[] = {300.f, 150.f, 600.f, 72.f, 1200.f};
  int k = 0;
  for (auto [w, h] : testsupport::odd_shapes()) {
    pages.push_back((seed % 2) ? testsupport::random_document(w, h, seed, 13)
                               : testsupport::random_image(w, h, seed, 1, 0));
    ++seed;
    dpi->push_back(dpis[k++ % 5]);
  }
  pages.push_back(testsupport::random_document(1237, 1705, seed, 5));  // several tiles
  dpi->push_back(300.f);
  pages.push_back(OwnedImage(301, 77, 1, 0, 200));  // constant page
  dpi->push_back(300.f);
  return pages;
}

class BinarizeParity : public ::testing::TestWithParam<BinarizeMethod> {};

TEST_P(BinarizeParity, VarShapeBatchMatchesCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  BinarizeParams p;
  p.method = GetParam();
  std::vector<float> dpi;
  const auto pages = mixed_pages(31, &dpi);
  expect_parity(p, pages, dpi);
}

TEST_P(BinarizeParity, LargestWindowAndCustomK) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  BinarizeParams p;
  p.method = GetParam();
  p.window = kernels::ops::kMaxWindow;
  p.k = 0.2f;
  p.r = 100.f;
  std::vector<float> dpi{300.f, 300.f};
  expect_parity(
      p,
      {testsupport::random_document(700, 530, 3, 0), testsupport::random_image(260, 600, 4, 1, 3)},
      dpi);
}

TEST_P(BinarizeParity, MoreThanOneLaunchOfPages) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  BinarizeParams p;
  p.method = GetParam();
  std::vector<OwnedImage> pages;
  std::vector<float> dpi;
  for (int i = 0; i < 70; ++i) {
    pages.push_back(testsupport::random_document(40 + i, 30 + 2 * i, 100 + i, i % 3));
    dpi.push_back(i % 2 ? 300.f : 150.f);
  }
  expect_parity(p, pages, dpi);
}

TEST_P(BinarizeParity, EmptyBatchAndEmptyPages) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  BinarizeParams p;
  p.method = GetParam();
  std::unique_ptr<kernels::cuda::Binarize> op;
  ASSERT_TRUE(kernels::cuda::Binarize::create(p, {}, &op).is_ok());
  EXPECT_TRUE(op->run(nullptr, {}, {}).is_ok());
  std::vector<kernels::ConstGrayView> in{{nullptr, 0, 0, 0}};
  std::vector<kernels::GrayView> out{{nullptr, 0, 0, 0}};
  EXPECT_TRUE(op->run(nullptr, testsupport::batch_of(in), testsupport::batch_of(out)).is_ok());
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

INSTANTIATE_TEST_SUITE_P(Methods, BinarizeParity,
                         ::testing::Values(BinarizeMethod::kOtsu, BinarizeMethod::kSauvola,
                                           BinarizeMethod::kWolf));

}  // namespace
}  // namespace pageprep
