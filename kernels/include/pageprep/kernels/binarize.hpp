/// \file binarize.hpp
/// \brief Binarization of gray pages: Otsu (global), Sauvola and Wolf-Jolion
/// (local windows).
///
/// Contract:
/// - Input: a batch of 8-bit gray pages. Output: pages of the same sizes holding
///   only 0 (ink) and 255 (paper). Input and output may not alias.
/// - `page_dpi` is an optional host array of `count` resolutions (nullptr, or an
///   entry that is not a positive finite number, means 300 dpi). It sets the
///   window when BinarizeParams::window is 0.
/// - CPU and CUDA give identical bits: the decisions are exact integer/rational
///   arithmetic in ops/threshold_ops.hpp, whatever order a schedule sums in.
///
/// Definitions (see ops/threshold_ops.hpp for the exact arithmetic):
/// - Otsu: a 256-bin histogram per page; the threshold t maximizes the
///   between-class variance (ties: smallest t); pixels <= t are ink. A page
///   whose pixels all share one gray level has no threshold (t = -1) and
///   becomes all paper (255), whatever that level is.
/// - Sauvola: T = m (1 + k (s/R - 1)) over the window's mean m and standard
///   deviation s; ink iff v <= T. A constant region has s = 0 and T = m (1-k) < m,
///   so it is paper; only a constant 0 region (T = 0 = v) is ink.
/// - Wolf-Jolion: T = (1-k) m + k M + k (s/R)(m - M), with M the page's minimum
///   gray and R its largest window standard deviation (rounded up to 1/16).
///   A constant page (R = 0, where T = v) is all paper.
/// - Windows are clamped to the page: a border pixel's window is the part of the
///   square that lies inside the page (no replicated pixels), so its sample
///   count is smaller.
/// - k and R are used in fixed point (k to 1/4096, R to 1/16).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/ops/threshold_ops.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

enum class BinarizeMethod : int32_t { kOtsu, kSauvola, kWolf };

struct BinarizeParams {
  BinarizeMethod method = BinarizeMethod::kSauvola;
  /// Odd window side in pixels, 3..255. 0 scales with the page's resolution:
  /// 2 * round(15 * dpi / 300) + 1, i.e. 31 at 300 dpi, 61 at 600 dpi, 17 at
  /// 150 dpi, clamped to 3..255 (binarize_window()).
  int32_t window = 0;
  /// Sensitivity in [0, 1]; < 0 picks the method default: 0.34 for Sauvola,
  /// 0.5 for Wolf-Jolion. Ignored by Otsu.
  float k = -1.f;
  /// Sauvola's dynamic range of the standard deviation, in [1, 255]. Wolf
  /// uses the page's largest standard deviation instead; Otsu ignores it.
  float r = 128.f;
};

constexpr float kSauvolaDefaultK = 0.34f;
constexpr float kWolfDefaultK = 0.5f;
constexpr int32_t kBinarizeWindowAt300Dpi = 31;

/// Checks the parameters' ranges.
Status validate(const BinarizeParams& params);

/// The window side used for a page of `dpi` (see BinarizeParams::window).
int32_t binarize_window(const BinarizeParams& params, float dpi);

/// The effective k (method default applied).
float binarize_k(const BinarizeParams& params);

/// Shape checks shared by both schedules: same count and sizes, pages within
/// `limits`, and (for Otsu) fewer than 2^28 pixels per page.
Status validate_binarize_batch(ConstGrayBatch in, GrayBatch out, const BatchLimits& limits);

namespace cpu {

/// CPU binarization. One object per thread of use (run() reuses its
/// workspace); rows of each page are spread over the pool.
class Binarize {
 public:
  /// Validates `params` and sizes the workspace for pages within `limits`.
  static Status create(const BinarizeParams& params, const BatchLimits& limits,
                       std::unique_ptr<Binarize>* out);

  /// Binarizes every page of `in` into `out` (0 ink, 255 paper).
  Status run(ThreadPool& pool, ConstGrayBatch in, GrayBatch out, const float* page_dpi = nullptr);

  /// Otsu thresholds of the last run, one per page (pixels <= t became ink;
  /// -1: the page became all paper). Empty for the local methods.
  const std::vector<int32_t>& otsu_thresholds() const { return thresholds_; }

  const BinarizeParams& params() const { return params_; }

 private:
  Binarize(const BinarizeParams& params, const BatchLimits& limits);
  void run_otsu(ThreadPool& pool, ConstGrayView in, GrayView out, int32_t page);
  void run_local(ThreadPool& pool, ConstGrayView in, GrayView out, int32_t window);

  BinarizeParams params_;
  BatchLimits limits_;
  std::vector<int32_t> thresholds_;
  // Per-chunk scratch, kMaxChunks slices of max_width entries each.
  std::vector<uint32_t> col_sum_, col_sumsq_;
  std::vector<uint32_t> win_sum_, win_sumsq_;  // row prefix sums, max_width + 1 per chunk
  std::vector<uint32_t> hist_;                 // kMaxChunks * 256 partial histograms
  std::vector<int32_t> chunk_std_q_;           // Wolf: per-chunk largest std (1/16 units)
  std::vector<uint8_t> chunk_min_;             // Wolf: per-chunk minimum gray
};

}  // namespace cpu

namespace cuda {

/// CUDA binarization: stream-ordered, no allocation or synchronization in
/// run(). `in`/`out` views hold device pointers; `page_dpi` is a host array.
/// The workspace (allocated at create()) is a few KiB per page: local windows
/// are summed per tile in shared memory, not through integral images (see
/// binarize.cu).
class Binarize {
 public:
  static Status create(const BinarizeParams& params, const BatchLimits& limits,
                       std::unique_ptr<Binarize>* out);
  ~Binarize();
  Binarize(const Binarize&) = delete;
  Binarize& operator=(const Binarize&) = delete;

  Status run(Stream stream, ConstGrayBatch in, GrayBatch out, const float* page_dpi = nullptr);

  /// Device array of max_batch Otsu thresholds written by the last run (same
  /// meaning as cpu::Binarize::otsu_thresholds()); valid once the stream has
  /// passed that run. Null for the local methods.
  const int32_t* device_otsu_thresholds() const;

  const BinarizeParams& params() const { return params_; }

 private:
  Binarize(const BinarizeParams& params, const BatchLimits& limits);

  BinarizeParams params_;
  BatchLimits limits_;
  uint32_t* hist_ = nullptr;        // device: 256 per page slot of one launch
  int32_t* thresholds_ = nullptr;   // device: max_batch
  uint32_t* wolf_stats_ = nullptr;  // device: 2 per page slot (min gray, std q)
};

}  // namespace cuda
}  // namespace pageprep::kernels
