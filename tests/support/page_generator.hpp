/// \file page_generator.hpp
/// \brief Deterministic synthetic document pages with ground truth: the clean
/// page, its binary ground truth, a degraded "scan" of it, and the exact text.
///
/// Contract:
/// - Everything is a pure function of (PageSpec, Degradation). The layout and
///   text depend on PageSpec (and on skew/border only through the margins, see
///   below); the degradation noise comes from a second stream derived from the
///   seed, so changing a degradation parameter never changes the text.
/// - Text is rendered with FreeType (anti-aliased coverage, black ink on white),
///   left-aligned with a ragged right edge, line pitch 1.2 em, margins of at
///   least one inch. A word that does not fit on a line moves to the next one; a
///   line that does not fit on the page is not drawn and not in the truth. So
///   `text` is exactly what is drawn, in reading order.
/// - Margins grow beyond one inch only when needed so that the skewed text block
///   (and the dark borders) never leave the page or cover text: for A4 with
///   |skew| <= ~12 degrees and borders < ~0.2 inch the layout is the same as for
///   an unskewed page with the same seed.
/// - `degraded` has the page size of `clean` (its width and height swapped for
///   rotate90 = 90 or 270).
/// - Thread-safe: each call owns its FreeType library and state.
/// - Cost, A4 at 300 dpi (2-core dev VM): ~20 ms for the clean page, ~100-200 ms
///   with skew, noise, specks and illumination (bench_support BM_GeneratePage times it).
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace pageprep::testsupport {

enum class Layout {
  kSingleColumn,
  kTwoColumn,  ///< two columns; truth: the left column, then the right one
  kTable,      ///< a paragraph, a ruled table (one truth line per row, cells joined by ' '), text
  kFigure,     ///< text, a halftone or continuous-tone photo-like block (~1/4 page), text
  kSparse,     ///< 3-5 lines at a random height (PageSpec::sparse_lines: that many, at the top)
  kBlank,      ///< nothing (text "")
  // Pages without usable text (for the skew and orientation gates):
  kPhoto,       ///< one photo-like block over the text area: halftone for odd seeds,
                ///< continuous tone for even ones (text "")
  kChart,       ///< a level bar chart: axes, bars, tick numbers, words under the bars and one
                ///< caption at 45 degrees (labels are drawing, not reading text: text "")
  kSignature,   ///< a handwritten-looking signature stroke in the lower right (text "")
  kPageNumber,  ///< a level page number alone at the foot of the page (text: the number)
  kWord,        ///< one word alone in the middle of the page (text: the word)
  kEngraving,   ///< as kFigure, with a line engraving (hatching, cross-hatching) in a frame
};

/// Stable names: "single", "two", "table", "figure", "sparse", "blank", "photo",
/// "chart", "signature", "pagenumber", "word", "engraving".
const char* layout_name(Layout l);
/// Parses a layout_name(); false if unknown.
bool parse_layout(const std::string& name, Layout* out);

struct PageSpec {
  uint64_t seed = 1;
  int dpi = 300;
  /// Page size in pixels. Left at the A4-at-300-dpi defaults with another dpi,
  /// the page becomes A4 at that dpi (e.g. 1240x1754 at 150 dpi); any other
  /// value is used as given.
  int width_px = 2480, height_px = 3508;
  Layout layout = Layout::kSingleColumn;
  /// A file name without extension under /usr/share/fonts/truetype/{dejavu,liberation}/
  /// (DejaVuSerif, DejaVuSans, LiberationSerif-Regular, LiberationSans-Regular,
  /// LiberationMono-Regular, ...) or an absolute path to a font file. Ignored
  /// for chi_sim unless it names a file, which must then have the CJK glyphs.
  std::string font = "DejaVuSerif";
  double font_pt = 11.0;
  /// "eng", "rus" (Cyrillic; the default DejaVu and Liberation fonts have it) or
  /// "chi_sim". chi_sim needs a CJK font (wqy-zenhei.ttc or
  /// NotoSansCJK-Regular.ttc); without one generate_page fails with an error.
  std::string language = "eng";
  /// kSparse only: 0 draws 3-5 lines starting at a random height of the text
  /// area; N > 0 draws N lines from the top of the text area (the sparse page
  /// of issue 20: six 11-pt lines in the top third). The text drawn for a
  /// given seed is the same either way, only its amount and place change.
  int sparse_lines = 0;

  /// The A4 page size in pixels at `dpi` (what the defaults become).
  static int a4_width_px(int dpi) { return static_cast<int>(8.2677 * dpi + 0.5); }
  static int a4_height_px(int dpi) { return static_cast<int>(11.6929 * dpi + 0.5); }
};

struct Degradation {
  double skew_deg = 0;  ///< counter-clockwise positive (text rises to the right);
                        ///< cv::getRotationMatrix2D(center, +skew_deg, 1), filled with paper colour
  int rotate90 = 0;     ///< 0, 90, 180, 270: page turned that many degrees counter-clockwise
  double noise_sigma = 0;    ///< additive Gaussian noise, gray levels
  double speck_density = 0;  ///< specks per megapixel: half dark dots (1-3 px), half white dropouts
  double blur_sigma = 0;     ///< Gaussian blur, px
  double illumination = 0;   ///< 0..1: amplitude of a smooth darkening towards one corner
  double paper_yellow = 0;   ///< 0..1: yellowed paper (hue in colour output, darker gray otherwise)
  double contrast = 1.0;     ///< <1: ink lighter and paper darker (0.5: ink ~64, paper ~223)
  int dark_border_px = 0;    ///< dark scanner borders of about this width on 1-4 sides
  int jpeg_quality = 0;      ///< >0: JPEG round trip at this quality
  bool color = false;        ///< degraded is BGR (CV_8UC3) rather than gray
};

struct GeneratedPage {
  cv::Mat clean;         ///< CV_8UC1, the clean unskewed page
  cv::Mat clean_binary;  ///< CV_8UC1, 0 where clean < 128 (ink), else 255
  cv::Mat degraded;      ///< CV_8UC1, or CV_8UC3 when Degradation::color
  std::string text;      ///< UTF-8 truth: lines by '\n', paragraphs by "\n\n"; reading order
  double skew_deg = 0;   ///< the skew applied
  int glyphs = 0;        ///< non-space characters drawn (== non-space code points of text)
  int margin_px = 0;     ///< the margin used (>= dpi)
  /// The photo, halftone or engraving blocks (kFigure, kEngraving, kPhoto), on
  /// `clean` (and on `degraded` when it is neither skewed nor turned).
  std::vector<cv::Rect> picture_boxes;
};

/// Generates one page. Returns false and sets *error (if non-null) when the font
/// cannot be found or loaded, or the spec is invalid (size, dpi, rotate90).
bool generate_page(const PageSpec& spec, const Degradation& deg, GeneratedPage* out,
                   std::string* error);

/// Resolves a PageSpec font name to a file path ("" if not found).
std::string resolve_font_path(const std::string& name);
/// The first installed CJK font among the supported ones ("" if none).
std::string find_cjk_font();

/// Applies `deg` to a clean gray page (the degradation half of generate_page),
/// with its noise drawn from `seed`.
cv::Mat degrade_page(const cv::Mat& clean, const Degradation& deg, uint64_t seed);

}  // namespace pageprep::testsupport
