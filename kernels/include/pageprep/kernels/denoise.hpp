/// \file denoise.hpp
/// \brief Denoising: 3x3 median on gray pages, despeckle and dark-border
/// removal on binary pages.
///
/// **Median.** `out = median of the 3x3 window of in`, borders clamped to the
/// edge (read_clamped). Input and output pages must have the same size and must
/// not be the same memory. The math is ops/median_ops.hpp.
///
/// **Binary pages** (despeckle, border removal) hold 0 (ink) and 255 (paper);
/// any value below 128 counts as ink. Both operations work in place and only
/// ever turn ink into 255. Components are 8-connected: pixels touching at a
/// corner belong together. The component math is ops/components_ops.hpp.
///
/// **Objects.** Despeckle and BorderRemove allocate their label workspace (one
/// int32 per pixel) once, in create(), for the BatchLimits; run() allocates
/// nothing and fails with kOutOfRange for a batch or page beyond the limits.
/// One object serves one thread at a time. Results are exactly equal between
/// the CPU and CUDA schedules and do not depend on the thread count.
///
/// **CUDA objects** label into a cuda::ComponentLabels workspace (one int32
/// per pixel): their own, or one shared by a Despeckle and a BorderRemove.
/// Its size: max(one page of max_width x max_height, max_batch_pixels, or
/// without that min(max_batch, 4) such pages); batches that do not fit run in
/// several passes on the same stream. run() only enqueues work on its stream.
/// Consecutive runs of the objects that use one workspace are ordered after
/// each other with an event, whichever streams they use. BorderRemove right
/// after Despeckle of the same pages, on a shared workspace, in one pass,
/// reuses despeckle's labels (erasing whole specks leaves the other
/// components' labels intact) instead of labelling again. The optional per-page count
/// arrays are host memory; they are filled when the stream reaches the end of
/// the run (a host callback copies them from a pinned buffer), so read them
/// after synchronizing the stream, and keep them alive until then. At most 4
/// runs of one object that report counts may be pending (CountsChannel in
/// cuda/components.cuh); a fifth run() blocks until the oldest one's counts
/// are delivered (bounded back-pressure, the only host wait in run()).
#pragma once

#include <cstdint>
#include <memory>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/ops/components_ops.hpp"
#include "pageprep/kernels/ops/median_ops.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

// ---------------------------------------------------------------------------
// Median.
// ---------------------------------------------------------------------------

/// Shape checks shared by both median schedules.
Status validate_median_batch(ConstGrayBatch in, GrayBatch out);

namespace cpu {
/// 3x3 median of every page, rows spread over `pool`.
Status median3x3(ThreadPool& pool, ConstGrayBatch in, GrayBatch out);
}  // namespace cpu

namespace cuda {
/// Enqueues the 3x3 median of a device batch on `stream`; needs no workspace.
Status median3x3(Stream stream, ConstGrayBatch in, GrayBatch out);
}  // namespace cuda

// ---------------------------------------------------------------------------
// Despeckle.
// ---------------------------------------------------------------------------

struct DespeckleParams {
  /// Components of at most this many ink pixels are removed. 0: scale with the
  /// page's resolution, see despeckle_max_area().
  int32_t max_area = 0;
};

/// The area limit used for a page: params.max_area when positive, otherwise
/// max(1, round(4 * (dpi / 300)^2)): 4 px at 300 dpi, 16 px at 600 dpi, 1 px
/// at 150 dpi and below. That is deliberately conservative: a period or an
/// i-dot of 10 pt text at 300 dpi is about 5x5 = 25 px and survives, while
/// scanner dust of 1-2 px does not. Returns -1 for a dpi that is not a finite
/// positive number.
int32_t despeckle_max_area(const DespeckleParams& params, float dpi);

/// Checks params (max_area >= 0) and limits (positive, max_width * max_height
/// < 2^31).
Status validate_despeckle(const DespeckleParams& params, const BatchLimits& limits);

namespace cpu {

class Despeckle {
 public:
  static Status create(const DespeckleParams& params, const BatchLimits& limits,
                       std::unique_ptr<Despeckle>* out);
  ~Despeckle();
  Despeckle(const Despeckle&) = delete;
  Despeckle& operator=(const Despeckle&) = delete;

  /// Removes the specks of every page in place. `page_dpi`: host array of
  /// pages.count resolutions, or nullptr for 300 dpi. `removed`: optional host
  /// array receiving each page's number of removed components.
  Status run(ThreadPool& pool, GrayBatch pages, const float* page_dpi = nullptr,
             int64_t* removed = nullptr);

 private:
  Despeckle(const DespeckleParams& params, const BatchLimits& limits);
  DespeckleParams params_;
  BatchLimits limits_;
  /// Run-labelling workspace (one union-find node per possible ink run):
  /// about (max_width + 1) * max_height * 17 / 16 int32.
  std::unique_ptr<int32_t[]> labels_;
};

}  // namespace cpu

