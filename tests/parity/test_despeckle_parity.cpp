// Despeckle: CUDA against CPU, exact pixels and removed counts, on var-shape
// batches of random binary pages, in one pass and in several (small workspace).
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "pageprep/kernels/denoise.hpp"
#include "parity/device_batch.hpp"
#include "unit/kernels/denoise_reference.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

void check_parity(const kernels::BatchLimits& limits, const std::vector<OwnedImage>& pages,
                  const std::vector<float>& dpi, int32_t max_area) {
  kernels::DespeckleParams params;
  params.max_area = max_area;
  std::unique_ptr<kernels::cpu::Despeckle> cpu_op;
  std::unique_ptr<kernels::cuda::Despeckle> gpu_op;
  ASSERT_TRUE(kernels::cpu::Despeckle::create(params, limits, &cpu_op).is_ok());
  ASSERT_TRUE(kernels::cuda::Despeckle::create(params, limits, &gpu_op).is_ok());

  std::vector<OwnedImage> cpu_pages = pages;
  testsupport::DeviceImages d_pages;
  std::vector<kernels::GrayView> views;
  for (size_t i = 0; i < pages.size(); ++i) {
    d_pages.add(pages[i], true);
    views.push_back(cpu_pages[i].view());
  }
  std::vector<int64_t> cpu_removed(pages.size(), -1), gpu_removed(pages.size(), -2);
  kernels::cpu::ThreadPool pool(3);
  ASSERT_TRUE(
      cpu_op->run(pool, testsupport::batch_of(views), dpi.data(), cpu_removed.data()).is_ok());
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  ASSERT_TRUE(gpu_op->run(stream, d_pages.batch(), dpi.data(), gpu_removed.data()).is_ok());
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  for (size_t i = 0; i < pages.size(); ++i) {
    OwnedImage gpu(pages[i].width, pages[i].height, 1, 0, 0);
    d_pages.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(cpu_pages[i]))
        << "page " << i << " " << pages[i].width << "x" << pages[i].height;
    EXPECT_EQ(gpu_removed[i], cpu_removed[i]) << "page " << i;
  }
  // A second run on the same object (workspace reuse, ordering event) gives
  // the same, idempotent, result.
  ASSERT_TRUE(gpu_op->run(stream, d_pages.batch(), dpi.data(), gpu_removed.data()).is_ok());
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  for (size_t i = 0; i < pages.size(); ++i) EXPECT_EQ(gpu_removed[i], 0) << "page " << i;
  cudaStreamDestroy(stream);
}

TEST(DespeckleParity, RandomVarShapeBatchMatchesCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::vector<OwnedImage> pages;
  std::vector<float> dpi;
  uint64_t seed = 500;
  for (double density : {0.05, 0.3, 0.58}) {
    for (auto [w, h] : testsupport::component_shapes()) {
      pages.push_back(testsupport::random_binary(w, h, seed++, density, 9, 6, 10));
      dpi.push_back(pages.size() % 2 ? 300.0f : 600.0f);
    }
  }
  check_parity(kernels::BatchLimits{64, 400, 400}, pages, dpi, 0);
  check_parity(kernels::BatchLimits{64, 400, 400}, pages, dpi, 7);
}

TEST(DespeckleParity, SeveralPassesAndFullPages) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  // Workspace for 4 pages of 2480x3508: 6 full pages need two passes.
  std::vector<OwnedImage> pages;
  std::vector<float> dpi;
  for (int k = 0; k < 6; ++k) {
    pages.push_back(
        testsupport::random_binary(2480, 3508, 70 + k, k % 2 ? 0.01 : 0.45, k, 3000, 30));
    dpi.push_back(300.0f);
  }
  pages.push_back(OwnedImage(2480, 3508, 1, 0, 0));    // all ink
  pages.push_back(OwnedImage(2480, 3508, 1, 0, 255));  // all paper
  dpi.push_back(300.0f);
  dpi.push_back(300.0f);
  check_parity(kernels::BatchLimits{8, 2480, 3508}, pages, dpi, 0);
}

TEST(DespeckleParity, EmptyBatchAndEmptyPage) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::unique_ptr<kernels::cuda::Despeckle> op;
  ASSERT_TRUE(kernels::cuda::Despeckle::create({}, kernels::BatchLimits{4, 64, 64}, &op).is_ok());
  EXPECT_TRUE(op->run(nullptr, {}).is_ok());
  std::vector<kernels::GrayView> empty{{nullptr, 0, 0, 0}};
  int64_t removed = -1;
  EXPECT_TRUE(op->run(nullptr, testsupport::batch_of(empty), nullptr, &removed).is_ok());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(removed, 0);
}

}  // namespace
}  // namespace pageprep
