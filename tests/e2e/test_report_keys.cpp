// pages.jsonl and `pageprep report` keep one record per input and page
// (issue 20, item 10): an input refused with output_conflict is its own failed
// record, and the input that owns the name keeps its ok record.
#include "e2e/cli_harness.hpp"

namespace pageprep::e2e {
namespace {

// The pages.jsonl lines whose input is `input`.
std::vector<PageLine> pages_of(const fs::path& outdir, const std::string& input) {
  std::vector<PageLine> out;
  for (auto& p : read_pages(outdir))
    if (p.str["input"] == input) out.push_back(p);
  return out;
}

// a/scans/p.png and b/scans/p.png: two inputs whose output name is scans/p.
struct TwoScanFolders {
  fs::path root, out;
  TwoScanFolders(const std::string& name) {
    root = fresh_dir(name);
    out = root / "out";
    write_page(root / "a" / "scans" / "p.png", 1);
    write_page(root / "b" / "scans" / "p.png", 2);
  }
  ~TwoScanFolders() { fs::remove_all(root); }
  std::string in(const std::string& rel) const { return (root / rel).string(); }
};

TEST(ReportKeys, ARefusedSecondRunKeepsTheFirstRunsGoodPage) {
  TwoScanFolders t("rk_two_runs");
  ASSERT_EQ(
      run(cli() + " run " + q(t.in("a/scans")) + " -o " + q(t.out) + " --ocr none -q").exit_code,
      0);
  const auto second =
      run(cli() + " run " + q(t.in("b/scans")) + " -o " + q(t.out) + " --ocr none -q");
  EXPECT_EQ(second.exit_code, 3) << second.err;
  EXPECT_NE(second.err.find("output_conflict"), std::string::npos) << second.err;

  const auto check = [&](const char* when) {
    const auto a = pages_of(t.out, t.in("a/scans/p.png"));
    const auto b = pages_of(t.out, t.in("b/scans/p.png"));
    ASSERT_EQ(a.size(), 1u) << when << ": the first run's page\n"
                            << read_file(t.out / "pages.jsonl");
    EXPECT_EQ(a[0].str.at("status"), "ok") << when;
    ASSERT_EQ(b.size(), 1u) << when << ": the refused page\n" << read_file(t.out / "pages.jsonl");
    EXPECT_EQ(b[0].str.at("status"), "error") << when;
    EXPECT_EQ(b[0].str.at("error_code"), "output_conflict") << when;
    EXPECT_EQ(read_pages(t.out).size(), 2u) << when;
  };
  check("after the second run");
  const auto report = run(cli() + " report " + q(t.out));
  EXPECT_EQ(report.exit_code, 3) << "a page failed: " << report.err;
  check("after report");
  EXPECT_EQ(run_json_number(t.out, "pages_recorded"), 2);
  EXPECT_EQ(run_json_number(t.out, "pages_ok"), 1);
  EXPECT_EQ(run_json_number(t.out, "pages_failed"), 1);
  // The first run's output is still its page.
  EXPECT_TRUE(fs::exists(t.out / "scans" / "p.tif"));
}

TEST(ReportKeys, AConflictWithinOneRunIsRecordedAndReported) {
  TwoScanFolders t("rk_one_run");
  const auto r = run(cli() + " run " + q(t.in("a/scans")) + " " + q(t.in("b/scans")) + " -o " +
                     q(t.out) + " --ocr none -q");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto a = pages_of(t.out, t.in("a/scans/p.png"));
  const auto b = pages_of(t.out, t.in("b/scans/p.png"));
  ASSERT_EQ(a.size(), 1u) << read_file(t.out / "pages.jsonl");
  EXPECT_EQ(a[0].str.at("status"), "ok");
  ASSERT_EQ(b.size(), 1u) << read_file(t.out / "pages.jsonl");
  EXPECT_EQ(b[0].str.at("error_code"), "output_conflict");
  EXPECT_EQ(run(cli() + " report " + q(t.out)).exit_code, 3);
  EXPECT_EQ(run_json_number(t.out, "pages_failed"), 1);
  EXPECT_EQ(run_json_number(t.out, "pages_ok"), 1);
}

TEST(ReportKeys, ARerunOfAChangedInputReplacesItsRecord) {
  // Keying by input must not keep a stale record: the same input, changed
  // and run again, has one record, the latest.
  const fs::path root = fresh_dir("rk_rerun"), out = root / "out";
  write_page(root / "scans" / "p.png", 1);
  ASSERT_EQ(run(cli() + " run " + q(root / "scans") + " -o " + q(out) + " --ocr none -q").exit_code,
            0);
  write_page(root / "scans" / "p.png", 5);  // another page, same name
  const auto r = run(cli() + " run " + q(root / "scans") + " -o " + q(out) + " --ocr none -q");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_pages(out).size(), 1u) << read_file(out / "pages.jsonl");
  EXPECT_EQ(run(cli() + " report " + q(out)).exit_code, 0);
  EXPECT_EQ(run_json_number(out, "pages_recorded"), 1);
  fs::remove_all(root);
}

}  // namespace
}  // namespace pageprep::e2e
