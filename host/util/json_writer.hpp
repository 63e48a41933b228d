/// \file json_writer.hpp
/// \brief A small streaming JSON writer for pages.jsonl, run.json and the journal.
///
/// Writes one compact object; keys in insertion order. Strings are escaped per
/// RFC 8259 (control characters as \u00XX), so every output is valid JSON.
///
/// Bytes that are not UTF-8 (a file name in Latin-1, say) are written as the
/// escapes \udc80..\udcff, one per byte: the "surrogateescape" rule of
/// Python's PEP 383. The raw name is recoverable exactly: in Python,
/// `os.fsencode(record["input"])` gives the original bytes, and JsonValue
/// (json_reader.hpp) reads them back as the raw bytes. Valid UTF-8 (including U+0080..U+00FF) is
/// always written as itself, never as an escape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pageprep::host {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key);
  JsonWriter& begin_array();  ///< inside an array
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& str(std::string_view key, std::string_view v);
  JsonWriter& num(std::string_view key, double v, int precision = 4);
  JsonWriter& num(std::string_view key, int64_t v);
  JsonWriter& boolean(std::string_view key, bool v);
  JsonWriter& null(std::string_view key);
  JsonWriter& raw(std::string_view key, std::string_view json);  ///< pre-serialized value
  JsonWriter& str_value(std::string_view v);                     ///< inside an array
  JsonWriter& raw_value(std::string_view json);                  ///< inside an array

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

  static std::string escape(std::string_view s);

 private:
  void comma();
  std::string out_;
  bool need_comma_ = false;
};

/// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or values over U+10FFFF).
bool is_valid_utf8(std::string_view s);

/// `s` as text that XML 1.0 accepts: each byte that is not part of well-formed
/// UTF-8, and each C0 control other than tab, LF and CR (and DEL), becomes the
/// four characters "\xNN" (Python's backslashreplace); everything else is kept.
/// For ALTO and hOCR, whose consumers reject raw bytes (pages.jsonl keeps the
/// exact name with JsonWriter::escape).
std::string xml_safe_utf8(std::string_view s);

}  // namespace pageprep::host
