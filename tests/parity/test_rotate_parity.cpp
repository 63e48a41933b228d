// Rotation: CUDA against CPU, exact pixels, on var-shape batches (odd shapes,
// padded pitch, a page-sized image), with and without expand.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "pageprep/kernels/deskew.hpp"
#include "parity/device_batch.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

class RotateParity : public ::testing::TestWithParam<bool> {};

TEST_P(RotateParity, VarShapeBatchMatchesCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  const bool expand = GetParam();
  std::vector<OwnedImage> src, cpu_out;
  std::vector<float> angles;
  std::vector<uint8_t> fill;
  auto shapes = testsupport::odd_shapes();
  shapes.push_back({2480, 3508});
  shapes.push_back({1001, 77});
  const float angle_set[] = {-44.9f, -14.3f, -0.3f, 0.f,   0.45f, 3.3f,
                             14.6f,  90.f,   179.f, -7.1f, 33.f};
  uint64_t seed = 17;
  size_t k = 0;
  for (auto [w, h] : shapes) {
    const float a = angle_set[k++ % (sizeof angle_set / sizeof angle_set[0])];
    src.push_back(testsupport::random_document(w, h, seed++, 13));
    int32_t ow, oh;
    kernels::rotated_size(w, h, a, expand, &ow, &oh);
    cpu_out.emplace_back(ow, oh, 1, 0, testsupport::kPoison);
    angles.push_back(a);
    fill.push_back(static_cast<uint8_t>(180 + k));
  }
  testsupport::DeviceImages d_src, d_out;
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> out;
  for (size_t i = 0; i < src.size(); ++i) {
    d_src.add(src[i], true);
    d_out.add(cpu_out[i], false);
    in.push_back(src[i].cview());
    out.push_back(cpu_out[i].view());
  }
  kernels::RotateParams p;
  p.expand = expand;
  kernels::cpu::ThreadPool pool(3);
  ASSERT_TRUE(kernels::cpu::rotate(pool, p, testsupport::batch_of(in), testsupport::batch_of(out),
                                   angles.data(), fill.data())
                  .is_ok());
  ASSERT_TRUE(kernels::cuda::rotate(nullptr, p, d_src.const_batch(), d_out.batch(), angles.data(),
                                    fill.data())
                  .is_ok());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  for (size_t i = 0; i < src.size(); ++i) {
    OwnedImage gpu(cpu_out[i].width, cpu_out[i].height, 1, 0, 0);
    d_out.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(cpu_out[i])) << "page " << i << " angle " << angles[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Expand, RotateParity, ::testing::Values(false, true));

TEST(RotateParityEmpty, EmptyBatchIsOk) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  EXPECT_TRUE(kernels::cuda::rotate(nullptr, {}, {}, {}, nullptr, nullptr).is_ok());
}

}  // namespace
}  // namespace pageprep
