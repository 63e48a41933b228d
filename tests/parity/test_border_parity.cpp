// Border removal: CUDA against CPU, exact pixels and removed-pixel counts, on
// var-shape batches of random binary pages with edge blobs and framed pages.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "pageprep/kernels/denoise.hpp"
#include "parity/device_batch.hpp"
#include "unit/kernels/denoise_reference.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

void check_parity(const kernels::BatchLimits& limits, const kernels::BorderParams& params,
                  const std::vector<OwnedImage>& pages) {
  std::unique_ptr<kernels::cpu::BorderRemove> cpu_op;
  std::unique_ptr<kernels::cuda::BorderRemove> gpu_op;
  ASSERT_TRUE(kernels::cpu::BorderRemove::create(params, limits, &cpu_op).is_ok());
  ASSERT_TRUE(kernels::cuda::BorderRemove::create(params, limits, &gpu_op).is_ok());
  std::vector<OwnedImage> cpu_pages = pages;
  testsupport::DeviceImages d_pages;
  std::vector<kernels::GrayView> views;
  for (size_t i = 0; i < pages.size(); ++i) {
    d_pages.add(pages[i], true);
    views.push_back(cpu_pages[i].view());
  }
  std::vector<int64_t> cpu_removed(pages.size(), -1), gpu_removed(pages.size(), -2);
  kernels::cpu::ThreadPool pool(3);
  ASSERT_TRUE(cpu_op->run(pool, testsupport::batch_of(views), cpu_removed.data()).is_ok());
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  ASSERT_TRUE(gpu_op->run(stream, d_pages.batch(), gpu_removed.data()).is_ok());
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  cudaStreamDestroy(stream);
  int64_t total = 0;
  for (size_t i = 0; i < pages.size(); ++i) {
    OwnedImage gpu(pages[i].width, pages[i].height, 1, 0, 0);
    d_pages.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(cpu_pages[i]))
        << "page " << i << " " << pages[i].width << "x" << pages[i].height;
    EXPECT_EQ(gpu_removed[i], cpu_removed[i]) << "page " << i;
    total += cpu_removed[i];
  }
  EXPECT_GT(total, 0);  // the batch exercised removal
}

TEST(BorderParity, RandomVarShapeBatchMatchesCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::vector<OwnedImage> pages;
  uint64_t seed = 700;
  for (double density : {0.02, 0.25, 0.55}) {
    for (auto [w, h] : testsupport::component_shapes()) {
      pages.push_back(
          testsupport::random_binary(w, h, seed++, density, 9, 8, std::max(2, std::min(w, h) / 3)));
    }
  }
  kernels::BorderParams loose;
  loose.min_span_fraction = 0.1f;
  loose.min_fill = 0.3f;
  loose.min_solid_fraction = 0.0f;
  check_parity(kernels::BatchLimits{64, 400, 400}, {}, pages);
  check_parity(kernels::BatchLimits{64, 400, 400}, loose, pages);
}

TEST(BorderParity, FramedFullPagesInSeveralPasses) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::vector<OwnedImage> pages;
  for (int k = 0; k < 6; ++k) {
    OwnedImage p = testsupport::random_binary(2480, 3508, 90 + k, 0.003, k, 4000, 25);
    const int32_t f = 20 + 10 * k;
    testsupport::fill_rect(&p, 0, 0, 2480, f, 0);
    testsupport::fill_rect(&p, 0, 3508 - f, 2480, f, 0);
    testsupport::fill_rect(&p, 0, 0, f, 3508, 0);
    testsupport::fill_rect(&p, 2480 - f, 0, f, 3508, 0);
    pages.push_back(std::move(p));
  }
  check_parity(kernels::BatchLimits{8, 2480, 3508}, {}, pages);
}

TEST(BorderParity, EmptyBatchAndEmptyPage) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::unique_ptr<kernels::cuda::BorderRemove> op;
  ASSERT_TRUE(
      kernels::cuda::BorderRemove::create({}, kernels::BatchLimits{4, 64, 64}, &op).is_ok());
  EXPECT_TRUE(op->run(nullptr, {}).is_ok());
  std::vector<kernels::GrayView> empty{{nullptr, 0, 0, 0}};
  int64_t removed = -1;
  EXPECT_TRUE(op->run(nullptr, testsupport::batch_of(empty), &removed).is_ok());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(removed, 0);
}

}  // namespace
}  // namespace pageprep
