#include "bench_common.hpp"

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <thread>

#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/device.hpp"
#include "support/page_generator.hpp"

#ifdef PAGEPREP_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace pageprep::bench {
namespace {

namespace ts = pageprep::testsupport;

std::mutex g_mutex;

ts::PageSpec a4_spec(int dpi, uint64_t seed, ts::Layout layout) {
  ts::PageSpec spec;
  spec.seed = seed;
  spec.dpi = dpi;
  spec.width_px = 2480 * dpi / 300;  // 2480x3508 at 300 dpi, doubled at 600
  spec.height_px = 3508 * dpi / 300;
  spec.layout = layout;
  return spec;
}

BenchPage make_page(int dpi, uint64_t seed, ts::Layout layout, double skew) {
  ts::Degradation deg;
  deg.skew_deg = skew;
  deg.noise_sigma = 6;
  deg.speck_density = 20;
  ts::GeneratedPage gen;
  std::string err;
  if (!ts::generate_page(a4_spec(dpi, seed, layout), deg, &gen, &err)) {
    std::fprintf(stderr, "bench: cannot generate a page: %s\n", err.c_str());
    std::abort();
  }
  BenchPage p;
  p.gray = gen.degraded;
  p.skew_deg = gen.skew_deg;
  p.dpi = dpi;
  return p;
}

}  // namespace

const BenchPage& a4_page(int dpi) {
  static std::map<int, BenchPage> cache;
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = cache.find(dpi);
  if (it == cache.end()) {
    it = cache.emplace(dpi, make_page(dpi, 1, ts::Layout::kSingleColumn, 2.5)).first;
  }
  return it->second;
}

const cv::Mat& a4_color(int dpi) {
  const BenchPage& page = a4_page(dpi);
  static std::map<int, cv::Mat> cache;
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = cache.find(dpi);
  if (it == cache.end()) {
    cv::Mat bgr;
    cv::cvtColor(page.gray, bgr, cv::COLOR_GRAY2BGR);
    // A mild yellow tint so the three channels differ.
    bgr.forEach<cv::Vec3b>(
        [](cv::Vec3b& px, const int*) { px[0] = cv::saturate_cast<uint8_t>(px[0] * 0.9); });
    it = cache.emplace(dpi, bgr).first;
  }
  return it->second;
}

const cv::Mat& a4_binary(int dpi) {
  const BenchPage& page = a4_page(dpi);
  k::cpu::ThreadPool& threads = pool(0);  // before the lock: pool() takes it too
  static std::map<int, cv::Mat> cache;
  std::lock_guard<std::mutex> lock(g_mutex);
  auto it = cache.find(dpi);
  if (it == cache.end()) {
    cv::Mat bin(page.gray.size(), CV_8UC1);
    std::unique_ptr<k::cpu::Binarize> op;
    k::BinarizeParams params;
    params.method = k::BinarizeMethod::kSauvola;
    k::Status s = k::cpu::Binarize::create(params, limits_for(dpi), &op);
    const k::ConstGrayView in = cview(page.gray);
    const k::GrayView out = view(bin);
    const float fdpi = static_cast<float>(dpi);
    if (s) s = op->run(threads, {&in, 1}, {&out, 1}, &fdpi);
    if (!s) {
      std::fprintf(stderr, "bench: cannot binarize the page: %s\n", s.message().c_str());
      std::abort();
    }
    it = cache.emplace(dpi, bin).first;
  }
  return it->second;
}

const std::vector<BenchPage>& skew_pages(int dpi) {
  static std::map<int, std::vector<BenchPage>> cache;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    auto it = cache.find(dpi);
    if (it != cache.end()) return it->second;
  }
  struct Case {
    ts::Layout layout;
    double skew;
  };
  const Case cases[] = {{ts::Layout::kSingleColumn, -4.6}, {ts::Layout::kTwoColumn, -2.15},
                        {ts::Layout::kTable, -0.7},        {ts::Layout::kSingleColumn, 0.93},
                        {ts::Layout::kTwoColumn, 2.61},    {ts::Layout::kSingleColumn, 4.8}};
  std::vector<BenchPage> pages(std::size(cases));
  std::vector<std::thread> workers;
  for (size_t i = 0; i < pages.size(); ++i) {
    workers.emplace_back(
        [&, i] { pages[i] = make_page(dpi, 100 + i, cases[i].layout, cases[i].skew); });
  }
  for (auto& w : workers) w.join();
  std::lock_guard<std::mutex> lock(g_mutex);
  return cache.emplace(dpi, std::move(pages)).first->second;
}

