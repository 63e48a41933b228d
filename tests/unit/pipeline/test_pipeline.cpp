// The pipeline in-process (no OCR): every page accounted for, failures
// isolated, and the same outputs for any thread count or batch size. Also run
// under ThreadSanitizer (label tsan).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <sstream>

#include "pipeline/scheduler.hpp"
#include "support/page_generator.hpp"

namespace pageprep::host {
namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

class Pipeline : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("pageprep_pipeline_" + std::to_string(::getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_ / "in");
    // Small pages (A6 at 150 dpi) keep this fast enough for a TSan build.
    for (int i = 0; i < 6; ++i) {
      testsupport::PageSpec spec;
      spec.seed = 100 + i;
      spec.dpi = 150;
      spec.width_px = 620;
      spec.height_px = 874;
      spec.font_pt = 10;
      testsupport::Degradation d;
      d.skew_deg = -3.0 + i;
      d.noise_sigma = 4;
      testsupport::GeneratedPage page;
      std::string err;
      ASSERT_TRUE(testsupport::generate_page(spec, d, &page, &err)) << err;
      char name[32];
      std::snprintf(name, sizeof name, "p%02d.png", i);
      ASSERT_TRUE(cv::imwrite((*dir_ / "in" / name).string(), page.degraded));
    }
    std::ofstream(*dir_ / "in" / "broken.png") << "\x89PNG\r\n\x1a\n garbage";
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }

  RunSummary run(const std::string& out, int jobs, int batch) {
    RunConfig cfg;
    cfg.inputs = {(*dir_ / "in").string()};
    cfg.outdir = (*dir_ / out).string();
    cfg.ocr = OcrMode::kNone;
    cfg.jobs = jobs;
    cfg.batch_pages = batch;
    cfg.quiet = true;
    cfg.save_gray = true;
    std::ostringstream err;
    RunSummary s = run_pipeline(cfg, err);
    last_err_ = err.str();
    return s;
  }

  static fs::path* dir_;
  std::string last_err_;
};
fs::path* Pipeline::dir_ = nullptr;

TEST_F(Pipeline, EveryPageAccountedForAndFailureIsolated) {
  const RunSummary s = run("out1", 2, 4);
  EXPECT_EQ(s.pages_total, 7);
  EXPECT_EQ(s.pages_ok, 6);
  EXPECT_EQ(s.pages_failed, 1);
  EXPECT_EQ(s.exit_code, kExitPagesFailed);
  EXPECT_NE(last_err_.find("broken.png"), std::string::npos) << last_err_;
  for (int i = 0; i < 6; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "p%02d", i);
    // A folder argument's files are named below the folder's own name.
    EXPECT_TRUE(fs::exists(*dir_ / "out1" / "in" / (std::string(name) + ".tif"))) << name;
    EXPECT_TRUE(fs::exists(*dir_ / "out1" / "in" / (std::string(name) + ".png"))) << name;
  }
  std::istringstream lines(slurp(*dir_ / "out1" / "pages.jsonl"));
  int n = 0;
  for (std::string l; std::getline(lines, l);) ++n;
  EXPECT_EQ(n, 7);
}

TEST_F(Pipeline, OutputsIndependentOfJobsAndBatchSize) {
  ASSERT_EQ(run("a", 1, 1).pages_ok, 6);
  ASSERT_EQ(run("b", 4, 16).pages_ok, 6);
  int compared = 0;
  for (const auto& e : fs::directory_iterator(*dir_ / "a" / "in")) {
    const auto ext = e.path().extension();
    if (ext != ".tif" && ext != ".png") continue;
    EXPECT_EQ(slurp(e.path()), slurp(*dir_ / "b" / "in" / e.path().filename())) << e.path();
    ++compared;
  }
  EXPECT_EQ(compared, 12);
}

}  // namespace
}  // namespace pageprep::host
