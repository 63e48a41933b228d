// expand_inputs: folders, extension filter, hidden files, list files, stdin,
// missing paths kept.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "io/file_read.hpp"
#include "io/inputs.hpp"
#include "support/unprivileged.hpp"

namespace pageprep {
namespace {

namespace fs = std::filesystem;
using host::expand_inputs;
using host::InputList;
using host::PageError;

std::vector<std::string> paths_of(const InputList& l) {
  std::vector<std::string> v;
  for (const auto& f : l.files) v.push_back(f.path);
  return v;
}

std::vector<std::string> skipped_as(const InputList& l, host::SkipReason r) {
  std::vector<std::string> v;
  for (const auto& s : l.skipped)
    if (s.reason == r) v.push_back(s.path);
  return v;
}

class InputsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pageprep_inputs_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string touch(const std::string& rel) {
    const fs::path p = fs::path(dir_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
    return p.string();
  }
  std::string p(const std::string& rel) const { return (fs::path(dir_) / rel).string(); }

  std::string dir_;
  std::istringstream no_stdin_;
};

TEST_F(InputsTest, FolderIsRecursiveSortedFilteredAndSkipsHidden) {
  touch("scans/b/2.png");
  touch("scans/a/1.PNG");
  touch("scans/a/sub/3.tif");
  touch("scans/a-c.JPEG");
  touch("scans/a/.hidden.png");
  touch("scans/.cache/x.png");
  touch("scans/z.webp");
  touch("scans/readme.txt");
  touch("scans/scan.bmp");
  touch("scans/noext");
  touch("scans/p.pbm");
  touch("scans/q.PGM");
  touch("scans/r.ppm");
  touch("scans/s.pnm");
  touch("scans/t.TIFF");
  touch("scans/u.jpg");
  const InputList l = expand_inputs({p("scans")}, no_stdin_);
  const std::vector<std::string> expected = {
      p("scans/a/1.PNG"), p("scans/a/sub/3.tif"), p("scans/a-c.JPEG"), p("scans/b/2.png"),
      p("scans/p.pbm"),   p("scans/q.PGM"),       p("scans/r.ppm"),    p("scans/s.pnm"),
      p("scans/t.TIFF"),  p("scans/u.jpg"),       p("scans/z.webp")};
  EXPECT_EQ(paths_of(l), expected);
  EXPECT_TRUE(l.warnings.empty());
  // Nothing left out silently: each skipped entry is counted and named.
  EXPECT_EQ(skipped_as(l, host::SkipReason::kHidden),
            (std::vector<std::string>{p("scans/.cache"), p("scans/a/.hidden.png")}));
  EXPECT_EQ(
      skipped_as(l, host::SkipReason::kNotAPage),
      (std::vector<std::string>{p("scans/noext"), p("scans/readme.txt"), p("scans/scan.bmp")}));
  const auto counts = l.skipped_counts();
  EXPECT_EQ(counts.at("hidden"), 2);
  EXPECT_EQ(counts.at("not_a_page"), 3);
  EXPECT_EQ(counts.at("special"), 0);
  const auto summary = l.skip_summary();
  ASSERT_EQ(summary.size(), 2u);
  EXPECT_EQ(summary[1], "skipped 3 files that are not pages: " + p("scans/noext") + ", " +
                            p("scans/readme.txt") + ", " + p("scans/scan.bmp"));
}

TEST_F(InputsTest, EmptyFolderIsAnErrorNotASilentSuccess) {
  fs::create_directories(p("empty"));
  touch("empty/notes.md");
  const InputList l = expand_inputs({p("empty")}, no_stdin_);
  ASSERT_EQ(l.files.size(), 1u);
  EXPECT_EQ(l.files[0].path, p("empty"));
  EXPECT_EQ(l.files[0].error, PageError::kNoPages);
  EXPECT_NE(l.files[0].message.find("no page files"), std::string::npos) << l.files[0].message;
  EXPECT_EQ(l.skipped_counts().at("not_a_page"), 1);
}

TEST_F(InputsTest, FilesAreKeptInArgumentOrderWhateverTheirExtension) {
  const std::string b = touch("b.png");
  const std::string a = touch("a.bmp");  // not filtered when named explicitly
  const InputList l = expand_inputs({b, a}, no_stdin_);
  EXPECT_EQ(paths_of(l), (std::vector<std::string>{b, a}));
}

TEST_F(InputsTest, MissingPathIsKept) {
  const std::string real = touch("real.png");
  const InputList l = expand_inputs({p("missing.tif"), real}, no_stdin_);
  EXPECT_EQ(paths_of(l), (std::vector<std::string>{p("missing.tif"), real}));
}

TEST_F(InputsTest, ListFileWithRelativePathsCommentsAndBlankLines) {
  touch("lists/pages/1.png");
  touch("lists/pages/2.png");
  touch("lists/folder/x.tif");
  touch("lists/folder/y.jpg");
  const std::string abs = touch("elsewhere/abs.png");
  std::ofstream(p("lists/batch.txt")) << "# scanned pages\n"
                                      << "pages/2.png\n"
                                      << "\n"
                                      << "   pages/1.png  \r\n"
                                      << "folder\n"
                                      << abs << "\n"
                                      << "# the end\n"
                                      << "gone.png\n";
  const InputList l = expand_inputs({p("lists/batch.txt")}, no_stdin_);
  EXPECT_EQ(paths_of(l), (std::vector<std::string>{p("lists/pages/2.png"), p("lists/pages/1.png"),
                                                   p("lists/folder/x.tif"), p("lists/folder/y.jpg"),
                                                   abs, p("lists/gone.png")}));
}

TEST_F(InputsTest, AtFileFormAndLstExtension) {
  touch("l/a.png");
  std::ofstream(p("l/names")) << "a.png\n";
  std::ofstream(p("l/names.LST")) << "a.png\nb.png\n";
  EXPECT_EQ(paths_of(expand_inputs({"@" + p("l/names")}, no_stdin_)),
            std::vector<std::string>{p("l/a.png")});
  EXPECT_EQ(paths_of(expand_inputs({p("l/names.LST")}, no_stdin_)),
            (std::vector<std::string>{p("l/a.png"), p("l/b.png")}));
}

TEST_F(InputsTest, MissingListFileIsKeptWithAWarning) {
  const InputList l = expand_inputs({"@" + p("nolist"), p("none.txt")}, no_stdin_);
  EXPECT_EQ(paths_of(l), (std::vector<std::string>{p("nolist"), p("none.txt")}));
  EXPECT_EQ(l.warnings.size(), 2u);
  EXPECT_EQ(l.files[0].error, PageError::kNotFound);
}

TEST_F(InputsTest, StdinListIsRelativeToTheCurrentFolder) {
  const std::string abs = touch("in/a.png");
  std::istringstream in("# from a scanner\n" + abs + "\n\nrel/b.tif\n");
  const InputList l = expand_inputs({"-", touch("c.png")}, in);
  EXPECT_EQ(paths_of(l), (std::vector<std::string>{abs, "rel/b.tif", p("c.png")}));
  // A second '-' reads nothing more and warns.
  std::istringstream again("x.png\n");
  const InputList twice = expand_inputs({"-", "-"}, again);
  EXPECT_EQ(paths_of(twice), std::vector<std::string>{"x.png"});
  EXPECT_EQ(twice.warnings.size(), 1u);
}

TEST_F(InputsTest, EmptyStdinAndEmptyListsAreErrors) {
  std::istringstream empty("");
  const InputList l = expand_inputs({"-"}, empty);
  ASSERT_EQ(l.files.size(), 1u);
  EXPECT_EQ(l.files[0].path, "-");
  EXPECT_EQ(l.files[0].error, PageError::kNoPages);
  std::istringstream comments("# nothing here\n\n");
  EXPECT_EQ(expand_inputs({"-"}, comments).files.at(0).error, PageError::kNoPages);
  std::ofstream(p("empty.lst")).flush();
  EXPECT_EQ(expand_inputs({p("empty.lst")}, no_stdin_).files.at(0).error, PageError::kNoPages);
}

TEST_F(InputsTest, BinaryDataIsRefusedAsAListInOneError) {
  // 1,500 "lines" of binary junk were 1,500 not_found errors.
  std::string junk;
  std::mt19937 rng(5);
  for (int i = 0; i < 60000; ++i) junk.push_back(static_cast<char>(rng()));
  std::istringstream in(junk);
  const InputList l = expand_inputs({"-"}, in);
  ASSERT_EQ(l.files.size(), 1u);
  EXPECT_EQ(l.files[0].error, PageError::kUnsupportedFormat);
  EXPECT_NE(l.files[0].message.find("not a list of paths"), std::string::npos);
  // A PNG piped by mistake, or saved as a .txt.
  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "\0\0\0\rIHDR";
  std::ofstream(p("page.txt"), std::ios::binary) << png;
  const InputList f = expand_inputs({p("page.txt")}, no_stdin_);
  ASSERT_EQ(f.files.size(), 1u);
  EXPECT_EQ(f.files[0].error, PageError::kUnsupportedFormat);
  EXPECT_NE(f.files[0].message.find("png image"), std::string::npos) << f.files[0].message;
  // Names that are not UTF-8 (Latin-1) are still a list.
  EXPECT_EQ(host::why_not_a_list("caf\xe9.png\nna\xefve.tif\n"), "");
  EXPECT_EQ(host::why_not_a_list("a.png\r\nb.png\n"), "");
}

TEST_F(InputsTest, TheSameFileGivenTwiceIsKeptOnce) {
  const std::string a = touch("d/a.png");
  touch("d/b.png");
  ASSERT_EQ(::link(a.c_str(), p("hard.png").c_str()), 0);
  ASSERT_EQ(::symlink(a.c_str(), p("soft.png").c_str()), 0);
  const std::string dotted = dir_ + "/d/../d/./a.png";
  const InputList l = expand_inputs({a, p("d"), dotted, p("hard.png"), p("soft.png")}, no_stdin_);
  EXPECT_EQ(paths_of(l), (std::vector<std::string>{a, p("d/b.png")}));
  EXPECT_EQ(skipped_as(l, host::SkipReason::kDuplicate).size(), 4u);
  ASSERT_EQ(l.warnings.size(), 4u);
  EXPECT_NE(l.warnings[0].find("processed once"), std::string::npos) << l.warnings[0];
}

TEST_F(InputsTest, SpecialEntriesInAFolderAreSkippedAndCountedNeverOpened) {
  touch("f/page.png");
  ASSERT_EQ(::mkfifo(p("f/pipe.png").c_str(), 0600), 0);  // opening it would hang
  ASSERT_EQ(::symlink(p("f/gone.png").c_str(), p("f/dangling.png").c_str()), 0);
  ASSERT_EQ(::symlink(p("f/loop2.png").c_str(), p("f/loop1.png").c_str()), 0);
  ASSERT_EQ(::symlink(p("f/loop1.png").c_str(), p("f/loop2.png").c_str()), 0);
  fs::create_directories(p("other"));
  touch("other/x.png");
  ASSERT_EQ(::symlink(p("other").c_str(), p("f/linked").c_str()), 0);
  ASSERT_EQ(::symlink(p("f/page.png").c_str(), p("f/alias.tif").c_str()), 0);
  const InputList l = expand_inputs({p("f")}, no_stdin_);
  // alias.tif is the same file as page.png: kept once, at its first place.
  EXPECT_EQ(paths_of(l), std::vector<std::string>{p("f/alias.tif")});
  EXPECT_EQ(skipped_as(l, host::SkipReason::kSpecial), std::vector<std::string>{p("f/pipe.png")});
  EXPECT_EQ(skipped_as(l, host::SkipReason::kDanglingLink),
            std::vector<std::string>{p("f/dangling.png")});
  EXPECT_EQ(skipped_as(l, host::SkipReason::kSymlinkLoop),
            (std::vector<std::string>{p("f/loop1.png"), p("f/loop2.png")}));
  EXPECT_EQ(skipped_as(l, host::SkipReason::kLinkToFolder),
            std::vector<std::string>{p("f/linked")});
  // A FIFO named explicitly is an input (decoding reads it without blocking).
  EXPECT_EQ(paths_of(expand_inputs({p("f/pipe.png")}, no_stdin_)),
            std::vector<std::string>{p("f/pipe.png")});
}

TEST_F(InputsTest, UnreadableSubfolderIsAnError) {
  touch("top/a.png");
  touch("top/locked/b.png");
  test::allow_others(dir_);
  ::chmod(p("top").c_str(), 0755);
  ASSERT_EQ(::chmod(p("top/locked").c_str(), 0), 0);
  const auto result = test::run_unprivileged([&] {
    std::istringstream none;
    const InputList l = expand_inputs({p("top")}, none);
    std::string out;
    for (const auto& f : l.files)
      out += f.path + "|" + host::error_code_name(f.error) + "|" + f.message + "\n";
    return out;
  });
  ::chmod(p("top/locked").c_str(), 0755);
  if (!result) GTEST_SKIP() << "cannot drop to an unprivileged user here";
  EXPECT_NE(result->find(p("top/a.png") + "|none|"), std::string::npos) << *result;
  EXPECT_NE(result->find(p("top/locked") + "|unreadable|"), std::string::npos) << *result;
  EXPECT_NE(result->find("cannot list folder: Permission denied"), std::string::npos) << *result;
}

TEST_F(InputsTest, AStopRequestEndsAWaitOnStdin) {
  // A pipe whose writer never writes nor closes: read_fd must give up on a stop.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  host::reset_io_stop();
  std::thread stopper([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    host::request_io_stop();
  });
  const host::ReadResult r = host::read_fd(fds[0], "stdin", 1 << 20);
  stopper.join();
  host::reset_io_stop();
  ::close(fds[0]);
  ::close(fds[1]);
  // Interrupted, not unreadable: the input is not at fault and a rerun reads
  // it again (as for a FIFO, issue 20).
  EXPECT_EQ(r.error, PageError::kInterrupted);
}

TEST_F(InputsTest, NamesFollowTheArgumentAndOutputFoldersAreSkippedAndCounted) {
  touch("scans/a/1.png");
  touch("scans/out/x.png");                    // the run's OUTDIR
  touch("scans/old/.pageprep/journal.jsonl");  // another run's output folder
  touch("scans/old/y.png");
  const InputList l = expand_inputs({p("scans")}, no_stdin_, {p("scans/out")});
  EXPECT_EQ(paths_of(l), std::vector<std::string>{p("scans/a/1.png")});
  ASSERT_EQ(l.files.size(), 1u);
  EXPECT_EQ(l.files[0].name, "scans/a/1.png");
  EXPECT_EQ(skipped_as(l, host::SkipReason::kOutputFolder),
            (std::vector<std::string>{p("scans/old"), p("scans/out")}));
  EXPECT_EQ(l.skipped_counts().at("output_folder"), 2);
  // Error entries carry a name too (the pipeline names every document).
  const InputList e = expand_inputs({p("nothing.lst")}, no_stdin_);
  ASSERT_EQ(e.files.size(), 1u);
  EXPECT_FALSE(e.files[0].name.empty());
}

TEST_F(InputsTest, PageExtensionsAreOneList) {
  for (const std::string& e : host::kPageExtensions) {
    EXPECT_EQ(e[0], '.');
    EXPECT_TRUE(host::has_image_extension("x" + e));
  }
}

TEST_F(InputsTest, FolderEndingInTxtIsAFolder) {
  touch("odd.txt/page.png");
  EXPECT_EQ(paths_of(expand_inputs({p("odd.txt")}, no_stdin_)),
            std::vector<std::string>{p("odd.txt/page.png")});
}

TEST_F(InputsTest, ImageExtensionCheck) {
  for (const char* yes : {"a.png", "A.PNG", "x/y.Jpeg", "s.tif", "s.TIFF", "q.webp", "p.pbm",
                          "p.pgm", "p.ppm", "p.pnm", "p.jpg"})
    EXPECT_TRUE(host::has_image_extension(yes)) << yes;
  for (const char* no : {"a.bmp", "a.gif", "png", "dir.png/file", "a.png.txt", "a.", ""})
    EXPECT_FALSE(host::has_image_extension(no)) << no;
}

}  // namespace
}  // namespace pageprep
