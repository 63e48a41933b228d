// JsonWriter: every output is valid JSON, whatever bytes a file name holds
// (issue 9 defect 16), and json_unescape gives the exact bytes back.
#include <gtest/gtest.h>

#include <string>

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace pageprep {
namespace {

// The bytes a JSON string literal stands for, read by pageprep's own reader.
bool json_unescape(const std::string& literal, std::string* out) {
  const auto v = host::JsonValue::parse(literal);
  if (!v || v->kind() != host::JsonValue::Kind::kString) return false;
  *out = v->as_string();
  return true;
}

using host::is_valid_utf8;
using host::JsonWriter;

TEST(JsonWriter, NonUtf8BytesBecomeSurrogateEscapesAndComeBack) {
  // "café.png" in Latin-1, a lone continuation byte, a truncated sequence,
  // an overlong '/', and a UTF-16 surrogate encoded in UTF-8: none is UTF-8.
  const std::string names[] = {"caf\xe9.png", "a\x80z",       "x\xe2\x82",
                               "\xc0\xaf",    "\xed\xa0\x80", std::string("nul\0byte", 8)};
  for (const std::string& raw : names) {
    const std::string lit = JsonWriter::escape(raw);
    EXPECT_TRUE(is_valid_utf8(lit)) << lit;
    for (const char c : lit) EXPECT_GE(static_cast<unsigned char>(c), 0x20) << lit;
    std::string back;
    ASSERT_TRUE(json_unescape(lit, &back)) << lit;
    EXPECT_EQ(back, raw) << lit;
  }
  EXPECT_EQ(JsonWriter::escape("caf\xe9.png"), "\"caf\\udce9.png\"");
}

TEST(JsonWriter, ValidUtf8IsWrittenAsItself) {
  const std::string text = "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x93\x84";  // café 中文 📄
  EXPECT_TRUE(is_valid_utf8(text));
  EXPECT_EQ(JsonWriter::escape(text), "\"" + text + "\"");
  EXPECT_EQ(JsonWriter::escape("a\"b\\c\nd\te\x01\x7f"), "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\"");
  std::string back;
  ASSERT_TRUE(json_unescape(JsonWriter::escape("a\"b\\c\nd\te\x01\x7f"), &back));
  EXPECT_EQ(back, "a\"b\\c\nd\te\x01\x7f");
}

TEST(JsonWriter, UnescapeReadsStandardJson) {
  std::string out;
  ASSERT_TRUE(json_unescape("\"\\u00e9\\/\\ud83d\\udcc4\"", &out));
  EXPECT_EQ(out, "\xc3\xa9/\xf0\x9f\x93\x84");
  EXPECT_FALSE(json_unescape("\"open", &out));
  EXPECT_FALSE(json_unescape("\"bad \\x\"", &out));
  EXPECT_FALSE(json_unescape("\"\\u12\"", &out));
}

TEST(JsonWriter, ObjectsWithOddNamesStayOneValidLine) {
  JsonWriter j;
  j.begin_object().str("input", "/scans/\xff\xfe.tif").num("page", int64_t{0}).end_object();
  EXPECT_EQ(j.text(), "{\"input\":\"/scans/\\udcff\\udcfe.tif\",\"page\":0}");
}

}  // namespace
}  // namespace pageprep
