// 1-bit packing: CUDA against CPU, exact, both directions, var-shape batch.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "pageprep/kernels/pack.hpp"
#include "parity/device_batch.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

TEST(PackParity, PackAndUnpackMatchCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::vector<OwnedImage> src, cpu_packed, cpu_unpacked;
  testsupport::DeviceImages d_src, d_packed, d_unpacked;
  uint64_t seed = 3;
  auto shapes = testsupport::odd_shapes();
  shapes.push_back({2481, 301});
  for (auto [w, h] : shapes) {
    src.push_back(testsupport::random_image(w, h, seed++, 1, 5));
    // Packed pages: host images of (w+7)/8 bytes per row; views get pixel widths below.
    cpu_packed.emplace_back((w + 7) / 8, h, 1, 0, testsupport::kPoison);
    cpu_unpacked.emplace_back(w, h, 1, 0, testsupport::kPoison);
    d_src.add(src.back(), true);
    d_packed.add(cpu_packed.back(), false);
    d_unpacked.add(cpu_unpacked.back(), false);
  }
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> pk, unpk, d_pk;
  std::vector<kernels::ConstGrayView> pkc, d_pkc;
  const kernels::GrayBatch dpb = d_packed.batch();
  for (size_t i = 0; i < src.size(); ++i) {
    in.push_back(src[i].cview());
    kernels::GrayView v = cpu_packed[i].view();
    v.width = src[i].width;
    pk.push_back(v);
    pkc.push_back(as_const(v));
    unpk.push_back(cpu_unpacked[i].view());
    kernels::GrayView dv = dpb[static_cast<int32_t>(i)];
    dv.width = src[i].width;
    d_pk.push_back(dv);
    d_pkc.push_back(as_const(dv));
  }
  kernels::cpu::ThreadPool pool(2);
  ASSERT_TRUE(
      kernels::cpu::pack_bits(pool, testsupport::batch_of(in), testsupport::batch_of(pk)).is_ok());
  ASSERT_TRUE(
      kernels::cpu::unpack_bits(pool, testsupport::batch_of(pkc), testsupport::batch_of(unpk))
          .is_ok());
  ASSERT_TRUE(
      kernels::cuda::pack_bits(nullptr, d_src.const_batch(), testsupport::batch_of(d_pk)).is_ok());
  ASSERT_TRUE(kernels::cuda::unpack_bits(nullptr, testsupport::batch_of(d_pkc), d_unpacked.batch())
                  .is_ok());
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  for (size_t i = 0; i < src.size(); ++i) {
    OwnedImage gp(cpu_packed[i].width, cpu_packed[i].height, 1, 0, 0);
    OwnedImage gu(cpu_unpacked[i].width, cpu_unpacked[i].height, 1, 0, 0);
    d_packed.download(static_cast<int>(i), &gp);
    d_unpacked.download(static_cast<int>(i), &gu);
    EXPECT_TRUE(gp.same_pixels(cpu_packed[i])) << "packed page " << i;
    EXPECT_TRUE(gu.same_pixels(cpu_unpacked[i])) << "unpacked page " << i;
  }
}

TEST(PackParity, EmptyBatchIsOk) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  EXPECT_TRUE(kernels::cuda::pack_bits(nullptr, {}, {}).is_ok());
  EXPECT_TRUE(kernels::cuda::unpack_bits(nullptr, {}, {}).is_ok());
}

}  // namespace
}  // namespace pageprep
