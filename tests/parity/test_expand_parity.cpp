// Bilevel input expansion: CUDA against CPU, exact, both polarities,
// var-shape batch with padded packed pitches.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "pageprep/kernels/expand.hpp"
#include "parity/device_batch.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

TEST(ExpandParity, MatchesCpuExactlyInBothPolarities) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  for (bool one_is_ink : {true, false}) {
    std::vector<OwnedImage> packed, cpu_out;
    testsupport::DeviceImages d_packed, d_out;
    uint64_t seed = 11;
    auto shapes = testsupport::odd_shapes();
    shapes.push_back({2481, 301});
    for (auto [w, h] : shapes) {
      // Packed pages as host images of (w+7)/8 random bytes per row (+ padding).
      packed.push_back(testsupport::random_image((w + 7) / 8, h, seed++, 1, 3));
      cpu_out.emplace_back(w, h, 1, 0, testsupport::kPoison);
      d_packed.add(packed.back(), true);
      d_out.add(cpu_out.back(), false);
    }
    std::vector<kernels::ConstGrayView> pk, d_pk;
    std::vector<kernels::GrayView> out;
    const kernels::ConstGrayBatch dpb = d_packed.const_batch();
    for (size_t i = 0; i < packed.size(); ++i) {
      kernels::ConstGrayView v = packed[i].cview();
      v.width = cpu_out[i].width;
      pk.push_back(v);
      kernels::ConstGrayView dv = dpb[static_cast<int32_t>(i)];
      dv.width = cpu_out[i].width;
      d_pk.push_back(dv);
      out.push_back(cpu_out[i].view());
    }
    kernels::cpu::ThreadPool pool(2);
    ASSERT_TRUE(kernels::cpu::expand_bits(pool, {one_is_ink}, testsupport::batch_of(pk),
                                          testsupport::batch_of(out))
                    .is_ok());
    ASSERT_TRUE(kernels::cuda::expand_bits(nullptr, {one_is_ink}, testsupport::batch_of(d_pk),
                                           d_out.batch())
                    .is_ok());
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    for (size_t i = 0; i < packed.size(); ++i) {
      OwnedImage got(cpu_out[i].width, cpu_out[i].height, 1, 0, 0);
      d_out.download(static_cast<int>(i), &got);
      EXPECT_TRUE(got.same_pixels(cpu_out[i])) << "page " << i << " one_is_ink " << one_is_ink;
    }
  }
}

TEST(ExpandParity, EmptyBatchIsOk) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  EXPECT_TRUE(kernels::cuda::expand_bits(nullptr, {}, {}, {}).is_ok());
}

}  // namespace
}  // namespace pageprep
