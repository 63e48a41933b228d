// The whole page path, in pages per second, and Tesseract on the same page so
// "preprocessing / OCR" comes from one run.
//
// - BM_Pipeline_Cpu: PNG bytes in memory -> decode (host codec) -> [background
//   normalization when bg:1] -> skew estimate + rotate (fill: the page's paper
//   level) -> Sauvola -> despeckle -> TIFF G4 bytes (host codec). One page at a
//   time, each operation spread over `threads` threads.
// - BM_Pipeline_Cpu_PageParallel: `threads` workers, each running the same
//   path on its own page with a one-thread pool (how `pageprep run --jobs N`
//   uses cores); items = pages finished.
// - BM_Preprocess_Cpu: the same without decode and encode: deskew + binarize +
//   despeckle (+ background when bg:1), the "preprocessing" of the targets.
// - BM_Decode_Png, BM_Encode_G4: the codec stages alone.
// - BM_Tesseract_Page: tesseract::TessBaseAPI (eng, LSTM, PSM_AUTO,
//   OMP_THREAD_LIMIT=1) on the 300-dpi page; input:0 the raw degraded page,
//   input:1 our deskewed gray page (what `pageprep run` hands Tesseract on
//   clean pages), input:2 the raw page straightened by nearest neighbour (no
//   interpolation: straight lines only), input:3 our deskewed page turned back
//   to the raw angle by nearest neighbour (interpolated, lines skewed again),
//   input:4 our binary page (Sauvola + despeckle). 1 against 0 is what
//   Tesseract's time on a deskewed page costs; 2 and 3 split it into
//   straightening and interpolation (docs/PERFORMANCE.md).
// - BM_Preprocess_Cuda_Transfers (CUDA builds): upload, deskew, Sauvola,
//   despeckle, download, for batches of 1, 8, 32.
#include <tesseract/baseapi.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>

#include <unistd.h>

#include "bench_common.hpp"
#include "io/codec.hpp"
#include "pageprep/kernels/background.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"

#ifdef PAGEPREP_HAVE_CUDA
#include <cuda_runtime_api.h>
#endif

namespace {

namespace b = pageprep::bench;
namespace k = pageprep::kernels;
namespace host = pageprep::host;

/// The operation objects and buffers of one page path, created once.
class PagePath {
 public:
  k::Status init(int dpi, bool background) {
    dpi_ = static_cast<float>(dpi);
    background_ = background;
    const k::BatchLimits limits = b::limits_for(dpi);
    PAGEPREP_RETURN_IF_ERROR(k::cpu::BackgroundNormalize::create({}, limits, &bg_));
    PAGEPREP_RETURN_IF_ERROR(k::cpu::SkewEstimator::create({}, limits, &skew_));
    PAGEPREP_RETURN_IF_ERROR(k::cpu::Binarize::create({}, limits, &binarize_));
    PAGEPREP_RETURN_IF_ERROR(k::cpu::Despeckle::create({}, limits, &despeckle_));
    return k::Status::ok();
  }

  /// Deskew + binarize + despeckle (+ background) of `gray` into binary().
  k::Status preprocess(k::cpu::ThreadPool& pool, const cv::Mat& gray) {
    normalized_.create(gray.size(), CV_8UC1);
    rotated_.create(gray.size(), CV_8UC1);
    binary_.create(gray.size(), CV_8UC1);
    k::ConstGrayView src = b::cview(gray);
    if (background_) {
      const k::GrayView n = b::view(normalized_);
      PAGEPREP_RETURN_IF_ERROR(bg_->run(pool, {&src, 1}, {&n, 1}, &dpi_));
      src = b::cview(normalized_);
    }
    k::SkewResult skew;
    PAGEPREP_RETURN_IF_ERROR(skew_->run(pool, {&src, 1}, &skew, &dpi_));
    angle_ = skew.angle_deg;
    const float angle = skew.confident ? -skew.angle_deg : 0.f;
    const uint8_t fill = k::cpu::background_level(src);
    const k::GrayView r = b::view(rotated_);
    PAGEPREP_RETURN_IF_ERROR(k::cpu::rotate(pool, {}, {&src, 1}, {&r, 1}, &angle, &fill));
    const k::ConstGrayView rc = b::cview(rotated_);
    const k::GrayView bin = b::view(binary_);
    PAGEPREP_RETURN_IF_ERROR(binarize_->run(pool, {&rc, 1}, {&bin, 1}, &dpi_));
    return despeckle_->run(pool, {&bin, 1}, &dpi_);
  }

