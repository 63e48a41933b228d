// Background normalization of an A4 page: ours (tile 32 px at 300 dpi, 64 at
// 600, target 240) vs Leptonica's pixBackgroundNorm with its default tiling
// (pixBackgroundNormSimple's 10 x 15 tiles, thresh 100, mincount 50,
// smoothing 2 x 1) and the same target (bgval 240).
#include "bench_common.hpp"
#include "pageprep/kernels/background.hpp"

namespace {

namespace b = pageprep::bench;
namespace k = pageprep::kernels;

void BM_Background_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const b::BenchPage& page = b::a4_page(dpi);
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  std::unique_ptr<k::cpu::BackgroundNormalize> op;
  if (!b::check(state, k::cpu::BackgroundNormalize::create({}, b::limits_for(dpi), &op), "create"))
    return;
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
  state.counters["tile"] = k::background_tile({}, fdpi);
}
BENCHMARK(BM_Background_Cpu)->Apply(b::args_dpi_threads);

void BM_Background_Leptonica(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  b::PixPtr pix = b::to_pix8(page.gray);
  for (auto _ : state) {
    b::PixPtr out(pixBackgroundNorm(pix.get(), nullptr, nullptr, 10, 15, 100, 50, 240, 2, 1));
    if (!out) {
      state.SkipWithError("pixBackgroundNorm failed");
      break;
    }
    benchmark::DoNotOptimize(out.get());
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Background_Leptonica)->Apply(b::args_dpi);

#ifdef PAGEPREP_HAVE_CUDA
void cuda_background(benchmark::State& state, bool transfers) {
  const int dpi = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  if (!b::require_cuda(state)) return;
  std::unique_ptr<k::cuda::BackgroundNormalize> op;
  if (!b::check(state, k::cuda::BackgroundNormalize::create({}, b::limits_for(dpi, batch), &op),
                "create"))
    return;
  const std::vector<float> dpis(batch, static_cast<float>(dpi));
  b::run_cuda_op(state, b::a4_page(dpi).gray, batch, transfers, false,
                 [&](k::cuda::Stream s, k::ConstGrayBatch in, k::GrayBatch out) {
                   return op->run(s, in, out, dpis.data());
                 });
}
void BM_Background_Cuda(benchmark::State& state) {
  cuda_background(state, false);
}
void BM_Background_Cuda_Transfers(benchmark::State& state) {
  cuda_background(state, true);
}
BENCHMARK(BM_Background_Cuda)->Apply(b::args_dpi_batch)->UseManualTime();
BENCHMARK(BM_Background_Cuda_Transfers)->Apply(b::args_dpi_batch)->UseManualTime();
#endif

}  // namespace

BENCHMARK_MAIN();
