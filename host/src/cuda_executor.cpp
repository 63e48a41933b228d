// The CUDA executor: pages of a batch go to the device together and every
// operation runs once per batch (var-shape launches, blockIdx.z = page).
//
// Memory: one device arena and two pinned host staging buffers, each sized
// once at construction for the batch byte budget; a batch's page images are
// carved from them with a bump allocator that resets per batch. Nothing is
// allocated per page. A batch that does not fit is processed in chunks.
//
// Failure: any CUDA error retries the affected pages on the CPU executor, and
// the page report says so. After a sticky error (the context is unusable) all
// later batches go to the CPU.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "pageprep/host/executor.hpp"

#if defined(PAGEPREP_HAVE_CUDA)
#include <cuda_runtime_api.h>

#include "pageprep/kernels/background.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#endif

namespace pageprep::host {

#if defined(PAGEPREP_HAVE_CUDA)
namespace {

using Clock = std::chrono::steady_clock;

std::string cuda_error_text(cudaError_t e, const char* what) {
  return std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
}

constexpr int64_t kAlign = 256;  // device pitch and carve alignment
int64_t align_up(int64_t v) {
  return (v + kAlign - 1) / kAlign * kAlign;
}

/// Bump allocator over one preallocated region.
struct Arena {
  uint8_t* base = nullptr;
  int64_t size = 0;
  int64_t used = 0;
  uint8_t* take(int64_t bytes) {
    bytes = align_up(bytes);
    if (used + bytes > size) return nullptr;
    uint8_t* p = base + used;
    used += bytes;
    return p;
  }
};

class CudaExecutor final : public Executor {
 public:
  CudaExecutor(const StepConfig& steps, int device, int max_batch,
               std::unique_ptr<Executor> fallback)
      : steps_(steps), device_(device), max_batch_(max_batch), fallback_(std::move(fallback)) {}

  ~CudaExecutor() override {
    if (stream_) cudaStreamDestroy(stream_);
    if (device_arena_.base) cudaFree(device_arena_.base);
    if (pinned_.base) cudaFreeHost(pinned_.base);
  }

  std::string init() {
    cudaError_t e = cudaSetDevice(device_);
    if (e != cudaSuccess) return cuda_error_text(e, "cudaSetDevice");
    if ((e = cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking)) != cudaSuccess)
      return cuda_error_text(e, "cudaStreamCreate");
    // Four images per page at most live on the device at once (source,
    // normalized or rotated, median, binary); budget two A4-600-dpi pages'
    // worth per batch slot, at least.
    const int64_t page_bytes = int64_t{4960} * 7016;
    const int64_t region =
        std::max<int64_t>(int64_t{max_batch_} * int64_t{2480} * 3508, 2 * page_bytes);
    if ((e = cudaMalloc(reinterpret_cast<void**>(&device_arena_.base), 4 * region)) != cudaSuccess)
      return cuda_error_text(e, "cudaMalloc(arena)");
    device_arena_.size = 4 * region;
    if ((e = cudaMallocHost(reinterpret_cast<void**>(&pinned_.base), 2 * region)) != cudaSuccess)
      return cuda_error_text(e, "cudaMallocHost(staging)");
    pinned_.size = 2 * region;
    region_ = region;