  /// decode -> preprocess -> encode.
  k::Status full(k::cpu::ThreadPool& pool, const std::vector<uint8_t>& png) {
    host::DecodeResult d = host::decode_page_from_memory(png, "bench", 0, {}, pool);
    if (d.error != host::PageError::kNone) return {k::StatusCode::kInternal, d.message};
    PAGEPREP_RETURN_IF_ERROR(preprocess(pool, d.page.gray));
    host::EncodeResult e = host::encode_page(binary_, host::OutputFormat::kTiffG4, dpi_, true);
    if (e.error != host::PageError::kNone) return {k::StatusCode::kInternal, e.message};
    encoded_bytes_ = static_cast<int64_t>(e.bytes.size());
    return k::Status::ok();
  }

  const cv::Mat& rotated() const { return rotated_; }
  const cv::Mat& binary() const { return binary_; }
  float angle() const { return angle_; }
  int64_t encoded_bytes() const { return encoded_bytes_; }

 private:
  float dpi_ = 300.f;
  bool background_ = false;
  std::unique_ptr<k::cpu::BackgroundNormalize> bg_;
  std::unique_ptr<k::cpu::SkewEstimator> skew_;
  std::unique_ptr<k::cpu::Binarize> binarize_;
  std::unique_ptr<k::cpu::Despeckle> despeckle_;
  cv::Mat normalized_, rotated_, binary_;
  float angle_ = 0;
  int64_t encoded_bytes_ = 0;
};

/// The standard page as PNG bytes with its dpi, encoded once.
const std::vector<uint8_t>& png_page(int dpi) {
  static std::vector<uint8_t> cache[2];
  std::vector<uint8_t>& png = cache[dpi == 600 ? 1 : 0];
  if (png.empty()) {
    host::EncodeResult e =
        host::encode_page(b::a4_page(dpi).gray, host::OutputFormat::kPng, dpi, false);
    png = std::move(e.bytes);
  }
  return png;
}

void args_pipeline(benchmark::internal::Benchmark* bm) {
  bm->ArgNames({"dpi", "threads", "bg"});
  for (int dpi : {300, 600}) {
    for (int threads : {1, b::all_threads()}) {
      for (int bg : {0, 1}) {
        bm->Args({dpi, threads, bg});
      }
      if (b::all_threads() == 1) break;
    }
  }
  bm->Unit(benchmark::kMillisecond)->UseRealTime();
}

void BM_Pipeline_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  const std::vector<uint8_t>& png = png_page(dpi);
  PagePath path;
  if (!b::check(state, path.init(dpi, state.range(2) != 0), "init")) return;
  for (auto _ : state) {
    if (!b::check(state, path.full(pool, png), "page")) break;
  }
  b::report_pages(state, 1, static_cast<int64_t>(b::a4_page(dpi).gray.total()));
  state.counters["png_kib"] = static_cast<double>(png.size()) / 1024.0;
  state.counters["g4_kib"] = static_cast<double>(path.encoded_bytes()) / 1024.0;
}
BENCHMARK(BM_Pipeline_Cpu)->Apply(args_pipeline);

