// Despeckle of a binarized A4 page (our Sauvola output of the standard page):
// removing 8-connected ink components of at most max_area pixels (4 at 300 dpi,
// 16 at 600 dpi, despeckle_max_area()).
// - ours: in place; the page is restored from a copy between iterations,
//   outside the timed region.
// - OpenCV: invert (ink must be non-zero), connectedComponentsWithStats
//   (8-connected), then erase the labels with area <= max_area: the same work,
//   all of it timed.
// - Leptonica: pixSelectByArea(1 bpp, max_area, 8, L_SELECT_IF_GT) on a 1 bpp
//   PIX made outside the loop (keeps the components with more pixels);
//   _FromGray adds the 8 bpp -> 1 bpp -> 8 bpp conversions to it.
#include <opencv2/imgproc.hpp>

#include "bench_common.hpp"
#include "pageprep/kernels/denoise.hpp"

namespace {

namespace b = pageprep::bench;
namespace k = pageprep::kernels;

int32_t max_area(int dpi) {
  return k::despeckle_max_area({}, static_cast<float>(dpi));
}

void BM_Despeckle_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const cv::Mat& bin = b::a4_binary(dpi);
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  std::unique_ptr<k::cpu::Despeckle> op;
  if (!b::check(state, k::cpu::Despeckle::create({}, b::limits_for(dpi), &op), "create")) return;
  cv::Mat work = bin.clone();
  const k::GrayView v = b::view(work);
  const float fdpi = static_cast<float>(dpi);
  int64_t removed = 0;
  for (auto _ : state) {
    state.PauseTiming();
    bin.copyTo(work);
    state.ResumeTiming();
    if (!b::check(state, op->run(pool, {&v, 1}, &fdpi, &removed), "run")) break;
    benchmark::DoNotOptimize(work.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(bin.total()));
  state.counters["removed"] = static_cast<double>(removed);
}
BENCHMARK(BM_Despeckle_Cpu)->Apply(b::args_dpi_threads);

void BM_Despeckle_OpenCV(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const cv::Mat& bin = b::a4_binary(dpi);
  b::set_opencv_threads(static_cast<int>(state.range(1)));
  const int32_t limit = max_area(dpi);
  cv::Mat inv, labels, stats, centroids, out;
  std::vector<uint8_t> erase;
  int64_t removed = 0;
  for (auto _ : state) {
    cv::bitwise_not(bin, inv);
    const int n = cv::connectedComponentsWithStats(inv, labels, stats, centroids, 8, CV_32S);
    erase.assign(static_cast<size_t>(n), 0);
    removed = 0;
    for (int i = 1; i < n; ++i) {
      if (stats.at<int>(i, cv::CC_STAT_AREA) <= limit) erase[i] = 1, ++removed;
    }
    bin.copyTo(out);
    for (int y = 0; y < out.rows; ++y) {
      const int32_t* l = labels.ptr<int32_t>(y);
      uint8_t* o = out.ptr<uint8_t>(y);
      for (int x = 0; x < out.cols; ++x) {
        if (erase[static_cast<size_t>(l[x])]) o[x] = 255;
      }
    }
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(bin.total()));
  state.counters["removed"] = static_cast<double>(removed);
}
BENCHMARK(BM_Despeckle_OpenCV)->Apply(b::args_dpi_threads);

void BM_Despeckle_Leptonica(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const cv::Mat& bin = b::a4_binary(dpi);
  b::PixPtr pix = b::to_pix1(bin);
  const int32_t limit = max_area(dpi);
  for (auto _ : state) {
    l_int32 changed = 0;
    b::PixPtr out(
        pixSelectByArea(pix.get(), static_cast<l_float32>(limit), 8, L_SELECT_IF_GT, &changed));
    if (!out) {
      state.SkipWithError("pixSelectByArea failed");
      break;
    }
    benchmark::DoNotOptimize(out.get());
  }
  b::report_pages(state, 1, static_cast<int64_t>(bin.total()));
}
BENCHMARK(BM_Despeckle_Leptonica)->Apply(b::args_dpi);

/// The same with the conversions our pipeline would need around it: 8 bpp page
/// in, 8 bpp page out (pixConvertTo1 at 128, pixConvertTo8).
void BM_Despeckle_Leptonica_FromGray(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const cv::Mat& bin = b::a4_binary(dpi);
  b::PixPtr pix = b::to_pix8(bin);
  const int32_t limit = max_area(dpi);
  for (auto _ : state) {
    l_int32 changed = 0;
    b::PixPtr one(pixConvertTo1(pix.get(), 128));
    b::PixPtr sel(
        pixSelectByArea(one.get(), static_cast<l_float32>(limit), 8, L_SELECT_IF_GT, &changed));
    b::PixPtr out(sel ? pixConvertTo8(sel.get(), 0) : nullptr);
    if (!out) {
      state.SkipWithError("leptonica despeckle failed");
      break;
    }
    benchmark::DoNotOptimize(out.get());
  }
  b::report_pages(state, 1, static_cast<int64_t>(bin.total()));
}
BENCHMARK(BM_Despeckle_Leptonica_FromGray)->Apply(b::args_dpi);

#ifdef PAGEPREP_HAVE_CUDA
void cuda_despeckle(benchmark::State& state, bool transfers) {
  const int dpi = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  if (!b::require_cuda(state)) return;
  std::unique_ptr<k::cuda::Despeckle> op;
  if (!b::check(state, k::cuda::Despeckle::create({}, b::limits_for(dpi, batch), &op), "create"))
    return;
  const std::vector<float> dpis(batch, static_cast<float>(dpi));
  b::run_cuda_op(state, b::a4_binary(dpi), batch, transfers, true,
                 [&](k::cuda::Stream s, k::ConstGrayBatch, k::GrayBatch pages) {
                   return op->run(s, pages, dpis.data());
                 });
}
void BM_Despeckle_Cuda(benchmark::State& state) {
  cuda_despeckle(state, false);
}
void BM_Despeckle_Cuda_Transfers(benchmark::State& state) {
  cuda_despeckle(state, true);
}
BENCHMARK(BM_Despeckle_Cuda)->Apply(b::args_dpi_batch)->UseManualTime();
BENCHMARK(BM_Despeckle_Cuda_Transfers)->Apply(b::args_dpi_batch)->UseManualTime();
#endif

}  // namespace

BENCHMARK_MAIN();
