/// \file device_batch.hpp
/// \brief Test-only device copies of host images, for CPU-vs-CUDA parity tests.
///
/// Every parity test starts with PAGEPREP_REQUIRE_CUDA_DEVICE(), which skips
/// visibly (GTEST_SKIP, reported by CTest as skipped) when no device is present.
#pragma once

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/device.hpp"
#include "support/random_image.hpp"

#define PAGEPREP_REQUIRE_CUDA_DEVICE()                                                       \
  do {                                                                                       \
    if (::pageprep::kernels::cuda_device_count() == 0)                                       \
      GTEST_SKIP() << "no CUDA device: " << ::pageprep::kernels::cuda_device_description(0); \
  } while (0)

namespace pageprep::testsupport {

/// Pitched device copies of a set of host images, with a batch table of views.
class DeviceImages {
 public:
  DeviceImages() = default;
  DeviceImages(const DeviceImages&) = delete;
  DeviceImages& operator=(const DeviceImages&) = delete;
  ~DeviceImages() {
    for (auto& v : views_) cudaFree(v.data);
  }

  /// Adds a device image shaped like `host`; copies its pixels when `upload`,
  /// otherwise fills the device image with kPoison.
  void add(const OwnedImage& host, bool upload) {
    kernels::GrayView v{nullptr, host.width, host.height, 0};
    size_t pitch = 0;
    const size_t row_bytes = static_cast<size_t>(std::max(1, host.width * host.bpp));
    EXPECT_EQ(cudaMallocPitch(reinterpret_cast<void**>(&v.data), &pitch, row_bytes,
                              std::max(1, host.height)),
              cudaSuccess);
    v.pitch = static_cast<int64_t>(pitch);
    if (upload && host.width > 0 && host.height > 0) {
      EXPECT_EQ(cudaMemcpy2D(v.data, pitch, host.bytes.data(), host.pitch, row_bytes, host.height,
                             cudaMemcpyHostToDevice),
                cudaSuccess);
    } else {
      EXPECT_EQ(cudaMemset2D(v.data, pitch, kPoison, row_bytes, std::max(1, host.height)),
                cudaSuccess);
    }
    views_.push_back(v);
    const_views_.push_back({v.data, v.width, v.height, v.pitch});
  }

  /// Copies device image i back into `host` (same shape).
  void download(int i, OwnedImage* host) const {
    const auto& v = views_[i];
    if (v.width == 0 || v.height == 0) return;
    EXPECT_EQ(
        cudaMemcpy2D(host->bytes.data(), host->pitch, v.data, v.pitch,
                     static_cast<size_t>(v.width * host->bpp), v.height, cudaMemcpyDeviceToHost),
        cudaSuccess);
  }

  kernels::GrayBatch batch() const { return {views_.data(), static_cast<int32_t>(views_.size())}; }
  kernels::ConstGrayBatch const_batch() const {
    return {const_views_.data(), static_cast<int32_t>(const_views_.size())};
  }

 private:
  std::vector<kernels::GrayView> views_;
  std::vector<kernels::ConstGrayView> const_views_;
};

/// Runs a gray-to-gray operation (create(params, limits, &op); run(pool|stream,
/// in, out, page_dpi)) on both schedules over one var-shape batch and expects
/// identical pages. The created objects are returned for further checks.
template <typename CpuOp, typename GpuOp, typename Params>
void expect_gray_op_parity(const Params& p, const std::vector<OwnedImage>& src,
                           const std::vector<float>& dpi, std::unique_ptr<CpuOp>* cpu_op,
                           std::unique_ptr<GpuOp>* gpu_op) {
  kernels::BatchLimits limits;
  limits.max_batch = static_cast<int32_t>(src.size());
  ASSERT_TRUE(CpuOp::create(p, limits, cpu_op).is_ok());
  ASSERT_TRUE(GpuOp::create(p, limits, gpu_op).is_ok());
  std::vector<OwnedImage> cpu_out;
  DeviceImages d_src, d_out;
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> out;
  for (const auto& s : src) {
    cpu_out.emplace_back(s.width, s.height, 1, 0, kPoison);
    d_src.add(s, true);
    d_out.add(cpu_out.back(), false);
  }
  for (size_t i = 0; i < src.size(); ++i) {
    in.push_back(src[i].cview());
    out.push_back(cpu_out[i].view());
  }
  kernels::cpu::ThreadPool pool(2);
  ASSERT_TRUE((*cpu_op)->run(pool, batch_of(in), batch_of(out), dpi.data()).is_ok());
  const auto st = (*gpu_op)->run(nullptr, d_src.const_batch(), d_out.batch(), dpi.data());
  ASSERT_TRUE(st.is_ok()) << st.message();
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  for (size_t i = 0; i < src.size(); ++i) {
    OwnedImage gpu(src[i].width, src[i].height, 1, 0, 0);
    d_out.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(cpu_out[i]))
        << "page " << i << " (" << src[i].width << "x" << src[i].height << ")";
  }
}

}  // namespace pageprep::testsupport