void BM_Pipeline_Cpu_PageParallel(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const int workers = static_cast<int>(state.range(1));
  const std::vector<uint8_t>& png = png_page(dpi);
  std::vector<PagePath> paths(static_cast<size_t>(workers));
  std::vector<std::unique_ptr<k::cpu::ThreadPool>> pools;
  for (auto& p : paths) {
    if (!b::check(state, p.init(dpi, state.range(2) != 0), "init")) return;
    pools.push_back(std::make_unique<k::cpu::ThreadPool>(1));
  }
  std::vector<k::Status> status(static_cast<size_t>(workers));
  for (auto _ : state) {
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] { status[w] = paths[w].full(*pools[w], png); });
    }
    for (auto& t : threads) t.join();
    bool ok = true;
    for (const auto& s : status) ok = ok && b::check(state, s, "page");
    if (!ok) break;
  }
  b::report_pages(state, workers, static_cast<int64_t>(b::a4_page(dpi).gray.total()));
}
BENCHMARK(BM_Pipeline_Cpu_PageParallel)->Apply(args_pipeline);

void BM_Preprocess_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  const b::BenchPage& page = b::a4_page(dpi);
  PagePath path;
  if (!b::check(state, path.init(dpi, state.range(2) != 0), "init")) return;
  for (auto _ : state) {
    if (!b::check(state, path.preprocess(pool, page.gray), "page")) break;
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
  state.counters["skew_err_deg"] = std::abs(path.angle() - page.skew_deg);
}
BENCHMARK(BM_Preprocess_Cpu)->Apply(args_pipeline);

/// The codec stages alone, to break the pipeline down.
void BM_Decode_Png(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  const std::vector<uint8_t>& png = png_page(dpi);
  for (auto _ : state) {
    host::DecodeResult d = host::decode_page_from_memory(png, "bench", 0, {}, pool);
    if (d.error != host::PageError::kNone) {
      state.SkipWithError(d.message.c_str());
      break;
    }
    benchmark::DoNotOptimize(d.page.gray.data);
  }
  b::report_pages(state, 1, static_cast<int64_t>(b::a4_page(dpi).gray.total()));
}
BENCHMARK(BM_Decode_Png)->Apply(b::args_dpi_threads);

void BM_Encode_G4(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const cv::Mat& bin = b::a4_binary(dpi);
  for (auto _ : state) {
    host::EncodeResult e = host::encode_page(bin, host::OutputFormat::kTiffG4, dpi, true);
    if (e.error != host::PageError::kNone) {
      state.SkipWithError(e.message.c_str());
      break;
    }
    benchmark::DoNotOptimize(e.bytes.data());
  }
  b::report_pages(state, 1, static_cast<int64_t>(bin.total()));
}
BENCHMARK(BM_Encode_G4)->Apply(b::args_dpi);

void BM_Tesseract_Page(benchmark::State& state) {
  const int dpi = 300;
  const b::BenchPage& page = b::a4_page(dpi);
  cv::Mat input = page.gray;
  const int64_t which = state.range(0);
  if (which > 0) {
    PagePath path;
    if (!b::check(state, path.init(dpi, false), "init")) return;
    if (!b::check(state, path.preprocess(b::pool(0), page.gray), "preprocess")) return;
    // Turns `m` by `deg` (counter-clockwise) about its centre, nearest neighbour.
    auto turn_nearest = [](const cv::Mat& m, double deg, uint8_t fill) {
      const cv::Mat r = cv::getRotationMatrix2D(
          cv::Point2f(static_cast<float>(m.cols - 1) / 2.f, static_cast<float>(m.rows - 1) / 2.f),
          deg, 1.0);
      cv::Mat out;
      cv::warpAffine(m, out, r, m.size(), cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(fill));
      return out;
    };
    const uint8_t paper = k::cpu::background_level(
        {page.gray.data, page.gray.cols, page.gray.rows, static_cast<int64_t>(page.gray.step[0])});
    if (which == 1) input = path.rotated().clone();
    if (which == 2) input = turn_nearest(page.gray, -path.angle(), paper);
    if (which == 3) input = turn_nearest(path.rotated(), path.angle(), paper);
    if (which == 4) input = path.binary().clone();
  }
  setenv("OMP_THREAD_LIMIT", "1", 1);  // main() made sure it was set before libgomp loaded
  tesseract::TessBaseAPI api;
  if (api.Init(nullptr, "eng", tesseract::OEM_LSTM_ONLY) != 0) {
    state.SkipWithError("tesseract: cannot load eng");
    return;
  }
  api.SetPageSegMode(tesseract::PSM_AUTO);
  api.SetVariable("debug_file", "/dev/null");
  size_t chars = 0;
  for (auto _ : state) {
    api.SetImage(input.data, input.cols, input.rows, 1, static_cast<int>(input.step[0]));
    api.SetSourceResolution(dpi);
    char* text = api.GetUTF8Text();
    chars = text ? std::strlen(text) : 0;
    delete[] text;
    api.Clear();
  }
  api.End();
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
  state.counters["chars"] = static_cast<double>(chars);
}
BENCHMARK(BM_Tesseract_Page)
    ->ArgNames({"input"})
    ->DenseRange(0, 4)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

