// The CUDA executor's device half: CudaLaneDevice implements LaneDevice
// (pipelined_executor.hpp, which schedules jobs on lanes and is tested
// without a GPU) with streams, events, device arenas and pinned memory.
//
// ## A lane
//
// One cudaStream_t (non-blocking), its own operation objects (Background,
// SkewEstimator, Binarize, Despeckle and BorderRemove sharing one
// ComponentLabels), two device halves of `region` bytes, a device buffer for
// the packed binary pages, 2 x region of pinned staging, and one event that
// marks the end of its last enqueued phase. A job's phases on its lane:
//
//   begin   host: each page to the device, straight from pinned memory when
//           the decoder allocated it in the input slab (cudaMemcpy2DAsync),
//           else packed into staging by the pack pool first; device:
//           background, then SkewEstimator::enqueue (no host wait); host,
//           overlapping the device: the rotation fill levels; record event.
//   middle  SkewEstimator::wait (already done: ready() said so) and the
//           angles; device: rotate, median, binarize, despeckle, border,
//           pack to 1 bit; downloads: the packed binary (1/8 of the bytes)
//           and, only when gray_output_needed(), the gray page, into blocks
//           of the output slab (pinned), or into staging when it is full;
//           record event.
//   finish  the pages get views of their output blocks and a hold on them
//           (unpack_results() in the writer threads copies them out and
//           releases them); staging fallbacks are copied out here.
//
// Images ping-pong between the two halves (source -> background -> rotated
// -> median), each step writing into the half the previous step does not
// read; the binary image goes into the half the final gray does not occupy;
// stream order makes the reuse safe.
//
// ## Memory (sized once, at construction)
//
// region = max(batch_pages x bytes(A4 at 300 dpi), bytes(A3 at 600 dpi)),
// bytes() = cuda_page_bytes() (256-byte pitch, one spare row, x2 when the
// canvas expands). A lane holds two halves and a packed-page buffer of
// `region` bytes each; the label workspace holds `region` pixels (one pass
// for a full lane, so border removal reuses despeckle's labels). For 8-page
// batches that is about 74 MB per buffer and 294 MB of labels per lane; with
// 3 lanes about 2 GB of device memory with the skew workspaces, and 0.45 GB
// of pinned staging plus the two slabs (~0.45 GB in, 0.05-0.5 GB out). Setup that fails with 3
// lanes is retried with 2, then 1 (make_cuda_executor), and --device auto falls back to the CPU
// when even that fails (executor.cpp). Pages larger than a lane get a
// large-page lane sized to them (one at a time), created when first needed.
//
// None of this has run on a GPU yet: the development machine has none.
// tests/gpu/device_check.sh runs the CLI with --device cuda against
// --device cpu on generated pages and compares the outputs byte for byte.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include "pipeline/cuda_batch_plan.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/host_slab.hpp"
#include "pipeline/pipelined_executor.hpp"

#if defined(PAGEPREP_HAVE_CUDA)
#include <cuda_runtime_api.h>

#include "pageprep/kernels/background.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pageprep/kernels/pack.hpp"
#endif

namespace pageprep::host {

#if defined(PAGEPREP_HAVE_CUDA)
namespace {

std::string cuda_error_text(cudaError_t e, const char* what) {
  return std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
}

const char* const kNoFit = "job does not fit the lane's device memory";

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

/// Pinned memory from cudaMallocHost, freed on destruction.
struct Pinned {
  uint8_t* p = nullptr;
  size_t bytes = 0;
  ~Pinned() {
    if (p) cudaFreeHost(p);
  }
  cudaError_t alloc(size_t n) {
    bytes = n;
    return cudaMallocHost(reinterpret_cast<void**>(&p), n);
  }
};

struct DeviceMem {
  uint8_t* p = nullptr;
  ~DeviceMem() {
    if (p) cudaFree(p);
  }
};

/// A page's downloads.
struct Download {
  uint8_t* packed = nullptr;  ///< packed binary on the host (slab block or staging)
  uint8_t* gray = nullptr;    ///< gray on the host, when downloaded
  bool packed_in_slab = false, gray_in_slab = false;
};

struct Lane {
  cudaStream_t stream = nullptr;
  cudaEvent_t done = nullptr;  ///< end of the last enqueued phase
  DeviceMem device;
  Arena half[2];
  Arena packed;  ///< device: packed binary pages
  Pinned staging_mem;
  Arena staging;
  int cur_half = 0;
  kernels::BatchLimits limits;
  int64_t region = 0;
  std::unique_ptr<kernels::cuda::BackgroundNormalize> background;
  std::unique_ptr<kernels::cuda::SkewEstimator> skew;
  std::unique_ptr<kernels::cuda::Binarize> binarize;
  std::unique_ptr<kernels::cuda::Despeckle> despeckle;
  std::unique_ptr<kernels::cuda::BorderRemove> border;

