/// \file bench_common.hpp
/// \brief Shared fixtures of the benchmark suites: generated A4 pages (made once
/// per process and cached), views, thread pools, argument sets, Leptonica
/// conversions and, in CUDA builds, device batches timed with CUDA events.
///
/// Conventions (docs/PERFORMANCE.md):
/// - Names are BM_<Op>_<Cpu|Cuda|OpenCV|Leptonica>[_variant]; arguments are
///   named (dpi, threads, batch), so a row reads BM_Binarize_Cpu_Sauvola/dpi:300/threads:1.
/// - Every benchmark reports items (pages) and bytes (input pixels) per second.
/// - `threads` is the number of threads of our pool or of OpenCV; Leptonica is
///   single-threaded. The "all threads" row uses the machine's core count.
/// - Page generation, PIX conversion and device uploads happen outside the
///   timed loops.
#pragma once

#include <benchmark/benchmark.h>
#include <leptonica/allheaders.h>

#include <opencv2/core.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/image_view.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::bench {

namespace k = pageprep::kernels;

/// A generated, degraded A4 page (single-column text unless stated).
struct BenchPage {
  cv::Mat gray;  ///< CV_8UC1 "scan": skewed, mild noise and specks
  double skew_deg = 0;
  int dpi = 300;
};

/// The standard page at 300 or 600 dpi: A4 (2480x3508 / 4960x7016), single
/// column of 11 pt serif text, 2.5 degrees of skew, noise sigma 6, 20
/// specks/Mpx. Generated on first use, then cached.
const BenchPage& a4_page(int dpi);

/// The standard page in BGR (gray replicated with a mild tint), for gray conversion.
const cv::Mat& a4_color(int dpi);

/// The standard page binarized (our Sauvola, 0 ink / 255 paper): the input of despeckle.
const cv::Mat& a4_binary(int dpi);

/// Six pages with known skews in [-4.6, 4.8] degrees and mixed layouts
/// (single, two-column, table), for the skew-accuracy counters.
const std::vector<BenchPage>& skew_pages(int dpi);

k::ConstGrayView cview(const cv::Mat& m);
k::GrayView view(cv::Mat& m);

/// Pools cached per size; 0 means all cores (all_threads()).
k::cpu::ThreadPool& pool(int threads);
int all_threads();

/// Limits that fit `batch` pages of the page size at `dpi`.
k::BatchLimits limits_for(int dpi, int batch = 1);

/// Sets items (pages) and bytes processed from the iterations run.
void report_pages(benchmark::State& state, int64_t pages_per_iteration, int64_t bytes_per_page);

/// Skips the benchmark with the status message when `s` is not ok; returns s.is_ok().
bool check(benchmark::State& state, const k::Status& s, const char* what);

// Argument sets.
void args_dpi(benchmark::internal::Benchmark* b);          ///< dpi: 300, 600
void args_dpi_threads(benchmark::internal::Benchmark* b);  ///< dpi x threads: 1, all
void args_dpi_batch(benchmark::internal::Benchmark* b);    ///< dpi x batch: 1, 8, 32

/// cv::setNumThreads for the OpenCV peers (0: all cores).
void set_opencv_threads(int threads);

// Leptonica.
struct PixDeleter {
  void operator()(PIX* p) const { pixDestroy(&p); }
};
using PixPtr = std::unique_ptr<PIX, PixDeleter>;

/// Leptonica's messages to errors only (called by every conversion below).
void quiet_leptonica();
PixPtr to_pix8(const cv::Mat& gray);    ///< 8 bpp gray
PixPtr to_pix32(const cv::Mat& bgr);    ///< 32 bpp RGB
PixPtr to_pix1(const cv::Mat& binary);  ///< 1 bpp, 1 = ink (gray < 128)

// CUDA.
/// True when a device is present; otherwise SkipWithError("no CUDA device").
bool require_cuda(benchmark::State& state);

/// Runs a CUDA benchmark of one operation on `batch` copies of `input`
/// (a CV_8UC1 or CV_8UC3 page) with gray outputs of the same size.
/// - transfers == false: the pages are uploaded once; CUDA events bracket only
///   `op` (manual time; register with ->UseManualTime()).
/// - transfers == true: the events also bracket the H2D copy of the batch from
///   pinned memory and the D2H copy of the outputs.
/// - in_place: `op` works on the output batch, which is reset from the input
///   before every iteration (outside the timed region).
/// `op(stream, in, out)` enqueues the operation. Without CUDA in the build,
/// skips with "built without CUDA".
///
/// Roofline (METHOD.md's two numbers): `min_bytes_per_pixel` is the fewest
/// bytes the operation must move through device memory per page pixel (each
/// input read once, each output written once: 2 for gray in, gray out). The
/// counters report the achieved rate against the device's measured copy
/// bandwidth (cuda_ceilings()): `floor_us` = min bytes / bandwidth per page,
/// `x_floor` = measured time / floor (1.0 would be at the memory roofline);
/// with transfers the floor adds the page's trip over PCIe at the measured
/// pinned copy rates. Every operation here is memory-bound (a few integer
/// operations per byte against H200's ~200 FLOP/byte balance), so the copy
/// bandwidth is the ceiling that matters.
using CudaOp = std::function<k::Status(k::cuda::Stream, k::ConstGrayBatch in, k::GrayBatch out)>;
void run_cuda_op(benchmark::State& state, const cv::Mat& input, int batch, bool transfers,
                 bool in_place, const CudaOp& op, double min_bytes_per_pixel = 2.0);

/// The device's measured ceilings, once per process: a device-to-device copy
/// (bytes read + written per second) and pinned host-to-device and
/// device-to-host copies, each over 1 GiB, median of 5 after a warm-up.
struct CudaCeilings {
  double d2d = 0, h2d = 0, d2h = 0;  ///< bytes per second; 0 when unmeasured
};
const CudaCeilings& cuda_ceilings();

}  // namespace pageprep::bench
