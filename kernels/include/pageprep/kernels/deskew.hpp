/// \file deskew.hpp
/// \brief Skew estimation and rotation of gray pages (deskew).
///
/// Angle convention everywhere: degrees, counter-clockwise positive in the
/// displayed image (y down). Text lines rising to the right have a positive
/// skew; deskewing rotates by minus the skew. cv::getRotationMatrix2D(c, +a, 1)
/// rotates content the same way as rotate() with +a.
///
/// ## Skew estimation: method, and why
///
/// Projection-profile search (the Leptonica pixFindSkew family), chosen
/// because it is exact in integers (CPU == GPU bit for bit), robust to blur
/// and uneven light once binarized, and measured accurate on our generated
/// pages (numbers in docs and in the report of tests/unit/kernels/test_skew_accuracy.cpp):
///
/// 1. Reduce: the page is reduced by a factor s (dpi / 150, or from the page
///    size when the dpi is unknown; reduced sides at most 2048) to a "fine"
///    level of block minima, so thin strokes survive and noise averages out.
/// 2. Binarize: Otsu's threshold of the fine level's histogram (every other
///    cell). Ink is `value <= threshold`.
/// 3. Clean: tiles of 16 x 16 fine cells more than 60% ink (scanner borders,
///    photos, black figures) are masked together with their 8 neighbours;
///    rows more than half ink (axis-aligned borders and rules) are dropped;
///    isolated ink cells (specks) are ignored. Large dark areas are the main
///    source of wrong answers: their edges are aligned with the scanner, not
///    with the text.
/// 4. Prefix tables: the kept cells, and a 2x coarser level (OR of 2 x 2),
///    become column-major prefix counts per row (P[x][y] = kept cells of row y
///    left of column x; ops/skew_ops.hpp).
/// 5. Search: for each candidate angle, every kept cell (x, y) goes to bin
///    y + round(x * tan(angle)) (a vertical shear, as in Leptonica: the shear
///    straightens lines of that slope exactly; its profile is the rotated one
///    scaled by cos, which does not move the peak). The shift depends on x
///    only, so the columns fall into segments of equal shift, and one
///    segment's count in every row is the difference of two prefix columns:
///    an angle costs rows x segments (~ rows x (1 + width x |tan|)) contiguous,
///    vectorized integer operations, whatever the amount of ink. Score = sum
///    of squared differences of adjacent bins (int64). Stages: a coarse sweep
///    at 0.5 deg over +-max_angle on the coarse level, then 0.1 deg over
///    +-0.6 deg and precision_deg over +-6 steps on the fine level, each
///    centred on the previous stage's best angle. A candidate past the range
///    is evaluated at its edge (ops::stage_angle_index), so no angle beyond
///    +-max_angle is ever scored, and every tangent stays within +-1, which
///    the segment math needs. tan() of every grid angle is
///    tabulated once at create() in Q16, so the bins are integer-exact on both
///    schedules.
/// 6. Evidence: at the last stage's best angle, the sheared profiles of
///    ops::kSkewStrips vertical strips (one column of a newspaper does not
///    line up with the next) are searched for text lines: blocks of bins at
///    >= 20% of the strip's 90th percentile (of the bins with a quarter of a
///    line's ink or more, read above the floor speckle noise puts into every
///    bin, so that specks do not set it), as tall as the core of ~4-60 pt
///    type (0.04-0.6 inch), carrying at least 0.1 inch of ink per row, clear
///    of their neighbours by a fifth of their height, and with a neighbouring
///    line of similar height (within 2x) less than three heights away. The
///    page's evidence is the largest count of any strip. Below
///    kSkewMinTextLines the result is {0, 0}: a blank page, a photo or
///    halftone, a chart's labels, a signature, a page number or one word say
///    nothing about the page's skew (docs/QUALITY.md has the pages).
/// 7. Finalize: a parabola through the best fine score and its neighbours
///    gives the sub-step angle. Confidence (0..1) = 1 - median/peak of the
///    coarse sweep's scores: 0 for a flat (angle-independent) profile, ~0.5
///    when the peak is twice the typical score, -> 1 for sharp text lines.
///    Pages with fewer than ops::kSkewMinInkCells kept cells are not searched
///    (on either schedule) and give {0, 0}.
///
/// Cost: one pass over the full page (the block minimum), then row-vectorized
/// passes over the ~1240 x 1754 fine level of an A4 300 dpi page; 87
/// candidate angles in all at the default parameters: ~1.5 ms of ~6 ms per
/// page on one thread of the (shared, 2-core) development machine. The
/// answers are those of a per-cell shear histogram: the prefix form only
/// reorders the integer sums.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/ops/rotate_ops.hpp"
#include "pageprep/kernels/ops/skew_ops.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

