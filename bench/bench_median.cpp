// 3x3 median of an A4 page: ours vs cv::medianBlur(3) vs Leptonica's
// pixMedianFilter(3, 3).
#include <opencv2/imgproc.hpp>

#include "bench_common.hpp"
#include "pageprep/kernels/denoise.hpp"

namespace {

namespace b = pageprep::bench;
namespace k = pageprep::kernels;

void BM_Median_Cpu(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  cv::Mat out(page.gray.size(), CV_8UC1);
  const k::ConstGrayView in = b::cview(page.gray);
  const k::GrayView o = b::view(out);
  for (auto _ : state) {
    if (!b::check(state, k::cpu::median3x3(pool, {&in, 1}, {&o, 1}), "median")) break;
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Median_Cpu)->Apply(b::args_dpi_threads);

void BM_Median_OpenCV(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  b::set_opencv_threads(static_cast<int>(state.range(1)));
  cv::Mat out(page.gray.size(), CV_8UC1);
  for (auto _ : state) {
    cv::medianBlur(page.gray, out, 3);
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Median_OpenCV)->Apply(b::args_dpi_threads);

void BM_Median_Leptonica(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  b::PixPtr pix = b::to_pix8(page.gray);
  for (auto _ : state) {
    b::PixPtr out(pixMedianFilter(pix.get(), 3, 3));
    if (!out) {
      state.SkipWithError("pixMedianFilter failed");
      break;
    }
    benchmark::DoNotOptimize(out.get());
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Median_Leptonica)->Apply(b::args_dpi);

#ifdef PAGEPREP_HAVE_CUDA
void cuda_median(benchmark::State& state, bool transfers) {
  const int dpi = static_cast<int>(state.range(0));
  b::run_cuda_op(state, b::a4_page(dpi).gray, static_cast<int>(state.range(1)), transfers, false,
                 [](k::cuda::Stream s, k::ConstGrayBatch in, k::GrayBatch out) {
                   return k::cuda::median3x3(s, in, out);
                 });
}
void BM_Median_Cuda(benchmark::State& state) {
  cuda_median(state, false);
}
void BM_Median_Cuda_Transfers(benchmark::State& state) {
  cuda_median(state, true);
}
BENCHMARK(BM_Median_Cuda)->Apply(b::args_dpi_batch)->UseManualTime();
BENCHMARK(BM_Median_Cuda_Transfers)->Apply(b::args_dpi_batch)->UseManualTime();
#endif

}  // namespace

BENCHMARK_MAIN();