    auto limits = executor_limits(std::max(1, max_batch_));
    kernels::Status st;
    if (steps_.background_norm && !(st = kernels::cuda::BackgroundNormalize::create(
                                        kernels::BackgroundParams{}, limits, &background_)))
      return st.message();
    if (steps_.deskew) {
      kernels::SkewParams sp;
      sp.max_angle_deg = steps_.max_skew_deg;
      if (steps_.skew_min_confidence >= 0) sp.min_confidence = steps_.skew_min_confidence;
      min_confidence_ = sp.min_confidence;
      if (!(st = kernels::cuda::SkewEstimator::create(sp, limits, &skew_))) return st.message();
    }
    if (steps_.binarize &&
        !(st = kernels::cuda::Binarize::create(steps_.binarize_params, limits, &binarize_)))
      return st.message();
    if (steps_.binarize && steps_.despeckle) {
      kernels::DespeckleParams dp;
      dp.max_area = steps_.despeckle_max_area;
      if (!(st = kernels::cuda::Despeckle::create(dp, limits, &despeckle_))) return st.message();
    }
    if (steps_.binarize && steps_.remove_border &&
        !(st = kernels::cuda::BorderRemove::create(kernels::BorderParams{}, limits, &border_)))
      return st.message();
    return {};
  }

  std::string name() const override { return "cuda:" + std::to_string(device_); }

  void process(std::vector<PageWork*>& batch) override {
    std::vector<PageWork*> todo;
    const auto limits = executor_limits(1);
    for (PageWork* p : batch) {
      if (!p->ok()) continue;
      if (p->decoded.gray.cols > limits.max_width || p->decoded.gray.rows > limits.max_height) {
        p->fail(PageError::kTooLarge, "page exceeds the preprocessing size limit");
        continue;
      }
      todo.push_back(p);
    }
    size_t i = 0;
    while (i < todo.size()) {
      // The largest chunk whose pages fit one arena region each.
      std::vector<PageWork*> chunk;
      int64_t bytes = 0;
      while (i < todo.size() && static_cast<int>(chunk.size()) < max_batch_) {
        const cv::Mat& g = todo[i]->decoded.gray;
        const int64_t need = align_up(g.cols) * (g.rows + 1) * (steps_.expand_canvas ? 2 : 1);
        if (!chunk.empty() && bytes + need > region_) break;
        bytes += need;
        chunk.push_back(todo[i++]);
      }
      run_chunk(chunk);
    }
  }

 private:
  static kernels::GrayView dview(uint8_t* p, int w, int h) { return {p, w, h, align_up(w)}; }

  void retry_on_cpu(std::vector<PageWork*>& pages, const std::string& why) {
    fallback_->process(pages);
    for (PageWork* p : pages) p->executor = "cpu (retry after cuda: " + why + ")";
  }

  void run_chunk(std::vector<PageWork*>& pages) {
    if (broken_.empty()) {
      const auto t0 = Clock::now();
      const std::string err = run_on_device(pages);
      if (err.empty()) {
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        for (PageWork* p : pages) {
          p->executor = name();
          p->times.preprocess_ms += ms / static_cast<double>(pages.size());
        }
        return;
      }
      // A launch or memory error: the pages go to the CPU. Errors that poison
      // the context (illegal address and the like) stick; then stop using it.
      const cudaError_t sticky = cudaDeviceSynchronize();
      if (sticky != cudaSuccess) broken_ = err;
      retry_on_cpu(pages, err);
      return;
    }
    retry_on_cpu(pages, broken_);
  }