  // The job on the lane (vectors reserved at setup, so no allocation per job).
  PageBatch pages;
  std::vector<kernels::GrayView> cur, tmp, bin, packed_views;
  std::vector<kernels::ConstGrayView> cin;
  std::vector<float> dpi, angles;
  std::vector<uint8_t> fill;
  std::vector<kernels::SkewResult> skew_res;
  std::vector<Download> downloads;
  bool any_rotation = false;
  /// Written by Despeckle/BorderRemove's host callbacks when the stream gets
  /// there; never reallocated after setup, so a callback still pending after
  /// a failed job writes into live memory.
  std::vector<int64_t> specks, border_px;

  ~Lane() {
    // The operations first: they may wait on the stream.
    background.reset();
    skew.reset();
    binarize.reset();
    despeckle.reset();
    border.reset();
    if (done) cudaEventDestroy(done);
    if (stream) cudaStreamDestroy(stream);
  }

  int32_t n() const { return static_cast<int32_t>(pages.size()); }
  kernels::GrayBatch batch(std::vector<kernels::GrayView>& v) const { return {v.data(), n()}; }
  kernels::ConstGrayBatch cbatch(const std::vector<kernels::GrayView>& v) {
    cin.clear();
    for (int32_t i = 0; i < n(); ++i) cin.push_back(kernels::as_const(v[static_cast<size_t>(i)]));
    return {cin.data(), n()};
  }
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

class CudaLaneDevice final : public LaneDevice {
 public:
  CudaLaneDevice(const StepConfig& steps, const CudaExecutorOptions& o, int cpu_threads)
      : steps_(steps), opt_(o), pack_pool_(std::max(1, std::min(4, cpu_threads))) {}

  ~CudaLaneDevice() override {
    cudaSetDevice(opt_.device);
    cudaDeviceSynchronize();  // nothing may land in memory freed below
  }

  std::string init() {
    cudaError_t e = cudaSetDevice(opt_.device);
    if (e != cudaSuccess) return cuda_error_text(e, "cudaSetDevice");
    const bool expand = steps_.expand_canvas;
    pages_per_lane_ = std::max(1, opt_.batch_pages);
    const kernels::BatchLimits standard = executor_limits(pages_per_lane_);
    region_ = std::max(int64_t{pages_per_lane_} * cuda_page_bytes(2480, 3508, expand),
                       cuda_page_bytes(standard.max_width, standard.max_height, expand));
    lanes_.clear();
    for (int k = 0; k < opt_.lanes; ++k) {
      auto lane = std::make_unique<Lane>();
      const std::string err = make_lane(standard, region_, pages_per_lane_, lane.get());
      if (!err.empty()) return err;
      lanes_.push_back(std::move(lane));
    }
    // Pinned slabs: decoded pages in flight (the batch queue and the lanes),
    // and downloads held until the writers copy them out. Without them the
    // executor still works (staging), only slower: a failure is not fatal.
    const size_t a4 = static_cast<size_t>(cuda_page_bytes(2480, 3508, false));
    const size_t in_pages = static_cast<size_t>((opt_.lanes + 2) * pages_per_lane_ + 8);
    if (in_mem_.alloc(in_pages * a4) == cudaSuccess)
      in_slab_ = std::make_unique<HostSlab>(in_mem_.p, in_mem_.bytes);
    else
      cudaGetLastError();
    const size_t out_page = a4 / 8 + (opt_.download_gray ? a4 : 0);
    if (out_mem_.alloc(in_pages * out_page) == cudaSuccess)
      out_slab_ = std::make_unique<HostSlab>(out_mem_.p, out_mem_.bytes);
    else
      cudaGetLastError();
    return {};
  }

