// Skew estimation, rotation and the two together (deskew).
//
// Skew: six generated pages with known skews in [-4.6, 4.8] degrees and mixed
// layouts (bench_common.hpp: skew_pages). One iteration estimates all six; the
// counters abs_err_deg (mean) and max_err_deg give each method's precision on
// the same pages.
// - ours: SkewEstimator with default parameters (search +-15 deg, 0.02 deg steps).
// - Leptonica: pixFindSkew with its defaults (sweep +-7 deg, reduction 4 then
//   2, search down to 0.01 deg). It needs a 1 bpp page: BM_Skew_Leptonica times
//   pixConvertTo1(gray, 130) + pixFindSkew (the same input as ours: a gray
//   page), BM_Skew_Leptonica_Prebinarized times pixFindSkew alone.
// Rotation of the standard page by -2.5 deg, same-size canvas, white fill:
// ours (bilinear, fixed point) vs cv::warpAffine(INTER_LINEAR) vs Leptonica's
// pixRotate(L_ROTATE_AREA_MAP).
// Deskew (estimate + rotate the gray page): ours vs pixDeskew (which
// binarizes, finds the skew and rotates the gray page).
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "bench_common.hpp"
#include "pageprep/kernels/deskew.hpp"

namespace {

namespace b = pageprep::bench;
namespace k = pageprep::kernels;

constexpr double kPi = 3.14159265358979323846;

void record_errors(benchmark::State& state, const std::vector<b::BenchPage>& pages,
                   const std::vector<double>& found) {
  double sum = 0, worst = 0;
  for (size_t i = 0; i < pages.size(); ++i) {
    const double e = std::fabs(found[i] - pages[i].skew_deg);
    sum += e;
    worst = std::max(worst, e);
  }
  state.counters["abs_err_deg"] = sum / static_cast<double>(pages.size());
  state.counters["max_err_deg"] = worst;
}

int64_t total_pixels(const std::vector<b::BenchPage>& pages) {
  int64_t n = 0;
  for (const auto& p : pages) n += static_cast<int64_t>(p.gray.total());
  return n;
}

// --- Skew estimation ---------------------------------------------------------

void BM_Skew_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const auto& pages = b::skew_pages(dpi);
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  std::unique_ptr<k::cpu::SkewEstimator> op;
  const int n = static_cast<int>(pages.size());
  if (!b::check(state, k::cpu::SkewEstimator::create({}, b::limits_for(dpi, n), &op), "create"))
    return;
  std::vector<k::ConstGrayView> views;
  for (const auto& p : pages) views.push_back(b::cview(p.gray));
  std::vector<float> dpis(pages.size(), static_cast<float>(dpi));
  std::vector<k::SkewResult> results(pages.size());
  for (auto _ : state) {
    if (!b::check(state, op->run(pool, {views.data(), n}, results.data(), dpis.data()), "run"))
      break;
    benchmark::DoNotOptimize(results.data());
  }
  std::vector<double> found;
  for (const auto& r : results) found.push_back(r.angle_deg);
  record_errors(state, pages, found);
  b::report_pages(state, n, total_pixels(pages) / n);
}
BENCHMARK(BM_Skew_Cpu)->Apply(b::args_dpi_threads);

void leptonica_skew(benchmark::State& state, bool prebinarized) {
  const int dpi = static_cast<int>(state.range(0));
  const auto& pages = b::skew_pages(dpi);
  std::vector<b::PixPtr> pix8, pix1;
  for (const auto& p : pages) {
    pix8.push_back(b::to_pix8(p.gray));
    pix1.emplace_back(pixConvertTo1(pix8.back().get(), 130));
  }
  std::vector<double> found(pages.size(), 0.0);
  for (auto _ : state) {
    for (size_t i = 0; i < pages.size(); ++i) {
      l_float32 angle = 0, conf = 0;
      b::PixPtr bin;
      PIX* input = pix1[i].get();
      if (!prebinarized) {
        bin.reset(pixConvertTo1(pix8[i].get(), 130));
        input = bin.get();
      }
      pixFindSkew(input, &angle, &conf);  // non-zero when confidence is low: angle 0
      // Leptonica's angle is the clockwise rotation that deskews, which is our
      // counter-clockwise skew.
      found[i] = angle;
    }
    benchmark::DoNotOptimize(found.data());
  }
  record_errors(state, pages, found);
  const int n = static_cast<int>(pages.size());
  b::report_pages(state, n, total_pixels(pages) / n);
}
void BM_Skew_Leptonica(benchmark::State& state) {
  leptonica_skew(state, false);
}
void BM_Skew_Leptonica_Prebinarized(benchmark::State& state) {
  leptonica_skew(state, true);
}
BENCHMARK(BM_Skew_Leptonica)->Apply(b::args_dpi);
BENCHMARK(BM_Skew_Leptonica_Prebinarized)->Apply(b::args_dpi);

