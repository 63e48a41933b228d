// Spread-gutter cell ranges: CUDA against CPU, exact, on odd shapes and a
// 300-dpi two-page spread; the decision on both agrees.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <vector>

#include "pageprep/kernels/gutter.hpp"
#include "pageprep/kernels/ops/gutter_ops.hpp"
#include "parity/device_batch.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

TEST(GutterParity, CellRangesMatchCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  auto shapes = testsupport::odd_shapes();
  shapes.push_back({4960, 3508});  // an A4 spread at 300 dpi
  kernels::cpu::ThreadPool pool(2);
  uint64_t seed = 11;
  for (auto [w, h] : shapes) {
    if (w <= 0 || h <= 0) continue;
    const OwnedImage src = testsupport::random_document(w, h, seed++, 5);
    testsupport::DeviceImages d_src;
    d_src.add(src, true);
    std::vector<uint16_t> cpu;
    ASSERT_TRUE(kernels::cpu::gutter_cell_ranges(pool, src.cview(), &cpu).is_ok());
    uint16_t* d_ranges = nullptr;
    const size_t bytes = cpu.size() * sizeof(uint16_t);
    ASSERT_EQ(cudaMalloc(reinterpret_cast<void**>(&d_ranges), bytes), cudaSuccess);
    ASSERT_EQ(cudaMemset(d_ranges, 0xFA, bytes), cudaSuccess);  // poisoned
    ASSERT_TRUE(
        kernels::cuda::gutter_cell_ranges(nullptr, d_src.const_batch()[0], d_ranges).is_ok());
    std::vector<uint16_t> gpu(cpu.size());
    ASSERT_EQ(cudaMemcpy(gpu.data(), d_ranges, bytes, cudaMemcpyDeviceToHost), cudaSuccess);
    cudaFree(d_ranges);
    EXPECT_EQ(gpu, cpu) << w << "x" << h;
    const auto a = kernels::find_gutter(cpu, w, h), b = kernels::find_gutter(gpu, w, h);
    EXPECT_EQ(a.found, b.found);
    EXPECT_EQ(a.x, b.x);
    EXPECT_EQ(a.note, b.note);
  }
}

}  // namespace
}  // namespace pageprep
