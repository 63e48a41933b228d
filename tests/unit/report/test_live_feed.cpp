// live_feed: lines appear one record per line, survive reopening (appended
// across runs), and a full disk is an error, not a silently shorter feed
// (issue 23 item 7). Expected contents are written out here by hand.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "report/live_feed.hpp"

namespace pageprep::host {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

fs::path temp_dir(const char* name) {
  const fs::path d = fs::temp_directory_path() /
                     ("pageprep_feed_" + std::string(name) + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

TEST(LiveFeed, FileNameSaysWhoWritesIt) {
  EXPECT_EQ(LiveFeed::file_name("run"), "pages.live.jsonl");
  EXPECT_EQ(LiveFeed::file_name("shard-2-of-5"), "pages.live.shard-2-of-5.jsonl");
}

TEST(LiveFeed, OneLinePerRecordAppendedAcrossRuns) {
  const fs::path dir = temp_dir("append");
  const fs::path path = dir / LiveFeed::file_name("run");
  const std::string a = R"({"page":1})", b = R"({"page":2})", c = R"({"page":3})";
  std::string error;
  {
    LiveFeed feed;
    ASSERT_TRUE(feed.open(path.string(), &error)) << error;
    ASSERT_TRUE(feed.append({&a, &b}, &error)) << error;
    // Durable at return: another reader sees both lines before the feed closes.
    EXPECT_EQ(slurp(path), a + "\n" + b + "\n");
  }
  LiveFeed again;  // a later run appends, never truncates
  ASSERT_TRUE(again.open(path.string(), &error)) << error;
  ASSERT_TRUE(again.append({&c}, &error)) << error;
  EXPECT_TRUE(again.append({}, &error)) << error;  // nothing to add is not an error
  EXPECT_EQ(slurp(path), a + "\n" + b + "\n" + c + "\n");
  fs::remove_all(dir);
}

TEST(LiveFeed, AFullDiskIsAnError) {
  if (!fs::exists("/dev/full")) GTEST_FAIL() << "/dev/full is missing on this machine";
  LiveFeed feed;
  std::string error;
  ASSERT_TRUE(feed.open("/dev/full", &error)) << error;
  const std::string line(100, 'x');
  EXPECT_FALSE(feed.append({&line}, &error));
  EXPECT_NE(error.find("live feed write failed"), std::string::npos) << error;
}

TEST(LiveFeed, AnUnopenableFeedSaysWhichFileAndAppendRefuses) {
  const fs::path dir = temp_dir("missing");
  LiveFeed feed;
  std::string error;
  const std::string path = (dir / "no" / "such" / "dir" / "feed.jsonl").string();
  EXPECT_FALSE(feed.open(path, &error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
  const std::string line = "{}";
  EXPECT_FALSE(feed.append({&line}, &error));  // never a silent no-op success
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pageprep::host
