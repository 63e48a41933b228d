/// \file json_reader.hpp
/// \brief A small JSON reader for what pageprep itself wrote: journal lines,
/// pages.jsonl records (their outputs) and run.json files, read back by resume
/// checks and `pageprep report`.
///
/// RFC 8259 values; numbers are kept as double; strings are unescaped to UTF-8
/// (\uXXXX with surrogate pairs). Depth is limited, so hostile input cannot
/// exhaust the stack. Thread safety: values are plain data.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pageprep::host {

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind() const { return kind_; }
  bool is_object() const { return kind_ == Kind::kObject; }

  /// A member of an object, or nullptr (also for non-objects).
  const JsonValue* get(std::string_view key) const;
  /// Typed member access with a fallback when absent or of another kind.
  std::string str(std::string_view key, std::string fallback = {}) const;
  double num(std::string_view key, double fallback = 0) const;
  bool boolean(std::string_view key, bool fallback = false) const;

  const std::string& as_string() const { return string_; }
  double as_number() const { return number_; }
  bool as_bool() const { return bool_; }
  const std::vector<JsonValue>& items() const { return items_; }
  /// Object members in the order they were written.
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }

  /// Parses one JSON text (surrounding whitespace allowed), or nullopt.
  static std::optional<JsonValue> parse(std::string_view text);

 private:
  friend class JsonParser;
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

}  // namespace pageprep::host
