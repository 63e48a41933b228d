// Dewarp remap: CUDA against CPU, exact (both call ops::dewarp_pixel's
// integers), on odd shapes with padded pitches and random disparity grids, and
// on an A4 300-dpi page with a modelled curl; the output is poisoned first.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "pageprep/kernels/dewarp.hpp"
#include "pageprep/kernels/ops/dewarp_ops.hpp"
#include "parity/device_batch.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;
namespace ops = kernels::ops;

TEST(DewarpParity, RemapMatchesCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  auto shapes = testsupport::odd_shapes();
  shapes.push_back({2480, 3508});  // A4 at 300 dpi
  kernels::cpu::ThreadPool pool(2);
  uint64_t seed = 17;
  for (auto [w, h] : shapes) {
    if (w <= 0 || h <= 0) continue;
    for (int32_t pad : {0, 13}) {
      const OwnedImage src = testsupport::random_document(w, h, seed++, pad);
      const int32_t gw = ops::dewarp_grid_w(w), gh = ops::dewarp_grid_h(h);
      std::vector<int32_t> g(static_cast<size_t>(gw) * gh);
      std::mt19937_64 rng(seed++);
      std::uniform_int_distribution<int32_t> d(-60 * 256, 60 * 256);
      for (auto& v : g) v = d(rng);
      OwnedImage cpu(w, h, 1, pad, testsupport::kPoison);
      ASSERT_TRUE(
          kernels::cpu::dewarp(pool, src.cview(), cpu.view(), {g.data(), gw, gh, 233}).is_ok());
      testsupport::DeviceImages d_src, d_dst;
      d_src.add(src, true);
      d_dst.add(cpu, false);  // poisoned
      int32_t* d_grid = nullptr;
      const size_t bytes = g.size() * sizeof(int32_t);
      ASSERT_EQ(cudaMalloc(reinterpret_cast<void**>(&d_grid), bytes), cudaSuccess);
      ASSERT_EQ(cudaMemcpy(d_grid, g.data(), bytes, cudaMemcpyHostToDevice), cudaSuccess);
      ASSERT_TRUE(kernels::cuda::dewarp(nullptr, d_src.const_batch()[0], d_dst.batch()[0],
                                        {d_grid, gw, gh, 233})
                      .is_ok());
      ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
      OwnedImage gpu(w, h, 1, pad, 0);
      d_dst.download(0, &gpu);
      cudaFree(d_grid);
      EXPECT_TRUE(gpu.same_pixels(cpu)) << w << "x" << h << " pad " << pad;
    }
  }
}

}  // namespace
}  // namespace pageprep
