// `pageprep run --device cuda` against `--device cpu` through the CLI on
// generated pages (issue 23): every output file byte for byte identical, and
// every page record says it ran on the device (no CPU retry). Label gpu;
// skips ("no CUDA device") where there is none, like the parity tests.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "e2e/cli_harness.hpp"
#include "pageprep/kernels/device.hpp"

namespace pageprep::e2e {
namespace {

/// Output files of a run, relative to its folder, without the reports that
/// carry timings and executor names (*.jsonl, run*.json) or the journal.
std::vector<std::string> outputs(const fs::path& dir) {
  std::vector<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory()) {
      if (name == ".pageprep") it.disable_recursion_pending();
      continue;
    }
    const bool report = it->path().extension() == ".jsonl" ||
                        (name.rfind("run", 0) == 0 && it->path().extension() == ".json");
    if (!report) out.push_back(fs::relative(it->path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// The "executor" value of every record in pages.jsonl.
std::vector<std::string> executors(const fs::path& outdir) {
  std::vector<std::string> out;
  std::ifstream in(outdir / "pages.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    const size_t k = line.find("\"executor\"");
    if (k == std::string::npos) {
      out.push_back("(no executor field)");
      continue;
    }
    const size_t a = line.find('"', line.find(':', k) + 1);
    const size_t b = line.find('"', a + 1);
    out.push_back(a == std::string::npos || b == std::string::npos ? "(unreadable)"
                                                                   : line.substr(a + 1, b - a - 1));
  }
  return out;
}

void compare(const std::string& tag, const std::string& options) {
  if (kernels::cuda_device_count() == 0)
    GTEST_SKIP() << "no CUDA device: " << kernels::cuda_device_description(0);
  const fs::path in = fresh_dir("cuda-vs-cpu-in-" + tag);
  const auto g = run(synth() + " --count 12 --seed 23 --skew-max 5 --noise 6 --out " + q(in));
  ASSERT_EQ(g.exit_code, 0) << g.err;
  const fs::path cpu = fresh_dir("cuda-vs-cpu-cpu-" + tag) / "out";
  const fs::path cuda = fresh_dir("cuda-vs-cpu-cuda-" + tag) / "out";
  const std::string base = cli() + " run " + q(in) + " --ocr none -q " + options;
  const auto rc = run(base + " --device cpu -o " + q(cpu));
  ASSERT_EQ(rc.exit_code, 0) << rc.err;
  const auto rg = run(base + " --device cuda -o " + q(cuda));
  ASSERT_EQ(rg.exit_code, 0) << rg.err;
  const auto a = outputs(cpu), b = outputs(cuda);
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(a, b) << "the same output files";
  for (const std::string& f : a)
    EXPECT_TRUE(read_file(cpu / f) == read_file(cuda / f)) << f << " differs";
  const auto ex = executors(cuda);
  EXPECT_EQ(ex.size(), 12u);
  for (const std::string& e : ex) EXPECT_EQ(e.rfind("cuda", 0), 0u) << "ran on " << e;
  fs::remove_all(in);
  fs::remove_all(cpu.parent_path());
  fs::remove_all(cuda.parent_path());
}

TEST(CliCudaVsCpu, DefaultStepsGiveIdenticalOutputs) {
  compare("default", "--save-gray");
}

}  // namespace
}  // namespace pageprep::e2e