  std::string name() const override { return "cuda:" + std::to_string(opt_.device); }
  int lanes() const override { return static_cast<int>(lanes_.size()); }
  int32_t lane_pages() const override { return pages_per_lane_; }
  int64_t lane_bytes() const override { return region_; }
  int64_t page_bytes(const PageWork& p) const override {
    return cuda_page_bytes(p.decoded.gray.cols, p.decoded.gray.rows, steps_.expand_canvas);
  }
  cv::MatAllocator* page_allocator() override { return in_slab_.get(); }

  bool lane_takes(const PageWork& p) const override {
    if (lanes_.empty()) return false;
    const kernels::BatchLimits& l = lanes_.front()->limits;
    return takes(p, l.max_width, l.max_height);
  }

  bool prepare_large_lane(const PageWork& p, std::string* why) override {
    const int32_t w = p.decoded.gray.cols, h = p.decoded.gray.rows;
    if (large_ && takes(p, large_->limits.max_width, large_->limits.max_height)) return true;
    auto round_up = [](int64_t v) {
      return static_cast<int32_t>(
          std::min<int64_t>(kernels::kMaxPageSide, (v + 1023) / 1024 * 1024));
    };
    // Sized for the page's largest canvas (cuda_lane_extent), not only its
    // own size: an expanded rotation must fit the operations too.
    int64_t ew = 0, eh = 0;
    cuda_lane_extent(w, h, expands(), steps_.max_skew_deg, &ew, &eh);
    kernels::BatchLimits l = executor_limits(1);
    l.max_width = std::max(l.max_width, round_up(ew));
    l.max_height = std::max(l.max_height, round_up(eh));
    large_.reset();  // free the smaller one first
    cudaError_t e = cudaSetDevice(opt_.device);
    if (e != cudaSuccess) {
      *why = cuda_error_text(e, "cudaSetDevice");
      return false;
    }
    auto lane = std::make_unique<Lane>();
    const std::string err = make_lane(
        l, cuda_page_bytes(l.max_width, l.max_height, steps_.expand_canvas), 1, lane.get());
    if (!err.empty()) {
      cudaGetLastError();  // an allocation failure is not sticky
      *why =
          "no device memory for a " + std::to_string(w) + "x" + std::to_string(h) + " page: " + err;
      return false;
    }
    large_ = std::move(lane);
    return true;
  }

