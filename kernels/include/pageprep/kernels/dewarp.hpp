/// \file dewarp.hpp
/// \brief Flatten a curled page (`--dewarp auto`, issue 21): model the curl of
/// the text lines, then remap the page so they are straight.
///
/// Contract:
/// - strip_profiles (CPU schedule) fills kDewarpStrips ink profiles: profile s
///   row y = the pixels darker than `threshold` in row y of vertical strip s
///   (strip s spans columns [s * W / S, (s + 1) * W / S)), stored s * H + y.
/// - fit_dewarp (host) decides from the profiles alone:
///   1. Blocks of rows (kDewarpBlocksPerPage per page height, overlapping by
///      half) are the "line regions". In each block, neighbouring strips are
///      compared by normalized cross-correlation of their profiles over shifts
///      of +-H / kDewarpShiftDiv pixels (sub-pixel peak by a parabola); a pair
///      counts when both strips hold ink and the peak is >= kDewarpMinNcc. An
///      empty strip is bridged by comparing with the next one (up to 3 strips
///      on, over a proportionally wider range).
///   2. Chained outward from the block's inkiest strip, the pairs give each
///      strip's vertical offset in that block, up to one unknown constant per
///      block (the line's height is not a curl).
///   3. One smooth model for the page, fitted by weighted least squares:
///      v(x, y) = sum over i = 1..4, j = 0..2 of c_ij xn^i yn^j plus a free
///      offset per block (xn, yn: x and y scaled to -1..1), the Leptonica-like
///      "polynomial in x per line, smooth in y". It is evaluated on the grid
///      of ops::dewarp_ops.hpp with x and y held inside the measured area
///      (no extrapolation), and each grid row's median over the measured
///      columns is subtracted, so the page's flat part is not moved.
///   4. confidence = max(0, 1 - rms / kDewarpMaxRmsPx) * min(1, n / kDewarpFullMeasures),
///      rms the fit's weighted residual, n the strip offsets measured.
///   5. applied when n >= kDewarpMinMeasures, confidence >= kDewarpMinConfidence
///      and the curl >= max(kDewarpMinShiftPx, H / kDewarpFlatDiv), the curl being the largest |v|
///      less the straight line fitted to each grid row over the measured columns (a linear v is a
///      shear: residual skew, deskew's business). Otherwise `note` says why; a flat page (curl
///      under that) is never resampled.
/// - dewarp (CPU or CUDA schedule) writes dst(x, y) = src(x, y + v(x, y))
///   (ops::dewarp_pixel); dst has src's size and must not alias it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/image_view.hpp"
#include "pageprep/kernels/ops/dewarp_ops.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

/// Vertical strips of the model (124 px wide on an A4 300-dpi page: several
/// words, so each strip's row profile shows the text lines).
constexpr int32_t kDewarpStrips = 20;
/// Row blocks per page height (a block of an A4 page holds ~5 text lines).
constexpr int32_t kDewarpBlocksPerPage = 12;
/// Shift search range between neighbouring strips: +-height / kDewarpShiftDiv
/// (22 px on A4 at 300 dpi, under half a line pitch of 11-pt text).
constexpr int32_t kDewarpShiftDiv = 160;
/// Smallest correlation peak of a usable strip pair.
constexpr double kDewarpMinNcc = 0.6;
/// Fewest strip offsets to model a page at all, and the count of full trust.
constexpr int32_t kDewarpMinMeasures = 24;
constexpr int32_t kDewarpFullMeasures = 80;
/// Fit residual (px) at which confidence reaches 0.
constexpr double kDewarpMaxRmsPx = 2.0;
/// 0.6: a sparse flat page of the 15-page skew probe (docs/QUALITY.md "Dewarp")
/// fitted a spurious 6.9 px curl at 0.54; curled pages fit at 0.83-0.92.
constexpr double kDewarpMinConfidence = 0.6;
/// A page whose curl is under max(kDewarpMinShiftPx, height / kDewarpFlatDiv)
/// is flat: never resampled. 3.5 px on A4 at 300 dpi: a deskewed single-column
/// flat page of the probe fitted a spurious 2.7 px curl; a curl that small
/// moves a line by a fraction of its x-height.
constexpr double kDewarpMinShiftPx = 1.0;
constexpr int32_t kDewarpFlatDiv = 1000;
/// Largest page side (Q16 positions stay in int32).
constexpr int32_t kDewarpMaxSide = 16384;

struct DewarpModel {
  bool apply = false;     ///< confident and not flat: remap with `grid`
  double confidence = 0;  ///< step 4
  double max_px = 0;      ///< largest |v| over the grid (pixels)
  double rms_px = 0;      ///< fit residual (pixels)
  int32_t measures = 0;   ///< strip offsets measured (step 2)
  int32_t width = 0, height = 0;
  std::vector<int32_t> v_q8;  ///< the grid (ops::DewarpGrid), Q8 px; empty unless fitted
  std::string note;           ///< why not applied ("flat page ..."), empty when applied

  /// The grid as the remap reads it (host pointer).
  ops::DewarpGrid grid(uint8_t fill) const {
    return {v_q8.data(), ops::dewarp_grid_w(width), ops::dewarp_grid_h(height), fill};
  }
};

/// Steps 1-5 from the strip profiles of a width x height page.
DewarpModel fit_dewarp(const std::vector<int32_t>& profiles, int32_t width, int32_t height);

/// Checks the shapes of a remap: same size, non-empty, <= kDewarpMaxSide, a
/// grid of the page's dimensions, no node beyond ops::kDewarpMaxShiftPx.
/// `check_nodes` reads the nodes (host grids only).
Status validate_dewarp(ConstGrayView src, GrayView dst, const ops::DewarpGrid& grid,
                       bool check_nodes);

namespace cpu {
/// Fills *profiles (resized to kDewarpStrips * height) as in the contract.
Status strip_profiles(ThreadPool& pool, ConstGrayView page, int32_t threshold,
                      std::vector<int32_t>* profiles);
/// The ink threshold (Otsu on a row-subsampled histogram), strip_profiles and
/// fit_dewarp.
Status dewarp_model(ThreadPool& pool, ConstGrayView page, DewarpModel* model);
/// The remap, rows across the pool.
Status dewarp(ThreadPool& pool, ConstGrayView src, GrayView dst, const ops::DewarpGrid& grid);
}  // namespace cpu

namespace cuda {
/// Enqueues the remap of a device page; grid.v_q8 is in device memory.
Status dewarp(Stream stream, ConstGrayView src, GrayView dst, const ops::DewarpGrid& grid);
}  // namespace cuda

}  // namespace pageprep::kernels
