// Page-box cell sums: CUDA against CPU, exact, on odd shapes and a page on a bed.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <vector>

#include "pageprep/kernels/ops/page_box_ops.hpp"
#include "pageprep/kernels/page_box.hpp"
#include "parity/device_batch.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

TEST(PageBoxParity, CellSumsMatchCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  auto shapes = testsupport::odd_shapes();
  shapes.push_back({2480, 3508});
  kernels::cpu::ThreadPool pool(2);
  uint64_t seed = 5;
  for (auto [w, h] : shapes) {
    if (w <= 0 || h <= 0) continue;
    const OwnedImage src = testsupport::random_document(w, h, seed++, 5);
    testsupport::DeviceImages d_src;
    d_src.add(src, true);
    std::vector<uint32_t> cpu;
    ASSERT_TRUE(kernels::cpu::page_cell_sums(pool, src.cview(), &cpu).is_ok());
    uint32_t* d_sums = nullptr;
    const size_t bytes = cpu.size() * sizeof(uint32_t);
    ASSERT_EQ(cudaMalloc(reinterpret_cast<void**>(&d_sums), bytes), cudaSuccess);
    ASSERT_EQ(cudaMemset(d_sums, 0xA5, bytes), cudaSuccess);  // poisoned
    ASSERT_TRUE(kernels::cuda::page_cell_sums(nullptr, d_src.const_batch()[0], d_sums).is_ok());
    std::vector<uint32_t> gpu(cpu.size());
    ASSERT_EQ(cudaMemcpy(gpu.data(), d_sums, bytes, cudaMemcpyDeviceToHost), cudaSuccess);
    cudaFree(d_sums);
    EXPECT_EQ(gpu, cpu) << w << "x" << h;
    const auto a = kernels::find_page_box(cpu, w, h), b = kernels::find_page_box(gpu, w, h);
    EXPECT_EQ(a.found, b.found);
    EXPECT_EQ(a.x, b.x);
    EXPECT_EQ(a.width, b.width);
  }
}

}  // namespace
}  // namespace pageprep
