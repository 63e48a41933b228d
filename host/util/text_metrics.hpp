/// \file text_metrics.hpp
/// \brief Character and word error rates of OCR output against ground truth.
///
/// Both texts are normalized the same way before comparison (normalize_for_scoring):
///  1. UTF-8 is decoded to code points; each byte that is not part of a valid
///     UTF-8 sequence (bad lead or continuation byte, overlong form, surrogate,
///     > U+10FFFF, truncated sequence) counts as one code point of its own, never
///     equal to any valid character.
///  2. Typographic variants Tesseract emits are mapped to their plain forms:
///     ligatures U+FB00..U+FB04 (ff fi fl ffi ffl) -> their letters;
///     U+2018 U+2019 U+201A U+201B U+2032 (single quotes, prime) -> '\'';
///     U+201C U+201D U+201E U+201F U+2033 (double quotes, double prime) -> '"';
///     U+2010..U+2015, U+2212 (hyphens, en/em dashes, minus) -> '-';
///     U+2026 (ellipsis) -> "..."; fullwidth ASCII variants U+FF01..U+FF5E -> ASCII
///     (their NFKC form: Tesseract's chi_sim prints ',' and '，' for one comma).
///     Zero-width characters (U+200B, U+200C, U+200D, U+2060, U+FEFF) and U+00AD
///     (soft hyphen) are removed.
///  3. Whitespace (ASCII space, \t, \n, \v, \f, \r, U+0085, U+00A0, U+1680,
///     U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) runs become one
///     U+0020; leading and trailing whitespace is removed. So line breaks and
///     paragraph breaks do not count.
///  4. A whitespace run between two CJK characters (ideographs, kana, hangul,
///     CJK punctuation such as '。' '、'), or between a CJK character and ASCII
///     punctuation, is removed: Tesseract's chi_sim output separates characters
///     by spaces that the truth does not have. Spaces between CJK and Latin
///     letters or digits stay.
/// Not normalized: letter case, Unicode normalization forms (precomposed "ï" and
/// "i" + U+0308 differ), other punctuation.
///
/// CER = Levenshtein distance (unit costs) over code points / code points of the
/// normalized truth. WER = the same over words: whitespace-separated, except
/// that each CJK character is a word of its own (Chinese has no spaces). With an
/// empty normalized truth: rate 0 if the OCR is empty too, else 1.0 (edits then
/// counts the OCR's code points / words). Rates are not clamped: insertions can
/// push them above 1.
///
/// Cost: O(n * ceil(m/64)) time and O(m) memory for lengths n >= m (bit-parallel
/// Levenshtein after stripping the common prefix and suffix): well under 1 ms
/// for two 3000-character pages.
#pragma once

#include <cstdint>
#include <string>

namespace pageprep::host {

struct TextScore {
  int64_t edits = 0;      ///< character-level Levenshtein distance
  int64_t ref_chars = 0;  ///< code points in the normalized truth
  double cer = 0.0;
  int64_t word_edits = 0;  ///< word-level Levenshtein distance
  int64_t ref_words = 0;   ///< words in the normalized truth
  double wer = 0.0;
};

/// Scores OCR output against the truth (both UTF-8), after normalization.
TextScore score_text(const std::string& ocr, const std::string& truth);

/// The normalized form both texts are compared in, re-encoded as UTF-8 (an
/// invalid input byte becomes U+FFFD here; scoring keeps it distinct).
std::string normalize_for_scoring(const std::string& text);

/// Reads `<image_path without its extension>.gt.txt` (page-0001.png ->
/// page-0001.gt.txt). Returns its bytes, or "" with *found = false if it does
/// not exist or cannot be read. `found` may be null.
std::string read_truth_for(const std::string& image_path, bool* found);

/// Appends code point `c` as UTF-8 (values past U+10FFFF and surrogates as U+FFFD).
void append_utf8(std::string* out, char32_t c);

}  // namespace pageprep::host
