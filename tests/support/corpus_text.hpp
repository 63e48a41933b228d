/// \file corpus_text.hpp
/// \brief Deterministic text for synthetic pages: English-like sentences built from
/// real common words, Russian sentences from common words, and simplified Chinese sentences built
/// from common hanzi.
///
/// Everything is a pure function of an Rng, whose mapping from the 64-bit
/// std::mt19937_64 stream to integers and reals is our own (no
/// std::uniform_*_distribution), so a seed gives the same text on every platform.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace pageprep::testsupport {

/// A seeded random source with a fixed, documented mapping.
class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}
  uint64_t next() { return engine_(); }
  /// Uniform integer in [lo, hi] (inclusive); modulo bias < 2^-40 for our ranges.
  int64_t uniform_int(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  /// Uniform real in [0, 1) from the top 53 bits.
  double uniform01() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  bool chance(double p) { return uniform01() < p; }
  /// Standard normal (Box-Muller, one value per call).
  double normal();

 private:
  std::mt19937_64 engine_;
};

/// A unit of line layout: the code points drawn for one word (English, with any
/// attached punctuation) or one character (Chinese), and whether a space
/// separates it from the previous unit on the same line.
struct TextToken {
  std::u32string text;
  bool space_before = true;
};

/// A few hundred real common English words, lower case ASCII.
const std::vector<std::string>& common_english_words();

/// A few hundred distinct common simplified Chinese characters.
const std::u32string& common_hanzi();

/// One English sentence (6-16 tokens): capitalised start, occasional commas and
/// numbers (years, small integers), ending in '.' or (rarely) '?'.
std::vector<TextToken> english_sentence(Rng& rng);

/// A paragraph of `sentences` English sentences.
std::vector<TextToken> english_paragraph(Rng& rng, int sentences);

/// A paragraph of `sentences` Chinese sentences: hanzi with '，' inside and '。'
/// at the end, one token per character, no spaces.
std::vector<TextToken> chinese_paragraph(Rng& rng, int sentences);

/// A paragraph of `sentences` Russian sentences (Cyrillic, capitalised start,
/// occasional commas, '.' or '?' at the end) from a list of common words.
std::vector<TextToken> russian_paragraph(Rng& rng, int sentences);

/// Short cell contents for tables: a capitalised word (header), or one or two
/// words, or a number.
std::vector<TextToken> table_cell(Rng& rng, bool header, bool chinese);

/// UTF-8 encoding of code points (valid scalar values only; others become U+FFFD).
std::string to_utf8(const std::u32string& s);

}  // namespace pageprep::testsupport
