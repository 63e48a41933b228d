#include "util/json_reader.hpp"

#include <cstdlib>
#include <cstring>

#include "util/text_metrics.hpp"  // append_utf8

namespace pageprep::host {

class JsonParser {
 public:
  explicit JsonParser(std::string_view t) : t_(t) {}

  bool value(JsonValue* v, int depth) {
    if (depth > kMaxDepth) return false;
    space();
    if (i_ >= t_.size()) return false;
    const char c = t_[i_];
    if (c == '{') return object(v, depth);
    if (c == '[') return array(v, depth);
    if (c == '"') {
      v->kind_ = JsonValue::Kind::kString;
      return string(&v->string_);
    }
    if (literal("true")) {
      v->kind_ = JsonValue::Kind::kBool;
      v->bool_ = true;
      return true;
    }
    if (literal("false")) {
      v->kind_ = JsonValue::Kind::kBool;
      return true;
    }
    if (literal("null")) return true;
    return number(v);
  }

  bool at_end() {
    space();
    return i_ == t_.size();
  }

 private:
  static constexpr int kMaxDepth = 64;

  void space() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r'))
      ++i_;
  }
  bool literal(const char* s) {
    const size_t n = std::strlen(s);
    if (t_.compare(i_, n, s) != 0) return false;
    i_ += n;
    return true;
  }
  bool number(JsonValue* v) {
    const size_t start = i_;
    if (i_ < t_.size() && t_[i_] == '-') ++i_;
    while (i_ < t_.size() && ((t_[i_] >= '0' && t_[i_] <= '9') || t_[i_] == '.' || t_[i_] == 'e' ||
                              t_[i_] == 'E' || t_[i_] == '+' || t_[i_] == '-'))
      ++i_;
    if (i_ == start) return false;
    const std::string s(t_.substr(start, i_ - start));
    char* end = nullptr;
    v->number_ = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size()) return false;
    v->kind_ = JsonValue::Kind::kNumber;
    return true;
  }
  bool hex4(uint32_t* cp) {
    if (i_ + 4 > t_.size()) return false;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = t_[i_++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return false;
    }
    *cp = v;
    return true;
  }
  bool string(std::string* out) {
    ++i_;  // opening quote
    while (i_ < t_.size()) {
      const char c = t_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (i_ >= t_.size()) return false;
      const char e = t_[i_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!hex4(&cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && t_.compare(i_, 2, "\\u") == 0) {
            i_ += 2;
            uint32_t lo = 0;
            if (!hex4(&lo) || lo < 0xDC00 || lo >= 0xE000) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC80 && cp <= 0xDCFF) {
            // A byte of a name that is not UTF-8, as JsonWriter::escape wrote
            // it (PEP 383): the raw byte again, so journal keys round-trip.
            out->push_back(static_cast<char>(cp - 0xDC00));
            break;
          }
          append_utf8(out, static_cast<char32_t>(cp));
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  bool array(JsonValue* v, int depth) {
    v->kind_ = JsonValue::Kind::kArray;
    ++i_;
    space();
    if (i_ < t_.size() && t_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      JsonValue item;
      if (!value(&item, depth + 1)) return false;
      v->items_.push_back(std::move(item));
      space();
      if (i_ >= t_.size()) return false;
      if (t_[i_] == ']') {
        ++i_;
        return true;
      }
      if (t_[i_++] != ',') return false;
    }
  }
  bool object(JsonValue* v, int depth) {
    v->kind_ = JsonValue::Kind::kObject;
    ++i_;
    space();
    if (i_ < t_.size() && t_[i_] == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      space();
      std::string key;
      if (i_ >= t_.size() || t_[i_] != '"' || !string(&key)) return false;
      space();
      if (i_ >= t_.size() || t_[i_++] != ':') return false;
      JsonValue member;
      if (!value(&member, depth + 1)) return false;
      v->members_.emplace_back(std::move(key), std::move(member));
      space();
      if (i_ >= t_.size()) return false;
      if (t_[i_] == '}') {
        ++i_;
        return true;
      }
      if (t_[i_++] != ',') return false;
    }
  }

  std::string_view t_;
  size_t i_ = 0;
};

std::optional<JsonValue> JsonValue::parse(std::string_view text) {
  JsonParser p(text);
  JsonValue v;
  if (!p.value(&v, 0) || !p.at_end()) return std::nullopt;
  return v;
}

const JsonValue* JsonValue::get(std::string_view key) const {
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

std::string JsonValue::str(std::string_view key, std::string fallback) const {
  const JsonValue* v = get(key);
  return v && v->kind_ == Kind::kString ? v->string_ : fallback;
}

double JsonValue::num(std::string_view key, double fallback) const {
  const JsonValue* v = get(key);
  return v && v->kind_ == Kind::kNumber ? v->number_ : fallback;
}

bool JsonValue::boolean(std::string_view key, bool fallback) const {
  const JsonValue* v = get(key);
  return v && v->kind_ == Kind::kBool ? v->bool_ : fallback;
}

}  // namespace pageprep::host
