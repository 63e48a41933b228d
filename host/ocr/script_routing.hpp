/// \file script_routing.hpp
/// \brief Scripts and Tesseract languages: which installed model reads a
/// script, whether a forced language can read a detected script, which Debian
/// package would provide a missing model, and what a page's rows predict
/// about its script and orientation before any OSD runs.
///
/// Contract: pure functions of their arguments (tables compiled in); script
/// names are Tesseract OSD's ("Latin", "Han", "Cyrillic", "Devanagari", ...).
#pragma once

#include <string>
#include <vector>

#include "ocr/text_layout.hpp"

namespace pageprep::host {

/// The Tesseract language to read a script with, among `installed` ones:
/// "Latin" -> "eng", "Han" -> "chi_sim" (else "chi_tra"), "Devanagari" ->
/// "hin", "Arabic" -> "ara", "Cyrillic" -> "rus", ... Returns "" when no
/// installed language serves the script (or the script is unknown).
std::string language_for_script(const std::string& script,
                                const std::vector<std::string>& installed);

/// Whether a language spec can read a script.
enum class ScriptFit {
  kFits,         ///< one of the spec's languages reads the script
  kContradicts,  ///< every language of the spec is known, and none reads it
  kUnknown,      ///< a language of the spec is not in our table (or no script)
};

/// `lang_spec` is what -l takes ("eng", "deu+eng", "chi_sim"). Latin-script
/// languages also read "Fraktur" pages (a typeface of the Latin script); jpn
/// reads Han, kor reads Han and Hangul.
ScriptFit language_fits_script(const std::string& lang_spec, const std::string& script);

/// The Debian package with the usual model for `script`
/// ("Devanagari" -> "tesseract-ocr-hin", "Han" -> "tesseract-ocr-chi-sim");
/// "" for an unknown script.
std::string package_for_script(const std::string& script);

/// What a page's rows predict (TextLayout), before any OSD.
enum class LayoutGuess {
  kNoText,        ///< too few lines to say anything
  kLatinUpright,  ///< horizontal lines with far more ink above their cores than below
  kLatinTurned,   ///< Latin-like cores with far more ink below them: likely upside down
  kCjkUpright,    ///< horizontal lines without core bands, not upside down by the rows
  kUnsure,        ///< lines, but neither of the above (Cyrillic, Arabic, 180 or 90 degrees, ...)
};

/// Thresholds of guess_layout, measured on generated pages at 0/90/180/270
/// degrees and on the real scans (docs/QUALITY.md, "The rows' signal").
struct LayoutRule {
  int min_lines = 16;             ///< strip lines (8 strips: two full-width lines give 16)
  double max_valley = 0.05;       ///< upright pages 0-0.03 (real scans up to 0.077),
                                  ///< Latin turned a quarter 0.057-0.13
  double latin_min_ratio = 1.3;   ///< ascender/descender ink: upright Latin 1.3-9, 180 deg <= 0.4
  double latin_max_core = 0.72;   ///< core rows / line rows: Latin 0.46-0.73, CJK 0.75-0.83
  double latin_sure_ratio = 1.8;  ///< at or above it (CJK: <= 1.51) Latin up to latin_sure_core
  double latin_sure_core = 0.78;
  double turned_max_ratio = 0.5;  ///< upside-down Latin: 0.12-0.39
  double turned_max_core = 0.76;
  double cjk_min_core = 0.72;        ///< upright CJK rows 0.73-0.83
  double cjk_min_column_core = 0.6;  ///< CJK columns 0.68-0.72 (a grid); Latin, Cyrillic ~0.3
  double cjk_core_margin = 0.02;     ///< rows' core share over the columns': upright CJK 0.03-0.12,
                                     ///< turned a quarter -0.03 to -0.11
  double cjk_min_ratio = 0.6;        ///< below: upside-down rows
  double cjk_max_ratio = 1.8;
};

/// The guess from the rows of the page, and (for CJK) from its columns:
/// CJK glyphs sit on a grid, so a CJK page turned a quarter also shows lines
/// without cores; upright, its rows have fuller cores (by at least
/// cjk_core_margin) and emptier valleys than its columns. Without `columns`
/// a CJK-looking page is kUnsure. needs_columns() says when to measure them.
LayoutGuess guess_layout(const TextLayout& rows, const TextLayout* columns = nullptr,
                         const LayoutRule& rule = {});
bool needs_columns(const TextLayout& rows, const LayoutRule& rule = {});

/// The model a layout guess reads with before any OSD, or "" (OSD first):
/// - forced `lang` (not "auto"): the forced spec, unless the rows look Latin
///   and the spec cannot read Latin (then OSD checks for a mismatch first);
///   also "" when the rows show no text lines or look like upside-down Latin;
/// - "auto": the Latin model for kLatinUpright; for kCjkUpright the one
///   installed model that reads Han, when there is exactly one.
std::string first_reading_language(LayoutGuess guess, const std::string& lang,
                                   const std::vector<std::string>& installed);

/// The script a confident read in `lang_spec` vouches for ("eng" and
/// "deu+eng" -> "Latin"; "" when its languages read several scripts or one
/// is unknown).
std::string script_of_language(const std::string& lang_spec);

}  // namespace pageprep::host
