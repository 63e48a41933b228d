// Shards: --shard parsing from the text and the array's environment, a stable
// partition balanced by pages, and CPU limits from cgroup quotas.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "pipeline/shard.hpp"

namespace pageprep::host {
namespace {

ShardSpec parse_ok(const std::string& text, const std::map<std::string, std::string>& env = {}) {
  ShardSpec s;
  std::string err;
  EXPECT_TRUE(parse_shard(text, env, &s, &err)) << text << ": " << err;
  return s;
}

std::string parse_error(const std::string& text,
                        const std::map<std::string, std::string>& env = {}) {
  ShardSpec s;
  std::string err;
  EXPECT_FALSE(parse_shard(text, env, &s, &err)) << text;
  return err;
}

TEST(ShardParse, ExplicitKOfNIsOneBased) {
  const ShardSpec s = parse_ok("3/4");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.role(), "shard-3-of-4");
  EXPECT_EQ(parse_ok("1/1").role(), "run");
  for (const char* bad : {"0/4", "5/4", "4", "a/b", "1/0", "/4", "1/", "-1/4", "1/4x"})
    EXPECT_NE(parse_error(bad), "") << bad;
}

TEST(ShardParse, SlurmArraysGiveIndexAndCountAndMayStartAtOne) {
  ShardSpec s = parse_ok("auto", {{"SLURM_ARRAY_TASK_ID", "2"}, {"SLURM_ARRAY_TASK_COUNT", "4"}});
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  // --array=1-4: ids 1..4, min 1.
  s = parse_ok("auto", {{"SLURM_ARRAY_TASK_ID", "4"},
                        {"SLURM_ARRAY_TASK_MIN", "1"},
                        {"SLURM_ARRAY_TASK_COUNT", "4"}});
  EXPECT_EQ(s.index, 3);
  // --array=0-6:2: ids 0, 2, 4, 6.
  s = parse_ok("auto", {{"SLURM_ARRAY_TASK_ID", "6"},
                        {"SLURM_ARRAY_TASK_MIN", "0"},
                        {"SLURM_ARRAY_TASK_STEP", "2"},
                        {"SLURM_ARRAY_TASK_COUNT", "4"}});
  EXPECT_EQ(s.index, 3);
  EXPECT_NE(parse_error("auto", {{"SLURM_ARRAY_TASK_ID", "4"}, {"SLURM_ARRAY_TASK_COUNT", "4"}})
                .find("outside"),
            std::string::npos);
}

TEST(ShardParse, KubernetesAndAwsNeedTheCountGiven) {
  EXPECT_NE(parse_error("auto", {{"JOB_COMPLETION_INDEX", "1"}}).find("auto/N"), std::string::npos);
  ShardSpec s = parse_ok("auto/8", {{"JOB_COMPLETION_INDEX", "7"}});
  EXPECT_EQ(s.index, 7);
  EXPECT_EQ(s.count, 8);
  s = parse_ok("auto/3", {{"AWS_BATCH_JOB_ARRAY_INDEX", "0"}});
  EXPECT_EQ(s.index, 0);
  EXPECT_EQ(s.count, 3);
  EXPECT_NE(parse_error("auto"), "") << "no array in the environment";
}

TEST(ShardPartition, EveryPageInExactlyOneShardAndBalancedByPages) {
  constexpr int kShards = 4, kPages = 2000;
  std::map<int, int> per_shard;
  for (int p = 0; p < kPages; ++p) {
    int owners = 0;
    for (int k = 0; k < kShards; ++k) {
      if (page_in_shard("archive/book", p, {k, kShards})) {
        ++owners;
        ++per_shard[k];
      }
    }
    ASSERT_EQ(owners, 1) << "page " << p;
  }
  // One 2000-page document spreads over every shard, within 15% of even.
  for (int k = 0; k < kShards; ++k) {
    EXPECT_GT(per_shard[k], kPages / kShards * 85 / 100) << k;
    EXPECT_LT(per_shard[k], kPages / kShards * 115 / 100) << k;
  }
  // The partition is a function of the page's name alone.
  EXPECT_EQ(page_in_shard("vol1/0001", 0, {1, 3}), page_in_shard("vol1/0001", 0, {1, 3}));
  EXPECT_TRUE(page_in_shard("anything", 5, {0, 1}));
}

TEST(CpuLimits, CgroupQuotaRoundsUpAndMaxMeansNone) {
  EXPECT_EQ(cores_from_cpu_max("max 100000"), 0);
  EXPECT_EQ(cores_from_cpu_max("100000 100000"), 1);
  EXPECT_EQ(cores_from_cpu_max("150000 100000"), 2);
  EXPECT_EQ(cores_from_cpu_max("50000 100000"), 1);
  EXPECT_EQ(cores_from_cpu_max("400000 100000\n"), 4);
  EXPECT_EQ(cores_from_cpu_max(""), 0);
  EXPECT_EQ(cores_from_cpu_max("garbage"), 0);
  std::string source;
  EXPECT_GE(available_cores(&source), 1);
  EXPECT_FALSE(source.empty());
}

}  // namespace
}  // namespace pageprep::host
