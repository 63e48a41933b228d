// write_file_atomic: writes, replaces, leaves no temporaries, reports failures.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "io/atomic_file.hpp"
#include "support/unprivileged.hpp"

namespace pageprep {
namespace {

namespace fs = std::filesystem;
using host::PageError;

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pageprep_atomic_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    for (const auto& e : fs::recursive_directory_iterator(dir_, ec))
      fs::permissions(e.path(), fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  std::string dir_;
};

TEST_F(AtomicFileTest, WritesAndReplaces) {
  const std::string p = dir_ + "/out.png";
  const std::vector<uint8_t> first = {1, 2, 3, 4, 5};
  std::string msg = "stale";
  ASSERT_EQ(host::write_file_atomic(p, first, &msg), PageError::kNone) << msg;
  EXPECT_TRUE(msg.empty());
  EXPECT_EQ(read_all(p), first);
  std::vector<uint8_t> second(100000);
  for (size_t i = 0; i < second.size(); ++i) second[i] = static_cast<uint8_t>(i * 7);
  ASSERT_EQ(host::write_file_atomic(p, second, &msg), PageError::kNone) << msg;
  EXPECT_EQ(read_all(p), second);
  // A shorter file replaces a longer one completely.
  ASSERT_EQ(host::write_file_atomic(p, first, nullptr), PageError::kNone);
  EXPECT_EQ(read_all(p), first);
  EXPECT_EQ(names_in(dir_), std::vector<std::string>{"out.png"});
}

TEST_F(AtomicFileTest, EmptyBytesMakeAnEmptyFile) {
  const std::string p = dir_ + "/empty.txt";
  ASSERT_EQ(host::write_file_atomic(p, {}, nullptr), PageError::kNone);
  EXPECT_TRUE(fs::exists(p));
  EXPECT_EQ(fs::file_size(p), 0u);
}

TEST_F(AtomicFileTest, RelativePathInTheCurrentFolder) {
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  const PageError e = host::write_file_atomic("relative.bin", {9, 9}, nullptr);
  fs::current_path(old);
  ASSERT_EQ(e, PageError::kNone);
  EXPECT_EQ(read_all(dir_ + "/relative.bin"), (std::vector<uint8_t>{9, 9}));
  EXPECT_EQ(names_in(dir_), std::vector<std::string>{"relative.bin"});
}

TEST_F(AtomicFileTest, MissingFolderFails) {
  std::string msg;
  EXPECT_EQ(host::write_file_atomic(dir_ + "/no/such/dir/out.png", {1}, &msg),
            PageError::kWriteFailed);
  EXPECT_NE(msg.find("out.png"), std::string::npos) << msg;
  EXPECT_NE(msg.find("No such file or directory"), std::string::npos) << msg;
  EXPECT_EQ(names_in(dir_), std::vector<std::string>{});
}

TEST_F(AtomicFileTest, PathUnderARegularFileFails) {
  const std::string file = dir_ + "/plain";
  std::ofstream(file) << "x";
  std::string msg;
  EXPECT_EQ(host::write_file_atomic(file + "/out.png", {1}, &msg), PageError::kWriteFailed);
  EXPECT_NE(msg.find("Not a directory"), std::string::npos) << msg;
  EXPECT_EQ(names_in(dir_), std::vector<std::string>{"plain"});
}

TEST_F(AtomicFileTest, TargetThatIsAFolderFailsAndCleansUp) {
  fs::create_directory(dir_ + "/taken");
  std::ofstream(dir_ + "/taken/keep") << "x";
  std::string msg;
  EXPECT_EQ(host::write_file_atomic(dir_ + "/taken", {1, 2}, &msg), PageError::kWriteFailed);
  EXPECT_NE(msg.find("rename"), std::string::npos) << msg;
  EXPECT_EQ(names_in(dir_), std::vector<std::string>{"taken"});
  EXPECT_EQ(host::write_file_atomic(dir_ + "/", {1}, &msg), PageError::kWriteFailed);
  EXPECT_EQ(host::write_file_atomic("", {1}, &msg), PageError::kWriteFailed);
}

TEST_F(AtomicFileTest, ReadOnlyFolderFails) {
  // Root writes into a chmod 555 folder, so the write runs as `nobody`.
  const std::string ro = dir_ + "/ro";
  fs::create_directory(ro);
  test::allow_others(dir_);
  ASSERT_EQ(::chmod(ro.c_str(), 0555), 0);
  const auto result = test::run_unprivileged([&] {
    std::string msg;
    const PageError e = host::write_file_atomic(ro + "/out.png", {1}, &msg);
    return std::string(host::error_code_name(e)) + "|" + msg;
  });
  if (!result) GTEST_SKIP() << "cannot drop to an unprivileged user here";
  EXPECT_EQ(result->substr(0, result->find('|')), "write_failed") << *result;
  EXPECT_NE(result->find("Permission denied"), std::string::npos) << *result;
  EXPECT_TRUE(fs::is_empty(ro));  // no temporary left behind
}

TEST_F(AtomicFileTest, ConcurrentWritersLeaveOneCompleteFileAndNoTemporaries) {
  const std::string p = dir_ + "/shared.bin";
  constexpr int kThreads = 4;
  constexpr int kRounds = 25;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      const std::vector<uint8_t> bytes(4096 * (t + 1), static_cast<uint8_t>(t + 1));
      for (int i = 0; i < kRounds; ++i)
        if (host::write_file_atomic(p, bytes, nullptr) != PageError::kNone) ++failures;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  const std::vector<uint8_t> got = read_all(p);
  ASSERT_FALSE(got.empty());
  const uint8_t v = got[0];
  EXPECT_EQ(got.size(), 4096u * v);  // the whole of one writer's bytes
  EXPECT_TRUE(std::all_of(got.begin(), got.end(), [&](uint8_t b) { return b == v; }));
  EXPECT_EQ(names_in(dir_), std::vector<std::string>{"shared.bin"});
}

TEST_F(AtomicFileTest, TemporaryInOwnFolderLeavesNothingBehindAndFitsLongNames) {
  const std::string tmp = dir_ + "/.state";
  fs::create_directories(tmp);
  // A 255-byte name (NAME_MAX): a temporary named after the target would not fit.
  const std::string name(255, 'n');
  const std::string p = dir_ + "/" + name;
  std::string msg;
  ASSERT_EQ(host::write_file_atomic(p, {1, 2, 3}, &msg, tmp), PageError::kNone) << msg;
  EXPECT_EQ(read_all(p), (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_TRUE(names_in(tmp).empty());
  EXPECT_EQ(names_in(dir_), (std::vector<std::string>{".state", name}));
}

TEST_F(AtomicFileTest, TemporaryFolderOnAnotherFileSystemFallsBackBesideTheTarget) {
  struct stat a {
  }, b{};
  if (::stat("/dev/shm", &b) != 0 || ::stat(dir_.c_str(), &a) != 0 || a.st_dev == b.st_dev)
    GTEST_SKIP() << "needs /dev/shm on another file system than " << dir_;
  const std::string tmp = "/dev/shm/pageprep_atomic_" + std::to_string(::getpid());
  fs::create_directories(tmp);
  const std::string p = dir_ + "/page.tif";
  std::string msg;
  ASSERT_EQ(host::write_file_atomic(p, {7, 8}, &msg, tmp), PageError::kNone) << msg;
  EXPECT_EQ(read_all(p), (std::vector<uint8_t>{7, 8}));
  EXPECT_TRUE(names_in(tmp).empty());
  EXPECT_EQ(names_in(dir_), std::vector<std::string>{"page.tif"});
  fs::remove_all(tmp);
}

}  // namespace
}  // namespace pageprep
