// Background normalization: CUDA against CPU, exact, on var-shape batches.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <vector>

#include "pageprep/kernels/background.hpp"
#include "parity/device_batch.hpp"

namespace pageprep {
namespace {

using kernels::BackgroundParams;
using testsupport::OwnedImage;

void expect_parity(const BackgroundParams& p, const std::vector<OwnedImage>& src,
                   const std::vector<float>& dpi) {
  std::unique_ptr<kernels::cpu::BackgroundNormalize> cpu_op;
  std::unique_ptr<kernels::cuda::BackgroundNormalize> gpu_op;
  testsupport::expect_gray_op_parity(p, src, dpi, &cpu_op, &gpu_op);
}

TEST(BackgroundParity, VarShapeBatchWithDpiMatchesCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::vector<OwnedImage> pages;
  std::vector<float> dpi;
  uint64_t seed = 5;
  const float dpis[] = {300.f, 150.f, 600.f, 72.f};
  int k = 0;
  for (auto [w, h] : testsupport::odd_shapes()) {
    pages.push_back(testsupport::random_document(w, h, seed++, 13));
    dpi.push_back(dpis[k++ % 4]);
  }
  pages.push_back(testsupport::random_document(1650, 2100, seed, 3));
  dpi.push_back(200.f);
  expect_parity(BackgroundParams{}, pages, dpi);
}

TEST(BackgroundParity, ExplicitSmallTileAndTarget) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  BackgroundParams p;
  p.tile = 8;
  p.target = 250;
  std::vector<float> dpi{300.f, 300.f};
  expect_parity(
      p,
      {testsupport::random_image(333, 251, 1, 1, 0), testsupport::random_document(517, 389, 2, 0)},
      dpi);
}

TEST(BackgroundParity, MoreThanOneLaunchOfPages) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::vector<OwnedImage> pages;
  std::vector<float> dpi;
  for (int i = 0; i < 70; ++i) {
    pages.push_back(testsupport::random_document(50 + 3 * i, 40 + i, 300 + i, i % 2));
    dpi.push_back(150.f);
  }
  expect_parity(BackgroundParams{}, pages, dpi);
}

TEST(BackgroundParity, EmptyBatchIsOk) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::unique_ptr<kernels::cuda::BackgroundNormalize> op;
  ASSERT_TRUE(kernels::cuda::BackgroundNormalize::create({}, {}, &op).is_ok());
  EXPECT_TRUE(op->run(nullptr, {}, {}).is_ok());
}

}  // namespace
}  // namespace pageprep
