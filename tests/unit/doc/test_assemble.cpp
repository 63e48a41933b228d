// assemble_document: from a hand-written master and hand-built page artifacts
// (words at boxes chosen here), the searchable PDF has one page per page in
// order, each word where its box says, the sidecar separates pages with form
// feeds, a second call is a no-op, a rebuild gives the same bytes, and a stale
// artifact leaves its page out with a message (issue 23 item 7). The PDF is
// read back with qpdf and poppler's pdftotext, not with pageprep's code.
#include <gtest/gtest.h>
#include <unistd.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <string>
#include <vector>

#include "doc/assemble.hpp"
#include "doc/page_artifact.hpp"
#include "doc/page_geometry.hpp"

namespace pageprep::host {
namespace {

namespace fs = std::filesystem;

constexpr int kW = 1200, kH = 900;  // 4 x 3 inches at 300 dpi

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string shell_out(const std::string& cmd) {
  std::string out;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    ::pclose(f);
  }
  return out;
}

struct Word {
  const char* text;
  int x0, y0, x1, y1;  // master pixels
};

PageArtifact artifact(const std::string& master, int page, const std::string& key,
                      const std::vector<Word>& words) {
  PageArtifact a;
  a.key = key;
  a.input = master;
  a.page = page;
  a.master_w = kW;
  a.master_h = kH;
  a.dpi_x = a.dpi_y = 300;
  a.format = "tiff";
  a.geometry = make_page_geometry(kW, kH, 0, 0.0, kW, kH);
  a.ocr = true;
  OcrLine line;
  line.x0 = words.front().x0;
  line.y0 = words.front().y0;
  line.x1 = words.back().x1;
  line.y1 = words.back().y1;
  line.base_x0 = line.x0;
  line.base_x1 = line.x1;
  line.base_y0 = line.base_y1 = line.y1;
  for (const Word& w : words) {
    OcrWord o;
    o.x0 = w.x0;
    o.y0 = w.y0;
    o.x1 = w.x1;
    o.y1 = w.y1;
    o.confidence = 90;
    o.text = w.text;
    line.words.push_back(o);
    a.text += std::string(a.text.empty() ? "" : " ") + w.text;
  }
  a.text += "\n";
  a.lines.push_back(line);
  return a;
}

class Assemble : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pageprep_assemble_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "out" / ".pageprep" / "pages");
    master_ = (dir_ / "book.tif").string();
    std::vector<cv::Mat> pages;
    for (int i = 0; i < 2; ++i) {
      cv::Mat m(kH, kW, CV_8UC1, cv::Scalar(255));
      m(cv::Rect(100 + 50 * i, 100, 300, 60)).setTo(0);
      pages.push_back(m);
    }
    ASSERT_TRUE(cv::imwritemulti(master_, pages));
    write(artifact(master_, 0, "k1", {{"alpha", 150, 300, 400, 360}, {"beta", 425, 300, 600, 360}}),
          "book-p1");
    write(artifact(master_, 1, "k2", {{"omega", 300, 600, 600, 660}}), "book-p2");
    spec_.input = master_;
    spec_.base = "book";
    spec_.page_stems = {"book-p1", "book-p2"};
    spec_.page_keys = {"k1", "k2"};
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const PageArtifact& a, const std::string& stem) {
    std::ofstream(out() / page_artifact_path(stem), std::ios::binary) << serialize_page_artifact(a);
  }
  fs::path out() const { return dir_ / "out"; }

  fs::path dir_;
  std::string master_;
  DocumentSpec spec_;
};

TEST_F(Assemble, PagesInOrderWithEachWordWhereItsBoxSays) {
  const AssembleResult r = assemble_document(out().string(), spec_, DocumentOptions{});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_FALSE(r.skipped);
  EXPECT_EQ(r.pages_without_text, 0);
  const fs::path pdf = out() / "book.pdf";
  ASSERT_TRUE(fs::exists(pdf));
  QPDF q;
  q.processFile(pdf.c_str());
  ASSERT_EQ(QPDFPageDocumentHelper(q).getAllPages().size(), 2u);
  const std::string p = pdf.string();
  EXPECT_NE(shell_out("pdftotext -f 1 -l 1 '" + p + "' -").find("alpha beta"), std::string::npos);
  EXPECT_NE(shell_out("pdftotext -f 2 -l 2 '" + p + "' -").find("omega"), std::string::npos);
  EXPECT_EQ(shell_out("pdftotext -f 1 -l 1 '" + p + "' -").find("omega"), std::string::npos);
  // Word boxes in points (pixels * 72 / 300; the page is 288 x 216 pt). A word
  // starts where its box does and, with its space, reaches the next word; the
  // line's last word ends where its box does. Vertically the glyphs span the
  // line box from its top, and poppler adds the font's descent below the baseline.
  const std::string bbox = shell_out("pdftotext -bbox -f 1 -l 1 '" + p + "' -");
  auto box_of = [&](const std::string& text) {
    const std::regex word(
        R"re(<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">)re" + text +
        "</word>");
    std::smatch m;
    std::vector<double> b;
    if (std::regex_search(bbox, m, word))
      for (int i = 1; i <= 4; ++i) b.push_back(std::stod(m[i]));
    return b;
  };
  const std::vector<double> alpha = box_of("alpha"), beta = box_of("beta");
  ASSERT_EQ(alpha.size(), 4u) << bbox;
  ASSERT_EQ(beta.size(), 4u) << bbox;
  EXPECT_NEAR(alpha[0], 150 * 0.24, 0.5);
  EXPECT_GT(alpha[2], 300 * 0.24);  // most of its box
  EXPECT_LE(alpha[2], 425 * 0.24 + 0.5);
  EXPECT_NEAR(beta[0], 425 * 0.24, 0.5);
  EXPECT_NEAR(beta[2], 600 * 0.24, 0.5);
  for (const auto& b : {alpha, beta}) {
    EXPECT_NEAR(b[1], 300 * 0.24, 1.0);
    EXPECT_GE(b[3], 360 * 0.24 - 0.5);
    EXPECT_LE(b[3], (360 + 0.35 * 60) * 0.24);
  }
  EXPECT_NE(bbox.find(R"(<page width="288.000000" height="216.000000">)"), std::string::npos)
      << bbox;
  // The sidecar: the pages' text, separated by a form feed.
  EXPECT_EQ(read_all(out() / "book.txt"), "alpha beta\n\fomega\n");
}

