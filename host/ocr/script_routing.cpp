#include "ocr/script_routing.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

namespace pageprep::host {
namespace {

struct ScriptModels {
  const char* script;              ///< Tesseract OSD's name
  std::vector<const char*> langs;  ///< models that read it, best first
};

// Tesseract OSD script names -> languages that read them, best first. The
// script/ models (e.g. "script/Latin") are the fallback for the common ones.
// The first plain language is the one whose Debian package is suggested
// when none is installed.
const std::vector<ScriptModels>& script_table() {
  static const std::vector<ScriptModels> kTable = {
      {"Latin", {"eng", "script/Latin", "Latin"}},
      {"Han", {"chi_sim", "chi_tra", "script/HanS", "script/HanT", "HanS", "HanT"}},
      {"Japanese", {"jpn", "script/Japanese", "Japanese"}},
      {"Hiragana", {"jpn", "script/Japanese", "Japanese"}},
      {"Katakana", {"jpn", "script/Japanese", "Japanese"}},
      {"Korean", {"kor", "script/Hangul", "Hangul"}},
      {"Hangul", {"kor", "script/Hangul", "Hangul"}},
      {"Devanagari", {"hin", "mar", "nep", "san", "script/Devanagari", "Devanagari"}},
      {"Arabic", {"ara", "fas", "urd", "script/Arabic", "Arabic"}},
      {"Cyrillic", {"rus", "ukr", "bul", "srp", "script/Cyrillic", "Cyrillic"}},
      {"Greek", {"ell", "grc", "script/Greek", "Greek"}},
      {"Hebrew", {"heb", "script/Hebrew", "Hebrew"}},
      {"Thai", {"tha", "script/Thai", "Thai"}},
      {"Bengali", {"ben", "asm", "script/Bengali", "Bengali"}},
      {"Tamil", {"tam", "script/Tamil", "Tamil"}},
      {"Telugu", {"tel", "script/Telugu", "Telugu"}},
      {"Kannada", {"kan", "script/Kannada", "Kannada"}},
      {"Malayalam", {"mal", "script/Malayalam", "Malayalam"}},
      {"Gujarati", {"guj", "script/Gujarati", "Gujarati"}},
      {"Gurmukhi", {"pan", "script/Gurmukhi", "Gurmukhi"}},
      {"Oriya", {"ori", "script/Oriya", "Oriya"}},
      {"Armenian", {"hye", "script/Armenian", "Armenian"}},
      {"Georgian", {"kat", "script/Georgian", "Georgian"}},
      {"Ethiopic", {"amh", "script/Ethiopic", "Ethiopic"}},
      {"Khmer", {"khm", "script/Khmer", "Khmer"}},
      {"Lao", {"lao", "script/Lao", "Lao"}},
      {"Myanmar", {"mya", "script/Myanmar", "Myanmar"}},
      {"Sinhala", {"sin", "script/Sinhala", "Sinhala"}},
      {"Tibetan", {"bod", "script/Tibetan", "Tibetan"}},
      {"Fraktur", {"frk", "deu_latf", "script/Fraktur", "Fraktur"}},
      {"Syriac", {"syr", "script/Syriac", "Syriac"}},
      {"Thaana", {"div", "script/Thaana", "Thaana"}},
      {"Cherokee", {"chr", "script/Cherokee", "Cherokee"}},
      {"Canadian_Aboriginal", {"iku", "script/Canadian_Aboriginal", "Canadian_Aboriginal"}},
  };
  return kTable;
}

// Languages written in the Latin script (Tesseract's names), beyond those
// the table routes to: forcing any of them on a Latin page is no mismatch.
const char* const kLatinLanguages[] = {
    "afr", "aze", "bos", "bre", "cat", "ceb", "ces", "cos",     "cym", "dan",      "deu",
    "dsb", "enm", "epo", "est", "eus", "fao", "fil", "fin",     "fra", "frm",      "fry",
    "gla", "gle", "glg", "hat", "hrv", "hsb", "hun", "ind",     "isl", "ita",      "ita_old",
    "jav", "lat", "lav", "lit", "ltz", "mlt", "mri", "msa",     "nld", "nor",      "oci",
    "pol", "por", "que", "ron", "slk", "slv", "spa", "spa_old", "sqi", "sun",      "swa",
    "swe", "tgl", "ton", "tur", "uzb", "vie", "wln", "yor",     "kmr", "chr_latn",
};
// Other languages whose script the table does not name first.
const std::pair<const char*, const char*> kMoreLanguages[] = {
    {"bel", "Cyrillic"},     {"mkd", "Cyrillic"},      {"kaz", "Cyrillic"},
    {"kir", "Cyrillic"},     {"mon", "Cyrillic"},      {"tgk", "Cyrillic"},
    {"tat", "Cyrillic"},     {"uzb_cyrl", "Cyrillic"}, {"aze_cyrl", "Cyrillic"},
    {"srp_latn", "Latin"},   {"pus", "Arabic"},        {"uig", "Arabic"},
    {"snd", "Arabic"},       {"kur_ara", "Arabic"},    {"yid", "Hebrew"},
    {"chi_sim_vert", "Han"}, {"chi_tra_vert", "Han"},  {"jpn_vert", "Japanese"},
    {"kor_vert", "Korean"},
};

bool is_latin_language(const std::string& lang) {
  for (const char* l : kLatinLanguages)
    if (lang == l) return true;
  return false;
}

/// Scripts `lang` reads; empty when unknown.
std::vector<std::string> scripts_read_by(const std::string& lang) {
  std::vector<std::string> out;
  if (lang == "eng" || is_latin_language(lang) || lang == "script/Latin" || lang == "Latin") {
    out = {"Latin", "Fraktur"};
    return out;
  }
  if (lang == "jpn" || lang == "jpn_vert") return {"Japanese", "Hiragana", "Katakana", "Han"};
  if (lang == "kor" || lang == "kor_vert") return {"Korean", "Hangul", "Han"};
  if (lang == "frk" || lang == "deu_latf") return {"Fraktur", "Latin"};
  for (const ScriptModels& s : script_table())
    for (const char* l : s.langs)
      if (lang == l && std::find(out.begin(), out.end(), s.script) == out.end())
        out.emplace_back(s.script);
  for (const auto& [l, script] : kMoreLanguages)
    if (lang == l && std::find(out.begin(), out.end(), script) == out.end())
      out.emplace_back(script);
  return out;
}

std::vector<std::string> split_plus(const std::string& spec) {
  std::vector<std::string> parts;
  for (size_t b = 0; b <= spec.size();) {
    const size_t e = std::min(spec.find('+', b), spec.size());
    if (e > b) parts.push_back(spec.substr(b, e - b));
    b = e + 1;
  }
  return parts;
}

}  // namespace

std::string language_for_script(const std::string& script,
                                const std::vector<std::string>& installed) {
  for (const ScriptModels& s : script_table()) {
    if (script != s.script) continue;
    for (const char* lang : s.langs)
      if (std::find(installed.begin(), installed.end(), lang) != installed.end()) return lang;
    return "";
  }
  return "";
}

ScriptFit language_fits_script(const std::string& lang_spec, const std::string& script) {
  if (script.empty() || script == "Common") return ScriptFit::kUnknown;
  bool all_known = true;
  for (const std::string& lang : split_plus(lang_spec)) {
    const std::vector<std::string> scripts = scripts_read_by(lang);
    if (scripts.empty()) {
      all_known = false;
      continue;
    }
    if (std::find(scripts.begin(), scripts.end(), script) != scripts.end()) return ScriptFit::kFits;
  }
  return all_known ? ScriptFit::kContradicts : ScriptFit::kUnknown;
}

std::string package_for_script(const std::string& script) {
  for (const ScriptModels& s : script_table()) {
    if (script != s.script) continue;
    for (const char* lang : s.langs) {
      if (std::strchr(lang, '/') != nullptr || std::isupper(static_cast<unsigned char>(lang[0])))
        continue;  // script/ models and their old names: not a language package
      std::string pkg = std::string("tesseract-ocr-") + lang;
      std::replace(pkg.begin(), pkg.end(), '_', '-');
      return pkg;
    }
  }
  return "";
}

std::string script_of_language(const std::string& lang_spec) {
  // Every language of the spec must vouch for the same script.
  std::string script;
  for (const std::string& lang : split_plus(lang_spec)) {
    std::string one;
    if (lang == "eng" || is_latin_language(lang)) {
      one = "Latin";
    } else {
      const std::vector<std::string> scripts = scripts_read_by(lang);
      if (scripts.size() == 1) one = scripts.front();
    }
    if (one.empty() || (!script.empty() && one != script)) return "";
    script = one;
  }
  return script;
}

namespace {

bool cjk_rows(const TextLayout& t, const LayoutRule& rule) {
  const double ratio = t.ascender_ratio();
  return t.core_share >= rule.cjk_min_core && ratio >= rule.cjk_min_ratio &&
         ratio < rule.cjk_max_ratio;
}

}  // namespace

bool needs_columns(const TextLayout& rows, const LayoutRule& rule) {
  return guess_layout(rows, nullptr, rule) == LayoutGuess::kUnsure && cjk_rows(rows, rule) &&
         rows.valley_share <= rule.max_valley;
}

LayoutGuess guess_layout(const TextLayout& t, const TextLayout* columns, const LayoutRule& rule) {
  if (t.lines < rule.min_lines) return LayoutGuess::kNoText;
  const double ratio = t.ascender_ratio();
  if (ratio <= rule.turned_max_ratio && t.core_share <= rule.turned_max_core)
    return LayoutGuess::kLatinTurned;
  // Upright lines have empty rows between them; a page turned a quarter does not.
  if (t.valley_share > rule.max_valley) return LayoutGuess::kUnsure;
  if ((ratio >= rule.latin_sure_ratio && t.core_share <= rule.latin_sure_core) ||
      (ratio >= rule.latin_min_ratio && t.core_share <= rule.latin_max_core))
    return LayoutGuess::kLatinUpright;
  if (cjk_rows(t, rule) && columns != nullptr && columns->core_share >= rule.cjk_min_column_core &&
      t.core_share >= columns->core_share + rule.cjk_core_margin &&
      t.valley_share < columns->valley_share)
    return LayoutGuess::kCjkUpright;
  return LayoutGuess::kUnsure;
}

std::string first_reading_language(LayoutGuess guess, const std::string& lang,
                                   const std::vector<std::string>& installed) {
  if (guess == LayoutGuess::kNoText || guess == LayoutGuess::kLatinTurned) return "";
  if (lang != "auto") {
    // A forced spec is tried first unless the rows say Latin and it cannot
    // read Latin: then OSD runs first, to say so.
    if (guess == LayoutGuess::kLatinUpright &&
        language_fits_script(lang, "Latin") == ScriptFit::kContradicts)
      return "";
    return lang;
  }
  if (guess == LayoutGuess::kLatinUpright) return language_for_script("Latin", installed);
  if (guess == LayoutGuess::kCjkUpright) {
    std::string only;
    int n = 0;
    for (const std::string& l : installed) {
      if (l == "osd" || scripts_read_by(l).empty()) continue;
      if (language_fits_script(l, "Han") == ScriptFit::kFits) {
        only = l;
        ++n;
      }
    }
    return n == 1 ? only : "";
  }
  return "";
}

}  // namespace pageprep::host
