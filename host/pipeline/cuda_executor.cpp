// The CUDA executor: pages of a batch go to the device together and every
// operation runs once per slot (var-shape launches, blockIdx.z = page).
//
// ## Two slots, overlapped
//
// The executor owns two slots. Each slot has its own cudaStream_t, its own
// part of the device arena and of the pinned staging buffer, and its own
// operation objects (BackgroundNormalize, SkewEstimator, Binarize, Despeckle,
// BorderRemove): an object's workspace is never used by two streams at once.
// process() splits the batch into chunks and each chunk into two halves by
// bytes (plan_cuda_batch(), cuda_batch_plan.hpp), then enqueues the stages
// interleaved, slot A then slot B:
//
//   host | pack A | pack B | fills | wait skew A | wait skew B | enqueue | out A | out B
//   copy | [up A] [up B ........]                             ...   [down A][down B]
//   A    |        [bg A][skew A ..]       [rot A][med/bin/speck/border A]
//   B    |               [bg B ...][skew B ..]   [rot B][med/bin/speck/border B]
//
// - the host packs B's pages while A's upload runs, and B's upload (copy
//   engine) overlaps A's background and skew kernels;
// - the host computes the rotation fill levels while the uploads and the
//   background kernels run;
// - SkewEstimator::run() waits for its own stream once (deskew.hpp), so the
//   host waits for skew A and then skew B; B's stream is never blocked by A;
// - A's rotate/median/binarize/despeckle/border kernels overlap B's, A's
//   download overlaps B's last kernels, and the host copies A out of pinned
//   memory while B's download runs.
// The only host waits are the two skew syncs (one per slot, inside the
// operation) and one cudaStreamSynchronize per slot at the end of the chunk,
// plus Despeckle/BorderRemove's bounded back-pressure (denoise.hpp), which
// never engages with one run per object per chunk. Nothing is allocated in
// process() beyond small host vectors (the per-slot ones are reserved at
// init()). Overlap is between the two halves of a chunk: process() returns
// only when its batch is done, so consecutive batches do not overlap.
//
// ## Memory (sized once, at construction)
//
// region = max(ceil(max_batch / 2) x bytes(A4 at 300 dpi), bytes(largest page
// of executor_limits())), bytes() = cuda_page_bytes() (256-byte pitch, one
// spare row, x2 when the canvas expands). Each slot holds:
// - device: two halves of `region` bytes. Images ping-pong between them
//   (source -> background -> rotated -> median), each step writing into the
//   half the previous step does not read, reset before it is reused; the
//   binary image goes into the half the final gray does not occupy. Stream
//   order makes the reuse safe.
// - pinned host: 2 x region, the upload staging, reused for the download of
//   gray and binary after the upload completed in stream order.
// For max_batch 16 without expansion: region = 75.7 MB (the 7200x10200 limit
// page), 303 MB of device memory and 303 MB of pinned memory in all, plus the
// operations' workspaces, created per slot for ceil(max_batch / 2) pages.
// The largest are Despeckle's and BorderRemove's labels, min(pages, 4)
// resident pages x 7200 x 10200 x int32 = 1.18 GB per object, so two slots
// hold about 4.7 GB of labels where one stream held 2.35 GB.
//
// ## Failure
//
// Any CUDA error (or a stage that does not fit) retries the whole chunk on
// the CPU executor, and the page report says so. After an error the device
// is synchronized; if that fails the error is sticky (the context is
// unusable) and all later batches go to the CPU. A page whose staging need
// exceeds one region (possible only with canvas expansion beyond the limits)
// goes to the CPU as well. Pages beyond executor_limits() fail with too_large.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "pipeline/cuda_batch_plan.hpp"
#include "pipeline/executor.hpp"

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

constexpr int kSlots = 2;
const char* const kNoFit = "chunk does not fit the device arena";

/// Bump allocator over one preallocated region; reset() frees everything.
struct Arena {
  uint8_t* base = nullptr;
  int64_t size = 0;
  int64_t used = 0;
  void reset() { used = 0; }
  uint8_t* take(int64_t bytes) {
    bytes = cuda_pitch(bytes);  // keeps every carve 256-byte aligned
    if (used + bytes > size) return nullptr;
    uint8_t* p = base + used;
    used += bytes;
    return p;
  }
};

kernels::GrayView dview(uint8_t* p, int32_t w, int32_t h) {
  return {p, w, h, cuda_pitch(w)};
}

