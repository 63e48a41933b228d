// report_outdir: from journals and manifests written here (a known history),
// pages.jsonl holds each page's latest record in document and page order,
// run.json and the summary line count them, and the exit code says complete,
// failures or incomplete (issue 23 item 7). Expectations are written by hand.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "report/journal.hpp"
#include "report/manifest.hpp"
#include "report/merged_report.hpp"
#include "util/json_reader.hpp"

namespace pageprep::host {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

JournalLine line(const std::string& key, const std::string& doc, int page, bool ok,
                 const std::string& input) {
  JournalLine l;
  l.key = key;
  l.ok = ok;
  l.doc = doc;
  l.page = page;
  l.source = "/data/" + input;
  l.record_json = R"({"input":")" + input + R"(","page":)" + std::to_string(page) +
                  R"(,"status":")" + (ok ? "ok" : "error") + '"' +
                  (ok ? std::string() : R"(,"error_code":"corrupt","error":"bad bytes")") + "}";
  return l;
}

class MergedReport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pageprep_report_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / ".pageprep");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void journal(const std::string& file, const std::vector<JournalLine>& lines) {
    Journal j;
    std::string error;
    ASSERT_TRUE(j.open((dir_ / ".pageprep").string(), file, &error)) << error;
    for (const auto& l : lines) ASSERT_TRUE(j.append(l, &error)) << error;
  }
  void manifest(const std::string& role, int64_t shard, int64_t shards, int64_t pages) {
    Manifest m;
    m.role = role;
    m.shard = shard;
    m.shards = shards;
    m.pages = pages;
    m.started_ms = 1;  // before every journal line
    m.options = "0123456789abcdef";
    std::ofstream(dir_ / ".pageprep" / manifest_file_name(role)) << manifest_json(m);
  }
  int report(std::string* out, std::string* err) {
    std::ostringstream o, e;
    const int code = report_outdir(dir_.string(), o, e);
    *out = o.str();
    *err = e.str();
    return code;
  }

  fs::path dir_;
};

TEST_F(MergedReport, LatestRecordPerPageInOrderAndAFailureGivesThree) {
  manifest("run", 1, 1, 3);
  journal("journal.jsonl", {line("kb0", "b", 0, false, "b.png"),
                            line("ka1", "a", 1, false, "a.tif"), line("ka0", "a", 0, true, "a.tif"),
                            line("kb0", "b", 0, true, "b.png")});  // b redone: now ok
  std::string out, err;
  EXPECT_EQ(report(&out, &err), kReportFailures) << out << err;
  EXPECT_NE(out.find("3 page(s) recorded: 2 ok, 1 failed"), std::string::npos) << out;
  std::istringstream pages(read_all(dir_ / "pages.jsonl"));
  std::vector<std::string> order;
  for (std::string l; std::getline(pages, l);) {
    const auto v = JsonValue::parse(l);
    ASSERT_TRUE(v) << l;
    order.push_back(v->str("input") + ":" + std::to_string(static_cast<int>(v->num("page"))) + ":" +
                    v->str("status"));
  }
  EXPECT_EQ(order, (std::vector<std::string>{"a.tif:0:ok", "a.tif:1:error", "b.png:0:ok"}));
  const auto run = JsonValue::parse(read_all(dir_ / "run.json"));
  ASSERT_TRUE(run);
  EXPECT_EQ(run->num("pages_recorded"), 3);
  EXPECT_EQ(run->num("pages_ok"), 2);
  EXPECT_EQ(run->num("pages_failed"), 1);
  EXPECT_EQ(run->num("pages_remaining"), 0);
  EXPECT_TRUE(run->boolean("complete"));
  const JsonValue* f = run->get("failures");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->items().size(), 1u);
  EXPECT_EQ(f->items()[0].str("input"), "a.tif");
  EXPECT_EQ(f->items()[0].num("page"), 1);
  EXPECT_EQ(f->items()[0].str("error_code"), "corrupt");
}

TEST_F(MergedReport, EveryPageOkIsComplete) {
  manifest("run", 1, 1, 2);
  journal("journal.jsonl", {line("k0", "a", 0, true, "a.tif"), line("k1", "a", 1, true, "a.tif")});
  std::string out, err;
  EXPECT_EQ(report(&out, &err), kReportComplete) << out << err;
}

TEST_F(MergedReport, AMissingShardOrPagesStillToDoAreIncomplete) {
  manifest("shard-1-of-2", 1, 2, 2);
  journal("journal.shard-1-of-2.jsonl", {line("k0", "a", 0, true, "a.tif")});  // 1 of its 2
  std::string out, err;
  EXPECT_EQ(report(&out, &err), kReportIncomplete) << out << err;
  EXPECT_NE(out.find("2 assigned to 1 of 2 shards, 1 remaining"), std::string::npos) << out;
  const auto run = JsonValue::parse(read_all(dir_ / "run.json"));
  ASSERT_TRUE(run);
  EXPECT_FALSE(run->boolean("complete", true));
}

TEST_F(MergedReport, ShardsWithOtherOptionsAreFailures) {
  manifest("shard-1-of-2", 1, 2, 1);
  Manifest odd;
  odd.role = "shard-2-of-2";
  odd.shard = 2;
  odd.shards = 2;
  odd.pages = 1;
  odd.started_ms = 1;
  odd.options = "fedcba9876543210";
  std::ofstream(dir_ / ".pageprep" / manifest_file_name(odd.role)) << manifest_json(odd);
  journal("journal.shard-1-of-2.jsonl", {line("k0", "a", 0, true, "a.tif")});
  journal("journal.shard-2-of-2.jsonl", {line("k1", "a", 1, true, "a.tif")});
  std::string out, err;
  EXPECT_EQ(report(&out, &err), kReportFailures) << out << err;
  EXPECT_NE(err.find("shard 2/2 ran with other output options"), std::string::npos) << err;
}

TEST_F(MergedReport, NotAnOutputFolderIsFatal) {
  fs::remove_all(dir_ / ".pageprep");
  std::string out, err;
  EXPECT_EQ(report(&out, &err), kReportFatal);
  EXPECT_NE(err.find("is not a pageprep output folder"), std::string::npos) << err;
}

}  // namespace
}  // namespace pageprep::host