  /// Runs the chunk on the device; returns "" or the CUDA error text.
  std::string run_on_device(std::vector<PageWork*>& pages) {
    const int n = static_cast<int>(pages.size());
    device_arena_.used = 0;
    pinned_.used = 0;
    std::vector<kernels::GrayView> src(n), cur(n), tmp(n), bin(n);
    std::vector<float> dpi(n);
    std::vector<uint8_t> fill(n);
    cudaError_t e;
    // Upload: pack each page into pinned memory at the device pitch, then one
    // async copy per page.
    for (int i = 0; i < n; ++i) {
      const cv::Mat& g = pages[i]->decoded.gray;
      dpi[i] = static_cast<float>(pages[i]->decoded.dpi_x);
      const int64_t pitch = align_up(g.cols);
      uint8_t* d = device_arena_.take(pitch * g.rows);
      uint8_t* h = pinned_.take(pitch * g.rows);
      if (!d || !h) return "batch does not fit the device arena";
      for (int y = 0; y < g.rows; ++y)
        std::memcpy(h + y * pitch, g.ptr(y), static_cast<size_t>(g.cols));
      if ((e = cudaMemcpyAsync(d, h, static_cast<size_t>(pitch * g.rows), cudaMemcpyHostToDevice,
                               stream_)) != cudaSuccess)
        return cuda_error_text(e, "upload");
      src[i] = dview(d, g.cols, g.rows);
      cur[i] = src[i];
    }
    auto batch = [n](std::vector<kernels::GrayView>& v) { return kernels::GrayBatch{v.data(), n}; };
    auto cbatch = [n](std::vector<kernels::GrayView>& v, std::vector<kernels::ConstGrayView>& c) {
      c.clear();
      for (const auto& g : v) c.push_back(kernels::as_const(g));
      return kernels::ConstGrayBatch{c.data(), n};
    };
    std::vector<kernels::ConstGrayView> cv_in;
    auto carve_like = [&](std::vector<kernels::GrayView>& out,
                          const std::vector<kernels::GrayView>& like) {
      for (int i = 0; i < n; ++i) {
        uint8_t* d = device_arena_.take(align_up(like[i].width) * like[i].height);
        if (!d) return false;
        out[i] = dview(d, like[i].width, like[i].height);
      }
      return true;
    };
    kernels::Status st;
    if (background_) {
      if (!carve_like(tmp, cur)) return "batch does not fit the device arena";
      if (!(st = background_->run(stream_, cbatch(cur, cv_in), batch(tmp), dpi.data())))
        return st.message();
      std::swap(cur, tmp);
    }
    if (skew_) {
      std::vector<kernels::SkewResult> res(n);
      if (!(st = skew_->run(stream_, cbatch(cur, cv_in), res.data(), dpi.data())))
        return st.message();
      std::vector<float> angles(n, 0.f);
      bool any = false;
      for (int i = 0; i < n; ++i) {
        pages[i]->skew_deg = res[i].angle_deg;
        pages[i]->skew_confidence = res[i].confidence;
        if (res[i].confidence < min_confidence_) {
          pages[i]->skew_note = "confidence below threshold: left unrotated";
        } else if (res[i].angle_deg != 0.f) {
          angles[i] = -res[i].angle_deg;
          pages[i]->rotated = true;
          any = true;
        }
        // Same rule as the CPU executor: the normalized paper level, or the source's.
        fill[i] = background_ ? kernels::BackgroundParams{}.target
                              : kernels::cpu::background_level(
                                    {pages[i]->decoded.gray.data, pages[i]->decoded.gray.cols,
                                     pages[i]->decoded.gray.rows,
                                     static_cast<int64_t>(pages[i]->decoded.gray.step[0])});
      }
      if (any) {
        kernels::RotateParams rp;
        rp.expand = steps_.expand_canvas;
        for (int i = 0; i < n; ++i) {
          int32_t ow = 0, oh = 0;
          kernels::rotated_size(cur[i].width, cur[i].height, angles[i], rp.expand, &ow, &oh);
          uint8_t* d = device_arena_.take(align_up(ow) * oh);
          if (!d) return "batch does not fit the device arena";
          tmp[i] = dview(d, ow, oh);
        }
        if (!(st = kernels::cuda::rotate(stream_, rp, cbatch(cur, cv_in), batch(tmp), angles.data(),
                                         fill.data())))
          return st.message();
        std::swap(cur, tmp);
      }
    }
    if (steps_.median) {
      if (!carve_like(tmp, cur)) return "batch does not fit the device arena";
      if (!(st = kernels::cuda::median3x3(stream_, cbatch(cur, cv_in), batch(tmp))))
        return st.message();
      std::swap(cur, tmp);
    }
    std::vector<int64_t> specks(n, 0), border_px(n, 0);
    if (binarize_) {
      if (!carve_like(bin, cur)) return "batch does not fit the device arena";
      if (!(st = binarize_->run(stream_, cbatch(cur, cv_in), batch(bin), dpi.data())))
        return st.message();
      if (despeckle_ && !(st = despeckle_->run(stream_, batch(bin), dpi.data(), specks.data())))
        return st.message();
      if (border_ && !(st = border_->run(stream_, batch(bin), border_px.data())))
        return st.message();
    }
    // Download gray and binary into pinned memory, one sync for the chunk.
    pinned_.used = 0;
    std::vector<uint8_t*> hgray(n), hbin(n, nullptr);
    for (int i = 0; i < n; ++i) {
      const int64_t bytes = cur[i].pitch * cur[i].height;
      hgray[i] = pinned_.take(bytes);
      if (!hgray[i]) return "batch does not fit the staging buffer";
      if ((e = cudaMemcpyAsync(hgray[i], cur[i].data, static_cast<size_t>(bytes),
                               cudaMemcpyDeviceToHost, stream_)) != cudaSuccess)
        return cuda_error_text(e, "download");
      if (binarize_) {
        hbin[i] = pinned_.take(bytes);
        if (!hbin[i]) return "batch does not fit the staging buffer";
        if ((e = cudaMemcpyAsync(hbin[i], bin[i].data, static_cast<size_t>(bytes),
                                 cudaMemcpyDeviceToHost, stream_)) != cudaSuccess)
          return cuda_error_text(e, "download");
      }
    }
    if ((e = cudaStreamSynchronize(stream_)) != cudaSuccess) return cuda_error_text(e, "batch");
    for (int i = 0; i < n; ++i) {
      PageWork& p = *pages[i];
      p.gray.create(cur[i].height, cur[i].width, CV_8UC1);
      for (int y = 0; y < cur[i].height; ++y)
        std::memcpy(p.gray.ptr(y), hgray[i] + y * cur[i].pitch, static_cast<size_t>(cur[i].width));
      if (hbin[i]) {
        p.binary.create(cur[i].height, cur[i].width, CV_8UC1);
        for (int y = 0; y < cur[i].height; ++y)
          std::memcpy(p.binary.ptr(y), hbin[i] + y * cur[i].pitch,
                      static_cast<size_t>(cur[i].width));
      }
      p.specks_removed = specks[i];
      p.border_pixels_removed = border_px[i];
    }
    return {};
  }

