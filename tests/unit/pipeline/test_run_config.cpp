// run_config: the thread budget for each kind of run, and which options count
// as output-affecting (issue 23 item 7). The expected budgets are worked out by
// hand from the rules in run_config.cpp's comments; the option lists are
// written here, independently of output_parameters().
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/run_config.hpp"

namespace pageprep::host {
namespace {

TEST(RunConfig, OcrRunsGiveEveryCoreToOcrAndAnEighthToDecodeAndPreprocess) {
  RunConfig cfg;  // OCR on by default
  const ThreadBudget b16 = plan_threads(cfg, 16);
  EXPECT_EQ(b16.cores, 16);
  EXPECT_EQ(b16.finish_threads, 16);
  EXPECT_EQ(b16.decode_threads, 2);
  EXPECT_EQ(b16.preprocess_threads, 2);
  const ThreadBudget b2 = plan_threads(cfg, 2);
  EXPECT_EQ(b2.finish_threads, 2);
  EXPECT_EQ(b2.decode_threads, 1);  // never zero
  EXPECT_EQ(b2.preprocess_threads, 1);
}

TEST(RunConfig, JobsOverrideTheMachineAndNothingIsEverZero) {
  RunConfig cfg;
  cfg.jobs = 3;
  EXPECT_EQ(plan_threads(cfg, 64).cores, 3);
  cfg.jobs = 0;
  const ThreadBudget b = plan_threads(cfg, 0);  // a machine that reports no cores
  EXPECT_EQ(b.cores, 1);
  EXPECT_GE(b.decode_threads, 1);
  EXPECT_GE(b.preprocess_threads, 1);
  EXPECT_GE(b.finish_threads, 1);
}

TEST(RunConfig, WithoutOcrTheCpuPathSplitsDecodeAndWriteAndTheCudaPathDecodesMost) {
  RunConfig cfg;
  cfg.ocr = OcrMode::kNone;
  const ThreadBudget cpu = plan_threads(cfg, 16);
  EXPECT_EQ(cpu.decode_threads, 8);
  EXPECT_EQ(cpu.finish_threads, 8);
  EXPECT_EQ(cpu.preprocess_threads, 16);
  const ThreadBudget cuda = plan_threads(cfg, 16, /*cuda=*/true);
  EXPECT_EQ(cuda.finish_threads, 4);
  EXPECT_EQ(cuda.decode_threads, 11);  // 16 - 4 writers - 1 executor thread
  EXPECT_EQ(cuda.preprocess_threads, 4);
  const ThreadBudget cuda1 = plan_threads(cfg, 1, true);
  EXPECT_EQ(cuda1.finish_threads, 1);
  EXPECT_EQ(cuda1.decode_threads, 1);
}

TEST(RunConfig, OrientationFollowsOcrUnlessAsked) {
  RunConfig cfg;
  EXPECT_TRUE(detects_orientation(cfg));
  cfg.ocr = OcrMode::kNone;
  EXPECT_FALSE(detects_orientation(cfg));
  cfg.rotate_pages = RotatePages::kOn;
  EXPECT_TRUE(detects_orientation(cfg));
  cfg.ocr = OcrMode::kTesseract;
  cfg.rotate_pages = RotatePages::kOff;
  EXPECT_FALSE(detects_orientation(cfg));
}

using Change = std::pair<const char*, std::function<void(RunConfig&)>>;

TEST(RunConfig, EveryOutputAffectingOptionChangesTheJournalHash) {
  const std::vector<Change> changes = {
      {"background_norm", [](RunConfig& c) { c.steps.background_norm = true; }},
      {"deskew", [](RunConfig& c) { c.steps.deskew = false; }},
      {"max_skew_deg", [](RunConfig& c) { c.steps.max_skew_deg = 5.f; }},
      {"skew_min_confidence", [](RunConfig& c) { c.steps.skew_min_confidence = 0.3f; }},
      {"expand_canvas", [](RunConfig& c) { c.steps.expand_canvas = true; }},
      {"median", [](RunConfig& c) { c.steps.median = true; }},
      {"binarize", [](RunConfig& c) { c.steps.binarize = false; }},
      {"binarize window", [](RunConfig& c) { c.steps.binarize_params.window += 2; }},
      {"binarize k", [](RunConfig& c) { c.steps.binarize_params.k += 0.1f; }},
      {"despeckle", [](RunConfig& c) { c.steps.despeckle = false; }},
      {"despeckle_max_area", [](RunConfig& c) { c.steps.despeckle_max_area = 9; }},
      {"remove_border", [](RunConfig& c) { c.steps.remove_border = true; }},
      {"crop_page", [](RunConfig& c) { c.steps.crop_page = !c.steps.crop_page; }},
      {"ocr", [](RunConfig& c) { c.ocr = OcrMode::kNone; }},
      {"lang", [](RunConfig& c) { c.lang = "deu"; }},
      {"fallback", [](RunConfig& c) { c.auto_fallback_lang = "fra"; }},
      {"ocr_input", [](RunConfig& c) { c.ocr_input = OcrInput::kBinary; }},
      {"rotate_pages", [](RunConfig& c) { c.rotate_pages = RotatePages::kOff; }},
      {"binary_format", [](RunConfig& c) { c.binary_format = OutputFormat::kPng; }},
      {"gray_format", [](RunConfig& c) { c.gray_format = OutputFormat::kTiffG4; }},
      {"save_gray", [](RunConfig& c) { c.save_gray = true; }},
      {"save_binary", [](RunConfig& c) { c.save_binary = false; }},
      {"eval_raw", [](RunConfig& c) { c.eval_raw = true; }},
      {"page formats", [](RunConfig& c) { c.page_formats.hocr = false; }},
      {"pdf dpi", [](RunConfig& c) { c.limits.pdf_dpi = 150; }},
      {"document outputs", [](RunConfig& c) {
         c.documents.pdf = false;
         c.documents.sidecar = false;
       }}};
  const std::string base = output_parameters_hash(RunConfig{});
  EXPECT_EQ(base.size(), 16u);
  for (const auto& [name, change] : changes) {
    RunConfig cfg;
    change(cfg);
    EXPECT_NE(output_parameters_hash(cfg), base) << name << " does not reach the journal keys";
  }
}

TEST(RunConfig, OptionsThatLeaveOutputsAloneKeepTheJournalHash) {
  const std::vector<Change> changes = {
      {"jobs", [](RunConfig& c) { c.jobs = 7; }},
      {"device", [](RunConfig& c) { c.device = DeviceChoice::kCpu; }},  // CUDA output == CPU output
      {"batch_pages", [](RunConfig& c) { c.batch_pages = 3; }},
      {"batch_latency_ms", [](RunConfig& c) { c.batch_latency_ms = 5; }},
      {"force", [](RunConfig& c) { c.force = true; }},
      {"quiet", [](RunConfig& c) { c.quiet = true; }},
      {"progress_interval_s", [](RunConfig& c) { c.progress_interval_s = 60; }},
      {"outdir", [](RunConfig& c) { c.outdir = "/elsewhere"; }},
      {"inputs", [](RunConfig& c) { c.inputs = {"a.png"}; }}};
  const std::string base = output_parameters_hash(RunConfig{});
  for (const auto& [name, change] : changes) {
    RunConfig cfg;
    change(cfg);
    EXPECT_EQ(output_parameters_hash(cfg), base) << name << " would redo finished pages";
  }
}

TEST(RunConfig, ARotationSettingThatChangesNothingKeepsTheHash) {
  // With OCR on, "auto" and "on" both detect orientation: the same outputs.
  RunConfig on;
  on.rotate_pages = RotatePages::kOn;
  EXPECT_EQ(output_parameters_hash(on), output_parameters_hash(RunConfig{}));
}

TEST(RunConfig, PageFormatsCanonicalNamesTheFormatsInTesseractsOrder) {
  PageFormats f;
  EXPECT_EQ(f.canonical(), "txt,hocr,alto,tsv");
  f.txt = f.alto = false;
  EXPECT_EQ(f.canonical(), "hocr,tsv");
  f.hocr = f.tsv = false;
  EXPECT_EQ(f.canonical(), "none");
}

}  // namespace
}  // namespace pageprep::host
