// Picture-zone cell sums: CUDA against CPU, exact, on odd shapes, several
// resolutions and a generated figure page; the zones decided from either agree.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "pageprep/kernels/ops/picture_zone_ops.hpp"
#include "pageprep/kernels/picture_zones.hpp"
#include "parity/device_batch.hpp"
#include "support/page_generator.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

void expect_same_cells(const OwnedImage& src, float dpi, kernels::cpu::ThreadPool& pool) {
  testsupport::DeviceImages d_src;
  d_src.add(src, true);
  std::vector<kernels::ops::ZoneCell> cpu;
  ASSERT_TRUE(kernels::cpu::picture_zone_cells(pool, src.cview(), dpi, &cpu).is_ok());
  kernels::ops::ZoneCell* d_cells = nullptr;
  const size_t bytes = cpu.size() * sizeof(kernels::ops::ZoneCell);
  ASSERT_EQ(cudaMalloc(reinterpret_cast<void**>(&d_cells), bytes), cudaSuccess);
  ASSERT_EQ(cudaMemset(d_cells, 0xFA, bytes), cudaSuccess);  // poisoned
  ASSERT_TRUE(
      kernels::cuda::picture_zone_cells(nullptr, d_src.const_batch()[0], dpi, d_cells).is_ok());
  std::vector<kernels::ops::ZoneCell> gpu(cpu.size());
  ASSERT_EQ(cudaMemcpy(gpu.data(), d_cells, bytes, cudaMemcpyDeviceToHost), cudaSuccess);
  cudaFree(d_cells);
  for (size_t i = 0; i < cpu.size(); ++i) {
    ASSERT_EQ(gpu[i].sum, cpu[i].sum) << src.width << "x" << src.height << " cell " << i;
    ASSERT_EQ(gpu[i].sum_sq, cpu[i].sum_sq);
    ASSERT_EQ(gpu[i].min, cpu[i].min);
  }
  const auto a = kernels::find_picture_zones(cpu, src.cview(), dpi);
  const auto b = kernels::find_picture_zones(gpu, src.cview(), dpi);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].x, b[i].x);
    EXPECT_EQ(a[i].y, b[i].y);
    EXPECT_EQ(a[i].width, b[i].width);
    EXPECT_EQ(a[i].height, b[i].height);
  }
}

TEST(PictureZonesParity, CellsMatchCpuExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  kernels::cpu::ThreadPool pool(2);
  uint64_t seed = 7;
  for (auto [w, h] : testsupport::odd_shapes()) {
    if (w <= 0 || h <= 0) continue;
    for (float dpi : {50.0f, 300.0f, 1200.0f})
      expect_same_cells(testsupport::random_document(w, h, seed++, 5), dpi, pool);
  }
}

TEST(PictureZonesParity, FigurePageGivesTheSameZones) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  testsupport::PageSpec spec;
  spec.seed = 3;
  spec.layout = testsupport::Layout::kFigure;
  testsupport::Degradation deg;
  deg.noise_sigma = 5;
  testsupport::GeneratedPage p;
  std::string err;
  ASSERT_TRUE(testsupport::generate_page(spec, deg, &p, &err)) << err;
  OwnedImage img(p.degraded.cols, p.degraded.rows, 1, 3);
  for (int y = 0; y < img.height; ++y)
    std::memcpy(img.view().row(y), p.degraded.ptr<uint8_t>(y), static_cast<size_t>(img.width));
  kernels::cpu::ThreadPool pool(2);
  expect_same_cells(img, 300.0f, pool);
  std::vector<kernels::PictureZone> zones;
  ASSERT_TRUE(kernels::cpu::find_picture_zones(pool, img.cview(), 300.0f, &zones).is_ok());
  EXPECT_EQ(zones.size(), 1u);  // the parity above is not over an empty answer
}

}  // namespace
}  // namespace pageprep
