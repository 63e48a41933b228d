// Skew estimation: CUDA against CPU, bit-exact SkewResult, on a var-shape
// batch (generated pages, a half-size page, a blank page, odd shapes and an
// empty page) that also exceeds max_batch, so the chunked path runs.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>

#include "pageprep/kernels/deskew.hpp"
#include "parity/device_batch.hpp"
#include "support/page_generator.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

OwnedImage owned_from(const cv::Mat& m, int32_t pad) {
  OwnedImage img(m.cols, m.rows, 1, pad, testsupport::kPoison);
  for (int32_t y = 0; y < m.rows; ++y) std::memcpy(&img.at(0, y), m.ptr<uint8_t>(y), m.cols);
  return img;
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

void expect_parity(const kernels::SkewParams& params, const std::vector<OwnedImage>& pages,
                   const std::vector<float>* dpi) {
  kernels::BatchLimits limits;
  limits.max_batch = 3;
  std::unique_ptr<kernels::cpu::SkewEstimator> cpu;
  std::unique_ptr<kernels::cuda::SkewEstimator> gpu;
  ASSERT_TRUE(kernels::cpu::SkewEstimator::create(params, limits, &cpu).is_ok());
  const auto st = kernels::cuda::SkewEstimator::create(params, limits, &gpu);
  ASSERT_TRUE(st.is_ok()) << st.message();
  testsupport::DeviceImages dev;
  std::vector<kernels::ConstGrayView> in;
  for (const auto& p : pages) {
    dev.add(p, true);
    in.push_back(p.cview());
  }
  std::vector<kernels::SkewResult> rc(pages.size()), rg(pages.size());
  for (auto& r : rg) r.angle_deg = 999.f;  // poison
  kernels::cpu::ThreadPool pool(3);
  const float* d = dpi ? dpi->data() : nullptr;
  ASSERT_TRUE(cpu->run(pool, testsupport::batch_of(in), rc.data(), d).is_ok());
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  const auto sg = gpu->run(stream, dev.const_batch(), rg.data(), d);
  ASSERT_TRUE(sg.is_ok()) << sg.message();
  for (size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(bits(rc[i].angle_deg), bits(rg[i].angle_deg))
        << "page " << i << ": cpu " << rc[i].angle_deg << " gpu " << rg[i].angle_deg;
    EXPECT_EQ(bits(rc[i].confidence), bits(rg[i].confidence)) << "page " << i;
    EXPECT_EQ(rc[i].confident, rg[i].confident) << "page " << i;
    EXPECT_LE(std::abs(rg[i].angle_deg), params.max_angle_deg) << "page " << i;
  }
  // Running again on the same object gives the same answers (workspace reuse).
  std::vector<kernels::SkewResult> again(pages.size());
  ASSERT_TRUE(gpu->run(stream, dev.const_batch(), again.data(), d).is_ok());
  for (size_t i = 0; i < pages.size(); ++i)
    EXPECT_EQ(bits(again[i].angle_deg), bits(rg[i].angle_deg)) << "page " << i;
  cudaStreamDestroy(stream);
}

std::vector<OwnedImage> mixed_pages() {
  std::vector<OwnedImage> pages;
  testsupport::PageSpec spec;
  spec.layout = testsupport::Layout::kTwoColumn;
  testsupport::Degradation deg;
  deg.skew_deg = 4.3;
  deg.noise_sigma = 6;
  deg.speck_density = 100;
  deg.dark_border_px = 60;
  testsupport::GeneratedPage page;
  EXPECT_TRUE(testsupport::generate_page(spec, deg, &page, nullptr));
  pages.push_back(owned_from(page.degraded, 13));
  spec.layout = testsupport::Layout::kFigure;
  spec.seed = 9;
  deg.skew_deg = -11.2;
  deg.dark_border_px = 0;
  EXPECT_TRUE(testsupport::generate_page(spec, deg, &page, nullptr));
  cv::Mat half;
  cv::resize(page.degraded, half, cv::Size(page.degraded.cols / 2, page.degraded.rows / 2), 0, 0,
             cv::INTER_AREA);
  pages.push_back(owned_from(half, 0));
  pages.emplace_back(900, 1300, 1, 7, 235);  // blank
  uint64_t seed = 3;
  for (auto [w, h] : testsupport::odd_shapes())
    pages.push_back(testsupport::random_document(w, h, seed++, 5));
  pages.emplace_back(0, 0, 1, 0, 0);  // empty
  return pages;
}

TEST(SkewParity, VarShapeBatchMatchesCpuBitExactly) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  expect_parity({}, mixed_pages(), nullptr);
}

TEST(SkewParity, WideRangeFinePrecisionAndDpi) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  kernels::SkewParams p;
  p.max_angle_deg = 45;
  p.precision_deg = 0.01f;
  const auto pages = mixed_pages();
  std::vector<float> dpi(pages.size(), 0.f);
  dpi[0] = 300.f;
  dpi[1] = 150.f;
  expect_parity(p, pages, &dpi);
}

// Review item 1: at max 45 a blank page used to be searched on the GPU (the
// CPU returns early), its flat profile picked the range edge and the
// refinement went past 45 deg, where the segment starts overflowed shared
// memory sized for the widest page. The blank page is the widest here, with
// a page of too little ink and pages skewed near the range edge.
TEST(SkewParity, MaxRangeWithBlankPageWidestInBatch) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  kernels::SkewParams p;
  p.max_angle_deg = 45;
  std::vector<OwnedImage> pages;
  pages.emplace_back(3400, 4800, 1, 0, 240);  // blank, widest
  testsupport::PageSpec spec;
  testsupport::Degradation deg;
  testsupport::GeneratedPage page;
  for (double skew : {44.8, -44.9, -30.0}) {
    deg.skew_deg = skew;
    ASSERT_TRUE(testsupport::generate_page(spec, deg, &page, nullptr));
    pages.push_back(owned_from(page.degraded, 3));
  }
  OwnedImage sparse(2000, 2800, 1, 0, 240);  // a few marks: fewer kept cells than the minimum
  for (int32_t y = 1000; y < 1004; ++y)
    for (int32_t x = 500; x < 540; ++x) sparse.at(x, y) = 10;
  pages.push_back(std::move(sparse));
  expect_parity(p, pages, nullptr);
}

TEST(SkewParity, EmptyBatchIsOk) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  std::unique_ptr<kernels::cuda::SkewEstimator> gpu;
  ASSERT_TRUE(kernels::cuda::SkewEstimator::create({}, {}, &gpu).is_ok());
  EXPECT_TRUE(gpu->run(nullptr, {}, nullptr).is_ok());
}

}  // namespace
}  // namespace pageprep
