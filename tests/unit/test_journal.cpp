// Journal: durable append, reload, torn last line, and JSON escaping of keys.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "pipeline/journal.hpp"
#include "report/json_writer.hpp"

namespace pageprep::host {
namespace {
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("pageprep_journal_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(Journal, AppendedEntriesSurviveReopen) {
  const fs::path d = fresh_dir("reopen");
  std::string err;
  {
    Journal j;
    ASSERT_TRUE(j.open(d.string(), &err)) << err;
    ASSERT_TRUE(j.append("a|0", R"({"input":"a","page":0})", true, &err)) << err;
    ASSERT_TRUE(j.append("b \"quoted\"|1", R"({"input":"b","page":1})", false, &err)) << err;
  }
  Journal j;
  ASSERT_TRUE(j.open(d.string(), &err)) << err;
  EXPECT_EQ(j.size(), 2u);
  ASSERT_NE(j.find("a|0"), nullptr);
  EXPECT_TRUE(j.find("a|0")->ok);
  EXPECT_EQ(j.find("a|0")->record, R"({"input":"a","page":0})");
  ASSERT_NE(j.find("b \"quoted\"|1"), nullptr);
  EXPECT_FALSE(j.find("b \"quoted\"|1")->ok);
  EXPECT_EQ(j.find("missing"), nullptr);
  fs::remove_all(d);
}

TEST(Journal, TornLastLineIsIgnoredAndCut) {
  const fs::path d = fresh_dir("torn");
  std::string err;
  {
    Journal j;
    ASSERT_TRUE(j.open(d.string(), &err));
    ASSERT_TRUE(j.append("k1", R"({"x":1})", true, &err));
  }
  {
    std::ofstream f(d / ".pageprep" / "journal.jsonl", std::ios::app | std::ios::binary);
    f << R"({"key":"k2","ok":true,"record":{"x":)";  // killed mid-write
  }
  {
    Journal j;
    ASSERT_TRUE(j.open(d.string(), &err));
    EXPECT_EQ(j.size(), 1u);
    EXPECT_EQ(j.find("k2"), nullptr);
    EXPECT_EQ(j.ignored_lines(), 1);
    ASSERT_TRUE(j.append("k3", R"({"x":3})", true, &err));
  }
  Journal j;
  ASSERT_TRUE(j.open(d.string(), &err));
  EXPECT_EQ(j.size(), 2u);
  EXPECT_NE(j.find("k3"), nullptr) << "an append after a torn line must start on a fresh line";
  EXPECT_EQ(j.ignored_lines(), 0);
  fs::remove_all(d);
}

TEST(Journal, LaterEntryForSameKeyWins) {
  const fs::path d = fresh_dir("later");
  std::string err;
  {
    Journal j;
    ASSERT_TRUE(j.open(d.string(), &err));
    ASSERT_TRUE(j.append("k", R"({"try":1})", false, &err));
    ASSERT_TRUE(j.append("k", R"({"try":2})", true, &err));
  }
  Journal j;
  ASSERT_TRUE(j.open(d.string(), &err));
  ASSERT_NE(j.find("k"), nullptr);
  EXPECT_TRUE(j.find("k")->ok);
  EXPECT_EQ(j.find("k")->record, R"({"try":2})");
  fs::remove_all(d);
}

TEST(JsonWriter, EscapesControlCharactersAndQuotes) {
  EXPECT_EQ(JsonWriter::escape("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  JsonWriter w;
  w.begin_object().str("s", "x").num("i", int64_t{3}).num("d", 0.5, 2).boolean("b", true);
  w.begin_array("a").str_value("p").str_value("q").end_array().end_object();
  EXPECT_EQ(w.text(), R"({"s":"x","i":3,"d":0.50,"b":true,"a":["p","q"]})");
}

TEST(Fnv1a, KnownValues) {
  EXPECT_EQ(fnv1a64(""), 14695981039346656037ull);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_NE(fnv1a64("sauvola"), fnv1a64("otsu"));
}

}  // namespace
}  // namespace pageprep::host
