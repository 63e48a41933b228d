// `pageprep run` option parsing (issue 9 defects 20, 22, 23 and --image-dpi).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/run_options.hpp"
#include "pageprep/kernels/ops/threshold_ops.hpp"

namespace pageprep {
namespace {

using cli::parse_run;
using cli::UsageError;

std::string usage_error(const std::vector<std::string>& args) {
  try {
    parse_run(args);
  } catch (const UsageError& e) {
    return e.message;
  }
  return "";
}

TEST(RunOptions, WindowBeyondWhatTheKernelsAcceptIsAUsageError) {
  EXPECT_NE(usage_error({"in", "-o", "out", "--window", "301"}), "");
  EXPECT_NE(usage_error({"in", "-o", "out", "--window", "257"}), "");
  EXPECT_NE(usage_error({"in", "-o", "out", "--window", "4"}), "");  // even
  const auto c =
      parse_run({"in", "-o", "out", "--window", std::to_string(kernels::ops::kMaxWindow)});
  EXPECT_EQ(c.steps.binarize_params.window, kernels::ops::kMaxWindow);
}

TEST(RunOptions, DoubleDashEndsOptions) {
  const auto c = parse_run({"-o", "out", "--", "-scan.png", "--force", "-"});
  EXPECT_EQ(c.inputs, (std::vector<std::string>{"-scan.png", "--force", "-"}));
  EXPECT_FALSE(c.force);
  EXPECT_NE(usage_error({"-o", "out", "-scan.png"}), "");  // without --, an unknown option
}

TEST(RunOptions, OcrInputAutoIsAccepted) {
  EXPECT_EQ(parse_run({"in", "-o", "o", "--ocr-input", "gray", "--ocr-input", "auto"}).ocr_input,
            host::OcrInput::kAuto);
  EXPECT_EQ(parse_run({"in", "-o", "o", "--ocr-input", "binary"}).ocr_input,
            host::OcrInput::kBinary);
  EXPECT_NE(usage_error({"in", "-o", "o", "--ocr-input", "color"}), "");
}

TEST(RunOptions, DewarpAutoRunsOnTheCpuExecutor) {
  EXPECT_FALSE(parse_run({"in", "-o", "o"}).steps.dewarp);  // default off
  const auto c = parse_run({"in", "-o", "o", "--dewarp", "auto"});
  EXPECT_TRUE(c.steps.dewarp);
  EXPECT_EQ(c.device, host::DeviceChoice::kCpu);  // --device auto picks the CPU
  EXPECT_FALSE(parse_run({"in", "-o", "o", "--dewarp", "auto", "--dewarp", "off"}).steps.dewarp);
  EXPECT_NE(usage_error({"in", "-o", "o", "--dewarp", "yes"}), "");
  // Refused, not silently ignored: the CUDA executor has no dewarp step yet.
  EXPECT_NE(usage_error({"in", "-o", "o", "--dewarp", "auto", "--device", "cuda"}), "");
  // The journal key changes only when dewarp is on.
  EXPECT_EQ(parse_run({"in", "-o", "o", "--dewarp", "off"}).steps.canonical(),
            parse_run({"in", "-o", "o"}).steps.canonical());
  EXPECT_NE(c.steps.canonical(), parse_run({"in", "-o", "o"}).steps.canonical());
}

TEST(RunOptions, ImageDpi) {
  EXPECT_EQ(parse_run({"in", "-o", "o"}).limits.image_dpi, 0);
  EXPECT_EQ(parse_run({"in", "-o", "o", "--image-dpi", "400"}).limits.image_dpi, 400);
  EXPECT_NE(usage_error({"in", "-o", "o", "--image-dpi", "0"}), "");
  EXPECT_NE(usage_error({"in", "-o", "o", "--image-dpi", "abc"}), "");
}

}  // namespace
}  // namespace pageprep
