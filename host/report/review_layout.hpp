/// \file review_layout.hpp
/// \brief Where the review sheet (`pageprep report OUTDIR --review`) puts
/// each cell, its thumbnail and its text: A4 portrait pages of 4 x 3 cells,
/// in PDF user space (points, origin bottom left, y up).
///
/// The writer (review_sheet.cpp) and the tests that render the sheet and look
/// for the strokes (tests/unit/test_review_sheet.cpp, tests/e2e/test_review.cpp)
/// use these same functions, so a test maps a box in master pixels to the
/// rendered sheet exactly as the writer drew it.
/// Thread safety: pure functions.
#pragma once

#include <algorithm>
#include <cstddef>

namespace pageprep::host::review {

constexpr double kPageW = 595.276;  ///< A4, points
constexpr double kPageH = 841.89;
constexpr double kMargin = 24;
constexpr double kHeader = 30;  ///< the first line of every sheet page
constexpr int kCols = 4;
constexpr int kRows = 3;
constexpr size_t kCellsPerPage = static_cast<size_t>(kCols) * kRows;
constexpr double kGap = 6;
constexpr double kCellW = (kPageW - 2 * kMargin - (kCols - 1) * kGap) / kCols;
constexpr double kCellH = (kPageH - 2 * kMargin - kHeader - (kRows - 1) * kGap) / kRows;
constexpr double kPad = 3;       ///< inside the cell's frame
constexpr double kFontPt = 6.2;  ///< Helvetica
constexpr double kLeading = 7.0;
constexpr int kTextLines = 9;  ///< lines of words under the thumbnail at most
constexpr double kThumbW = kCellW - 2 * kPad;
constexpr double kThumbH = kCellH - 2 * kPad - kTextLines * kLeading - 2;
/// Thumbnail pixels on the longer side: about 2.3 pixels per point of the
/// thumbnail box, sharp when a reviewer zooms in to 200%.
constexpr int kThumbMaxSide = 360;

struct Rect {
  double x = 0, y = 0, w = 0, h = 0;  ///< lower-left corner and size
};

/// The sheet page (0-based) that holds cell `index`.
inline size_t sheet_page(size_t index) {
  return index / kCellsPerPage;
}

/// Cell `index`'s frame on its sheet page: row-major, top row first.
inline Rect cell_rect(size_t index) {
  const size_t k = index % kCellsPerPage;
  const double col = static_cast<double>(k % kCols), row = static_cast<double>(k / kCols);
  const double top = kPageH - kMargin - kHeader - row * (kCellH + kGap);
  return {kMargin + col * (kCellW + kGap), top - kCellH, kCellW, kCellH};
}

/// The box the thumbnail is fitted into, at the top of the cell.
inline Rect thumb_box(size_t index) {
  const Rect c = cell_rect(index);
  return {c.x + kPad, c.y + c.h - kPad - kThumbH, kThumbW, kThumbH};
}

/// The thumbnail of a master of `master_w` x `master_h` pixels: fitted into
/// thumb_box(), centred horizontally, at its top.
inline Rect image_rect(size_t index, double master_w, double master_h) {
  const Rect b = thumb_box(index);
  if (master_w <= 0 || master_h <= 0) return b;
  const double s = std::min(b.w / master_w, b.h / master_h);
  const double w = master_w * s, h = master_h * s;
  return {b.x + (b.w - w) / 2, b.y + b.h - h, w, h};
}

/// The baseline of text line `line` (0-based) under the thumbnail.
inline double text_baseline(size_t index, int line) {
  const Rect b = thumb_box(index);
  return b.y - 2 - kFontPt - line * kLeading;
}

struct Point {
  double x = 0, y = 0;
};

/// A master pixel position (x right, y down, pixels) on the sheet (points).
inline Point master_to_sheet(const Rect& image, double master_w, double master_h, double x,
                             double y) {
  return {image.x + x * image.w / master_w, image.y + image.h - y * image.h / master_h};
}

}  // namespace pageprep::host::review
