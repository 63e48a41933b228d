// expand_inputs: folders, extension filter, hidden files, list files, stdin,
// missing paths kept.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/inputs.hpp"

namespace pageprep {
namespace {

namespace fs = std::filesystem;
using host::expand_inputs;
using host::InputList;

std::vector<std::string> paths_of(const InputList& l) {
  std::vector<std::string> v;
  for (const auto& f : l.files) v.push_back(f.path);
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
}

TEST_F(InputsTest, EmptyFolderWarns) {
  fs::create_directories(p("empty"));
  touch("empty/notes.md");
  const InputList l = expand_inputs({p("empty")}, no_stdin_);
  EXPECT_TRUE(l.files.empty());
  ASSERT_EQ(l.warnings.size(), 1u);
  EXPECT_NE(l.warnings[0].find("no image files"), std::string::npos);
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