  StepConfig steps_;
  int device_;
  int max_batch_;
  std::unique_ptr<Executor> fallback_;
  cudaStream_t stream_ = nullptr;
  Arena device_arena_, pinned_;
  int64_t region_ = 0;
  float min_confidence_ = 0;
  std::string broken_;
  std::unique_ptr<kernels::cuda::BackgroundNormalize> background_;
  std::unique_ptr<kernels::cuda::SkewEstimator> skew_;
  std::unique_ptr<kernels::cuda::Binarize> binarize_;
  std::unique_ptr<kernels::cuda::Despeckle> despeckle_;
  std::unique_ptr<kernels::cuda::BorderRemove> border_;
};

}  // namespace

std::unique_ptr<Executor> make_cuda_executor(const StepConfig& steps, int device, int max_batch,
                                             std::unique_ptr<Executor> fallback,
                                             std::string* error) {
  auto ex = std::make_unique<CudaExecutor>(steps, device, max_batch, std::move(fallback));
  const std::string err = ex->init();
  if (!err.empty()) {
    *error = "cannot set up the CUDA executor: " + err;
    return nullptr;
  }
  return ex;
}

#else

std::unique_ptr<Executor> make_cuda_executor(const StepConfig&, int, int, std::unique_ptr<Executor>,
                                             std::string* error) {
  *error = "this pageprep was built without CUDA (PAGEPREP_CUDA=OFF or no nvcc at build time)";
  return nullptr;
}

#endif

}  // namespace pageprep::host
