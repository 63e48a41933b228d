/// \file gutter.hpp
/// \brief Split a two-page spread (`--split auto`, issue 21): find the gutter
/// between the pages of a book spread, or say why the image is not split.
///
/// Contract:
/// - gutter_cell_ranges (CPU or CUDA schedule) fills one uint16 per
///   ops::kGutterCellW x ops::kGutterCellH cell, row-major,
///   gutter_cells_w(width) per row, packed (max << 8) | min; both schedules
///   give identical values (ops/gutter_ops.hpp).
/// - find_gutter decides from the ranges alone (host; a 300-dpi spread has
///   ~70k cells). Steps:
///   1. The paper area: when the cell maxima split into a bright class (paper)
///      and a class >= kPageBoxMinContrast darker (a bed) that holds >= 2% of
///      the cells, the area is the span of the columns, then of the rows within
///      them, that are at least half bright, less one edge cell on each side;
///      otherwise the whole image.
///   2. A spread is landscape: area width >= kGutterMinAspect x its height.
///      Otherwise the result is "not a spread" (spread_candidate false).
///   3. Per column of cells in the area: ink = its inky cells; paper = the
///      median of its cell maxima. A column is ink-free at <= 3% inky cells,
///      text at >= 10%.
///   4. Valleys are maximal runs of ink-free columns that touch neither side
///      of the area (those are the outer margins). A rule is ink, so it never
///      makes a valley: it can only cut one in two.
///   5. The gutter valley is the widest valley whose centre lies in the middle
///      (kGutterMiddle of the area either side of its centre). It must be
///      >= kGutterMinValley of the area wide, hold no more than kGutterMaxValleys
///      valleys beside it, and each side of it must hold text in >= 25% of its
///      columns.
///   6. confidence = 1 - (widest other valley) / (gutter valley), in 0..1; it
///      must be >= kGutterMinConfidence.
///   7. The gutter line: with a shadow (the valley's lowest paper level at least
///      kGutterMinShadow below the text columns' median paper), the midpoint of
///      the shadow's half-depth crossings (a shadow is symmetric about the
///      gutter); otherwise the valley's centre.
///   A result that fails a step has found false and a `note` saying which.
/// - A page that is not landscape is never split; neither is one whose middle
///   has no wide ink-free valley with text on both sides (a single page).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/image_view.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

/// Area width / height at or above which an image may be a spread (two A4
/// pages side by side are 1.41; one A4 page on its side is 1.41 too, which
/// the valley rules, not the shape, keep whole).
constexpr double kGutterMinAspect = 1.15;
/// The gutter's valley centre lies within this fraction of the area's width
/// of its centre (0.15: between 35% and 65%).
constexpr double kGutterMiddle = 0.15;
/// Narrowest gutter valley, as a fraction of the area's width: two inner
/// margins of a book are ~8-12% of a spread, a column gap ~1-2%, the widest
/// paragraph gap of a page turned a quarter ~2-3% (pageprep-split-eval scan;
/// docs/QUALITY.md).
constexpr double kGutterMinValley = 0.05;
/// At most this many other valleys (column gaps): a page turned a quarter has
/// a valley between every pair of its lines.
constexpr int32_t kGutterMaxValleys = 8;
/// Smallest confidence (1 - second valley / gutter valley) to split.
constexpr double kGutterMinConfidence = 0.5;
/// A shadow: the valley's paper this many levels below the pages' paper.
constexpr int32_t kGutterMinShadow = 12;

struct Gutter {
  bool found = false;  ///< confident: split at x
  /// The image's shape made it a spread candidate (landscape); false means
  /// "not a spread" and nothing else was looked at.
  bool spread_candidate = false;
  int32_t x = 0;          ///< first column of the right page (pixels)
  double confidence = 0;  ///< step 6 (0 when no gutter valley was found)
  bool shadow = false;    ///< placed by the gutter shadow (step 7)
  int32_t area_x = 0, area_y = 0, area_w = 0, area_h = 0;  ///< paper area (pixels)
  int32_t valley_x = 0, valley_w = 0;                      ///< gutter valley (pixels)
  std::string note;                                        ///< why not found
};

/// The gutter from the cell ranges of a width x height page (see the contract).
Gutter find_gutter(const std::vector<uint16_t>& ranges, int32_t width, int32_t height);

namespace cpu {
/// Fills *ranges (resized) with the page's cell ranges.
Status gutter_cell_ranges(ThreadPool& pool, ConstGrayView page, std::vector<uint16_t>* ranges);
/// gutter_cell_ranges then find_gutter.
Status find_gutter(ThreadPool& pool, ConstGrayView page, Gutter* gutter);
}  // namespace cpu

namespace cuda {
/// Enqueues the cell ranges of a device page into device memory `ranges`
/// (gutter_cells_w(w) * gutter_cells_h(h) uint16).
Status gutter_cell_ranges(Stream stream, ConstGrayView page, uint16_t* ranges);
}  // namespace cuda

}  // namespace pageprep::kernels