namespace cuda {

/// The label workspace of the CUDA component operations (see the file
/// comment). Shared by passing one object to both create() calls; the
/// operations sharing it must not run concurrently on unordered streams
/// (their runs are ordered by the workspace's event anyway).
class ComponentLabels {
 public:
  static Status create(const BatchLimits& limits, std::shared_ptr<ComponentLabels>* out);
  ~ComponentLabels();
  ComponentLabels(const ComponentLabels&) = delete;
  ComponentLabels& operator=(const ComponentLabels&) = delete;

  /// Labels (int32 entries) it holds.
  int64_t capacity() const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  explicit ComponentLabels(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class Despeckle {
 public:
  /// `labels`: a shared workspace sized for at least `limits`, or nullptr for
  /// the object's own.
  static Status create(const DespeckleParams& params, const BatchLimits& limits,
                       std::unique_ptr<Despeckle>* out,
                       std::shared_ptr<ComponentLabels> labels = nullptr);
  ~Despeckle();
  Despeckle(const Despeckle&) = delete;
  Despeckle& operator=(const Despeckle&) = delete;

  /// Enqueues despeckling of a device batch on `stream`. `page_dpi` and
  /// `removed` are host arrays as in cpu::Despeckle; `removed` is written when
  /// the stream reaches the end of this run (see the file comment).
  Status run(Stream stream, GrayBatch pages, const float* page_dpi = nullptr,
             int64_t* removed = nullptr);

  struct Impl;

 private:
  explicit Despeckle(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cuda

// ---------------------------------------------------------------------------
// Dark border removal.
// ---------------------------------------------------------------------------

/// Removes dark regions connected to the page edge, such as the black frame
/// of a scanner lid or the dark wedge of a skewed scan (unpaper's black
/// filter). A component of ink is removed when it touches the outermost row or
/// column of the page and
///   - its bounding box spans at least min_span_fraction of the page width
///     (horizontally) or of the page height (vertically), or
///   - it is solid: ink covers at least min_fill of its bounding box, and the
///     box's shorter side is at least min_solid_fraction of the page's shorter
///     side (50 px on an A4 page at 300 dpi with the default).
/// Text that touches the margin survives: its components are letters, far
/// smaller than either rule needs. Text that touches a border is part of the
/// border's component and goes with it; ink separated from it by one pixel of
/// paper stays.
struct BorderParams {
  float min_span_fraction = 0.25f;   ///< in (0, 1]
  float min_fill = 0.5f;             ///< in (0, 1]
  float min_solid_fraction = 0.02f;  ///< in [0, 1]
};

/// Checks params (ranges above) and limits.
Status validate_border(const BorderParams& params, const BatchLimits& limits);

/// The integer thresholds of a w x h page: min_span_x = max(1, ceil(f * w)),
/// min_span_y = max(1, ceil(f * h)), min_solid_side = max(1, ceil(s * min(w, h))),
/// fill_q16 = round(min_fill * 65536). Computed on the host for both schedules.
ops::BorderThresholds border_thresholds(const BorderParams& params, int32_t w, int32_t h);

namespace cpu {

class BorderRemove {
 public:
  static Status create(const BorderParams& params, const BatchLimits& limits,
                       std::unique_ptr<BorderRemove>* out);
  ~BorderRemove();
  BorderRemove(const BorderRemove&) = delete;
  BorderRemove& operator=(const BorderRemove&) = delete;

  /// Removes the dark borders of every page in place. `removed_pixels`:
  /// optional host array receiving each page's number of erased pixels.
  Status run(ThreadPool& pool, GrayBatch pages, int64_t* removed_pixels = nullptr);

 private:
  BorderRemove(const BorderParams& params, const BatchLimits& limits);
  BorderParams params_;
  BatchLimits limits_;
  std::unique_ptr<int32_t[]> labels_;          ///< max_width * max_height
  std::unique_ptr<ops::BorderStats[]> stats_;  ///< perimeter_slots(max_width, max_height)
};

}  // namespace cpu

namespace cuda {

class BorderRemove {
 public:
  /// `labels` as in Despeckle::create.
  static Status create(const BorderParams& params, const BatchLimits& limits,
                       std::unique_ptr<BorderRemove>* out,
                       std::shared_ptr<ComponentLabels> labels = nullptr);
  ~BorderRemove();
  BorderRemove(const BorderRemove&) = delete;
  BorderRemove& operator=(const BorderRemove&) = delete;

  /// Enqueues border removal of a device batch on `stream`; `removed_pixels`
  /// as in cpu::BorderRemove, written when the stream reaches the end of this
  /// run (see the file comment).
  Status run(Stream stream, GrayBatch pages, int64_t* removed_pixels = nullptr);

  struct Impl;

 private:
  explicit BorderRemove(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cuda
}  // namespace pageprep::kernels
