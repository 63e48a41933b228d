// The book-geometry math of issue 21 on one thread (issue 21 item 5 asks for
// <= 40 ms per A4 300-dpi page for split, crop and dewarp together):
// - BM_Gutter_Cpu: `--split auto`'s gutter finder (cell ranges + decision,
//   kernels/gutter.hpp) on the standard A4 page (portrait: the decision stops
//   at "not a spread", so this is the cost every page pays) and on an A4
//   spread (two standard pages side by side with a gutter shadow: the whole
//   decision runs);
// - BM_PageBox_Cpu: `--crop page`'s page-box finder (cell sums + decision,
//   kernels/page_box.hpp) on the standard page on a dark bed.
#include "bench_common.hpp"
#include "pageprep/kernels/gutter.hpp"
#include "pageprep/kernels/page_box.hpp"
#include "support/page_bed.hpp"

namespace {

namespace b = pageprep::bench;
namespace k = pageprep::kernels;
namespace ts = pageprep::testsupport;

/// Two standard pages side by side (opposite skews come from the page's own
/// 2.5 degrees on both: the gutter search does not depend on the angle).
const cv::Mat& a4_spread(int dpi) {
  static cv::Mat spreads[2];
  cv::Mat& s = spreads[dpi == 600 ? 1 : 0];
  if (s.empty()) {
    const cv::Mat& p = b::a4_page(dpi).gray;
    ts::SpreadSpec spec;
    spec.gutter_shadow_depth = 0.4;
    s = ts::make_spread(p, p, spec).image;
  }
  return s;
}

const cv::Mat& a4_on_bed(int dpi) {
  static cv::Mat beds[2];
  cv::Mat& m = beds[dpi == 600 ? 1 : 0];
  if (m.empty()) {
    ts::BedSpec bed;
    bed.bed_level = 40;
    m = ts::place_on_bed(b::a4_page(dpi).gray, bed, 7).image;
  }
  return m;
}

void BM_Gutter_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const bool spread = state.range(1) != 0;
  const cv::Mat& img = spread ? a4_spread(dpi) : b::a4_page(dpi).gray;
  auto& pool = b::pool(1);
  k::Gutter g;
  for (auto _ : state) {
    if (!b::check(state, k::cpu::find_gutter(pool, b::cview(img), &g), "find_gutter")) break;
    benchmark::DoNotOptimize(g.x);
  }
  b::report_pages(state, 1, static_cast<int64_t>(img.total()));
  state.counters["found"] = g.found ? 1 : 0;
  state.SetLabel(spread ? "A4 spread" : "A4 page");
}
BENCHMARK(BM_Gutter_Cpu)->ArgsProduct({{300, 600}, {0, 1}})->Unit(benchmark::kMillisecond);

void BM_PageBox_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const cv::Mat& img = a4_on_bed(dpi);
  auto& pool = b::pool(1);
  k::PageBox box;
  for (auto _ : state) {
    if (!b::check(state, k::cpu::find_page_box(pool, b::cview(img), &box), "find_page_box")) break;
    benchmark::DoNotOptimize(box.x);
  }
  b::report_pages(state, 1, static_cast<int64_t>(img.total()));
  state.counters["found"] = box.found ? 1 : 0;
}
BENCHMARK(BM_PageBox_Cpu)->Arg(300)->Arg(600)->Unit(benchmark::kMillisecond);

}  // namespace
BENCHMARK_MAIN();
