/// \file device_pages.hpp
/// \brief Pitched device copies of host pages for the kernels-only check
/// (the GTest-free twin of tests/parity/device_batch.hpp). Errors are kept,
/// never thrown: ok() says whether every CUDA call succeeded.
#pragma once

#include <cuda_runtime_api.h>

#include <algorithm>
#include <string>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pages.hpp"

namespace pageprep::kcheck {

/// Output pages start as this byte, so a pixel a schedule forgets shows.
constexpr uint8_t kPoison = 0xA5;

class DevicePages {
 public:
  DevicePages() = default;
  DevicePages(const DevicePages&) = delete;
  DevicePages& operator=(const DevicePages&) = delete;
  ~DevicePages() {
    for (auto& v : views_) cudaFree(v.data);
  }

  /// A device page shaped like `host`: its pixels when `upload`, else kPoison.
  void add(const HostPage& host, bool upload) {
    kernels::GrayView v{nullptr, host.width, host.height, 0};
    size_t pitch = 0;
    const size_t row_bytes = static_cast<size_t>(std::max(1, host.width * host.bpp));
    const size_t rows = static_cast<size_t>(std::max(1, host.height));
    check(cudaMallocPitch(reinterpret_cast<void**>(&v.data), &pitch, row_bytes, rows), "malloc");
    v.pitch = static_cast<int64_t>(pitch);
    if (upload && host.width > 0 && host.height > 0) {
      check(cudaMemcpy2D(v.data, pitch, host.bytes.data(), static_cast<size_t>(host.pitch),
                         row_bytes, rows, cudaMemcpyHostToDevice),
            "upload");
    } else {
      check(cudaMemset2D(v.data, pitch, kPoison, row_bytes, rows), "poison");
    }
    views_.push_back(v);
    const_views_.push_back({v.data, v.width, v.height, v.pitch});
    bpp_.push_back(host.bpp);
  }

  /// Device page i into a new host page.
  HostPage download(size_t i) {
    const auto& v = views_[i];
    HostPage h(v.width, v.height, bpp_[i], 0);
    if (v.width > 0 && v.height > 0)
      check(cudaMemcpy2D(h.bytes.data(), static_cast<size_t>(h.pitch), v.data,
                         static_cast<size_t>(v.pitch), static_cast<size_t>(v.width * bpp_[i]),
                         static_cast<size_t>(v.height), cudaMemcpyDeviceToHost),
            "download");
    return h;
  }

  kernels::GrayBatch batch() const { return {views_.data(), static_cast<int32_t>(views_.size())}; }
  kernels::ConstGrayBatch const_batch() const {
    return {const_views_.data(), static_cast<int32_t>(const_views_.size())};
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess && error_.empty())
      error_ = std::string(what) + ": " + cudaGetErrorString(e);
  }
  std::vector<kernels::GrayView> views_;
  std::vector<kernels::ConstGrayView> const_views_;
  std::vector<int32_t> bpp_;
  std::string error_;
};

template <typename T>
kernels::BatchView<T> batch_of(const std::vector<kernels::ImageView<T>>& v) {
  return {v.data(), static_cast<int32_t>(v.size())};
}

}  // namespace pageprep::kcheck
