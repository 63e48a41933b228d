// The CLI on what issue 14 and issue 9 (defect 14) added: `pageprep bench`
// (its table and JSON record, its errors) and large-format pages through
// `pageprep run` (a landscape A3 page at 600 dpi is processed; a page over
// the decode limit is refused from its header, per page, and the run goes on).
#include <opencv2/imgcodecs.hpp>

#include <regex>

#include "e2e/cli_harness.hpp"
#include "pageprep/kernels/batch.hpp"

namespace pageprep::e2e {
namespace {

std::string cli() {
  return PAGEPREP_CLI_PATH;
}

/// Runs a command and returns its stdout.
std::string run_stdout(const std::string& cmd, int* rc) {
  const fs::path out = fresh_dir("bench_stdout") / "out.txt";
  const CommandResult r = run(cmd + " > " + q(out) + " 2>/dev/null; exit $?");
  *rc = r.exit_code;
  return read_file(out);
}

TEST(BenchCommand, JsonRecordHasEveryCpuStage) {
  int rc = -1;
  const std::string json = run_stdout(
      cli() +
          " bench --pages 2 --seconds 0.2 --jobs 1 --device cpu --json --size 1240x1754 --dpi 150",
      &rc);
  ASSERT_EQ(rc, 0) << json;
  for (const char* stage : {"decode", "preprocess", "encode G4", "end to end --ocr none"}) {
    const std::regex row("\"stage\":\"" + std::string(stage) +
                         "\",\"device\":\"cpu\",[^}]*\"pages_per_s\":([0-9.]+)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(json, m, row)) << stage << "\n" << json;
    EXPECT_GT(std::stod(m[1]), 0.0) << stage;
  }
  EXPECT_NE(json.find("\"width\":1240"), std::string::npos) << json;
  EXPECT_EQ(json.find("cuda:"), std::string::npos) << "no device rows with --device cpu";
}

TEST(BenchCommand, TableAndErrors) {
  int rc = -1;
  const std::string table = run_stdout(
      cli() + " bench --pages 1 --seconds 0.1 --jobs 1 --device cpu --no-end-to-end --size 600x800",
      &rc);
  ASSERT_EQ(rc, 0);
  EXPECT_NE(table.find("pages/s"), std::string::npos) << table;
  EXPECT_NE(table.find("preprocess"), std::string::npos) << table;
  EXPECT_EQ(run(cli() + " bench --pages 0").exit_code, 2);
  EXPECT_EQ(run(cli() + " bench --size 3x").exit_code, 2);
  EXPECT_EQ(run(cli() + " bench --bogus").exit_code, 2);
  const fs::path empty = fresh_dir("bench_empty");
  EXPECT_EQ(run(cli() + " bench --input " + q(empty)).exit_code, 1);
}

// `bench --device null` (issue 19 item 2): the GPU path's host cost per page
// for PNG and JPEG masters. Fields and their relations only, never a time.
TEST(BenchCommand, NullDeviceReportsHostAndDecodeCpuPerPage) {
  int rc = -1;
  const fs::path work = fresh_dir("bench_null_work");
  const std::string json = run_stdout(cli() + " bench --device null --json --pages 3 --jobs 2" +
                                          " --size 620x877 --dpi 75 --work " + q(work),
                                      &rc);
  ASSERT_EQ(rc, 0) << json;
  for (const char* masters : {"png", "jpeg"}) {
    const std::regex row("\\{\"masters\":\"" + std::string(masters) +
                         "\",\"pages\":([0-9]+),\"wall_s\":[0-9.]+,"
                         "\"host_cpu_ms_per_page\":([0-9.]+),"
                         "\"decode_cpu_ms_per_page\":([0-9.]+),"
                         "\"beyond_decode_ms_per_page\":(-?[0-9.]+),"
                         "\"cpu_path_cpu_ms_per_page\":([0-9.]+),"
                         "\"predicted_pages_per_s\":\\{\"1\":([0-9.]+),\"2\":[0-9.]+,"
                         "\"16\":([0-9.]+)");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(json, m, row)) << masters << "\n" << json;
    EXPECT_EQ(std::stoi(m[1]), 3) << masters;
    const double host = std::stod(m[2]), decode = std::stod(m[3]);
    EXPECT_GT(decode, 0.0) << masters << ": the decoders' CPU time was not counted";
    EXPECT_LE(decode, host) << masters << ": the decoders' share exceeds the whole";
    EXPECT_NEAR(std::stod(m[4]), host - decode, 0.002) << masters;
    EXPECT_GT(std::stod(m[5]), 0.0) << masters << ": the CPU path peer was not measured";
    EXPECT_NEAR(std::stod(m[6]), 1000.0 / host, 0.1 + 1e-3 * 1000.0 / host) << masters;
    EXPECT_NEAR(std::stod(m[7]), 16 * std::stod(m[6]), 1.0 + 16e-3 * std::stod(m[6])) << masters;
    // Where the host time went: thread roles within the whole, the decode
    // threads at least the decoders, the finishing steps within the finish threads.
    const std::regex split("\"masters\":\"" + std::string(masters) +
                           "\".*?\"host_cpu_split_ms_per_page\":\\{\"decode_threads\":([0-9.]+),"
                           "\"executor_thread\":([0-9.]+),\"finish_threads\":([0-9.]+),"
                           "\"finish_unpack\":([0-9.]+),\"finish_encode\":([0-9.]+),"
                           "\"finish_write\":([0-9.]+),\"journal_thread\":([0-9.]+)\\}");
    std::smatch s;
    ASSERT_TRUE(std::regex_search(json, s, split)) << masters << "\n" << json;
    double roles = 0;
    for (int k : {1, 2, 3, 7}) roles += std::stod(s[k]);
    EXPECT_LE(roles, host + 0.01) << masters;
    EXPECT_GE(std::stod(s[1]) + 0.002, decode) << masters;
    EXPECT_GT(std::stod(s[5]), 0.0) << masters << ": the encoder's time was not counted";
    EXPECT_LE(std::stod(s[4]) + std::stod(s[5]) + std::stod(s[6]), std::stod(s[3]) + 0.01)
        << masters;
  }
  // The run used a folder of its own under --work and removed it.
  EXPECT_TRUE(fs::is_empty(work)) << "bench --device null left files in " << work;
  EXPECT_EQ(run(cli() + " bench --device null --bogus").exit_code, 2);
}

TEST(LargePages, LandscapeA3At600DpiIsProcessedAndOversizeIsRefusedPerPage) {
  const fs::path in = fresh_dir("large_in"), out = fresh_dir("large_out");
  // 10200 x 7200 (refused before issue 9's defect 14 was fixed): a few bars.
  cv::Mat a3(7200, 10200, CV_8UC1, cv::Scalar(232));
  for (int y = 600; y < 6600; y += 120)
    cv::rectangle(a3, {600, y}, {9600, y + 30}, cv::Scalar(30), cv::FILLED);
  ASSERT_TRUE(cv::imwrite((in / "a3.png").string(), a3));
  // One pixel wider than the limit: refused from the header, the run goes on.
  cv::Mat wide(8, kernels::kMaxPageSide + 1, CV_8UC1, cv::Scalar(200));
  ASSERT_TRUE(cv::imwrite((in / "wide.png").string(), wide));
  const CommandResult r =
      run(cli() + " run " + q(in) + " -o " + q(out) + " --ocr none --device cpu --jobs 2 -q");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto pages = read_pages(out);
  ASSERT_EQ(pages.size(), 2u);
  bool saw_a3 = false, saw_wide = false;
  std::string a3_tif;
  for (const auto& p : pages) {
    if (p.str.at("input").find("a3.png") != std::string::npos) {
      saw_a3 = true;
      std::smatch m;
      if (std::regex_search(p.raw, m, std::regex(R"re("([^"]*a3\.tif)")re"))) a3_tif = m[1];
      EXPECT_EQ(p.str.at("status"), "ok") << p.raw;
      EXPECT_EQ(p.num.at("width"), 10200);
    } else {
      saw_wide = true;
      EXPECT_EQ(p.str.at("status"), "error") << p.raw;
      EXPECT_EQ(p.str.at("error_code"), "too_large") << p.raw;
    }
  }
  EXPECT_TRUE(saw_a3 && saw_wide);
  ASSERT_FALSE(a3_tif.empty()) << "the record names its output";
  const fs::path tif = fs::path(a3_tif).is_absolute() ? fs::path(a3_tif) : out / a3_tif;
  const cv::Mat result = cv::imread(tif.string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(result.empty()) << "the cleaned A3 page";
  EXPECT_EQ(result.cols, 10200);
  EXPECT_EQ(result.rows, 7200);
}

}  // namespace
}  // namespace pageprep::e2e