  std::string begin(int k, const PageBatch& pages) override {
    cudaError_t e = cudaSetDevice(opt_.device);  // this thread may differ from init()'s
    if (e != cudaSuccess) return cuda_error_text(e, "cudaSetDevice");
    Lane& l = lane(k);
    l.pages = pages;
    const size_t n = pages.size();
    for (auto* v : {&l.cur, &l.tmp, &l.bin, &l.packed_views}) v->assign(n, kernels::GrayView{});
    l.dpi.resize(n);
    l.angles.assign(n, 0.f);
    l.fill.assign(n, 0);
    l.skew_res.assign(n, kernels::SkewResult{});
    l.downloads.assign(n, Download{});
    std::fill(l.specks.begin(), l.specks.end(), 0);
    std::fill(l.border_px.begin(), l.border_px.end(), 0);
    l.any_rotation = false;
    l.cur_half = 0;
    l.half[0].reset();
    l.staging.reset();
    l.packed.reset();
    // Upload: pinned pages directly, others packed into staging first (rows
    // of all pages spread over the pack pool), then one copy each.
    std::vector<uint8_t*>& host = scratch_ptrs_;
    host.assign(n, nullptr);
    for (size_t i = 0; i < n; ++i) {
      const cv::Mat& g = pages[i]->decoded.gray;
      l.dpi[i] = static_cast<float>(pages[i]->decoded.dpi_x);
      uint8_t* d = l.half[0].take(cuda_pitch(g.cols) * g.rows);
      if (!d) return kNoFit;
      l.cur[i] = dview(d, g.cols, g.rows);
      if (!(in_slab_ && in_slab_->owns(g.data))) {
        host[i] = l.staging.take(cuda_pitch(g.cols) * g.rows);
        if (!host[i]) return kNoFit;
      }
    }
    pack_pool_.parallel_for(static_cast<int64_t>(n), 1, [&](int64_t b, int64_t end) {
      for (int64_t i = b; i < end; ++i) {
        if (!host[static_cast<size_t>(i)]) continue;
        const cv::Mat& g = pages[static_cast<size_t>(i)]->decoded.gray;
        const int64_t pitch = cuda_pitch(g.cols);
        for (int y = 0; y < g.rows; ++y)
          std::memcpy(host[static_cast<size_t>(i)] + y * pitch, g.ptr(y),
                      static_cast<size_t>(g.cols));
      }
    });
    for (size_t i = 0; i < n; ++i) {
      const cv::Mat& g = pages[i]->decoded.gray;
      if (host[i])
        e = cudaMemcpyAsync(l.cur[i].data, host[i], static_cast<size_t>(l.cur[i].pitch * g.rows),
                            cudaMemcpyHostToDevice, l.stream);
      else
        e = cudaMemcpy2DAsync(l.cur[i].data, static_cast<size_t>(l.cur[i].pitch), g.data, g.step[0],
                              static_cast<size_t>(g.cols), static_cast<size_t>(g.rows),
                              cudaMemcpyHostToDevice, l.stream);
      if (e != cudaSuccess) return cuda_error_text(e, "upload");
    }
    kernels::Status st;
    if (l.background) {
      if (!l.carve_like(l.other_half(), l.tmp, l.cur)) return kNoFit;
      if (!(st = l.background->run(l.stream, l.cbatch(l.cur), l.batch(l.tmp), l.dpi.data())))
        return st.message();
      std::swap(l.cur, l.tmp);
      l.cur_half = 1 - l.cur_half;
    }
    if (l.skew && !(st = l.skew->enqueue(l.stream, l.cbatch(l.cur), l.dpi.data())))
      return st.message();
    if ((e = cudaEventRecord(l.done, l.stream)) != cudaSuccess) return cuda_error_text(e, "event");
    // Host work while the device estimates skew: the fill levels (the same
    // rule as the CPU executor, rotation_fill).
    if (l.skew)
      for (size_t i = 0; i < n; ++i) {
        const cv::Mat& g = pages[i]->decoded.gray;
        l.fill[i] =
            rotation_fill(steps_, {g.data, g.cols, g.rows, static_cast<int64_t>(g.step[0])});
      }
    return {};
  }

