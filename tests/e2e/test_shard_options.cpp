// Shards of one array share their output options (issue 20 item 11): a shard
// started with other options than the array's shards in OUTDIR is refused
// before it touches a page; the same shard with the array's options runs; a
// new array started with --force is allowed, and `report` then names the
// shards whose options differ and exits with failures.
#include "e2e/cli_harness.hpp"

namespace pageprep::e2e {
namespace {

class ShardOptions : public ::testing::Test {
 protected:
  void SetUp() override {
    in_ = fresh_dir("sho_in");
    out_ = fresh_dir("sho_out");
    for (int i = 0; i < 9; ++i) write_page(in_ / ("p" + std::to_string(10 + i) + ".png"), i);
  }
  void TearDown() override {
    fs::remove_all(in_);
    fs::remove_all(out_);
  }
  CommandResult shard(int k, const std::string& extra = "") {
    return run(cli() + " run " + q(in_) + " -o " + q(out_) + " --ocr none -q --jobs 1 --shard " +
               std::to_string(k) + "/3" + extra);
  }
  CommandResult report() { return run(cli() + " report " + q(out_)); }

  fs::path in_, out_;
};

TEST_F(ShardOptions, AShardWithOtherOptionsIsRefusedAndTheArraysOptionsRun) {
  ASSERT_EQ(shard(1).exit_code, 0);
  ASSERT_EQ(shard(2).exit_code, 0);
  const auto refused = shard(3, " --save-gray");
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("shard 3/3 has other output options than shard"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(fs::exists(out_ / ".pageprep" / "manifest.shard-3-of-3.json"));
  EXPECT_EQ(report().exit_code, 4) << "shard 3's pages are still to do";
  const auto ok = shard(3);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  const auto r = report();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_pages(out_).size(), 9u);
}

TEST_F(ShardOptions, ANewArrayUnderForceIsAllowedButReportNamesTheOddShard) {
  ASSERT_EQ(shard(1).exit_code, 0);
  ASSERT_EQ(shard(2).exit_code, 0);
  const auto forced = shard(3, " --save-gray --force");
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  const auto r = report();
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("shard 3/3 ran with other output options"), std::string::npos) << r.err;
  EXPECT_NE(read_file(out_ / "run.json").find(R"("shards_with_other_options":["shard 3/3"])"),
            std::string::npos)
      << read_file(out_ / "run.json");
}

}  // namespace
}  // namespace pageprep::e2e
