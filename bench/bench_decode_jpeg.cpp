// JPEG decoding to an 8-bit gray page: ours (libjpeg directly, with its
// warnings checked, host/io/codec_jpeg.cpp) against OpenCV's imdecode, which
// the codec used before. Gray JPEG (a scanned page saved as gray) and colour
// JPEG (the same page in colour), quality 90, A4 at 300 and 600 dpi.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <map>
#include <utility>
#include <vector>

#include "bench_common.hpp"
#include "io/codec.hpp"

namespace {

namespace b = pageprep::bench;

const std::vector<uint8_t>& jpeg_of(int dpi, bool colour) {
  static std::map<std::pair<int, bool>, std::vector<uint8_t>> cache;
  auto& out = cache[{dpi, colour}];
  if (out.empty())
    cv::imencode(".jpg", colour ? b::a4_color(dpi) : b::a4_page(dpi).gray, out,
                 {cv::IMWRITE_JPEG_QUALITY, 90});
  return out;
}

void BM_DecodeJpeg_Pageprep(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const bool colour = state.range(1) != 0;
  const std::vector<uint8_t>& jpg = jpeg_of(dpi, colour);
  pageprep::kernels::cpu::ThreadPool pool(1);
  for (auto _ : state) {
    const auto r = pageprep::host::decode_page_from_memory(jpg, "bench.jpg", 0, {}, pool);
    if (r.error != pageprep::host::PageError::kNone) {
      state.SkipWithError(r.message.c_str());
      break;
    }
    benchmark::DoNotOptimize(r.page.gray.data);
  }
  b::report_pages(state, 1, static_cast<int64_t>(jpg.size()));
}

void BM_DecodeJpeg_OpenCV(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const bool colour = state.range(1) != 0;
  const std::vector<uint8_t>& jpg = jpeg_of(dpi, colour);
  b::set_opencv_threads(1);
  for (auto _ : state) {
    // What the codec did before: decode as stored, then convert colour to gray.
    cv::Mat m = cv::imdecode(jpg, cv::IMREAD_ANYCOLOR | cv::IMREAD_ANYDEPTH);
    if (m.channels() == 3) cv::cvtColor(m, m, cv::COLOR_BGR2GRAY);
    benchmark::DoNotOptimize(m.data);
  }
  b::report_pages(state, 1, static_cast<int64_t>(jpg.size()));
}

void args(benchmark::internal::Benchmark* bm) {
  for (int dpi : {300, 600})
    for (int colour : {0, 1}) bm->Args({dpi, colour});
  bm->ArgNames({"dpi", "colour"})->Unit(benchmark::kMillisecond)->UseRealTime();
}
BENCHMARK(BM_DecodeJpeg_Pageprep)->Apply(args);
BENCHMARK(BM_DecodeJpeg_OpenCV)->Apply(args);

}  // namespace

BENCHMARK_MAIN();
