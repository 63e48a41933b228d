// run_json: a hand-built RunReport gives the run.json we expect field by field
// (issue 23 item 7): counts and the derived "not processed", throughput from
// processed pages over wall time, OCR utilization over the OCR window, the
// writers/ocr_workers naming, failures, skipped inputs with their total, and
// documents. Read back with pageprep's JSON reader; the values are set here.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "report/run_report.hpp"
#include "util/json_reader.hpp"

namespace pageprep::host {
namespace {

struct Fixture {
  RunStats stats;
  std::vector<PageRecord> failures;
  std::vector<std::string> warnings;
  std::map<std::string, int64_t> skipped;
  std::vector<DocumentResult> documents;
  RunReport report;

  Fixture() {
    report.summary.pages_total = 10;
    report.summary.pages_ok = 6;
    report.summary.pages_failed = 1;
    report.summary.pages_resumed = 2;  // so one page was never processed
    report.summary.wall_s = 3.5;
    report.summary.documents_ok = 1;
    report.summary.documents_failed = 1;
    report.executor = "cpu";
    report.budget.cores = 4;
    report.budget.cores_source = "--jobs";
    report.budget.decode_threads = 1;
    report.budget.preprocess_threads = 1;
    report.budget.finish_threads = 4;
    report.ocr = true;
    report.batch_pages = 8;
    stats.ocr.add(std::chrono::seconds(6));
    stats.decode.add(std::chrono::milliseconds(1500));
    stats.first_ocr_start_ns = 1'000'000'000;
    stats.last_ocr_end_ns = 3'000'000'000;  // a 2 s window for 4 workers
    PageRecord f;
    f.input = "scans/bad.png";
    f.page = 0;
    f.error_code = "corrupt";
    f.message = "scans/bad.png: not a PNG";
    failures.push_back(f);
    warnings.push_back("scans/odd.tif: DPI guessed");
    skipped = {{"not_a_page", 2}, {"hidden", 3}};
    DocumentResult good;
    good.input = "scans/book.pdf";
    good.outputs = {{"pdf", "book.pdf"}};
    DocumentResult bad;
    bad.input = "scans/other.tif";
    bad.ok = false;
    bad.message = "cannot write other.pdf";
    documents = {good, bad};
    report.stats = &stats;
    report.failures = &failures;
    report.input_warnings = &warnings;
    report.inputs_skipped = &skipped;
    report.documents = &documents;
  }
};

JsonValue parse(const std::string& text) {
  EXPECT_EQ(text.back(), '\n');
  auto v = JsonValue::parse(text);
  EXPECT_TRUE(v.has_value()) << text;
  return v ? *v : JsonValue();
}

TEST(RunReport, CountsThroughputAndThreads) {
  Fixture fx;
  const JsonValue v = parse(run_json(fx.report));
  EXPECT_EQ(v.str("executor"), "cpu");
  EXPECT_EQ(v.get("cuda_fallback"), nullptr);
  EXPECT_EQ(v.num("pages_total"), 10);
  EXPECT_EQ(v.num("pages_ok"), 6);
  EXPECT_EQ(v.num("pages_failed"), 1);
  EXPECT_EQ(v.num("pages_resumed"), 2);
  EXPECT_EQ(v.num("pages_not_processed"), 1);
  EXPECT_NEAR(v.num("pages_per_s"), 7 / 3.5, 1e-3);  // resumed pages are not throughput
  const JsonValue* t = v.get("threads");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->num("cores"), 4);
  EXPECT_EQ(t->str("cores_from"), "--jobs");
  EXPECT_EQ(t->num("ocr_workers"), 4);
  EXPECT_EQ(t->get("writers"), nullptr);
  EXPECT_NEAR(v.get("stage_busy_s")->num("decode"), 1.5, 1e-3);
  EXPECT_NEAR(v.num("ocr_window_s"), 2.0, 1e-3);
  EXPECT_NEAR(v.num("ocr_utilization"), 6.0 / (2.0 * 4), 1e-4);
  EXPECT_GT(v.num("peak_rss_mib"), 0);
}

TEST(RunReport, WithoutOcrTheFinishThreadsAreWritersAndNoOcrFigures) {
  Fixture fx;
  fx.report.ocr = false;
  const JsonValue v = parse(run_json(fx.report));
  EXPECT_EQ(v.get("threads")->num("writers"), 4);
  EXPECT_EQ(v.get("threads")->get("ocr_workers"), nullptr);
  EXPECT_EQ(v.get("ocr_utilization"), nullptr);
  EXPECT_EQ(v.get("pages_script_mismatch"), nullptr);
}

TEST(RunReport, FailuresSkippedInputsDocumentsAndWarnings) {
  Fixture fx;
  fx.report.cuda_fallback = "no CUDA device";
  const JsonValue v = parse(run_json(fx.report));
  EXPECT_EQ(v.str("cuda_fallback"), "no CUDA device");
  const JsonValue* f = v.get("failures");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(f->items().size(), 1u);
  EXPECT_EQ(f->items()[0].str("input"), "scans/bad.png");
  EXPECT_EQ(f->items()[0].str("error_code"), "corrupt");
  EXPECT_EQ(f->items()[0].str("error"), "scans/bad.png: not a PNG");
  const JsonValue* s = v.get("inputs_skipped");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->num("hidden"), 3);
  EXPECT_EQ(s->num("not_a_page"), 2);
  EXPECT_EQ(s->num("total"), 5);
  EXPECT_EQ(v.num("documents_ok"), 1);
  EXPECT_EQ(v.num("documents_failed"), 1);
  const JsonValue* d = v.get("documents");
  ASSERT_NE(d, nullptr);
  ASSERT_EQ(d->items().size(), 2u);
  EXPECT_EQ(d->items()[0].str("status"), "ok");
  EXPECT_EQ(d->items()[0].get("outputs")->str("pdf"), "book.pdf");
  EXPECT_EQ(d->items()[1].str("status"), "error");
  EXPECT_EQ(d->items()[1].str("error"), "cannot write other.pdf");
  const JsonValue* w = v.get("input_warnings");
  ASSERT_NE(w, nullptr);
  ASSERT_EQ(w->items().size(), 1u);
  EXPECT_EQ(w->items()[0].as_string(), "scans/odd.tif: DPI guessed");
}

TEST(RunReport, NoWallTimeNoOcrWindowNoDivisionByZero) {
  Fixture fx;
  fx.report.summary.wall_s = 0;
  fx.stats.first_ocr_start_ns = INT64_MAX;  // OCR never started
  fx.stats.last_ocr_end_ns = 0;
  const JsonValue v = parse(run_json(fx.report));
  EXPECT_EQ(v.num("pages_per_s", -1), 0);
  EXPECT_EQ(v.num("ocr_window_s", -1), 0);
  EXPECT_EQ(v.num("ocr_utilization", -1), 0);
}

}  // namespace
}  // namespace pageprep::host
