// Output names: a document's base comes from its argument alone, siblings that
// share a stem keep their extensions, long components fit NAME_MAX, and page
// stems count from 1.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "io/inputs.hpp"
#include "io/output_names.hpp"

namespace pageprep::host {
namespace {
namespace fs = std::filesystem;

class OutputNames : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pageprep_names_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path touch(const std::string& rel) {
    const fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x";
    return p;
  }
  std::vector<std::string> bases(const std::vector<std::string>& args,
                                 const std::string& stdin_text = "") {
    std::istringstream in(stdin_text);
    const InputList l = expand_inputs(args, in);
    SiblingIndex s;
    std::vector<std::string> out;
    for (const auto& f : l.files) out.push_back(document_base(f, s));
    return out;
  }
  fs::path dir_;
};

TEST_F(OutputNames, FolderArgumentNamesFilesBelowTheFolderOwnName) {
  touch("scans/vol1/0001.tif");
  touch("scans/vol1/sub/0002.png");
  EXPECT_EQ(bases({(dir_ / "scans/vol1").string()}),
            (std::vector<std::string>{"vol1/0001", "vol1/sub/0002"}));
  // A trailing slash or a "." spelling names the same folder the same way.
  EXPECT_EQ(bases({(dir_ / "scans/vol1/").string()}),
            (std::vector<std::string>{"vol1/0001", "vol1/sub/0002"}));
  EXPECT_EQ(bases({(dir_ / "scans/vol1/sub/..").string()}),
            (std::vector<std::string>{"vol1/0001", "vol1/sub/0002"}));
}

TEST_F(OutputNames, NamesDoNotDependOnTheOtherInputs) {
  touch("a/vol1/p1.png");
  touch("b/vol2/p1.png");
  const auto alone = bases({(dir_ / "a/vol1").string()});
  const auto both = bases({(dir_ / "b/vol2").string(), (dir_ / "a/vol1").string()});
  EXPECT_EQ(alone, std::vector<std::string>{"vol1/p1"});
  EXPECT_EQ(both, (std::vector<std::string>{"vol2/p1", "vol1/p1"}));
}

TEST_F(OutputNames, FileArgumentIsItsBasenameAndListEntriesKeepTheirPath) {
  const fs::path f = touch("deep/down/book.tif");
  EXPECT_EQ(bases({f.string()}), std::vector<std::string>{"book"});
  // List entries: the entry as written, without leading "/", "./", "../".
  EXPECT_EQ(bases({"-"}, f.string() + "\n"),
            std::vector<std::string>{(dir_ / "deep/down/book").relative_path().string()});
  std::ofstream(dir_ / "pages.lst") << "./deep/down/book.tif\n../x/missing.png\n";
  EXPECT_EQ(bases({(dir_ / "pages.lst").string()}),
            (std::vector<std::string>{"deep/down/book", "x/missing"}));
}

TEST_F(OutputNames, SiblingsSharingAStemKeepTheirExtensions) {
  touch("in/a.tif");
  touch("in/a.png");
  touch("in/b.tif");
  touch("in/book.pdf");
  fs::create_directories(dir_ / "in/book");
  touch("in/book/p0001.png");
  const auto b = bases({(dir_ / "in").string()});
  const std::set<std::string> got(b.begin(), b.end());
  EXPECT_EQ(got.size(), b.size()) << "two inputs share a base";
  EXPECT_TRUE(got.count("in/a.tif"));
  EXPECT_TRUE(got.count("in/a.png"));
  EXPECT_TRUE(got.count("in/b")) << "a lone stem keeps the short name";
  EXPECT_TRUE(got.count("in/book/p0001"));
  SiblingIndex s;
  EXPECT_EQ(document_base({(dir_ / "in/book.pdf").string(), "book.pdf"}, s), "book.pdf")
      << "book.pdf beside a folder book/ keeps its extension";
}

TEST_F(OutputNames, LongComponentsFitNameMaxAndStayDistinct) {
  // 250 bytes of 3-byte UTF-8 characters and ASCII: cut at a character boundary.
  std::string longname;
  while (longname.size() < 240) longname += "\xE6\x96\x87";  // 文
  const std::string a = longname + "-a.png", b = longname + "-b.png";
  SiblingIndex s;
  const std::string ba = document_base({(dir_ / a).string(), a}, s);
  const std::string bb = document_base({(dir_ / b).string(), b}, s);
  EXPECT_LE(ba.size(), kMaxNameComponent);
  EXPECT_NE(ba, bb);
  for (const auto& suffix : output_suffixes()) EXPECT_LE(ba.size() + suffix.size(), 255u);
  // The cut never splits a character: the name is valid UTF-8 before the hash.
  const std::string body = ba.substr(0, ba.find('~'));
  EXPECT_EQ(body.size() % 3, 0u);
  // Short names are untouched.
  EXPECT_EQ(document_base({(dir_ / "x.png").string(), "x.png"}, s), "x");
}

TEST(PageStems, OnePageIsTheBaseAndManyPagesCountFromOne) {
  EXPECT_EQ(page_stem("vol1/0001", 0, 1), "vol1/0001");
  EXPECT_EQ(page_stem("book", 0, 3), "book/p0001");
  EXPECT_EQ(page_stem("book", 2, 3), "book/p0003");
  EXPECT_EQ(page_stem("book", 12344, 20000), "book/p12345");
  EXPECT_EQ(file_stem("a.tif"), "a");
  EXPECT_EQ(file_stem("a.b.tif"), "a.b");
  EXPECT_EQ(file_stem(".hidden"), ".hidden");
  EXPECT_EQ(file_stem("noext"), "noext");
}

}  // namespace
}  // namespace pageprep::host