/// Fewer text lines than this in the profile at the best angle: the page has
/// too little text to know its skew (finalize_skew returns {0, 0}).
constexpr int32_t kSkewMinTextLines = 2;

struct SkewParams {
  float max_angle_deg = 15.f;   ///< search range +-, in (0, 45]
  float precision_deg = 0.02f;  ///< final step of the fine search, in [0.005, 0.5]
  /// Confidence scale 0..1 (see the method above). Below it the page is
  /// reported with `confident == false` and the caller leaves it unrotated.
  /// Blank pages give 0; a page of random blobs without text lines stays
  /// below 0.3 (test_skew.cpp); generated text pages were well above it.
  float min_confidence = 0.3f;
};

Status validate(const SkewParams& p);

struct SkewResult {
  float angle_deg = 0;     ///< estimated skew, counter-clockwise positive; 0 without evidence
  float confidence = 0;    ///< 0..1; 0 when text_lines < kSkewMinTextLines (blank, photo, ...)
  bool confident = false;  ///< confidence >= SkewParams::min_confidence
  int32_t text_lines = 0;  ///< text lines in the profile at the best angle (the evidence)
};

namespace detail {

/// The search plan shared by both schedules: stages and the Q16 tangent table
/// of every grid angle index in [-table_half, table_half]. table_half is the
/// search range in grid steps (table_half * precision_deg <= max_angle_deg);
/// make_skew_plan() checks that and |tan_q16| <= ops::kSkewMaxTanQ16.
struct SkewPlan {
  SkewParams params;
  ops::SkewStage stages[ops::kSkewStages];
  int32_t table_half = 0;
  int32_t tan_max_q16 = 0;
  std::vector<int32_t> tan_q16;                     ///< 2 * table_half + 1 entries
  int32_t stage_offset[ops::kSkewStages + 1] = {};  ///< start of each stage's scores
};

Status make_skew_plan(const SkewParams& p, SkewPlan* plan);

/// Extents of the per-page workspace every page within `limits` fits:
/// computed once here for both schedules, so that the CPU's and the CUDA
/// allocations cannot drift apart.
struct SkewWorkspaceSize {
  int32_t w1 = 0, h1 = 0;  ///< largest fine level
  int32_t w2 = 0, h2 = 0;  ///< largest coarse level
  int32_t bins = 0;        ///< largest profile histogram (either level)
  int32_t tiles = 0;       ///< largest tile grid (tiles_x * tiles_y)
  int64_t prefix1 = 0;     ///< entries of the fine prefix table: (w1 + 1) * prefix_pitch(h1)
  int64_t prefix2 = 0;     ///< entries of the coarse prefix table
};
SkewWorkspaceSize skew_workspace_size(const SkewPlan& plan, const BatchLimits& limits);

/// Angle, confidence and evidence from one page's scores (all stages, laid out
/// by plan.stage_offset), the centre index each stage was searched around,
/// the kept ink cells, and the fine-level strip profiles at the last stage's
/// best angle (strip s at strip_profiles + s * stride, `bins` counts each;
/// cells_per_inch from ops::skew_cells_per_inch). Host-only, compiled once:
/// both schedules call it on the same integers and so return the same bits.
SkewResult finalize_skew(const SkewPlan& plan, const int64_t* scores, const int32_t* centers,
                         int64_t kept_cells, const int32_t* strip_profiles, int32_t stride,
                         int32_t bins, float cells_per_inch);

/// Text lines of one sheared profile (method step 6, before the strips'
/// maximum): blocks of bins at >= 20% of the 90th percentile of the bins
/// holding at least a quarter of a line's ink per row (0.025 inch: fainter
/// bins are gaps, ascender tips or specks), 0.04-0.6 inch tall, >= 0.1 inch
/// of ink per row on average, clear of their neighbours by a fifth of their
/// height, with a similar line nearby; all of it above speck_floor(), with
/// bins within the floor's 3-sigma scatter not counted either. Host-only.
int32_t count_text_lines(const int32_t* profile, int32_t bins, float cells_per_inch);

/// The level speckle noise puts into every bin of a profile: the least of
/// the 25th percentile of the inked span (first to last nonzero bin) and the
/// medians of its first and last 15% (specks are everywhere; a photo's
/// troughs are not), and 0 unless some bin is at 4x that level or more.
/// 0 on pages without specks. Host-only.
int32_t speck_floor(const int32_t* profile, int32_t bins);

/// The last stage's best angle-grid index: where the strip profiles are taken.
int32_t best_grid_index(const SkewPlan& plan, const int64_t* scores, const int32_t* centers);

}  // namespace detail

