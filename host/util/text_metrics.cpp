#include "util/text_metrics.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <unordered_map>
#include <vector>

namespace pageprep::host {

namespace {

// An invalid byte b decodes to kInvalidBase + b: outside Unicode, so it never
// equals a valid character (or an invalid byte of another value).
constexpr char32_t kInvalidBase = 0x110000;

std::vector<char32_t> decode_utf8(const std::string& s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  auto cont = [&](size_t k) { return k < n && (p[k] & 0xC0) == 0x80; };
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    }
    int len = 0;
    char32_t cp = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2, cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3, cp = b & 0x0F;
      if (b == 0xE0) lo = 0xA0;  // overlong
      if (b == 0xED) hi = 0x9F;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4, cp = b & 0x07;
      if (b == 0xF0) lo = 0x90;  // overlong
      if (b == 0xF4) hi = 0x8F;  // > U+10FFFF
    }
    bool ok = len > 0 && i + 1 < n && p[i + 1] >= lo && p[i + 1] <= hi;
    for (int k = 1; ok && k < len; ++k) ok = cont(i + k);
    if (!ok) {
      out.push_back(kInvalidBase + b);  // this byte alone; what follows is decoded afresh
      ++i;
      continue;
    }
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool is_space(char32_t c) {
  return c == 0x20 || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool is_cjk(char32_t c) {
  return (c >= 0x3001 && c <= 0x303F) ||  // CJK punctuation (U+3000 is a space)
         (c >= 0x3040 && c <= 0x30FF) ||  // kana
         (c >= 0x3100 && c <= 0x312F) ||  // bopomofo
         (c >= 0x31F0 && c <= 0x31FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFFEF) ||
         (c >= 0x20000 && c <= 0x2FA1F);
}

bool is_ascii_punct(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

/// Whether whitespace between a and b is dropped (step 4 of the header).
bool cjk_joined(char32_t a, char32_t b) {
  return (is_cjk(a) && (is_cjk(b) || is_ascii_punct(b))) || (is_cjk(b) && is_ascii_punct(a));
}

/// Appends the plain form of c (steps 2 of the header); nothing for removed characters.
void append_mapped(char32_t c, std::vector<char32_t>* out) {
  switch (c) {
    case 0xFB00:
      out->insert(out->end(), {U'f', U'f'});
      return;
    case 0xFB01:
      out->insert(out->end(), {U'f', U'i'});
      return;
    case 0xFB02:
      out->insert(out->end(), {U'f', U'l'});
      return;
    case 0xFB03:
      out->insert(out->end(), {U'f', U'f', U'i'});
      return;
    case 0xFB04:
      out->insert(out->end(), {U'f', U'f', U'l'});
      return;
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0x2032:
      out->push_back(U'\'');
      return;
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x2033:
      out->push_back(U'"');
      return;
    case 0x2010:
    case 0x2011:
    case 0x2012:
    case 0x2013:
    case 0x2014:
    case 0x2015:
    case 0x2212:
      out->push_back(U'-');
      return;
    case 0x2026:
      out->insert(out->end(), {U'.', U'.', U'.'});
      return;
    case 0x200B:
    case 0x200C:
    case 0x200D:
    case 0x2060:
    case 0xFEFF:
    case 0x00AD:
      return;
    default:
      // Fullwidth ASCII variants become their NFKC (ASCII) form: Tesseract's
      // chi_sim prints ',' and '，' for the same printed comma.
      out->push_back((c >= 0xFF01 && c <= 0xFF5E) ? c - 0xFEE0 : c);
  }
}

/// Steps 1-4 of the header: the code points compared.
std::vector<char32_t> normalize(const std::string& text) {
  std::vector<char32_t> mapped;
  for (char32_t c : decode_utf8(text)) append_mapped(c, &mapped);
  std::vector<char32_t> out;
  out.reserve(mapped.size());
  bool pending_space = false;
  for (char32_t c : mapped) {
    if (is_space(c)) {
      pending_space = true;
      continue;
    }
    if (pending_space && !out.empty() && !cjk_joined(out.back(), c)) out.push_back(U' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

/// Levenshtein distance with unit costs: Myers' bit-parallel algorithm in its
/// multi-word form (G. Myers, "A fast bit-vector algorithm for approximate string
/// matching based on dynamic programming", JACM 1999, with the global-distance
/// boundary of H. Hyyro 2001). The shorter sequence (m) is the "pattern": its
/// DP column is held as vertical +1/-1 delta bit vectors, 64 rows per word, and
/// each symbol of the longer sequence advances all words: O(n * ceil(m/64)).
/// The tests compare it with the textbook full matrix.
template <typename T>
int64_t levenshtein(const std::vector<T>& a_in, const std::vector<T>& b_in) {
  size_t pre = 0;
  const size_t na = a_in.size(), nb = b_in.size();
  while (pre < na && pre < nb && a_in[pre] == b_in[pre]) ++pre;
  size_t suf = 0;
  while (suf < na - pre && suf < nb - pre && a_in[na - 1 - suf] == b_in[nb - 1 - suf]) ++suf;
  const T* text = a_in.data() + pre;
  const T* pat = b_in.data() + pre;
  size_t n = na - pre - suf, m = nb - pre - suf;
  if (n < m) {
    std::swap(text, pat);
    std::swap(n, m);
  }
  if (m == 0) return static_cast<int64_t>(n);

  // Peq[symbol][word]: bit i set where pattern[64*word + i] == symbol. Symbols of
  // the text absent from the pattern use the all-zero row `absent`.
  const size_t words = (m + 63) / 64;
  std::unordered_map<T, uint32_t> symbol;
  symbol.reserve(m);
  for (size_t i = 0; i < m; ++i) symbol.emplace(pat[i], static_cast<uint32_t>(symbol.size()));
  const uint32_t absent = static_cast<uint32_t>(symbol.size());
  std::vector<uint64_t> peq((symbol.size() + 1) * words, 0);
  for (size_t i = 0; i < m; ++i) peq[symbol[pat[i]] * words + i / 64] |= uint64_t{1} << (i % 64);

  std::vector<uint64_t> pv(words, ~uint64_t{0}), mv(words, 0);  // column 0: D[i][0] = i
  const uint64_t last_high = uint64_t{1} << ((m - 1) % 64);
  int64_t score = static_cast<int64_t>(m);
  for (size_t j = 0; j < n; ++j) {
    const auto it = symbol.find(text[j]);
    const uint64_t* eq_row = peq.data() + (it == symbol.end() ? absent : it->second) * words;
    int hin = 1;  // row 0 is D[0][j] = j: each column adds one
    for (size_t w = 0; w < words; ++w) {
      uint64_t eq = eq_row[w];
      const uint64_t p = pv[w], mm = mv[w];
      const uint64_t xv = eq | mm;
      if (hin < 0) eq |= 1;
      const uint64_t xh = (((eq & p) + p) ^ p) | eq;
      uint64_t ph = mm | ~(xh | p);
      uint64_t mh = p & xh;
      const uint64_t high = (w + 1 == words) ? last_high : (uint64_t{1} << 63);
      const int hout = (ph & high) ? 1 : ((mh & high) ? -1 : 0);
      ph <<= 1;
      mh <<= 1;
      if (hin < 0)
        mh |= 1;
      else if (hin > 0)
        ph |= 1;
      pv[w] = mh | ~(xv | ph);
      mv[w] = ph & xv;
      hin = hout;
    }
    score += hin;
  }
  return score;
}

/// Splits normalized code points on U+0020 and interns each word as an id.
void to_word_ids(const std::vector<char32_t>& cps,
                 std::unordered_map<std::u32string, uint32_t>* dict, std::vector<uint32_t>* ids) {
  std::u32string word;
  auto flush = [&] {
    if (word.empty()) return;
    const auto it = dict->emplace(word, static_cast<uint32_t>(dict->size())).first;
    ids->push_back(it->second);
    word.clear();
  };
  for (char32_t c : cps) {
    if (c == U' ') {
      flush();
    } else if (is_cjk(c)) {  // unsegmented CJK text: each character is a word
      flush();
      word.push_back(c);
      flush();
    } else {
      word.push_back(c);
    }
  }
  flush();
}

double rate(int64_t edits, int64_t ref, int64_t hyp) {
  if (ref == 0) return hyp == 0 ? 0.0 : 1.0;
  return static_cast<double>(edits) / static_cast<double>(ref);
}

}  // namespace

TextScore score_text(const std::string& ocr, const std::string& truth) {
  const std::vector<char32_t> hyp = normalize(ocr), ref = normalize(truth);
  TextScore s;
  s.edits = levenshtein(hyp, ref);
  s.ref_chars = static_cast<int64_t>(ref.size());
  s.cer = rate(s.edits, s.ref_chars, static_cast<int64_t>(hyp.size()));
  std::unordered_map<std::u32string, uint32_t> dict;
  std::vector<uint32_t> hyp_words, ref_words;
  to_word_ids(hyp, &dict, &hyp_words);
  to_word_ids(ref, &dict, &ref_words);
  s.word_edits = levenshtein(hyp_words, ref_words);
  s.ref_words = static_cast<int64_t>(ref_words.size());
  s.wer = rate(s.word_edits, s.ref_words, static_cast<int64_t>(hyp_words.size()));
  return s;
}

std::string normalize_for_scoring(const std::string& text) {
  std::string out;
  for (char32_t c : normalize(text)) append_utf8(&out, c);
  return out;
}

std::string read_truth_for(const std::string& image_path, bool* found) {
  if (found != nullptr) *found = false;
  const size_t slash = image_path.find_last_of('/');
  const size_t base = slash == std::string::npos ? 0 : slash + 1;
  const size_t dot = image_path.find_last_of('.');
  // A leading dot names a hidden file, not an extension.
  const std::string stem =
      (dot != std::string::npos && dot > base) ? image_path.substr(0, dot) : image_path;
  std::ifstream f(stem + ".gt.txt", std::ios::binary);
  if (!f) return "";
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return "";
  if (found != nullptr) *found = true;
  return text;
}

void append_utf8(std::string* out, char32_t c) {
  // Invalid input bytes and lone surrogates become U+FFFD.
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

}  // namespace pageprep::host