/// One stream's share of the executor (see the file comment). The per-chunk
/// vectors are reserved at init() for pages_per_slot pages, so resizing them
/// in process() does not allocate.
struct Slot {
  cudaStream_t stream = nullptr;
  Arena half[2];  ///< device ping-pong halves
  Arena staging;  ///< pinned host memory
  int cur_half = 0;
  std::unique_ptr<kernels::cuda::BackgroundNormalize> background;
  std::unique_ptr<kernels::cuda::SkewEstimator> skew;
  std::unique_ptr<kernels::cuda::Binarize> binarize;
  std::unique_ptr<kernels::cuda::Despeckle> despeckle;
  std::unique_ptr<kernels::cuda::BorderRemove> border;

  std::vector<PageWork*> pages;
  std::vector<kernels::GrayView> cur, tmp, bin;
  std::vector<kernels::ConstGrayView> cin;
  std::vector<float> dpi, angles;
  std::vector<uint8_t> fill;
  std::vector<kernels::SkewResult> skew_res;
  std::vector<uint8_t*> hgray, hbin;
  bool any_rotation = false;
  /// Written by Despeckle/BorderRemove's host callbacks when the stream gets
  /// there; never reallocated after init(), so a callback still pending after
  /// a failed chunk writes into live memory.
  std::vector<int64_t> specks, border_px;

  int32_t n() const { return static_cast<int32_t>(pages.size()); }
  kernels::GrayBatch batch(std::vector<kernels::GrayView>& v) const { return {v.data(), n()}; }
  kernels::ConstGrayBatch cbatch(const std::vector<kernels::GrayView>& v) {
    cin.clear();
    for (int32_t i = 0; i < n(); ++i) cin.push_back(kernels::as_const(v[static_cast<size_t>(i)]));
    return {cin.data(), n()};
  }
  /// Resets the half the current images are not in, for the next step's output.
  Arena& other_half() {
    Arena& a = half[1 - cur_half];
    a.reset();
    return a;
  }
  bool carve_like(Arena& a, std::vector<kernels::GrayView>& out,
                  const std::vector<kernels::GrayView>& like) {
    for (int32_t i = 0; i < n(); ++i) {
      const auto& l = like[static_cast<size_t>(i)];
      uint8_t* d = a.take(cuda_pitch(l.width) * l.height);
      if (!d) return false;
      out[static_cast<size_t>(i)] = dview(d, l.width, l.height);
    }
    return true;
  }
};

class CudaExecutor final : public Executor {
 public:
  CudaExecutor(const StepConfig& steps, int device, int max_batch,
               std::unique_ptr<Executor> fallback)
      : steps_(steps),
        device_(device),
        pages_per_slot_(std::max(1, (max_batch + 1) / 2)),
        fallback_(std::move(fallback)) {}

  ~CudaExecutor() override {
    for (Slot& s : slots_) {  // the operations first: they may refer to the streams
      s.background.reset();
      s.skew.reset();
      s.binarize.reset();
      s.despeckle.reset();
      s.border.reset();
      if (s.stream) cudaStreamDestroy(s.stream);
    }
    if (device_base_) cudaFree(device_base_);
    if (pinned_base_) cudaFreeHost(pinned_base_);
  }

