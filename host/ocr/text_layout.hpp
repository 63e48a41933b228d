/// \file text_layout.hpp
/// \brief The cheap orientation and script signal: text lines, their cores,
/// and the ink above and below them, from the rows of a deskewed page.
///
/// Used by the finish stage to decide whether a page can be read before (or
/// without) Tesseract's OSD (script_routing.hpp has the rule). Pure function
/// of the page; thread-safe.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>

namespace pageprep::host {

/// What the rows of a deskewed page say about its text, measured from the ink
/// per row of 8 vertical strips (lines are only lines within one column), in
/// about a millisecond per A4 page, with no OSD: text lines are blocks of
/// rows; in each, the core (x-height band) is the rows around the densest one
/// with at least a third of its ink; the ink above the cores (ascenders,
/// capitals) and below them (descenders) is summed over the page.
/// Upright Latin text has far more ink above its cores than below them
/// (English: ~2-4x); upside down the ratio inverts; CJK text has no core band
/// (every glyph fills the line), Cyrillic few ascenders. A page turned a
/// quarter shows no horizontal lines at all.
struct TextLayout {
  int32_t lines = 0;          ///< text lines found (core 0.03-0.5 inch tall)
  double ascender_ink = 0;    ///< ink above the cores, over all lines (pixels)
  double descender_ink = 0;   ///< ink below the cores
  double core_share = 0;      ///< core rows / line rows over all lines (CJK: near 1)
  double line_ink_share = 0;  ///< share of the page's ink inside the lines found
  /// Ink of the emptiest row between consecutive lines over the lines' peak
  /// ink: ~0 between real lines (the gaps line up), larger on a page turned
  /// a quarter (its rows cut across several vertical lines of characters).
  double valley_share = 1;
  /// ascender_ink / descender_ink (0 when there are no lines).
  double ascender_ratio() const {
    return descender_ink > 0 ? ascender_ink / descender_ink : (ascender_ink > 0 ? 99.0 : 0.0);
  }
};

/// Measures TextLayout on a deskewed 0/255 binary page (0 = ink) or an 8-bit
/// gray page (ink below Otsu's threshold) at `dpi` (<= 0: 300).
TextLayout measure_text_layout(const cv::Mat& binary_or_gray, int dpi);

/// The same on the page's columns (the page transposed): what the page's
/// "rows" would be if it were turned a quarter.
TextLayout measure_column_layout(const cv::Mat& binary_or_gray, int dpi);

}  // namespace pageprep::host
