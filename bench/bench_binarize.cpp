// Binarization of an A4 page.
// - Otsu (global): ours vs cv::threshold(THRESH_OTSU) vs pixOtsuAdaptiveThreshold
//   with one tile covering the page (= global Otsu) and no smoothing.
// - Sauvola, window 31 at 300 dpi / 61 at 600 dpi, k 0.34, R 128: ours vs
//   pixSauvolaBinarize (whsize = window / 2, same k) vs OpenCV contrib's
//   cv::ximgproc::niBlackThreshold(BINARIZATION_SAUVOLA) when built, plus
//   cv::adaptiveThreshold(ADAPTIVE_THRESH_MEAN_C): NOT Sauvola (mean - C, no
//   standard deviation), listed as the cheapest local threshold OpenCV has.
// - Wolf-Jolion: ours vs niBlackThreshold(BINARIZATION_WOLF).
#include <opencv2/imgproc.hpp>
#ifdef PAGEPREP_BENCH_HAVE_XIMGPROC
#include <opencv2/ximgproc.hpp>
#endif

#include "bench_common.hpp"
#include "pageprep/kernels/binarize.hpp"

namespace {

namespace b = pageprep::bench;
namespace k = pageprep::kernels;

int window_for(int dpi) {
  return k::binarize_window(k::BinarizeParams{}, static_cast<float>(dpi));
}

void cpu_binarize(benchmark::State& state, k::BinarizeMethod method) {
  const int dpi = static_cast<int>(state.range(0));
  const b::BenchPage& page = b::a4_page(dpi);
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  k::BinarizeParams params;
  params.method = method;
  std::unique_ptr<k::cpu::Binarize> op;
  if (!b::check(state, k::cpu::Binarize::create(params, b::limits_for(dpi), &op), "create")) return;
  cv::Mat out(page.gray.size(), CV_8UC1);
  const k::ConstGrayView in = b::cview(page.gray);
  const k::GrayView o = b::view(out);
  const float fdpi = static_cast<float>(dpi);
  for (auto _ : state) {
    if (!b::check(state, op->run(pool, {&in, 1}, {&o, 1}, &fdpi), "run")) break;
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
  state.counters["window"] = window_for(dpi);
}

void BM_Binarize_Cpu_Otsu(benchmark::State& state) {
  cpu_binarize(state, k::BinarizeMethod::kOtsu);
}
void BM_Binarize_Cpu_Sauvola(benchmark::State& state) {
  cpu_binarize(state, k::BinarizeMethod::kSauvola);
}
void BM_Binarize_Cpu_Wolf(benchmark::State& state) {
  cpu_binarize(state, k::BinarizeMethod::kWolf);
}
BENCHMARK(BM_Binarize_Cpu_Otsu)->Apply(b::args_dpi_threads);
BENCHMARK(BM_Binarize_Cpu_Sauvola)->Apply(b::args_dpi_threads);
BENCHMARK(BM_Binarize_Cpu_Wolf)->Apply(b::args_dpi_threads);

// --- OpenCV ----------------------------------------------------------------

void BM_Binarize_OpenCV_Otsu(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  b::set_opencv_threads(static_cast<int>(state.range(1)));
  cv::Mat out(page.gray.size(), CV_8UC1);
  for (auto _ : state) {
    cv::threshold(page.gray, out, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Binarize_OpenCV_Otsu)->Apply(b::args_dpi_threads);

/// Mean - C adaptive threshold (NOT Sauvola), same window.
void BM_Binarize_OpenCV_AdaptiveMeanC(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const b::BenchPage& page = b::a4_page(dpi);
  b::set_opencv_threads(static_cast<int>(state.range(1)));
  cv::Mat out(page.gray.size(), CV_8UC1);
  for (auto _ : state) {
    cv::adaptiveThreshold(page.gray, out, 255, cv::ADAPTIVE_THRESH_MEAN_C, cv::THRESH_BINARY,
                          window_for(dpi), 10);
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Binarize_OpenCV_AdaptiveMeanC)->Apply(b::args_dpi_threads);

#ifdef PAGEPREP_BENCH_HAVE_XIMGPROC
void opencv_niblack(benchmark::State& state, int method, double kval) {
  const int dpi = static_cast<int>(state.range(0));
  const b::BenchPage& page = b::a4_page(dpi);
  b::set_opencv_threads(static_cast<int>(state.range(1)));
  cv::Mat out(page.gray.size(), CV_8UC1);
  for (auto _ : state) {
    cv::ximgproc::niBlackThreshold(page.gray, out, 255, cv::THRESH_BINARY, window_for(dpi), kval,
                                   method, 128);
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
void BM_Binarize_OpenCV_Sauvola(benchmark::State& state) {
  opencv_niblack(state, cv::ximgproc::BINARIZATION_SAUVOLA, k::kSauvolaDefaultK);
}
void BM_Binarize_OpenCV_Wolf(benchmark::State& state) {
  opencv_niblack(state, cv::ximgproc::BINARIZATION_WOLF, k::kWolfDefaultK);
}
BENCHMARK(BM_Binarize_OpenCV_Sauvola)->Apply(b::args_dpi_threads);
BENCHMARK(BM_Binarize_OpenCV_Wolf)->Apply(b::args_dpi_threads);
#endif

// --- Leptonica -------------------------------------------------------------

void BM_Binarize_Leptonica_Otsu(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  b::PixPtr pix = b::to_pix8(page.gray);
  for (auto _ : state) {
    PIX* th = nullptr;
    PIX* out = nullptr;
    if (pixOtsuAdaptiveThreshold(pix.get(), page.gray.cols, page.gray.rows, 0, 0, 0.0f, &th,
                                 &out) != 0) {
      state.SkipWithError("pixOtsuAdaptiveThreshold failed");
      break;
    }
    b::PixPtr th_owner(th), out_owner(out);
    benchmark::DoNotOptimize(out);
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Binarize_Leptonica_Otsu)->Apply(b::args_dpi);

void BM_Binarize_Leptonica_Sauvola(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const b::BenchPage& page = b::a4_page(dpi);
  b::PixPtr pix = b::to_pix8(page.gray);
  const int whsize = window_for(dpi) / 2;  // window = 2 * whsize + 1
  for (auto _ : state) {
    PIX* out = nullptr;
    if (pixSauvolaBinarize(pix.get(), whsize, k::kSauvolaDefaultK, 1, nullptr, nullptr, nullptr,
                           &out) != 0) {
      state.SkipWithError("pixSauvolaBinarize failed");
      break;
    }
    b::PixPtr owner(out);
    benchmark::DoNotOptimize(out);
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
  state.counters["window"] = 2 * whsize + 1;
}
BENCHMARK(BM_Binarize_Leptonica_Sauvola)->Apply(b::args_dpi);

// --- CUDA ------------------------------------------------------------------

#ifdef PAGEPREP_HAVE_CUDA
void cuda_binarize(benchmark::State& state, k::BinarizeMethod method, bool transfers) {
  const int dpi = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  k::BinarizeParams params;
  params.method = method;
  std::unique_ptr<k::cuda::Binarize> op;
  if (!b::require_cuda(state)) return;
  if (!b::check(state, k::cuda::Binarize::create(params, b::limits_for(dpi, batch), &op), "create"))
    return;
  const std::vector<float> dpis(batch, static_cast<float>(dpi));
  b::run_cuda_op(
      state, b::a4_page(dpi).gray, batch, transfers, false,
      [&](k::cuda::Stream s, k::ConstGrayBatch in, k::GrayBatch out) {
        return op->run(s, in, out, dpis.data());
      },
      // Otsu reads the page twice (histogram, then apply); Wolf
      // twice (statistics, then decide); Sauvola once.
      method == k::BinarizeMethod::kSauvola ? 2.0 : 3.0);
}
void BM_Binarize_Cuda_Otsu(benchmark::State& state) {
  cuda_binarize(state, k::BinarizeMethod::kOtsu, false);
}
void BM_Binarize_Cuda_Sauvola(benchmark::State& state) {
  cuda_binarize(state, k::BinarizeMethod::kSauvola, false);
}
void BM_Binarize_Cuda_Wolf(benchmark::State& state) {
  cuda_binarize(state, k::BinarizeMethod::kWolf, false);
}
void BM_Binarize_Cuda_Sauvola_Transfers(benchmark::State& state) {
  cuda_binarize(state, k::BinarizeMethod::kSauvola, true);
}
BENCHMARK(BM_Binarize_Cuda_Otsu)->Apply(b::args_dpi_batch)->UseManualTime();
BENCHMARK(BM_Binarize_Cuda_Sauvola)->Apply(b::args_dpi_batch)->UseManualTime();
BENCHMARK(BM_Binarize_Cuda_Wolf)->Apply(b::args_dpi_batch)->UseManualTime();
BENCHMARK(BM_Binarize_Cuda_Sauvola_Transfers)->Apply(b::args_dpi_batch)->UseManualTime();
#endif

}  // namespace

BENCHMARK_MAIN();