#ifdef PAGEPREP_HAVE_CUDA
/// A device batch of `count` pages of w x h, freed on destruction.
struct DeviceScratch {
  std::vector<k::GrayView> views;
  std::vector<k::ConstGrayView> cviews;
  ~DeviceScratch() {
    for (auto& v : views) cudaFree(v.data);
  }
  bool allocate(int count, int w, int h) {
    for (int i = 0; i < count; ++i) {
      k::GrayView v{nullptr, w, h, 0};
      size_t pitch = 0;
      if (cudaMallocPitch(reinterpret_cast<void**>(&v.data), &pitch, static_cast<size_t>(w), h) !=
          cudaSuccess)
        return false;
      v.pitch = static_cast<int64_t>(pitch);
      views.push_back(v);
      cviews.push_back({v.data, v.width, v.height, v.pitch});
    }
    return true;
  }
};

void BM_Preprocess_Cuda_Transfers(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  if (!b::require_cuda(state)) return;
  const k::BatchLimits limits = b::limits_for(dpi, batch);
  std::unique_ptr<k::cuda::SkewEstimator> skew;
  std::unique_ptr<k::cuda::Binarize> binarize;
  std::unique_ptr<k::cuda::Despeckle> despeckle;
  if (!b::check(state, k::cuda::SkewEstimator::create({}, limits, &skew), "skew") ||
      !b::check(state, k::cuda::Binarize::create({}, limits, &binarize), "binarize") ||
      !b::check(state, k::cuda::Despeckle::create({}, limits, &despeckle), "despeckle"))
    return;
  const cv::Mat& gray = b::a4_page(dpi).gray;
  DeviceScratch rotated;
  if (!rotated.allocate(batch, gray.cols, gray.rows)) {
    state.SkipWithError("cudaMallocPitch failed");
    return;
  }
  const std::vector<float> dpis(batch, static_cast<float>(dpi));
  std::vector<k::SkewResult> results(batch);
  std::vector<float> angles(batch);
  const std::vector<uint8_t> fills(batch, 255);
  const k::GrayBatch rot{rotated.views.data(), batch};
  const k::ConstGrayBatch rot_c{rotated.cviews.data(), batch};
  b::run_cuda_op(
      state, gray, batch, true, false,
      [&](k::cuda::Stream s, k::ConstGrayBatch in, k::GrayBatch out) {
        PAGEPREP_RETURN_IF_ERROR(skew->run(s, in, results.data(), dpis.data()));
        for (int i = 0; i < batch; ++i) {
          angles[i] = results[i].confident ? -results[i].angle_deg : 0.f;
        }
        PAGEPREP_RETURN_IF_ERROR(k::cuda::rotate(s, {}, in, rot, angles.data(), fills.data()));
        PAGEPREP_RETURN_IF_ERROR(binarize->run(s, rot_c, out, dpis.data()));
        return despeckle->run(s, out, dpis.data());
      });
}
BENCHMARK(BM_Preprocess_Cuda_Transfers)->Apply(b::args_dpi_batch)->UseManualTime();
#endif

}  // namespace

// libgomp reads OMP_THREAD_LIMIT when it is loaded, before main() runs, so a
// setenv() in the benchmark would come too late: re-execute once with it set.
int main(int argc, char** argv) {
  if (std::getenv("OMP_THREAD_LIMIT") == nullptr) {
    setenv("OMP_THREAD_LIMIT", "1", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: carry on regardless
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
