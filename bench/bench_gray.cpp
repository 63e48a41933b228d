// Gray conversion of a BGR A4 page: ours (BT.601 in Q14, like OpenCV) against
// cv::cvtColor(BGR2GRAY) and Leptonica's pixConvertRGBToGray.
#include <opencv2/imgproc.hpp>

#include "bench_common.hpp"
#include "pageprep/kernels/gray.hpp"

namespace {

namespace b = pageprep::bench;
namespace k = pageprep::kernels;

void BM_Gray_Cpu(benchmark::State& state) {
  const cv::Mat& bgr = b::a4_color(static_cast<int>(state.range(0)));
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  cv::Mat out(bgr.size(), CV_8UC1);
  const k::ConstGrayView in = b::cview(bgr);
  const k::GrayView o = b::view(out);
  for (auto _ : state) {
    if (!b::check(state, k::cpu::gray_convert(pool, k::PixelFormat::kBgr8, {&in, 1}, {&o, 1}),
                  "gray"))
      break;
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(bgr.total() * bgr.elemSize()));
}
BENCHMARK(BM_Gray_Cpu)->Apply(b::args_dpi_threads);

void BM_Gray_OpenCV(benchmark::State& state) {
  const cv::Mat& bgr = b::a4_color(static_cast<int>(state.range(0)));
  b::set_opencv_threads(static_cast<int>(state.range(1)));
  cv::Mat out(bgr.size(), CV_8UC1);
  for (auto _ : state) {
    cv::cvtColor(bgr, out, cv::COLOR_BGR2GRAY);
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(bgr.total() * bgr.elemSize()));
}
BENCHMARK(BM_Gray_OpenCV)->Apply(b::args_dpi_threads);

void BM_Gray_Leptonica(benchmark::State& state) {
  const cv::Mat& bgr = b::a4_color(static_cast<int>(state.range(0)));
  b::PixPtr pix = b::to_pix32(bgr);
  for (auto _ : state) {
    b::PixPtr out(pixConvertRGBToGray(pix.get(), 0.299f, 0.587f, 0.114f));
    benchmark::DoNotOptimize(out.get());
  }
  b::report_pages(state, 1, static_cast<int64_t>(bgr.total() * bgr.elemSize()));
}
BENCHMARK(BM_Gray_Leptonica)->Apply(b::args_dpi);

#ifdef PAGEPREP_HAVE_CUDA
void cuda_gray(benchmark::State& state, bool transfers) {
  const cv::Mat& bgr = b::a4_color(static_cast<int>(state.range(0)));
  b::run_cuda_op(
      state, bgr, static_cast<int>(state.range(1)), transfers, false,
      [](k::cuda::Stream s, k::ConstGrayBatch in, k::GrayBatch out) {
        return k::cuda::gray_convert(s, k::PixelFormat::kBgr8, in, out);
      },
      /*min_bytes_per_pixel=*/4.0);  // 3 bytes in, 1 out
}
void BM_Gray_Cuda(benchmark::State& state) {
  cuda_gray(state, false);
}
void BM_Gray_Cuda_Transfers(benchmark::State& state) {
  cuda_gray(state, true);
}
BENCHMARK(BM_Gray_Cuda)->Apply(b::args_dpi_batch)->UseManualTime();
BENCHMARK(BM_Gray_Cuda_Transfers)->Apply(b::args_dpi_batch)->UseManualTime();
#endif

}  // namespace

BENCHMARK_MAIN();
