// Gray conversion: CUDA against CPU, exact, on a var-shape batch of odd shapes.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "pageprep/kernels/gray.hpp"
#include "parity/device_batch.hpp"
#include "support/printers.hpp"

namespace pageprep {
namespace {

using kernels::PixelFormat;
using testsupport::OwnedImage;

class GrayParity : public ::testing::TestWithParam<PixelFormat> {};

TEST_P(GrayParity, VarShapeBatchMatchesCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  const PixelFormat f = GetParam();
  std::vector<OwnedImage> src, cpu_out;
  testsupport::DeviceImages d_src, d_out;
  uint64_t seed = 11;
  for (auto [w, h] : testsupport::odd_shapes()) {
    src.push_back(testsupport::random_image(w, h, seed++, kernels::bytes_per_pixel(f), 7));
    cpu_out.emplace_back(w, h, 1, 0, testsupport::kPoison);
    d_src.add(src.back(), true);
    d_out.add(cpu_out.back(), false);
  }
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> out;
  for (size_t i = 0; i < src.size(); ++i) {
    in.push_back(src[i].cview());
    out.push_back(cpu_out[i].view());
  }
  kernels::cpu::ThreadPool pool(2);
  ASSERT_TRUE(
      kernels::cpu::gray_convert(pool, f, testsupport::batch_of(in), testsupport::batch_of(out))
          .is_ok());
  ASSERT_TRUE(kernels::cuda::gray_convert(nullptr, f, d_src.const_batch(), d_out.batch()).is_ok());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  for (size_t i = 0; i < src.size(); ++i) {
    OwnedImage gpu(cpu_out[i].width, cpu_out[i].height, 1, 0, 0);
    d_out.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(cpu_out[i])) << "page " << i;
  }
}

TEST(GrayParityEmpty, EmptyBatchIsOk) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  EXPECT_TRUE(kernels::cuda::gray_convert(nullptr, PixelFormat::kRgb8, {}, {}).is_ok());
}

INSTANTIATE_TEST_SUITE_P(Formats, GrayParity,
                         ::testing::Values(PixelFormat::kGray8, PixelFormat::kGray16,
                                           PixelFormat::kRgb8, PixelFormat::kBgr8,
                                           PixelFormat::kRgba8, PixelFormat::kBgra8));

}  // namespace
}  // namespace pageprep
