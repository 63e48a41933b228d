// Journal: durable append, reload, torn last line, and JSON escaping of keys.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "report/journal.hpp"
#include "util/json_writer.hpp"

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

fs::path state_of(const fs::path& d) {
  fs::create_directories(d / ".pageprep");
  return d / ".pageprep";
}

JournalLine line(const std::string& key, const std::string& doc, int32_t page,
                 const std::string& record, bool ok = true) {
  return JournalLine{key, ok, doc, page, record};
}

TEST(Journal, AppendedEntriesSurviveReopen) {
  const fs::path d = state_of(fresh_dir("reopen"));
  std::string err;
  {
    Journal j;
    ASSERT_TRUE(j.open(d.string(), "journal.jsonl", &err)) << err;
    ASSERT_TRUE(
        j.append(line("a|0", "a", 0, R"({"input":"a","page":0,"outputs":{"text":"a.txt"}})"), &err))
        << err;
    ASSERT_TRUE(j.append(line("b \"quoted\"|1", "b", 1, R"({"input":"b","page":1})", false), &err))
        << err;
  }
  Journal j;
  ASSERT_TRUE(j.open(d.string(), "journal.jsonl", &err)) << err;
  EXPECT_EQ(j.size(), 2u);
  const JournalEntry* a = j.find("a|0");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->ok);
  EXPECT_EQ(a->doc, "a");
  EXPECT_EQ(j.record(*a), R"({"input":"a","page":0,"outputs":{"text":"a.txt"}})");
  EXPECT_EQ(a->outputs, std::vector<std::string>{"a.txt"});
  ASSERT_NE(j.find("b \"quoted\"|1"), nullptr);
  EXPECT_FALSE(j.find("b \"quoted\"|1")->ok);
  EXPECT_EQ(j.find("b \"quoted\"|1")->page, 1);
  EXPECT_EQ(j.find("missing"), nullptr);
  fs::remove_all(d.parent_path());
}

TEST(Journal, TornLastLineIsIgnoredAndCut) {
  const fs::path d = state_of(fresh_dir("torn"));
  std::string err;
  {
    Journal j;
    ASSERT_TRUE(j.open(d.string(), "journal.jsonl", &err));
    ASSERT_TRUE(j.append(line("k1", "x", 0, R"({"x":1})"), &err));
  }
  {
    std::ofstream f(d / "journal.jsonl", std::ios::app | std::ios::binary);
    f << R"({"key":"k2","ok":true,"doc":"x","page":1,"t":1,"record":{"x":)";  // killed mid-write
  }
  {
    Journal j;
    ASSERT_TRUE(j.open(d.string(), "journal.jsonl", &err));
    EXPECT_EQ(j.size(), 1u);
    EXPECT_EQ(j.find("k2"), nullptr);
    EXPECT_EQ(j.ignored_lines(), 1);
    ASSERT_TRUE(j.append(line("k3", "x", 2, R"({"x":3})"), &err));
  }
  Journal j;
  ASSERT_TRUE(j.open(d.string(), "journal.jsonl", &err));
  EXPECT_EQ(j.size(), 2u);
  ASSERT_NE(j.find("k3"), nullptr) << "an append after a torn line must start on a fresh line";
  EXPECT_EQ(j.record(*j.find("k3")), R"({"x":3})");
  EXPECT_EQ(j.ignored_lines(), 0);
  fs::remove_all(d.parent_path());
}

TEST(Journal, LaterEntryForSameKeyWins) {
  const fs::path d = state_of(fresh_dir("later"));
  std::string err;
  {
    Journal j;
    ASSERT_TRUE(j.open(d.string(), "journal.jsonl", &err));
    ASSERT_TRUE(j.append(line("k", "x", 0, R"({"try":1})", false), &err));
    ASSERT_TRUE(j.append(line("k", "x", 0, R"({"try":2})"), &err));
  }
  Journal j;
  ASSERT_TRUE(j.open(d.string(), "journal.jsonl", &err));
  ASSERT_NE(j.find("k"), nullptr);
  EXPECT_TRUE(j.find("k")->ok);
  EXPECT_EQ(j.record(*j.find("k")), R"({"try":2})");
  fs::remove_all(d.parent_path());
}