// --- Rotation ----------------------------------------------------------------

void BM_Rotate_Cpu(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  cv::Mat out(page.gray.size(), CV_8UC1);
  const k::ConstGrayView in = b::cview(page.gray);
  const k::GrayView o = b::view(out);
  const float angle = static_cast<float>(-page.skew_deg);
  const uint8_t fill = 255;
  for (auto _ : state) {
    if (!b::check(state, k::cpu::rotate(pool, {}, {&in, 1}, {&o, 1}, &angle, &fill), "rotate"))
      break;
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Rotate_Cpu)->Apply(b::args_dpi_threads);

void BM_Rotate_OpenCV(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  b::set_opencv_threads(static_cast<int>(state.range(1)));
  const cv::Point2f centre(static_cast<float>(page.gray.cols - 1) * 0.5f,
                           static_cast<float>(page.gray.rows - 1) * 0.5f);
  const cv::Mat m = cv::getRotationMatrix2D(centre, -page.skew_deg, 1.0);
  cv::Mat out(page.gray.size(), CV_8UC1);
  for (auto _ : state) {
    cv::warpAffine(page.gray, out, m, page.gray.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                   cv::Scalar(255));
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Rotate_OpenCV)->Apply(b::args_dpi_threads);

void BM_Rotate_Leptonica(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  b::PixPtr pix = b::to_pix8(page.gray);
  const auto radians = static_cast<l_float32>(page.skew_deg * kPi / 180.0);  // clockwise
  for (auto _ : state) {
    b::PixPtr out(pixRotate(pix.get(), radians, L_ROTATE_AREA_MAP, L_BRING_IN_WHITE, 0, 0));
    if (!out) {
      state.SkipWithError("pixRotate failed");
      break;
    }
    benchmark::DoNotOptimize(out.get());
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Rotate_Leptonica)->Apply(b::args_dpi);

// --- Deskew: estimate + rotate ------------------------------------------------

void BM_Deskew_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const b::BenchPage& page = b::a4_page(dpi);
  auto& pool = b::pool(static_cast<int>(state.range(1)));
  std::unique_ptr<k::cpu::SkewEstimator> skew;
  if (!b::check(state, k::cpu::SkewEstimator::create({}, b::limits_for(dpi), &skew), "create"))
    return;
  cv::Mat out(page.gray.size(), CV_8UC1);
  const k::ConstGrayView in = b::cview(page.gray);
  const k::GrayView o = b::view(out);
  const float fdpi = static_cast<float>(dpi);
  k::SkewResult r;
  for (auto _ : state) {
    if (!b::check(state, skew->run(pool, {&in, 1}, &r, &fdpi), "skew")) break;
    const float angle = r.confident ? -r.angle_deg : 0.f;
    const uint8_t fill = k::cpu::background_level(in);
    if (!b::check(state, k::cpu::rotate(pool, {}, {&in, 1}, {&o, 1}, &angle, &fill), "rotate"))
      break;
    benchmark::DoNotOptimize(out.data);
    benchmark::ClobberMemory();
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
  state.counters["abs_err_deg"] = std::fabs(r.angle_deg - page.skew_deg);
}
BENCHMARK(BM_Deskew_Cpu)->Apply(b::args_dpi_threads);

void BM_Deskew_Leptonica(benchmark::State& state) {
  const b::BenchPage& page = b::a4_page(static_cast<int>(state.range(0)));
  b::PixPtr pix = b::to_pix8(page.gray);
  for (auto _ : state) {
    b::PixPtr out(pixDeskew(pix.get(), 0));
    if (!out) {
      state.SkipWithError("pixDeskew failed");
      break;
    }
    benchmark::DoNotOptimize(out.get());
  }
  b::report_pages(state, 1, static_cast<int64_t>(page.gray.total()));
}
BENCHMARK(BM_Deskew_Leptonica)->Apply(b::args_dpi);

// --- CUDA ----------------------------------------------------------------------

#ifdef PAGEPREP_HAVE_CUDA
/// Skew estimation of `batch` copies of the standard page. run() synchronizes
/// once (its documented sync point), inside the timed events.
void cuda_skew(benchmark::State& state, bool transfers) {
  const int dpi = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  if (!b::require_cuda(state)) return;
  std::unique_ptr<k::cuda::SkewEstimator> op;
  if (!b::check(state, k::cuda::SkewEstimator::create({}, b::limits_for(dpi, batch), &op),
                "create"))
    return;
  const std::vector<float> dpis(batch, static_cast<float>(dpi));
  std::vector<k::SkewResult> results(batch);
  b::run_cuda_op(
      state, b::a4_page(dpi).gray, batch, transfers, false,
      [&](k::cuda::Stream s, k::ConstGrayBatch in, k::GrayBatch) {
        return op->run(s, in, results.data(), dpis.data());
      },
      /*min_bytes_per_pixel=*/1.0);  // reads the page once, writes a few KiB
  if (!results.empty()) {
    state.counters["abs_err_deg"] = std::fabs(results[0].angle_deg - b::a4_page(dpi).skew_deg);
  }
}
void BM_Skew_Cuda(benchmark::State& state) {
  cuda_skew(state, false);
}
BENCHMARK(BM_Skew_Cuda)->Apply(b::args_dpi_batch)->UseManualTime();

void cuda_rotate(benchmark::State& state, bool transfers) {
  const int dpi = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  const std::vector<float> angles(batch, static_cast<float>(-b::a4_page(dpi).skew_deg));
  const std::vector<uint8_t> fills(batch, 255);
  b::run_cuda_op(state, b::a4_page(dpi).gray, batch, transfers, false,
                 [&](k::cuda::Stream s, k::ConstGrayBatch in, k::GrayBatch out) {
                   return k::cuda::rotate(s, {}, in, out, angles.data(), fills.data());
                 });
}
void BM_Rotate_Cuda(benchmark::State& state) {
  cuda_rotate(state, false);
}
void BM_Rotate_Cuda_Transfers(benchmark::State& state) {
  cuda_rotate(state, true);
}
BENCHMARK(BM_Rotate_Cuda)->Apply(b::args_dpi_batch)->UseManualTime();
BENCHMARK(BM_Rotate_Cuda_Transfers)->Apply(b::args_dpi_batch)->UseManualTime();

/// Estimate + rotate with the upload and download: what a deskew stage costs.
void BM_Deskew_Cuda_Transfers(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  if (!b::require_cuda(state)) return;
  std::unique_ptr<k::cuda::SkewEstimator> skew;
  if (!b::check(state, k::cuda::SkewEstimator::create({}, b::limits_for(dpi, batch), &skew),
                "create"))
    return;
  const std::vector<float> dpis(batch, static_cast<float>(dpi));
  std::vector<k::SkewResult> results(batch);
  std::vector<float> angles(batch, 0.f);
  const std::vector<uint8_t> fills(batch, 255);
  b::run_cuda_op(state, b::a4_page(dpi).gray, batch, true, false,
                 [&](k::cuda::Stream s, k::ConstGrayBatch in, k::GrayBatch out) {
                   PAGEPREP_RETURN_IF_ERROR(skew->run(s, in, results.data(), dpis.data()));
                   for (int i = 0; i < batch; ++i) {
                     angles[i] = results[i].confident ? -results[i].angle_deg : 0.f;
                   }
                   return k::cuda::rotate(s, {}, in, out, angles.data(), fills.data());
                 });
}
BENCHMARK(BM_Deskew_Cuda_Transfers)->Apply(b::args_dpi_batch)->UseManualTime();
#endif

}  // namespace

BENCHMARK_MAIN();