namespace cpu {

/// Skew estimator on the CPU. Workspace for one page of BatchLimits' size is
/// allocated at create(); run() allocates nothing. Pages run one after the
/// other, each spread over the pool; results do not depend on the pool size.
/// Not thread-safe: one run() at a time per object.
class SkewEstimator {
 public:
  static Status create(const SkewParams& params, const BatchLimits& limits,
                       std::unique_ptr<SkewEstimator>* out);
  ~SkewEstimator();

  /// `results` has in.count entries. `page_dpi` (optional, in.count entries,
  /// <= 0 for unknown) sets the reduction; without it the page size does.
  Status run(ThreadPool& pool, ConstGrayBatch in, SkewResult* results,
             const float* page_dpi = nullptr);

  const SkewParams& params() const;

 private:
  struct Impl;
  explicit SkewEstimator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Background (paper) level of a gray page: the median of the pixels that
/// Otsu's threshold (on a 1-in-16 subsample) calls background. Integer,
/// deterministic. Empty page: 255.
uint8_t background_level(ConstGrayView page);

}  // namespace cpu

namespace cuda {

/// Skew estimator on a CUDA device. create() allocates the device workspace
/// for min(limits.max_batch, one launch table) pages, pinned host buffers for
/// limits.max_batch pages' scores, and uploads the tangent table; enqueue(),
/// wait() and run() allocate nothing.
///
/// Synchronization: enqueue() puts all work on `stream` (reduction,
/// threshold, prefix tables, every search stage and the argmax between
/// stages, all on the device: no host round-trip between stages) and the copy
/// of the scores (a few KiB) to pinned memory, records an event and returns
/// without waiting. wait() waits for that event, the only host wait, and
/// finalizes the results on the host. Between the two the caller may enqueue
/// other work, on this stream or others: two estimators on two streams
/// overlap. run() is enqueue() then wait(), in slices of max_batch pages.
/// Not thread-safe; one enqueue() pending at a time per object.
class SkewEstimator {
 public:
  static Status create(const SkewParams& params, const BatchLimits& limits,
                       std::unique_ptr<SkewEstimator>* out);
  ~SkewEstimator();

  /// Starts the estimation of at most limits.max_batch device pages;
  /// `page_dpi` is a host array (read during the call). The pages must stay
  /// valid until the stream has passed the estimation.
  Status enqueue(Stream stream, ConstGrayBatch in, const float* page_dpi = nullptr);
  /// True when a wait() would not block (or nothing is pending).
  bool ready() const;
  /// Waits for the pending enqueue() and writes its pages' results (host array).
  Status wait(SkewResult* results);

  /// `in` holds device pages; `results` and `page_dpi` are host arrays.
  Status run(Stream stream, ConstGrayBatch in, SkewResult* results,
             const float* page_dpi = nullptr);

  const SkewParams& params() const;

 private:
  struct Impl;
  explicit SkewEstimator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cuda

// ---------------------------------------------------------------------------
// Rotation
// ---------------------------------------------------------------------------

/// Rotation of gray pages about the page centre by angles_deg[i]
/// (counter-clockwise positive), bilinear, in fixed point (ops/rotate_ops.hpp)
/// so the CPU and CUDA schedules give identical pixels. Output pixels whose
/// source lies outside the page get fill[i] (blended at the page edge).
struct RotateParams {
  /// false: the output canvas has the input's size. true: it grows to hold
  /// the whole rotated page; size the outputs with rotated_size().
  bool expand = false;
};

/// Output size for a page of w x h rotated by angle_deg.
void rotated_size(int32_t w, int32_t h, float angle_deg, bool expand, int32_t* out_w,
                  int32_t* out_h);

/// Shape checks shared by both schedules: equal counts, output sizes equal to
/// rotated_size(), pages at most ops::kRotateMaxSide on a side.
Status validate_rotate(const RotateParams& p, ConstGrayBatch in, GrayBatch out,
                       const float* angles_deg, const uint8_t* fill);

namespace detail {
/// One page's fixed-point mapping (cos and sin rounded to Q16 here, once, for
/// both schedules).
ops::RotateMap make_rotate_map(const ConstGrayView& src, const GrayView& dst, float angle_deg,
                               uint8_t fill);
}  // namespace detail

namespace cpu {
/// Rows across the pool. `angles_deg` and `fill` have in.count entries.
Status rotate(ThreadPool& pool, const RotateParams& params, ConstGrayBatch in, GrayBatch out,
              const float* angles_deg, const uint8_t* fill);
}  // namespace cpu

namespace cuda {
/// Enqueues the rotation of a device batch on `stream`; `angles_deg` and
/// `fill` are host arrays (their Q16 form travels as a kernel parameter).
/// Never synchronizes.
Status rotate(Stream stream, const RotateParams& params, ConstGrayBatch in, GrayBatch out,
              const float* angles_deg, const uint8_t* fill);
}  // namespace cuda

}  // namespace pageprep::kernels