  std::string middle(int k) override {
    cudaError_t e = cudaSetDevice(opt_.device);
    if (e != cudaSuccess) return cuda_error_text(e, "cudaSetDevice");
    Lane& l = lane(k);
    kernels::Status st;
    if (l.skew) {
      if (!(st = l.skew->wait(l.skew_res.data()))) return st.message();
      for (size_t i = 0; i < l.pages.size(); ++i) {
        PageWork& p = *l.pages[i];
        const kernels::SkewResult& r = l.skew_res[i];
        p.skew_deg = r.angle_deg;
        p.skew_confidence = r.confidence;
        p.skew_text_lines = r.text_lines;
        if (should_deskew(r, min_confidence_, l.cur[i].width, l.cur[i].height, &p.skew_note)) {
          l.angles[i] = -r.angle_deg;
          p.rotated = true;
          l.any_rotation = true;
        }
      }
    }
    if (l.any_rotation) {
      kernels::RotateParams rp;
      rp.expand = steps_.expand_canvas;
      Arena& out = l.other_half();
      for (size_t i = 0; i < l.pages.size(); ++i) {
        int32_t ow = 0, oh = 0;
        kernels::rotated_size(l.cur[i].width, l.cur[i].height, l.angles[i], rp.expand, &ow, &oh);
        if (!executor_accepts(ow, oh, &scratch_why_)) return scratch_why_;
        uint8_t* d = out.take(cuda_pitch(ow) * oh);
        if (!d) return kNoFit;
        l.tmp[i] = dview(d, ow, oh);
      }
      if (!(st = kernels::cuda::rotate(l.stream, rp, l.cbatch(l.cur), l.batch(l.tmp),
                                       l.angles.data(), l.fill.data())))
        return st.message();
      std::swap(l.cur, l.tmp);
      l.cur_half = 1 - l.cur_half;
    }
    if (steps_.median) {
      if (!l.carve_like(l.other_half(), l.tmp, l.cur)) return kNoFit;
      if (!(st = kernels::cuda::median3x3(l.stream, l.cbatch(l.cur), l.batch(l.tmp))))
        return st.message();
      std::swap(l.cur, l.tmp);
      l.cur_half = 1 - l.cur_half;
    }
    if (l.binarize) {
      if (!l.carve_like(l.other_half(), l.bin, l.cur)) return kNoFit;
      if (!(st = l.binarize->run(l.stream, l.cbatch(l.cur), l.batch(l.bin), l.dpi.data())))
        return st.message();
      if (l.despeckle &&
          !(st = l.despeckle->run(l.stream, l.batch(l.bin), l.dpi.data(), l.specks.data())))
        return st.message();
      if (l.border && !(st = l.border->run(l.stream, l.batch(l.bin), l.border_px.data())))
        return st.message();
      // 1 bit per pixel for the trip back.
      for (size_t i = 0; i < l.pages.size(); ++i) {
        const int32_t w = l.bin[i].width, h = l.bin[i].height;
        uint8_t* d = l.packed.take(cuda_pitch((w + 7) / 8) * h);
        if (!d) return kNoFit;
        l.packed_views[i] = {d, w, h, cuda_pitch((w + 7) / 8)};
      }
      if (!(st = kernels::cuda::pack_bits(l.stream, l.cbatch(l.bin), l.batch(l.packed_views))))
        return st.message();
    }
    // Downloads into the output slab (held until the writers unpack them),
    // or into staging (its uploads are done in stream order) when it is full.
    l.staging.reset();
    const bool want_gray = opt_.download_gray || !l.binarize;
    for (size_t i = 0; i < l.pages.size(); ++i) {
      Download& dl = l.downloads[i];
      if (l.binarize) {
        const kernels::GrayView& pv = l.packed_views[i];
        const int64_t row = (pv.width + 7) / 8, bytes = row * pv.height;
        dl.packed = out_slab_ ? out_slab_->take(static_cast<size_t>(bytes)) : nullptr;
        dl.packed_in_slab = dl.packed != nullptr;
        if (!dl.packed && !(dl.packed = l.staging.take(bytes)))
          return "job does not fit the staging buffer";
        if ((e = cudaMemcpy2DAsync(dl.packed, static_cast<size_t>(row), pv.data,
                                   static_cast<size_t>(pv.pitch), static_cast<size_t>(row),
                                   static_cast<size_t>(pv.height), cudaMemcpyDeviceToHost,
                                   l.stream)) != cudaSuccess)
          return cuda_error_text(e, "download");
      }
      if (want_gray) {
        const kernels::GrayView& c = l.cur[i];
        const int64_t bytes = int64_t{c.width} * c.height;
        dl.gray = out_slab_ ? out_slab_->take(static_cast<size_t>(bytes)) : nullptr;
        dl.gray_in_slab = dl.gray != nullptr;
        if (!dl.gray && !(dl.gray = l.staging.take(bytes)))
          return "job does not fit the staging buffer";
        if ((e = cudaMemcpy2DAsync(dl.gray, static_cast<size_t>(c.width), c.data,
                                   static_cast<size_t>(c.pitch), static_cast<size_t>(c.width),
                                   static_cast<size_t>(c.height), cudaMemcpyDeviceToHost,
                                   l.stream)) != cudaSuccess)
          return cuda_error_text(e, "download");
      }
    }
    if ((e = cudaEventRecord(l.done, l.stream)) != cudaSuccess) return cuda_error_text(e, "event");
    return {};
  }

