// Scale-out: N shards running at once into one OUTDIR write exactly what one
// run writes, `pageprep report` covers every page exactly once, a missing
// shard shows as incomplete, the live feed grows per page, and a CPU-limited
// process sizes its threads to its limit.
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <set>
#include <thread>

#include "e2e/cli_harness.hpp"

namespace pageprep::e2e {
namespace {

std::set<std::string> output_files(const fs::path& dir) {
  std::set<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_directory() && name == ".pageprep") {
      it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || name == "pages.jsonl" || name.rfind("run", 0) == 0 ||
        name.rfind("pages.live", 0) == 0)
      continue;
    out.insert(fs::relative(it->path(), dir).string());
  }
  return out;
}

size_t count_lines(const fs::path& p) {
  const std::string s = read_file(p);
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

class Shards : public ::testing::Test {
 protected:
  void SetUp() override {
    in_ = fresh_dir("sh_in");
    for (int i = 0; i < 36; ++i)
      write_page(in_ / "vol" / ("p" + std::to_string(100 + i) + ".png"), i);
    std::vector<cv::Mat> pages;
    for (int i = 0; i < 8; ++i) pages.push_back(small_page(100 + i));
    ASSERT_TRUE(cv::imwritemulti((in_ / "vol" / "book.tif").string(), pages));
  }
  void TearDown() override { fs::remove_all(in_); }

  // Starts `n` shards of `args` at once and waits for all; returns their exit codes.
  std::vector<int> run_shards(const fs::path& out, int n, const std::string& extra = "") {
    std::vector<pid_t> pids;
    for (int k = 1; k <= n; ++k) {
      const pid_t pid = fork();
      if (pid == 0) {
        const std::string cmd = cli() + " run " + q(in_ / "vol") + " -o " + q(out) +
                                " --ocr none -q --jobs 1 --shard " + std::to_string(k) + "/" +
                                std::to_string(n) + extra;
        execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
        _exit(127);
      }
      pids.push_back(pid);
    }
    std::vector<int> codes;
    for (pid_t p : pids) {
      int status = 0;
      waitpid(p, &status, 0);
      codes.push_back(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    return codes;
  }
  fs::path in_;
};

TEST_F(Shards, FourShardsAtOnceWriteExactlyWhatOneRunWrites) {
  const fs::path one = fresh_dir("sh_one"), four = fresh_dir("sh_four");
  ASSERT_EQ(run(cli() + " run " + q(in_ / "vol") + " -o " + q(one) + " --ocr none -q").exit_code,
            0);
  for (int code : run_shards(four, 4)) EXPECT_EQ(code, 0);
  const auto rep = run(cli() + " report " + q(four));
  EXPECT_EQ(rep.exit_code, 0) << rep.err;

  // Every page exactly once in the merged report.
  const auto pages = read_pages(four);
  std::map<std::pair<std::string, int>, int> seen;
  for (const auto& p : pages) {
    EXPECT_EQ(p.str.at("status"), "ok") << p.raw;
    ++seen[{p.str.at("input"), static_cast<int>(p.num.at("page"))}];
  }
  EXPECT_EQ(pages.size(), 44u);
  EXPECT_EQ(seen.size(), 44u);
  for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << k.first << " page " << k.second;
  EXPECT_EQ(run_json_number(four, "pages_ok"), 44);
  EXPECT_EQ(run_json_number(four, "pages_remaining"), 0);

  // The same names and the same bytes as one run.
  const auto a = output_files(one), b = output_files(four);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), 44u);
  for (const auto& f : a) EXPECT_EQ(read_file(one / f), read_file(four / f)) << f;

  // The 8-page TIFF is spread over shards (balanced by pages, not files).
  int shards_with_book = 0;
  for (int k = 1; k <= 4; ++k) {
    const std::string feed =
        read_file(four / ("pages.live.shard-" + std::to_string(k) + "-of-4.jsonl"));
    shards_with_book += feed.find("book.tif") != std::string::npos;
  }
  EXPECT_GE(shards_with_book, 2);
  fs::remove_all(one);
  fs::remove_all(four);
}

TEST_F(Shards, ReportShowsAMissingShardAsIncompleteAndItsRerunCompletes) {
  const fs::path out = fresh_dir("sh_partial");
  const auto first =
      run(cli() + " run " + q(in_ / "vol") + " -o " + q(out) + " --ocr none -q --shard 1/2");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto rep = run(cli() + " report " + q(out));
  EXPECT_EQ(rep.exit_code, 4) << "shard 2 has not run: " << rep.err;
  EXPECT_LT(read_pages(out).size(), 44u);
  // Resuming a failed array task = running it again.
  ASSERT_EQ(run(cli() + " run " + q(in_ / "vol") + " -o " + q(out) + " --ocr none -q --shard 2/2")
                .exit_code,
            0);
  rep = run(cli() + " report " + q(out));
  EXPECT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_EQ(read_pages(out).size(), 44u);
  // A rerun of a finished shard does nothing and says so.
  ASSERT_EQ(run(cli() + " run " + q(in_ / "vol") + " -o " + q(out) + " --ocr none -q --shard 1/2")
                .exit_code,
            0);
  EXPECT_EQ(run_json_number(out, "pages_ok"), 44)
      << "report's run.json is rewritten only by report";
  EXPECT_EQ(run(cli() + " report " + q(out)).exit_code, 0);
  fs::remove_all(out);
}

TEST_F(Shards, TheLiveFeedGrowsOneLinePerFinishedPageAndNotOnResume) {
  const fs::path out = fresh_dir("sh_feed");
  const std::string cmd = cli() + " run " + q(in_ / "vol") + " -o " + q(out) + " --ocr none -q";
  ASSERT_EQ(run(cmd).exit_code, 0);
  EXPECT_EQ(count_lines(out / "pages.live.jsonl"), 44u);
  ASSERT_EQ(run(cmd).exit_code, 0);
  EXPECT_EQ(count_lines(out / "pages.live.jsonl"), 44u) << "resumed pages are not repeated";
  fs::remove(out / "vol" / "p100.tif");
  ASSERT_EQ(run(cmd).exit_code, 0);
  EXPECT_EQ(count_lines(out / "pages.live.jsonl"), 45u) << "a redone page is fed again";
  fs::remove_all(out);
}

TEST_F(Shards, AShardCannotRunTwiceNorBesideAWholeRun) {
  const fs::path out = fresh_dir("sh_twice");
  // Two copies of shard 1/2 at once: one must refuse (or, if the first ended
  // before the second began, the second finds everything done).
  std::vector<pid_t> pids;
  for (int i = 0; i < 2; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      const std::string cmd = cli() + " run " + q(in_ / "vol") + " -o " + q(out) +
                              " --ocr none -q --jobs 1 --shard 1/2 2>" +
                              q(out.string() + ".err" + std::to_string(i));
      execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    pids.push_back(pid);
  }
  int refused = 0;
  for (int i = 0; i < 2; ++i) {
    int status = 0;
    waitpid(pids[static_cast<size_t>(i)], &status, 0);
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    const std::string err = read_file(out.string() + ".err" + std::to_string(i));
    if (code == 1) {
      ++refused;
      EXPECT_NE(err.find("shard 1/2 is already running"), std::string::npos) << err;
    } else {
      EXPECT_EQ(code, 0) << err;
    }
    fs::remove(out.string() + ".err" + std::to_string(i));
  }
  EXPECT_LE(refused, 1);
  fs::remove_all(out);
}

TEST_F(Shards, ACpuLimitedRunSizesItsThreadsToTheLimit) {
  if (run("taskset -c 0 true").exit_code != 0) GTEST_SKIP() << "no taskset";
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one CPU: nothing to limit";
  const fs::path out = fresh_dir("sh_cpu");
  const auto r = run("taskset -c 0 " + cli() + " run " + q(in_ / "vol" / "p100.png") + " -o " +
                     q(out) + " --ocr none -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(run_json_number(out, "cores"), 1);
  EXPECT_NE(read_file(out / "run.json").find("\"cores_from\":\"affinity\""), std::string::npos)
      << read_file(out / "run.json");
  fs::remove_all(out);
}

}  // namespace
}  // namespace pageprep::e2e
