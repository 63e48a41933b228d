/// \file json_writer.hpp
/// \brief A small streaming JSON writer for pages.jsonl, run.json and the journal.
///
/// Writes one compact object; keys in insertion order. Strings are escaped per
/// RFC 8259 (control characters as \u00XX); invalid UTF-8 passes through as is.
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

}  // namespace pageprep::host