  std::string finish(int k) override {
    Lane& l = lane(k);
    // The stream has passed the downloads (ready()); the counts' host
    // callbacks ran before the event.
    HostSlab* slab = out_slab_.get();
    for (size_t i = 0; i < l.pages.size(); ++i) {
      PageWork& p = *l.pages[i];
      Download& dl = l.downloads[i];
      const kernels::GrayView& c = l.cur[i];
      if (dl.packed) {
        const int32_t w = l.packed_views[i].width, h = l.packed_views[i].height;
        const int32_t row = (w + 7) / 8;
        cv::Mat view(h, row, CV_8UC1, dl.packed, static_cast<size_t>(row));
        p.binary_packed = dl.packed_in_slab ? view : view.clone();
        p.binary_packed_width = w;
      }
      if (dl.gray) {
        cv::Mat view(c.height, c.width, CV_8UC1, dl.gray, static_cast<size_t>(c.width));
        p.gray = dl.gray_in_slab ? view : view.clone();
      }
      uint8_t* held_packed = dl.packed_in_slab ? dl.packed : nullptr;
      uint8_t* held_gray = dl.gray_in_slab ? dl.gray : nullptr;
      if (held_packed || held_gray)
        p.host_hold = std::shared_ptr<void>(held_packed ? held_packed : held_gray,
                                            [slab, held_packed, held_gray](void*) {
                                              slab->give(held_packed);
                                              slab->give(held_gray);
                                            });
      p.specks_removed = l.specks[i];
      p.border_pixels_removed = l.border_px[i];
    }
    l.pages.clear();
    return {};
  }

  bool ready(int k) override {
    const cudaError_t e = cudaEventQuery(lane(k).done);
    return e != cudaErrorNotReady;  // errors surface in wait()
  }

  std::string wait(int k) override {
    const cudaError_t e = cudaEventSynchronize(lane(k).done);
    return e == cudaSuccess ? std::string() : cuda_error_text(e, "lane");
  }

  bool recover() override {
    cudaSetDevice(opt_.device);
    const bool ok = cudaDeviceSynchronize() == cudaSuccess;
    if (ok) cudaGetLastError();  // clear a non-sticky launch error
    return ok;
  }

  void abandon(int k) override {
    if (k < lanes() || large_) abandon(lane(k));
  }

 private:
  /// Whether the canvas can grow on the device (a rotation that expands).
  bool expands() const { return steps_.deskew && steps_.expand_canvas; }
  bool takes(const PageWork& p, int32_t max_w, int32_t max_h) const {
    return cuda_lane_takes(p.decoded.gray.cols, p.decoded.gray.rows, expands(), steps_.max_skew_deg,
                           max_w, max_h);
  }

  Lane& lane(int k) { return k < lanes() ? *lanes_[static_cast<size_t>(k)] : *large_; }

  /// Clears a lane's host-side job state after a failure (the device is
  /// drained): a pending skew estimation and the output blocks.
  void abandon(Lane& l) {
    if (l.skew) {
      std::vector<kernels::SkewResult> sink(static_cast<size_t>(l.limits.max_batch));
      (void)l.skew->wait(sink.data());  // clears a pending enqueue; "none pending" is fine
    }
    for (Download& dl : l.downloads) {
      if (dl.packed_in_slab) out_slab_->give(dl.packed);
      if (dl.gray_in_slab) out_slab_->give(dl.gray);
      dl = Download{};
    }
    l.pages.clear();
  }