  std::string init() {
    cudaError_t e = cudaSetDevice(device_);
    if (e != cudaSuccess) return cuda_error_text(e, "cudaSetDevice");
    const bool expand = steps_.expand_canvas;
    const kernels::BatchLimits page_limits = executor_limits(1);
    region_ = std::max(int64_t{pages_per_slot_} * cuda_page_bytes(2480, 3508, expand),
                       cuda_page_bytes(page_limits.max_width, page_limits.max_height, expand));
    const int64_t per_slot = 2 * region_;  // two device halves; 2 x region of pinned staging
    if ((e = cudaMalloc(reinterpret_cast<void**>(&device_base_),
                        static_cast<size_t>(kSlots * per_slot))) != cudaSuccess)
      return cuda_error_text(e, "cudaMalloc(arena)");
    if ((e = cudaMallocHost(reinterpret_cast<void**>(&pinned_base_),
                            static_cast<size_t>(kSlots * per_slot))) != cudaSuccess)
      return cuda_error_text(e, "cudaMallocHost(staging)");

    const auto limits = executor_limits(pages_per_slot_);
    const size_t cap = static_cast<size_t>(pages_per_slot_);
    for (int k = 0; k < kSlots; ++k) {
      Slot& s = slots_[k];
      if ((e = cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking)) != cudaSuccess)
        return cuda_error_text(e, "cudaStreamCreate");
      for (int h = 0; h < 2; ++h)
        s.half[h] = Arena{device_base_ + k * per_slot + h * region_, region_, 0};
      s.staging = Arena{pinned_base_ + k * per_slot, per_slot, 0};
      const std::string err = create_ops(limits, &s);
      if (!err.empty()) return err;
      s.pages.reserve(cap);
      for (auto* v : {&s.cur, &s.tmp, &s.bin}) v->reserve(cap);
      s.cin.reserve(cap);
      s.dpi.reserve(cap);
      s.angles.reserve(cap);
      s.fill.reserve(cap);
      s.skew_res.reserve(cap);
      s.hgray.reserve(cap);
      s.hbin.reserve(cap);
      s.specks.assign(cap, 0);
      s.border_px.assign(cap, 0);
    }
    return {};
  }

  std::string name() const override { return "cuda:" + std::to_string(device_); }

  void process(std::vector<PageWork*>& batch) override {
    std::vector<PageWork*> todo;
    std::vector<int64_t> need;
    const auto limits = executor_limits(1);
    for (PageWork* p : batch) {
      if (!p->ok()) continue;
      const cv::Mat& g = p->decoded.gray;
      if (g.cols > limits.max_width || g.rows > limits.max_height) {
        p->fail(PageError::kTooLarge, "page exceeds the preprocessing size limit");
        continue;
      }
      todo.push_back(p);
      need.push_back(cuda_page_bytes(g.cols, g.rows, steps_.expand_canvas));
    }
    const CudaBatchPlan plan = plan_cuda_batch(need, region_, pages_per_slot_);
    std::vector<PageWork*> chunk;
    for (const CudaChunkPlan& c : plan.chunks) {
      chunk.clear();
      for (int k = 0; k < kSlots; ++k) {
        Slot& s = slots_[k];
        s.pages.clear();
        for (int32_t idx : c.slot[k].pages) {
          s.pages.push_back(todo[static_cast<size_t>(idx)]);
          chunk.push_back(todo[static_cast<size_t>(idx)]);
        }
      }
      run_chunk(chunk);
    }
    if (!plan.oversize.empty()) {
      chunk.clear();
      for (int32_t idx : plan.oversize) chunk.push_back(todo[static_cast<size_t>(idx)]);
      retry_on_cpu(chunk, "page larger than the device staging region");
    }
  }

 private:
  std::string create_ops(const kernels::BatchLimits& limits, Slot* s) {
    kernels::Status st;
    if (steps_.background_norm && !(st = kernels::cuda::BackgroundNormalize::create(
                                        kernels::BackgroundParams{}, limits, &s->background)))
      return st.message();
    if (steps_.deskew) {
      const kernels::SkewParams sp = skew_params(steps_);
      min_confidence_ = sp.min_confidence;
      if (!(st = kernels::cuda::SkewEstimator::create(sp, limits, &s->skew))) return st.message();
    }
    if (steps_.binarize &&
        !(st = kernels::cuda::Binarize::create(steps_.binarize_params, limits, &s->binarize)))
      return st.message();
    if (steps_.binarize && steps_.despeckle &&
        !(st = kernels::cuda::Despeckle::create(despeckle_params(steps_), limits, &s->despeckle)))
      return st.message();
    if (steps_.binarize && steps_.remove_border &&
        !(st = kernels::cuda::BorderRemove::create(kernels::BorderParams{}, limits, &s->border)))
      return st.message();
    return {};
  }

  void retry_on_cpu(std::vector<PageWork*>& pages, const std::string& why) {
    fallback_->process(pages);
    for (PageWork* p : pages) p->executor = "cpu (retry after cuda: " + why + ")";
  }

  void run_chunk(std::vector<PageWork*>& pages) {
    if (broken_.empty()) {
      const auto t0 = Clock::now();
      const std::string err = run_on_device();
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
      // The sync also drains both slots' streams (and their host callbacks)
      // before the CPU overwrites the pages.
      const cudaError_t sticky = cudaDeviceSynchronize();
      if (sticky != cudaSuccess) broken_ = err;
      for (PageWork* p : pages) {  // forget what the device path already reported
        p->skew_deg = 0;
        p->skew_confidence = 0;
        p->skew_text_lines = 0;
        p->rotated = false;
        p->skew_note.clear();
        p->specks_removed = 0;
        p->border_pixels_removed = 0;
      }
      retry_on_cpu(pages, err);
      return;
    }
    retry_on_cpu(pages, broken_);
  }

  /// Runs each stage for slot A then slot B (file comment); "" or the error.
  std::string run_on_device() {
    cudaError_t e = cudaSetDevice(device_);  // process() may run on another thread than init()
    if (e != cudaSuccess) return cuda_error_text(e, "cudaSetDevice");
    using Stage = std::string (CudaExecutor::*)(Slot&);
    const Stage stages[] = {&CudaExecutor::upload,      &CudaExecutor::background,
                            &CudaExecutor::fill_levels, &CudaExecutor::estimate_skew,
                            &CudaExecutor::rotate,      &CudaExecutor::clean,
                            &CudaExecutor::download,    &CudaExecutor::collect};
    for (Stage stage : stages) {
      for (Slot& s : slots_) {
        if (s.pages.empty()) continue;
        std::string err = (this->*stage)(s);
        if (!err.empty()) return err;
      }
    }
    return {};
  }

  // Upload: pack each page into pinned memory at the device pitch, then one
  // async copy per page, so the copy of a page overlaps packing the next.
  std::string upload(Slot& s) {
    const size_t n = s.pages.size();
    for (auto* v : {&s.cur, &s.tmp, &s.bin}) v->assign(n, kernels::GrayView{});
    s.dpi.resize(n);
    s.angles.assign(n, 0.f);
    s.fill.assign(n, 0);
    s.skew_res.assign(n, kernels::SkewResult{});
    s.hgray.assign(n, nullptr);
    s.hbin.assign(n, nullptr);
    std::fill(s.specks.begin(), s.specks.end(), 0);
    std::fill(s.border_px.begin(), s.border_px.end(), 0);
    s.any_rotation = false;
    s.cur_half = 0;
    s.half[0].reset();
    s.staging.reset();
    for (size_t i = 0; i < n; ++i) {
      const cv::Mat& g = s.pages[i]->decoded.gray;
      s.dpi[i] = static_cast<float>(s.pages[i]->decoded.dpi_x);
      const int64_t pitch = cuda_pitch(g.cols);
      const int64_t bytes = pitch * g.rows;
      uint8_t* d = s.half[0].take(bytes);
      uint8_t* h = s.staging.take(bytes);
      if (!d || !h) return kNoFit;
      for (int y = 0; y < g.rows; ++y)
        std::memcpy(h + y * pitch, g.ptr(y), static_cast<size_t>(g.cols));
      const cudaError_t e =
          cudaMemcpyAsync(d, h, static_cast<size_t>(bytes), cudaMemcpyHostToDevice, s.stream);
      if (e != cudaSuccess) return cuda_error_text(e, "upload");
      s.cur[i] = dview(d, g.cols, g.rows);
    }
    return {};
  }

  std::string background(Slot& s) {
    if (!s.background) return {};
    if (!s.carve_like(s.other_half(), s.tmp, s.cur)) return kNoFit;
    const kernels::Status st =
        s.background->run(s.stream, s.cbatch(s.cur), s.batch(s.tmp), s.dpi.data());
    if (!st) return st.message();
    std::swap(s.cur, s.tmp);
    s.cur_half = 1 - s.cur_half;
    return {};
  }

  // Host work while the uploads and background kernels run. Same rule as the
  // Same rule as the CPU executor (rotation_fill).
  std::string fill_levels(Slot& s) {
    if (!s.skew) return {};
    for (int32_t i = 0; i < s.n(); ++i) {
      const cv::Mat& g = s.pages[static_cast<size_t>(i)]->decoded.gray;
      s.fill[static_cast<size_t>(i)] =
          rotation_fill(steps_, {g.data, g.cols, g.rows, static_cast<int64_t>(g.step[0])});
    }
    return {};
  }

  // SkewEstimator::run() waits for this slot's stream once (deskew.hpp).
  std::string estimate_skew(Slot& s) {
    if (!s.skew) return {};
    const kernels::Status st =
        s.skew->run(s.stream, s.cbatch(s.cur), s.skew_res.data(), s.dpi.data());
    if (!st) return st.message();
    for (size_t i = 0; i < s.pages.size(); ++i) {
      PageWork& p = *s.pages[i];
      const kernels::SkewResult& r = s.skew_res[i];
      p.skew_deg = r.angle_deg;
      p.skew_confidence = r.confidence;
      p.skew_text_lines = r.text_lines;
      if (should_deskew(r, min_confidence_, s.cur[i].width, s.cur[i].height, &p.skew_note)) {
        s.angles[i] = -r.angle_deg;
        p.rotated = true;
        s.any_rotation = true;
      }
    }
    return {};
  }

  std::string rotate(Slot& s) {
    if (!s.any_rotation) return {};
    kernels::RotateParams rp;
    rp.expand = steps_.expand_canvas;
    Arena& out = s.other_half();
    for (size_t i = 0; i < s.pages.size(); ++i) {
      int32_t ow = 0, oh = 0;
      kernels::rotated_size(s.cur[i].width, s.cur[i].height, s.angles[i], rp.expand, &ow, &oh);
      uint8_t* d = out.take(cuda_pitch(ow) * oh);
      if (!d) return kNoFit;
      s.tmp[i] = dview(d, ow, oh);
    }
    const kernels::Status st = kernels::cuda::rotate(s.stream, rp, s.cbatch(s.cur), s.batch(s.tmp),
                                                     s.angles.data(), s.fill.data());
    if (!st) return st.message();
    std::swap(s.cur, s.tmp);
    s.cur_half = 1 - s.cur_half;
    return {};
  }

  // Median, then binarize, despeckle and border removal on the binary image.
  std::string clean(Slot& s) {
    kernels::Status st;
    if (steps_.median) {
      if (!s.carve_like(s.other_half(), s.tmp, s.cur)) return kNoFit;
      if (!(st = kernels::cuda::median3x3(s.stream, s.cbatch(s.cur), s.batch(s.tmp))))
        return st.message();
      std::swap(s.cur, s.tmp);
      s.cur_half = 1 - s.cur_half;
    }
    if (!s.binarize) return {};
    if (!s.carve_like(s.other_half(), s.bin, s.cur)) return kNoFit;
    if (!(st = s.binarize->run(s.stream, s.cbatch(s.cur), s.batch(s.bin), s.dpi.data())))
      return st.message();
    if (s.despeckle &&
        !(st = s.despeckle->run(s.stream, s.batch(s.bin), s.dpi.data(), s.specks.data())))
      return st.message();
    if (s.border && !(st = s.border->run(s.stream, s.batch(s.bin), s.border_px.data())))
      return st.message();
    return {};
  }

  // Download gray and binary into pinned memory (the upload staging, which
  // the stream has finished reading).
  std::string download(Slot& s) {
    s.staging.reset();
    for (size_t i = 0; i < s.pages.size(); ++i) {
      const int64_t bytes = s.cur[i].pitch * s.cur[i].height;
      s.hgray[i] = s.staging.take(bytes);
      if (!s.hgray[i]) return "chunk does not fit the staging buffer";
      cudaError_t e = cudaMemcpyAsync(s.hgray[i], s.cur[i].data, static_cast<size_t>(bytes),
                                      cudaMemcpyDeviceToHost, s.stream);
      if (e != cudaSuccess) return cuda_error_text(e, "download");
      if (s.binarize) {
        s.hbin[i] = s.staging.take(bytes);
        if (!s.hbin[i]) return "chunk does not fit the staging buffer";
        e = cudaMemcpyAsync(s.hbin[i], s.bin[i].data, static_cast<size_t>(bytes),
                            cudaMemcpyDeviceToHost, s.stream);
        if (e != cudaSuccess) return cuda_error_text(e, "download");
      }
    }
    return {};
  }

  // The slot's one end-of-chunk wait, then the copy out of pinned memory
  // (slot A's copy-out overlaps slot B's download).
  std::string collect(Slot& s) {
    const cudaError_t e = cudaStreamSynchronize(s.stream);
    if (e != cudaSuccess) return cuda_error_text(e, "chunk");
    for (size_t i = 0; i < s.pages.size(); ++i) {
      PageWork& p = *s.pages[i];
      const kernels::GrayView& c = s.cur[i];
      p.gray.create(c.height, c.width, CV_8UC1);
      for (int y = 0; y < c.height; ++y)
        std::memcpy(p.gray.ptr(y), s.hgray[i] + y * c.pitch, static_cast<size_t>(c.width));
      if (s.hbin[i]) {
        p.binary.create(c.height, c.width, CV_8UC1);
        for (int y = 0; y < c.height; ++y)
          std::memcpy(p.binary.ptr(y), s.hbin[i] + y * c.pitch, static_cast<size_t>(c.width));
      }
      p.specks_removed = s.specks[i];
      p.border_pixels_removed = s.border_px[i];
    }
    return {};
  }

  StepConfig steps_;
  int device_;
  int32_t pages_per_slot_;
  std::unique_ptr<Executor> fallback_;
  uint8_t* device_base_ = nullptr;
  uint8_t* pinned_base_ = nullptr;
  int64_t region_ = 0;  ///< bytes of one device half (file comment)
  float min_confidence_ = 0;
  std::string broken_;
  Slot slots_[kSlots];
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
