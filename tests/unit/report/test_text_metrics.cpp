// CER/WER against hand-computed cases and a full-matrix Levenshtein reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "util/text_metrics.hpp"

namespace pageprep {
namespace {

using host::score_text;

// The obviously correct reference: the full (n+1)x(m+1) matrix.
int64_t reference_levenshtein(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<std::vector<int64_t>> d(a.size() + 1, std::vector<int64_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int64_t>(i);
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int64_t>(j);
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j)
      d[i][j] = std::min(
          {d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
  return d[a.size()][b.size()];
}

TEST(TextMetrics, KittenSitting) {
  const auto s = score_text("kitten", "sitting");
  EXPECT_EQ(s.edits, 3);
  EXPECT_EQ(s.ref_chars, 7);
  EXPECT_DOUBLE_EQ(s.cer, 3.0 / 7.0);
  EXPECT_EQ(s.word_edits, 1);
  EXPECT_EQ(s.ref_words, 1);
  EXPECT_DOUBLE_EQ(s.wer, 1.0);
}

TEST(TextMetrics, IdenticalIsZero) {
  const auto s = score_text("The quick brown fox.", "The quick brown fox.");
  EXPECT_EQ(s.edits, 0);
  EXPECT_EQ(s.ref_chars, 20);
  EXPECT_EQ(s.word_edits, 0);
  EXPECT_EQ(s.ref_words, 4);
  EXPECT_EQ(s.cer, 0.0);
}

TEST(TextMetrics, CountsCodePointsNotBytes) {
  // "naïve": ï is two bytes in UTF-8 but one code point, so one substitution.
  const auto s = score_text("naive", "na\xC3\xAFve");
  EXPECT_EQ(s.edits, 1);
  EXPECT_EQ(s.ref_chars, 5);
  // Three-byte (CJK) and four-byte (emoji) characters are one each too.
  const auto c = score_text("\xE4\xB8\xAD\xE6\x96\x87", "\xE4\xB8\xAD\xE5\x9B\xBD\xF0\x9F\x98\x80");
  EXPECT_EQ(c.ref_chars, 3);
  EXPECT_EQ(c.edits, 2);  // 文 -> 国, insert 😀
}

TEST(TextMetrics, InvalidBytesCountOneEach) {
  // 0xFF and a lone continuation byte 0x80 are invalid: two code points.
  const auto s = score_text("ab",
                            "a\xFF\x80"
                            "b");
  EXPECT_EQ(s.ref_chars, 4);
  EXPECT_EQ(s.edits, 2);
  // A truncated 3-byte sequence: the lead and its one continuation count separately.
  const auto t = score_text("x", "x\xE4\xB8");
  EXPECT_EQ(t.ref_chars, 3);
  EXPECT_EQ(t.edits, 2);
  // Invalid bytes never equal a valid character, nor one another unless equal.
  EXPECT_EQ(score_text("\xFF", "\xFE").edits, 1);
  EXPECT_EQ(score_text("\xFF", "\xFF").edits, 0);
  EXPECT_EQ(score_text("?", "\xFF").edits, 1);
  // Overlong encoding of '/' (C0 AF) is two invalid bytes, not '/'.
  EXPECT_EQ(score_text("/", "\xC0\xAF").edits, 2);
}

TEST(TextMetrics, WhitespaceIsNormalized) {
  const auto s = score_text("  hello \n\n world\t\r\n", "hello world");
  EXPECT_EQ(s.edits, 0);
  EXPECT_EQ(s.ref_chars, 11);
  EXPECT_EQ(s.word_edits, 0);
  // Line breaks inside the truth count as one space.
  EXPECT_EQ(score_text("a b", "a\n\nb").edits, 0);
  // A missing space is still one edit.
  EXPECT_EQ(score_text("ab", "a b").edits, 1);
  // No-break and ideographic spaces are whitespace.
  EXPECT_EQ(score_text("a\xC2\xA0"
                       "b\xE3\x80\x80"
                       "c",
                       "a b c")
                .edits,
            0);
  EXPECT_EQ(host::normalize_for_scoring(" \t x \n y  "), "x y");
}

TEST(TextMetrics, TypographicVariantsAreNormalized) {
  // ﬁ ﬂ ligatures, curly quotes, en/em dashes, ellipsis, soft hyphen.
  EXPECT_EQ(score_text("\xEF\xAC\x81nd \xEF\xAC\x82y", "find fly").edits, 0);
  EXPECT_EQ(score_text("\xE2\x80\x9Cit\xE2\x80\x99s\xE2\x80\x9D", "\"it's\"").edits, 0);
  EXPECT_EQ(score_text("1\xE2\x80\x93"
                       "2 \xE2\x80\x94 3",
                       "1-2 - 3")
                .edits,
            0);
  EXPECT_EQ(score_text("wait\xE2\x80\xA6", "wait...").edits, 0);
  EXPECT_EQ(score_text("co\xC2\xAD"
                       "operate",
                       "cooperate")
                .edits,
            0);
  // Case is not normalized.
  EXPECT_EQ(score_text("Word", "word").edits, 1);
}

TEST(TextMetrics, SpacesBetweenCjkCharactersAreIgnored) {
  // Tesseract chi_sim prints "中 国 人"; the truth is "中国人".
  EXPECT_EQ(
      score_text("\xE4\xB8\xAD \xE5\x9B\xBD \xE4\xBA\xBA", "\xE4\xB8\xAD\xE5\x9B\xBD\xE4\xBA\xBA")
          .edits,
      0);
  // Between a CJK character and a Latin one the space stays.
  EXPECT_EQ(score_text("\xE4\xB8\xAD"
                       "A",
                       "\xE4\xB8\xAD A")
                .edits,
            1);
  // Fullwidth comma = ASCII comma, and spaces next to it inside CJK text go.
  EXPECT_EQ(score_text("\xE4\xB8\xAD , \xE5\x9B\xBD", "\xE4\xB8\xAD\xEF\xBC\x8C\xE5\x9B\xBD").edits,
            0);
  // Each CJK character is a word: one wrong character of three is one word edit.
  const auto w =
      score_text("\xE4\xB8\xAD\xE5\x9B\xBD\xE4\xBA\xBA", "\xE4\xB8\xAD\xE6\x96\x87\xE4\xBA\xBA");
  EXPECT_EQ(w.ref_words, 3);
  EXPECT_EQ(w.word_edits, 1);
  // Latin text is unaffected: "a , b" keeps its spaces.
  EXPECT_EQ(host::normalize_for_scoring("a , b"), "a , b");
}

TEST(TextMetrics, EmptyTruth) {
  const auto both = score_text("", " \n ");
  EXPECT_EQ(both.cer, 0.0);
  EXPECT_EQ(both.wer, 0.0);
  EXPECT_EQ(both.ref_chars, 0);
  const auto extra = score_text("abc de", "");
  EXPECT_EQ(extra.cer, 1.0);
  EXPECT_EQ(extra.wer, 1.0);
  EXPECT_EQ(extra.edits, 6);
  EXPECT_EQ(extra.word_edits, 2);
  // Empty OCR against real truth: every character is a deletion.
  const auto none = score_text("", "abc de");
  EXPECT_EQ(none.edits, 6);
  EXPECT_DOUBLE_EQ(none.cer, 1.0);
}

TEST(TextMetrics, WordErrorRate) {
  const auto s = score_text("the cat sit on mat", "the cat sat on the mat");
  EXPECT_EQ(s.ref_words, 6);
  EXPECT_EQ(s.word_edits, 2);  // sat -> sit, delete "the"
  EXPECT_DOUBLE_EQ(s.wer, 2.0 / 6.0);
  // Insertions can push the rates above 1 (not clamped).
  EXPECT_GT(score_text("a b c d", "x").wer, 1.0);
}

TEST(TextMetrics, MatchesReferenceOnRandomStrings) {
  // Small alphabet so there are many matches; lengths include 0 and 1.
  std::mt19937_64 rng(42);
  const char alphabet[] = "ab c";
  for (int trial = 0; trial < 300; ++trial) {
    const size_t la = rng() % 40, lb = rng() % 40;
    std::string a, b;
    for (size_t i = 0; i < la; ++i) a += alphabet[rng() % 4];
    for (size_t i = 0; i < lb; ++i) b += alphabet[rng() % 4];
    // The reference works on the normalized strings (spaces collapsed, trimmed).
    const std::string na = host::normalize_for_scoring(a), nb = host::normalize_for_scoring(b);
    const std::vector<int> va(na.begin(), na.end()), vb(nb.begin(), nb.end());
    const auto s = score_text(a, b);
    ASSERT_EQ(s.edits, reference_levenshtein(va, vb)) << "'" << a << "' vs '" << b << "'";
    ASSERT_EQ(s.ref_chars, static_cast<int64_t>(nb.size()));
    // Distance is symmetric.
    ASSERT_EQ(score_text(b, a).edits, s.edits);
  }
}

// Reference word split of normalized text: on ' ', and each CJK ideograph
// (the only CJK characters the tests use) is a word of its own.
std::vector<int> word_ids(const std::string& normalized, std::vector<std::string>* dict) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < normalized.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(normalized[i]);
    if (c == ' ') {
      words.emplace_back();
    } else if (c >= 0xE4 && c <= 0xE9) {  // lead byte of U+4E00..U+9FFF
      words.push_back(normalized.substr(i, 3));
      words.emplace_back();
      i += 2;
    } else {
      words.back() += static_cast<char>(c);
    }
  }
  std::vector<int> ids;
  for (const std::string& w : words) {
    if (w.empty()) continue;
    const auto it = std::find(dict->begin(), dict->end(), w);
    ids.push_back(static_cast<int>(it - dict->begin()));
    if (it == dict->end()) dict->push_back(w);
  }
  return ids;
}

TEST(TextMetrics, MatchesReferenceAcrossBitVectorWords) {
  // Lengths around multiples of 64 exercise the multi-word bit-parallel path;
  // a 3-letter alphabet gives many matches, a large one (with multi-byte
  // characters) few.
  std::mt19937_64 rng(43);
  const std::vector<std::string> small = {"a", "b", " "};
  const std::vector<std::string> large = {
      "a", "b", "c", "d", "e", "f", "g", " ", "\xC3\xAF", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80",
      "x", "y", "z"};
  const size_t lengths[] = {1, 2, 63, 64, 65, 127, 128, 129, 200, 300};
  for (int trial = 0; trial < 120; ++trial) {
    const auto& alphabet = (trial % 2) ? large : small;
    const size_t la = lengths[rng() % 10], lb = (trial % 3 == 0) ? la : lengths[rng() % 10];
    std::string a, b;
    for (size_t i = 0; i < la; ++i) a += alphabet[rng() % alphabet.size()];
    b = a;  // b: a mutated copy of a, or unrelated
    if (trial % 4 == 0) {
      b.clear();
      for (size_t i = 0; i < lb; ++i) b += alphabet[rng() % alphabet.size()];
    } else {
      for (int e = 0; e < 10 && !b.empty(); ++e) b[rng() % b.size()] = 'q';
    }
    const std::string na = host::normalize_for_scoring(a), nb = host::normalize_for_scoring(b);
    // Reference over code points: decode the (valid) normalized UTF-8 naively.
    auto cps = [](const std::string& s) {
      std::vector<int> v;
      for (size_t i = 0; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
          v.push_back(0);
        else
          v.back() = v.back() * 64 + (s[i] & 0x3F);
      for (size_t i = 0, k = 0; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
          v[k++] += static_cast<unsigned char>(s[i]) << 24;
      return v;
    };
    const auto s = score_text(a, b);
    ASSERT_EQ(s.edits, reference_levenshtein(cps(na), cps(nb))) << trial;
    std::vector<std::string> dict;
    const auto wa = word_ids(na, &dict), wb = word_ids(nb, &dict);
    ASSERT_EQ(s.word_edits, reference_levenshtein(wa, wb)) << trial;
    ASSERT_EQ(s.ref_words, static_cast<int64_t>(wb.size()));
  }
}

TEST(TextMetrics, PageSizedTextIsScoredInFull) {
  // Two different ~3000-character pages: the full 9M-cell matrix is computed.
  std::mt19937_64 rng(7);
  std::string a, b;
  for (int i = 0; i < 3000; ++i) {
    a += static_cast<char>('a' + rng() % 26);
    b += static_cast<char>('a' + rng() % 26);
    if (i % 7 == 6) a += ' ', b += ' ';
  }
  // Its time is not asserted here: see BM_ScoreTextPageSized (bench/bench_support.cpp).
  const auto s = score_text(a, b);
  EXPECT_EQ(s.ref_chars, static_cast<int64_t>(host::normalize_for_scoring(b).size()));  // ASCII
  EXPECT_GT(s.cer, 0.5);
}

TEST(TextMetrics, ReadTruthFor) {
  const std::string dir = ::testing::TempDir();
  const std::string gt = dir + "/metrics-page-0001.gt.txt";
  {
    std::ofstream f(gt, std::ios::binary);
    f << "line one\nline two";
  }
  bool found = false;
  EXPECT_EQ(host::read_truth_for(dir + "/metrics-page-0001.png", &found), "line one\nline two");
  EXPECT_TRUE(found);
  EXPECT_EQ(host::read_truth_for(dir + "/metrics-page-0001.tif", nullptr), "line one\nline two");
  found = true;
  EXPECT_EQ(host::read_truth_for(dir + "/metrics-page-0002.png", &found), "");
  EXPECT_FALSE(found);
  std::remove(gt.c_str());
}

}  // namespace
}  // namespace pageprep