k::ConstGrayView cview(const cv::Mat& m) {
  return {m.data, m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}

k::GrayView view(cv::Mat& m) {
  return {m.data, m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}

int all_threads() {
  return std::max(1u, std::thread::hardware_concurrency());
}

k::cpu::ThreadPool& pool(int threads) {
  if (threads <= 0) threads = all_threads();
  static std::map<int, std::unique_ptr<k::cpu::ThreadPool>> pools;
  std::lock_guard<std::mutex> lock(g_mutex);
  auto& p = pools[threads];
  if (!p) p = std::make_unique<k::cpu::ThreadPool>(threads);
  return *p;
}

k::BatchLimits limits_for(int dpi, int batch) {
  k::BatchLimits l;
  l.max_batch = batch;
  l.max_width = 2480 * dpi / 300;
  l.max_height = 3508 * dpi / 300;
  return l;
}

void report_pages(benchmark::State& state, int64_t pages_per_iteration, int64_t bytes_per_page) {
  const int64_t pages = static_cast<int64_t>(state.iterations()) * pages_per_iteration;
  state.SetItemsProcessed(pages);
  state.SetBytesProcessed(pages * bytes_per_page);
}

bool check(benchmark::State& state, const k::Status& s, const char* what) {
  if (s.is_ok()) return true;
  state.SkipWithError((std::string(what) + ": " + s.message()).c_str());
  return false;
}

void args_dpi(benchmark::internal::Benchmark* b) {
  b->ArgNames({"dpi"});
  b->Arg(300)->Arg(600);
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

void args_dpi_threads(benchmark::internal::Benchmark* b) {
  b->ArgNames({"dpi", "threads"});
  for (int dpi : {300, 600}) {
    b->Args({dpi, 1});
    if (all_threads() > 1) b->Args({dpi, all_threads()});
  }
  // Wall-clock time: the pool's workers do not show in the main thread's CPU time.
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

void args_dpi_batch(benchmark::internal::Benchmark* b) {
  b->ArgNames({"dpi", "batch"});
  for (int dpi : {300, 600}) {
    for (int batch : {1, 8, 32}) b->Args({dpi, batch});
  }
  b->Unit(benchmark::kMillisecond);
}

void set_opencv_threads(int threads) {
  cv::setNumThreads(threads <= 0 ? all_threads() : threads);
}

void quiet_leptonica() {
  static std::once_flag once;
  std::call_once(once, [] { setMsgSeverity(L_SEVERITY_ERROR); });
}

PixPtr to_pix8(const cv::Mat& gray) {
  quiet_leptonica();
  PixPtr pix(pixCreate(gray.cols, gray.rows, 8));
  l_uint32* data = pixGetData(pix.get());
  const int wpl = pixGetWpl(pix.get());
  for (int y = 0; y < gray.rows; ++y) {
    l_uint32* line = data + static_cast<int64_t>(y) * wpl;
    const uint8_t* src = gray.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; ++x) SET_DATA_BYTE(line, x, src[x]);
  }
  pixSetResolution(pix.get(), 300, 300);
  return pix;
}

PixPtr to_pix32(const cv::Mat& bgr) {
  quiet_leptonica();
  PixPtr pix(pixCreate(bgr.cols, bgr.rows, 32));
  l_uint32* data = pixGetData(pix.get());
  const int wpl = pixGetWpl(pix.get());
  for (int y = 0; y < bgr.rows; ++y) {
    l_uint32* line = data + static_cast<int64_t>(y) * wpl;
    const cv::Vec3b* src = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < bgr.cols; ++x) composeRGBPixel(src[x][2], src[x][1], src[x][0], line + x);
  }
  return pix;
}

PixPtr to_pix1(const cv::Mat& binary) {
  quiet_leptonica();
  PixPtr pix(pixCreate(binary.cols, binary.rows, 1));
  l_uint32* data = pixGetData(pix.get());
  const int wpl = pixGetWpl(pix.get());
  for (int y = 0; y < binary.rows; ++y) {
    l_uint32* line = data + static_cast<int64_t>(y) * wpl;
    const uint8_t* src = binary.ptr<uint8_t>(y);
    for (int x = 0; x < binary.cols; ++x) {
      if (src[x] < 128) SET_DATA_BIT(line, x);
    }
  }
  return pix;
}

#ifdef PAGEPREP_HAVE_CUDA

namespace {

bool cuda_ok(benchmark::State& state, cudaError_t e, const char* what) {
  if (e == cudaSuccess) return true;
  state.SkipWithError((std::string(what) + ": " + cudaGetErrorString(e)).c_str());
  return false;
}

/// Pitched device pages; freed on destruction.
struct DevicePages {
  std::vector<k::GrayView> views;
  std::vector<k::ConstGrayView> const_views;
  ~DevicePages() {
    for (auto& v : views) cudaFree(v.data);
  }
  cudaError_t allocate(int count, int width, int height, int bytes_per_pixel) {
    for (int i = 0; i < count; ++i) {
      k::GrayView v{nullptr, width, height, 0};
      size_t pitch = 0;
      const cudaError_t e = cudaMallocPitch(reinterpret_cast<void**>(&v.data), &pitch,
                                            static_cast<size_t>(width) * bytes_per_pixel, height);
      if (e != cudaSuccess) return e;
      v.pitch = static_cast<int64_t>(pitch);
      views.push_back(v);
      const_views.push_back({v.data, v.width, v.height, v.pitch});
    }
    return cudaSuccess;
  }
  k::GrayBatch batch() const { return {views.data(), static_cast<int32_t>(views.size())}; }
  k::ConstGrayBatch const_batch() const {
    return {const_views.data(), static_cast<int32_t>(const_views.size())};
  }
};

struct PinnedBuffer {
  void* ptr = nullptr;
  ~PinnedBuffer() {
    if (ptr) cudaFreeHost(ptr);
  }
};

}  // namespace

bool require_cuda(benchmark::State& state) {
  if (k::cuda_device_count() > 0) return true;
  state.SkipWithError("no CUDA device");
  return false;
}

const CudaCeilings& cuda_ceilings() {
  static const CudaCeilings c = [] {
    CudaCeilings r;
    const size_t bytes = size_t{1} << 30;
    void *a = nullptr, *b = nullptr, *h = nullptr;
    cudaEvent_t e0, e1;
    if (cudaMalloc(&a, bytes) != cudaSuccess || cudaMalloc(&b, bytes) != cudaSuccess ||
        cudaMallocHost(&h, bytes) != cudaSuccess || cudaEventCreate(&e0) != cudaSuccess ||
        cudaEventCreate(&e1) != cudaSuccess) {
      cudaGetLastError();
      cudaFree(a);
      cudaFree(b);
      cudaFreeHost(h);
      return r;
    }
    cudaMemset(a, 0x5A, bytes);  // never time zeros (METHOD.md)
    std::memset(h, 0xA5, bytes);
    auto median_rate = [&](void* dst, const void* src, cudaMemcpyKind kind, double counted) {
      std::vector<float> ms;
      for (int i = 0; i < 6; ++i) {
        cudaEventRecord(e0);
        cudaMemcpyAsync(dst, src, bytes, kind);
        cudaEventRecord(e1);
        cudaEventSynchronize(e1);
        float t = 0;
        cudaEventElapsedTime(&t, e0, e1);
        if (i > 0) ms.push_back(t);  // the first is the warm-up
      }
      std::sort(ms.begin(), ms.end());
      return counted / (ms[ms.size() / 2] / 1e3);
    };
    r.d2d = median_rate(b, a, cudaMemcpyDeviceToDevice, 2.0 * bytes);  // read + write
    r.h2d = median_rate(a, h, cudaMemcpyHostToDevice, bytes);
    r.d2h = median_rate(h, a, cudaMemcpyDeviceToHost, bytes);
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    cudaFree(a);
    cudaFree(b);
    cudaFreeHost(h);
    return r;
  }();
  return c;
}

void run_cuda_op(benchmark::State& state, const cv::Mat& input, int batch, bool transfers,
                 bool in_place, const CudaOp& op, double min_bytes_per_pixel) {
  if (!require_cuda(state)) return;
  const CudaCeilings& ceil = cuda_ceilings();
  double timed_ms = 0;
  int64_t timed_iterations = 0;
  const int bpp = static_cast<int>(input.elemSize());
  const size_t in_row = static_cast<size_t>(input.cols) * bpp;
  const size_t out_row = static_cast<size_t>(input.cols);
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  if (!cuda_ok(state, cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "stream") ||
      !cuda_ok(state, cudaEventCreate(&start), "event") ||
      !cuda_ok(state, cudaEventCreate(&stop), "event")) {
    return;
  }
  {
    DevicePages in, out;
    PinnedBuffer host_in, host_out;
    const size_t in_bytes = in_row * input.rows, out_bytes = out_row * input.rows;
    bool ok =
        cuda_ok(state, in.allocate(in_place ? 0 : batch, input.cols, input.rows, bpp), "alloc") &&
        cuda_ok(state, out.allocate(batch, input.cols, input.rows, 1), "alloc") &&
        cuda_ok(state, cudaMallocHost(&host_in.ptr, in_bytes * batch), "pinned") &&
        cuda_ok(state, cudaMallocHost(&host_out.ptr, out_bytes * batch), "pinned");
    auto* hin = static_cast<uint8_t*>(host_in.ptr);
    for (int i = 0; ok && i < batch; ++i) {
      for (int y = 0; y < input.rows; ++y) {
        std::memcpy(hin + i * in_bytes + y * in_row, input.ptr(y), in_row);
      }
    }
    // Where the input lives on the device: its own pages, or the outputs when in place.
    DevicePages& src = in_place ? out : in;
    auto upload = [&]() {
      for (int i = 0; i < batch; ++i) {
        cudaMemcpy2DAsync(src.views[i].data, src.views[i].pitch, hin + i * in_bytes, in_row, in_row,
                          input.rows, cudaMemcpyHostToDevice, stream);
      }
    };
    auto download = [&]() {
      auto* hout = static_cast<uint8_t*>(host_out.ptr);
      for (int i = 0; i < batch; ++i) {
        cudaMemcpy2DAsync(hout + i * out_bytes, out_row, out.views[i].data, out.views[i].pitch,
                          out_row, input.rows, cudaMemcpyDeviceToHost, stream);
      }
    };
    if (ok) {
      upload();
      ok = cuda_ok(state, cudaStreamSynchronize(stream), "upload");
    }
    const k::ConstGrayBatch in_batch = src.const_batch();
    for (auto _ : state) {
      if (!ok) break;
      if (in_place && !transfers) upload();  // reset, untimed
      cudaEventRecord(start, stream);
      if (transfers) upload();
      const k::Status s = op(stream, in_batch, out.batch());
      if (!check(state, s, "op")) break;
      if (transfers) download();
      cudaEventRecord(stop, stream);
      if (!cuda_ok(state, cudaEventSynchronize(stop), "sync")) break;
      float ms = 0;
      cudaEventElapsedTime(&ms, start, stop);
      state.SetIterationTime(ms / 1e3);
      timed_ms += ms;
      ++timed_iterations;
    }
    report_pages(state, batch, static_cast<int64_t>(in_bytes));
    if (timed_iterations > 0 && ceil.d2d > 0) {
      const double pixels = static_cast<double>(input.total());
      double floor_s = min_bytes_per_pixel * pixels / ceil.d2d;
      if (transfers && ceil.h2d > 0 && ceil.d2h > 0)
        floor_s +=
            static_cast<double>(in_bytes) / ceil.h2d + static_cast<double>(out_bytes) / ceil.d2h;
      const double per_page_s = timed_ms / 1e3 / static_cast<double>(timed_iterations * batch);
      state.counters["floor_us"] = floor_s * 1e6;
      state.counters["x_floor"] = per_page_s / floor_s;
      state.counters["d2d_GBps"] = ceil.d2d / 1e9;
    }
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaStreamDestroy(stream);
}

#else

bool require_cuda(benchmark::State& state) {
  state.SkipWithError("no CUDA device (built without CUDA)");
  return false;
}

void run_cuda_op(benchmark::State& state, const cv::Mat&, int, bool, bool, const CudaOp&, double) {
  require_cuda(state);
}

const CudaCeilings& cuda_ceilings() {
  static const CudaCeilings c;
  return c;
}

#endif

}  // namespace pageprep::bench