  std::string make_lane(const kernels::BatchLimits& limits, int64_t region, int32_t pages,
                        Lane* l) {
    cudaError_t e;
    l->limits = limits;
    l->limits.max_batch = pages;
    l->region = region;
    // Packed rows are (w + 7) / 8 bytes at the same 256-byte pitch alignment,
    // so a job's packed pages never need more than its gray pages: one region.
    const int64_t packed = region;
    if ((e = cudaMalloc(reinterpret_cast<void**>(&l->device.p),
                        static_cast<size_t>(2 * region + packed))) != cudaSuccess)
      return cuda_error_text(e, "cudaMalloc(lane)");
    l->half[0] = Arena{l->device.p, region, 0};
    l->half[1] = Arena{l->device.p + region, region, 0};
    l->packed = Arena{l->device.p + 2 * region, packed, 0};
    if ((e = l->staging_mem.alloc(static_cast<size_t>(2 * region))) != cudaSuccess)
      return cuda_error_text(e, "cudaMallocHost(staging)");
    l->staging = Arena{l->staging_mem.p, 2 * region, 0};
    if ((e = cudaStreamCreateWithFlags(&l->stream, cudaStreamNonBlocking)) != cudaSuccess)
      return cuda_error_text(e, "cudaStreamCreate");
    if ((e = cudaEventCreateWithFlags(&l->done, cudaEventDisableTiming)) != cudaSuccess)
      return cuda_error_text(e, "cudaEventCreate");
    kernels::BatchLimits op_limits = l->limits;
    op_limits.max_batch_pixels = region;  // one labelling pass for a full lane
    kernels::Status st;
    if (steps_.background_norm && !(st = kernels::cuda::BackgroundNormalize::create(
                                        kernels::BackgroundParams{}, op_limits, &l->background)))
      return st.message();
    if (steps_.deskew) {
      const kernels::SkewParams sp = skew_params(steps_);
      min_confidence_ = sp.min_confidence;
      if (!(st = kernels::cuda::SkewEstimator::create(sp, op_limits, &l->skew)))
        return st.message();
    }
    if (steps_.binarize &&
        !(st = kernels::cuda::Binarize::create(steps_.binarize_params, op_limits, &l->binarize)))
      return st.message();
    if (steps_.binarize && (steps_.despeckle || steps_.remove_border)) {
      std::shared_ptr<kernels::cuda::ComponentLabels> labels;
      if (!(st = kernels::cuda::ComponentLabels::create(op_limits, &labels))) return st.message();
      if (steps_.despeckle && !(st = kernels::cuda::Despeckle::create(
                                    despeckle_params(steps_), op_limits, &l->despeckle, labels)))
        return st.message();
      if (steps_.remove_border && !(st = kernels::cuda::BorderRemove::create(
                                        kernels::BorderParams{}, op_limits, &l->border, labels)))
        return st.message();
    }
    const size_t cap = static_cast<size_t>(pages);
    l->pages.reserve(cap);
    for (auto* v : {&l->cur, &l->tmp, &l->bin, &l->packed_views}) v->reserve(cap);
    l->cin.reserve(cap);
    l->dpi.reserve(cap);
    l->angles.reserve(cap);
    l->fill.reserve(cap);
    l->skew_res.reserve(cap);
    l->downloads.reserve(cap);
    l->specks.assign(cap, 0);
    l->border_px.assign(cap, 0);
    return {};
  }

  StepConfig steps_;
  CudaExecutorOptions opt_;
  kernels::cpu::ThreadPool pack_pool_;
  int32_t pages_per_lane_ = 1;
  int64_t region_ = 0;
  float min_confidence_ = 0;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::unique_ptr<Lane> large_;
  Pinned in_mem_, out_mem_;
  std::unique_ptr<HostSlab> in_slab_, out_slab_;
  std::vector<uint8_t*> scratch_ptrs_;
  std::string scratch_why_;
};

}  // namespace

std::unique_ptr<Executor> make_cuda_executor(const StepConfig& steps,
                                             const CudaExecutorOptions& options,
                                             std::unique_ptr<Executor> fallback,
                                             std::string* error) {
  // Fewer lanes when the device is too small for all of them.
  std::string first_error;
  for (int lanes = std::max(1, options.lanes); lanes >= 1; --lanes) {
    CudaExecutorOptions o = options;
    o.lanes = lanes;
    auto device = std::make_unique<CudaLaneDevice>(steps, o, 4);
    const std::string err = device->init();
    if (err.empty())
      return std::make_unique<PipelinedExecutor>(std::move(device), std::move(fallback));
    if (first_error.empty()) first_error = err;
    device.reset();
    cudaGetLastError();
  }
  *error = "cannot set up the CUDA executor: " + first_error;
  return nullptr;
}

#else

std::unique_ptr<Executor> make_cuda_executor(const StepConfig&, const CudaExecutorOptions&,
                                             std::unique_ptr<Executor>, std::string* error) {
  *error = "this pageprep was built without CUDA (PAGEPREP_CUDA=OFF or no nvcc at build time)";
  return nullptr;
}

#endif

}  // namespace pageprep::host
