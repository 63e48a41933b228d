// 3x3 median: CUDA against CPU, exact, on a var-shape batch of odd shapes
// (more pages than one launch's table holds).
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "pageprep/kernels/denoise.hpp"
#include "parity/device_batch.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

TEST(MedianParity, VarShapeBatchMatchesCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::vector<OwnedImage> src, cpu_out;
  testsupport::DeviceImages d_src, d_out;
  uint64_t seed = 21;
  auto shapes = testsupport::odd_shapes();
  shapes.push_back({2480, 3508});
  // 70 pages: more than kMaxPagesPerLaunch, so the batch takes two launches.
  for (int rep = 0; rep < 7; ++rep)
    for (auto [w, h] : shapes) {
      if (rep > 0 && w * h > 100000) continue;
      src.push_back(rep % 2 ? testsupport::random_document(w, h, seed++, 5)
                            : testsupport::random_image(w, h, seed++, 1, 5));
      cpu_out.emplace_back(w, h, 1, 0, testsupport::kPoison);
      d_src.add(src.back(), true);
      d_out.add(cpu_out.back(), false);
    }
  ASSERT_GT(src.size(), 64u);
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> out;
  for (size_t i = 0; i < src.size(); ++i) {
    in.push_back(src[i].cview());
    out.push_back(cpu_out[i].view());
  }
  kernels::cpu::ThreadPool pool(2);
  ASSERT_TRUE(
      kernels::cpu::median3x3(pool, testsupport::batch_of(in), testsupport::batch_of(out)).is_ok());
  ASSERT_TRUE(kernels::cuda::median3x3(nullptr, d_src.const_batch(), d_out.batch()).is_ok());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  for (size_t i = 0; i < src.size(); ++i) {
    OwnedImage gpu(cpu_out[i].width, cpu_out[i].height, 1, 0, 0);
    d_out.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(cpu_out[i])) << "page " << i;
  }
}

TEST(MedianParity, EmptyBatchIsOk) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  EXPECT_TRUE(kernels::cuda::median3x3(nullptr, {}, {}).is_ok());
}

}  // namespace
}  // namespace pageprep