// Shards write their own journals; every writer (and `pageprep report`) sees
// all of them, and another writer's line in progress is ignored, not cut.
TEST(Journal, EveryJournalInTheFolderIsLoadedAndOthersTailsAreLeftAlone) {
  const fs::path d = state_of(fresh_dir("shards"));
  std::string err;
  {
    Journal s1;
    ASSERT_TRUE(s1.open(d.string(), "journal.shard-1-of-2.jsonl", &err)) << err;
    ASSERT_TRUE(s1.append(
        {line("b|0", "b", 0, R"({"p":"b0"})"), line("a|1", "a", 1, R"({"p":"a1"})")}, &err));
  }
  const std::string partial = R"({"key":"c|0","ok":true,"doc":"c","page":0,"t":1,"rec)";
  {
    Journal s2;
    ASSERT_TRUE(s2.open(d.string(), "journal.shard-2-of-2.jsonl", &err)) << err;
    ASSERT_TRUE(s2.append(line("a|0", "a", 0, R"({"p":"a0"})"), &err));
    std::ofstream f(d / "journal.shard-2-of-2.jsonl", std::ios::app | std::ios::binary);
    f << partial;
  }
  Journal reader;
  ASSERT_TRUE(reader.open(d.string(), "", &err)) << err;
  EXPECT_EQ(reader.size(), 3u);
  EXPECT_EQ(reader.files().size(), 2u);
  std::vector<std::string> merged;
  for (const JournalEntry* e : reader.latest_pages()) merged.push_back(reader.record(*e));
  EXPECT_EQ(merged, (std::vector<std::string>{R"({"p":"a0"})", R"({"p":"a1"})", R"({"p":"b0"})"}));
  std::ifstream f(d / "journal.shard-2-of-2.jsonl", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text.substr(text.size() - partial.size()), partial)
      << "a reader must not cut another writer's journal";
  fs::remove_all(d.parent_path());
}

TEST(Journal, LatestRecordOfAPageWinsAcrossKeys) {
  // A page redone with other options has a new key; pages.jsonl shows the latest.
  const fs::path d = state_of(fresh_dir("rekey"));
  std::string err;
  Journal j;
  ASSERT_TRUE(j.open(d.string(), "journal.jsonl", &err));
  ASSERT_TRUE(j.append(line("x|0|old", "x", 0, R"({"v":"old"})"), &err));
  ASSERT_TRUE(j.append(line("x|0|new", "x", 0, R"({"v":"new"})"), &err));
  const auto pages = j.latest_pages();
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(j.record(*pages[0]), R"({"v":"new"})");
  fs::remove_all(d.parent_path());
}

TEST(Journal, AnInputPageIsListedOnceWhenItsDocumentBaseChanged) {
  // Issue 20 (same-stem rename): a.png was done as document "in/a"; then a.jpg
  // appeared beside it, so a.png's base became "in/a.png" and it was redone.
  // pages.jsonl lists a.png's page once (the latest) and a.jpg's page.
  const fs::path d = state_of(fresh_dir("rebase"));
  std::string err;
  Journal j;
  ASSERT_TRUE(j.open(d.string(), "journal.jsonl", &err));
  auto with_src = [](JournalLine l, const std::string& src) {
    l.source = src;
    return l;
  };
  ASSERT_TRUE(
      j.append(with_src(line("k1", "in/a", 0, R"({"v":"png old base"})"), "/x/in/a.png"), &err));
  ASSERT_TRUE(j.append(with_src(line("k2", "in/a.jpg", 0, R"({"v":"jpg"})"), "/x/in/a.jpg"), &err));
  ASSERT_TRUE(j.append(
      with_src(line("k3", "in/a.png", 0, R"({"v":"png new base"})"), "/x/in/a.png"), &err));
  // A legacy line without "src" is kept: it cannot be matched to an input.
  ASSERT_TRUE(j.append(line("k4", "old", 0, R"({"v":"legacy"})"), &err));
  std::vector<std::string> records;
  for (const JournalEntry* e : j.latest_pages()) records.push_back(j.record(*e));
  EXPECT_EQ(records, (std::vector<std::string>{R"({"v":"jpg"})", R"({"v":"png new base"})",
                                               R"({"v":"legacy"})"}));
  fs::remove_all(d.parent_path());
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
