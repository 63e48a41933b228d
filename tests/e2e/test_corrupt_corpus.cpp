// The whole corrupt-input corpus (support/corrupt_corpus.hpp) through the CLI
// in one run: the process ends normally (exit 3, no signal), every damaged
// file that must fail has a failed line in pages.jsonl with an error code and
// a message, and the run report counts them.
#include <map>

#include "e2e/cli_harness.hpp"
#include "support/corrupt_corpus.hpp"

namespace pageprep::e2e {
namespace {

TEST(CorruptCorpusCli, EveryDamagedFileGetsItsOwnErrorAndTheRunGoesOn) {
  const fs::path in = fresh_dir("corpus_in"), out = fresh_dir("corpus_out");
  const auto corpus = testsupport::corrupt_corpus();
  std::map<std::string, const testsupport::CorruptCase*> by_name;
  for (const auto& c : corpus) {
    std::ofstream(in / c.file_name, std::ios::binary)
        .write(reinterpret_cast<const char*>(c.bytes.data()),
               static_cast<std::streamsize>(c.bytes.size()));
    by_name[c.file_name] = &c;
  }
  // A good page among them still comes out.
  const auto good = testsupport::valid_samples().front();
  std::ofstream(in / "zz-good.png", std::ios::binary)
      .write(reinterpret_cast<const char*>(good.bytes.data()),
             static_cast<std::streamsize>(good.bytes.size()));

  const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " --ocr none -q --jobs 2");
  ASSERT_EQ(r.exit_code, 3) << "exit " << r.exit_code << " (a crash shows as -1)\n"
                            << r.err.substr(0, 4000);
  std::map<std::string, int> failed, ok;
  for (const auto& p : read_pages(out)) {
    const std::string name = fs::path(p.str.at("input")).filename().string();
    if (p.str.at("status") == "ok") {
      ++ok[name];
    } else {
      ++failed[name];
      EXPECT_FALSE(p.str.at("error_code").empty()) << p.raw;
      EXPECT_NE(p.str.at("error_code"), "internal") << p.raw;
      EXPECT_GT(p.str.at("error").size(), name.size()) << p.raw;
    }
  }
  EXPECT_EQ(ok["zz-good.png"], 1);
  int must_fail = 0;
  for (const auto& c : corpus) {
    if (!c.must_fail) continue;
    ++must_fail;
    EXPECT_GE(failed[c.file_name], 1) << c.kind << " has no failed page in pages.jsonl";
  }
  EXPECT_GE(must_fail, 100);
  EXPECT_GE(run_json_number(out, "pages_failed"), must_fail);
}

}  // namespace
}  // namespace pageprep::e2e
