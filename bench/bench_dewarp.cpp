// `--dewarp auto` on one thread, A4 at 300 dpi (issue 21 item 5 budgets split,
// crop and dewarp together at <= 40 ms of CPU per page):
// - BM_DewarpModel_Cpu: threshold, strip profiles and the fitted curl model
//   (kernels/dewarp.hpp), on the standard page (its 2.5 degrees of skew read
//   as a shear: in the pipeline dewarp runs after deskew; the cost is the same
//   for a flat page, which every page of a --dewarp auto run pays) and on the
//   same page curled by 60 px towards the binding;
// - BM_Dewarp_Cpu: the remap of the curled page with its model's grid;
// - BM_DewarpIdentity_Cpu, the peer for a ratio: the same remap
//   with an all-zero grid (the cost of the sampling alone).
#include <cstdio>

#include "bench_common.hpp"
#include "pageprep/kernels/dewarp.hpp"
#include "support/page_curl.hpp"

namespace {

namespace b = pageprep::bench;
namespace k = pageprep::kernels;
namespace ts = pageprep::testsupport;

const cv::Mat& a4_curled() {
  static cv::Mat m;
  if (m.empty()) {
    ts::CurlSpec c;
    c.depth_px = 60;
    c.shadow_depth = 0.3;
    m = ts::curl_page(b::a4_page(300).gray, c);
  }
  return m;
}

void BM_DewarpModel_Cpu(benchmark::State& state) {
  const bool curled = state.range(0) != 0;
  const cv::Mat& img = curled ? a4_curled() : b::a4_page(300).gray;
  auto& pool = b::pool(1);
  k::DewarpModel m;
  for (auto _ : state) {
    if (!b::check(state, k::cpu::dewarp_model(pool, b::cview(img), &m), "dewarp_model")) break;
    // Not the double: this Google Benchmark's DoNotOptimize("+r") garbles floating lvalues.
    benchmark::DoNotOptimize(m.measures);
  }
  b::report_pages(state, 1, static_cast<int64_t>(img.total()));
  // The decision, in the label.
  char label[96];
  std::snprintf(label, sizeof label, "A4 300 dpi %s: apply %d, max %.1f px",
                curled ? "2.5 deg skew + curl 60 px" : "2.5 deg skew (as before deskew)",
                m.apply ? 1 : 0, m.max_px);
  state.SetLabel(label);
}
BENCHMARK(BM_DewarpModel_Cpu)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void remap(benchmark::State& state, bool identity) {
  const cv::Mat& img = a4_curled();
  auto& pool = b::pool(1);
  k::DewarpModel m;
  if (!b::check(state, k::cpu::dewarp_model(pool, b::cview(img), &m), "dewarp_model")) return;
  if (identity || !m.apply)
    m.v_q8.assign(
        static_cast<size_t>(k::ops::dewarp_grid_w(img.cols)) * k::ops::dewarp_grid_h(img.rows), 0);
  cv::Mat out(img.size(), CV_8UC1);
  const k::GrayView ov{out.data, out.cols, out.rows, static_cast<int64_t>(out.step[0])};
  for (auto _ : state) {
    if (!b::check(state, k::cpu::dewarp(pool, b::cview(img), ov, m.grid(255)), "dewarp")) break;
    benchmark::DoNotOptimize(out.data);
  }
  b::report_pages(state, 1, static_cast<int64_t>(img.total()));
}
void BM_Dewarp_Cpu(benchmark::State& state) {
  remap(state, false);
}
void BM_DewarpIdentity_Cpu(benchmark::State& state) {
  remap(state, true);
}
BENCHMARK(BM_Dewarp_Cpu)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DewarpIdentity_Cpu)->Unit(benchmark::kMillisecond);

}  // namespace
BENCHMARK_MAIN();