TEST_F(Assemble, ASecondCallIsANoOpAndARebuildGivesTheSameBytes) {
  ASSERT_TRUE(assemble_document(out().string(), spec_, DocumentOptions{}).ok);
  const std::string first = read_all(out() / "book.pdf");
  const AssembleResult again = assemble_document(out().string(), spec_, DocumentOptions{});
  EXPECT_TRUE(again.ok) << again.message;
  EXPECT_TRUE(again.skipped);
  fs::remove(out() / "book.pdf");  // the stamp no longer matches what exists
  const AssembleResult rebuilt = assemble_document(out().string(), spec_, DocumentOptions{});
  ASSERT_TRUE(rebuilt.ok) << rebuilt.message;
  EXPECT_FALSE(rebuilt.skipped);
  EXPECT_EQ(read_all(out() / "book.pdf"), first);
}

TEST_F(Assemble, AStaleArtifactLeavesItsPageOutAndSaysWhich) {
  spec_.page_keys = {"k1", "from-other-options"};
  const AssembleResult r = assemble_document(out().string(), spec_, DocumentOptions{});
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.pages_without_text, 1);
  EXPECT_FALSE(r.message.empty());
  QPDF q;
  q.processFile((out() / "book.pdf").c_str());
  EXPECT_EQ(QPDFPageDocumentHelper(q).getAllPages().size(), 1u);  // a TIFF page cannot be copied
  EXPECT_EQ(read_all(out() / "book.txt"), "alpha beta\n\f");      // an empty page there
}

TEST_F(Assemble, CompleteOnlyWaitsForEveryPage) {
  fs::remove(out() / page_artifact_path("book-p2"));
  spec_.complete_only = true;
  const AssembleResult r = assemble_document(out().string(), spec_, DocumentOptions{});
  EXPECT_TRUE(r.skipped);
  EXPECT_FALSE(fs::exists(out() / "book.pdf"));
  EXPECT_FALSE(fs::exists(out() / "book.txt"));
}

TEST_F(Assemble, OnlyTheAskedOutputsAreWritten) {
  DocumentOptions o;
  o.pdf = false;
  const AssembleResult r = assemble_document(out().string(), spec_, o);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_FALSE(fs::exists(out() / "book.pdf"));
  EXPECT_TRUE(fs::exists(out() / "book.txt"));
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].first, "document_text");
}

TEST_F(Assemble, MrcPagesAreAStencilOverASmallBackgroundThatRenderLikeTheMaster) {
  ASSERT_TRUE(assemble_document(out().string(), spec_, DocumentOptions{}).ok);
  const auto original_bytes = fs::file_size(out() / "book.pdf");
  fs::remove_all(out() / ".pageprep" / "docs");  // the stamp is for other options
  DocumentOptions o;
  o.pdf_image = PdfImage::kMrc;
  const AssembleResult r = assemble_document(out().string(), spec_, o);
  ASSERT_TRUE(r.ok) << r.message;
  const std::string p = (out() / "book.pdf").string();
  EXPECT_LT(fs::file_size(p), original_bytes);
  EXPECT_NE(shell_out("qpdf --check '" + p + "'").find("No syntax or stream encoding errors"),
            std::string::npos);
  // pdfimages: per page a 100-dpi JPEG background and a 300-dpi G4 stencil.
  const std::string list = shell_out("pdfimages -list '" + p + "'");
  const std::regex bg(R"(\n +1 +0 image +400 +300 +gray +1 +8 +jpeg)");
  const std::regex mask(R"(\n +1 +1 stencil +1200 +900 +- +1 +1 +ccitt)");
  EXPECT_TRUE(std::regex_search(list, bg)) << list;
  EXPECT_TRUE(std::regex_search(list, mask)) << list;
  EXPECT_NE(shell_out("pdftotext -f 1 -l 1 '" + p + "' -").find("alpha beta"), std::string::npos);
  // Rendered at the master's resolution, the page shows the master: its bar
  // black, its paper white.
  const std::string png = (dir_ / "render").string();
  shell_out("pdftoppm -r 300 -gray -singlefile -f 1 -l 1 '" + p + "' '" + png + "'");
  const cv::Mat page = cv::imread(png + ".pgm", cv::IMREAD_GRAYSCALE);
  ASSERT_EQ(page.size(), cv::Size(kW, kH));
  EXPECT_LT(cv::mean(page(cv::Rect(110, 110, 280, 40)))[0], 40);    // inside the bar
  EXPECT_GT(cv::mean(page(cv::Rect(600, 500, 400, 300)))[0], 230);  // paper
}

}  // namespace
}  // namespace pageprep::host
