// OUTDIR state: one whole run at a time, shards side by side, the same shard
// never twice; claims bind output names to inputs; temporaries are cleaned
// only inside .pageprep.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pipeline/outdir.hpp"

namespace pageprep::host {
namespace {
namespace fs = std::filesystem;

class OutDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pageprep_outdir_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    out_ = (dir_ / "out").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path touch(const std::string& rel, const std::string& text = "x") {
    const fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
  fs::path dir_;
  std::string out_;
};

TEST_F(OutDirTest, OneWholeRunAtATime) {
  std::string err;
  OutputDir a;
  ASSERT_TRUE(a.open(out_, {}, &err)) << err;
  OutputDir b;
  EXPECT_FALSE(b.open(out_, {}, &err));
  EXPECT_NE(err.find("in use by another pageprep run"), std::string::npos) << err;
  EXPECT_NE(err.find("pid " + std::to_string(::getpid())), std::string::npos)
      << "the refusal names the holder: " << err;
  OutputDir shard;
  EXPECT_FALSE(shard.open(out_, {0, 2}, &err)) << "a shard cannot join a whole run";
}

TEST_F(OutDirTest, ShardsRunSideBySideButTheSameShardOnlyOnce) {
  std::string err;
  OutputDir s1, s2, again, whole, other_n;
  ASSERT_TRUE(s1.open(out_, {0, 2}, &err)) << err;
  ASSERT_TRUE(s2.open(out_, {1, 2}, &err)) << err;
  EXPECT_NE(s1.temp_dir(), s2.temp_dir());
  EXPECT_NE(s1.journal_name(), s2.journal_name());
  EXPECT_FALSE(again.open(out_, {1, 2}, &err));
  EXPECT_NE(err.find("shard 2/2 is already running"), std::string::npos) << err;
  EXPECT_FALSE(whole.open(out_, {}, &err)) << "no whole run while shards run";
  EXPECT_FALSE(other_n.open(out_, {0, 3}, &err));
  EXPECT_NE(err.find("another count"), std::string::npos) << err;
}

TEST_F(OutDirTest, LockIsReleasedWhenTheHolderGoes) {
  std::string err;
  {
    OutputDir a;
    ASSERT_TRUE(a.open(out_, {}, &err)) << err;
  }
  OutputDir b;
  EXPECT_TRUE(b.open(out_, {}, &err)) << err;
}

TEST_F(OutDirTest, OnlyItsOwnTemporariesAreCleaned) {
  const fs::path user_tmp = touch("out/sub/.notes.tmp", "mine");
  const fs::path user_tmp2 = touch("out/.page.tif.123.0.tmp", "mine too");
  const fs::path leftover = touch("out/.pageprep/tmp/run/999.0.tmp", "crashed run");
  std::string err;
  OutputDir a;
  ASSERT_TRUE(a.open(out_, {}, &err)) << err;
  EXPECT_TRUE(fs::exists(user_tmp));
  EXPECT_TRUE(fs::exists(user_tmp2));
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_TRUE(fs::is_directory(a.temp_dir()));
}

TEST_F(OutDirTest, ClaimsBindNamesToInputs) {
  const fs::path in1 = touch("a/vol1/p1.png", "one"), in2 = touch("b/vol1/p1.png", "two!");
  std::string err;
  {
    OutputDir o;
    ASSERT_TRUE(o.open(out_, {}, &err)) << err;
    const auto v = o.claim({{"vol1/p1", identify_input(in1.string()), 1},
                            {"vol1/p1", identify_input(in2.string()), 1}},
                           &err);
    ASSERT_EQ(v.size(), 2u) << err;
    EXPECT_EQ(v[0], "");
    EXPECT_NE(v[1].find("already belongs to " + identify_input(in1.string()).path),
              std::string::npos)
        << v[1];
  }
  OutputDir o;
  ASSERT_TRUE(o.open(out_, {}, &err)) << err;
  auto v = o.claim({{"vol1/p1", identify_input(in1.string()), 1}}, &err);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "") << "the same input keeps its claim in a later run";
  v = o.claim({{"vol1/p1", identify_input(in2.string()), 1}}, &err);
  EXPECT_NE(v[0], "") << "a later run's other input never takes it";
  // The same file seen through another path (another mount point): same size
  // and mtime.
  const fs::path moved = dir_ / "mnt" / "vol1" / "p1.png";
  fs::create_directories(moved.parent_path());
  fs::copy_file(in1, moved);
  struct stat st {};
  ASSERT_EQ(::stat(in1.c_str(), &st), 0);
  const timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, moved.c_str(), times, 0), 0);
  v = o.claim({{"vol1/p1", identify_input(moved.string()), 1}}, &err);
  EXPECT_EQ(v[0], "") << v[0];
}

TEST_F(OutDirTest, ANameHeldByAFilePageprepDidNotWriteIsNeverClaimed) {
  const fs::path foreign = touch("out/vol1/p1.txt", "the user's notes");
  const fs::path in1 = touch("a/vol1/p1.png");
  std::string err;
  OutputDir o;
  ASSERT_TRUE(o.open(out_, {}, &err)) << err;
  const auto v = o.claim(
      {{"vol1/p1", identify_input(in1.string()), 1}, {"vol1/p2", identify_input(in1.string()), 1}},
      &err);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_NE(v[0].find("vol1/p1.txt"), std::string::npos) << v[0];
  EXPECT_EQ(v[1], "");
}

TEST_F(OutDirTest, ATornClaimLineDoesNotSwallowTheNext) {
  const fs::path in1 = touch("a/p1.png"), in2 = touch("a/p2.png", "yy");
  touch("out/.pageprep/claims.jsonl", R"({"base":"p0","input":"/x","si)");
  std::string err;
  {
    OutputDir o;
    ASSERT_TRUE(o.open(out_, {}, &err)) << err;
    ASSERT_EQ(o.claim({{"p1", identify_input(in1.string()), 1}}, &err)[0], "");
  }
  OutputDir o;
  ASSERT_TRUE(o.open(out_, {}, &err)) << err;
  const auto v = o.claim({{"p1", identify_input(in2.string()), 1}}, &err);
  EXPECT_NE(v[0], "") << "p1's claim must have survived the torn line before it";
}

TEST(CheckInputs, OutputFolderMayNotBeAnInputFolderNorHoldInputs) {
  char tmpl[] = "/tmp/pageprep_check_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path d = tmpl;
  fs::create_directories(d / "scans" / "sub");
  std::ofstream(d / "scans" / "a.tif") << "x";
  const std::string scans = (d / "scans").string();
  EXPECT_NE(check_inputs_against_outdir({scans}, {scans + "/a.tif"}, scans), "");
  EXPECT_NE(check_inputs_against_outdir({scans + "/"}, {scans + "/a.tif"}, scans + "/."), "");
  EXPECT_NE(check_inputs_against_outdir({scans + "/a.tif"}, {scans + "/a.tif"}, scans), "")
      << "a file argument in the output folder";
  EXPECT_EQ(check_inputs_against_outdir({scans}, {scans + "/a.tif"}, scans + "/sub/out"), "")
      << "an output folder below an input folder is skipped when listing, not refused";
  EXPECT_EQ(check_inputs_against_outdir({scans}, {scans + "/a.tif"}, (d / "out").string()), "");
  fs::create_directory_symlink(d / "scans", d / "link");
  EXPECT_NE(
      check_inputs_against_outdir({(d / "link").string()}, {(d / "link/a.tif").string()}, scans),
      "")
      << "through a symlink too";
  fs::remove_all(d);
}

}  // namespace
}  // namespace pageprep::host
