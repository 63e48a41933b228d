// `pageprep report OUTDIR --review` end to end: a `--crop page` run on pages
// on a dark bed plus a plain page at a large angle. The sheet (rendered by
// poppler's pdftoppm) has a cell per page, the doubtful page first, and the
// crop box stroked where each crop_box maps on its thumbnail; a master deleted
// after the run gets a placeholder cell; the inputs are not touched; a sheet
// name that belongs to a document of the run is refused.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "e2e/cli_harness.hpp"
#include "report/review_layout.hpp"
#include "support/sheet_render.hpp"

namespace pageprep::e2e {
namespace {
namespace review = host::review;
using testsupport::Stroke;

struct Box {
  int x = 0, y = 0, w = 0, h = 0;
};

bool box_field(const std::string& line, const std::string& key, Box* b) {
  std::smatch m;
  const std::regex re("\"" + key + R"re(":\[([0-9]+),([0-9]+),([0-9]+),([0-9]+)\])re");
  if (!std::regex_search(line, m, re)) return false;
  *b = {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4])};
  return true;
}

// Red found at 3 points along each edge of `b` on the thumbnail `r`.
int red_edge_points(const cv::Mat& img, const review::Rect& r, double w, double h, const Box& b) {
  int n = 0;
  for (double t : {0.25, 0.5, 0.75}) {
    const auto at = [&](double x, double y) {
      const auto p = review::master_to_sheet(r, w, h, x, y);
      return testsupport::stroke_near(img, p.x, p.y, Stroke::kRed, 1) ? 1 : 0;
    };
    n += at(b.x + b.w * t, b.y) + at(b.x + b.w * t, b.y + b.h) + at(b.x, b.y + b.h * t) +
         at(b.x + b.w, b.y + b.h * t);
  }
  return n;
}

TEST(Review, SheetShowsEveryCropDoubtfulFirstAndPlaceholdersForMissingMasters) {
  const fs::path dir = fresh_dir("review");
  auto r = run(synth() + " --out " + q(dir / "bed") +
               " --count 2 --seed 5 --dpi 100 --skew-max 1 --bed 50 --bed-texture 20");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(synth() + " --out " + q(dir / "plain") + " --count 1 --seed 9 --dpi 150 --skew 3.5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(cli() + " run " + q(dir / "bed") + " " + q(dir / "plain") + " -o " + q(dir / "out") +
          " --ocr none --crop page");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(dir / "out");
  ASSERT_EQ(pages.size(), 3u);
  // Snapshot of the inputs, to see that the report does not touch them.
  std::map<std::string, std::string> before;
  for (const auto& p : pages) before[p.str.at("input")] = read_file(p.str.at("input"));

  r = run(cli() + " report " + q(dir / "out") + " --review");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string pdf = (dir / "out" / "pages.review.pdf").string();
  ASSERT_TRUE(fs::exists(pdf));
  for (const auto& [input, bytes] : before) EXPECT_EQ(read_file(input), bytes) << input;

  // The expected order: the plain page (large angle) first, then the bed
  // pages in page order.
  std::vector<const PageLine*> order;
  for (const auto& p : pages)
    if (p.str.at("input").find("plain") != std::string::npos) order.push_back(&p);
  ASSERT_EQ(order.size(), 1u);
  ASSERT_GE(std::abs(order[0]->num.count("skew_deg") ? order[0]->num.at("skew_deg") : 0), 2.0)
      << order[0]->raw;
  for (const auto& p : pages)
    if (p.str.at("input").find("plain") == std::string::npos) order.push_back(&p);

  const cv::Mat img = testsupport::render_sheet_page(pdf, 0);
  ASSERT_FALSE(img.empty());
  for (size_t i = 0; i < order.size(); ++i) {
    const PageLine& p = *order[i];
    const double w = p.num.at("width"), h = p.num.at("height");
    const review::Rect rect = review::image_rect(i, w, h);
    Box crop;
    if (box_field(p.raw, "crop_box", &crop)) {
      EXPECT_EQ(red_edge_points(img, rect, w, h, crop), 12) << "cell " << i << " " << p.raw;
      // Not where the page's own edge is (the crop box is inside it).
      EXPECT_LT(red_edge_points(img, rect, w, h, {0, 0, static_cast<int>(w), static_cast<int>(h)}),
                3)
          << p.raw;
    } else {
      EXPECT_EQ(i, 0u) << "only the plain page is uncropped: " << p.raw;
      EXPECT_EQ(testsupport::strokes_in(img, rect, Stroke::kRed), 0) << p.raw;
    }
    // The doubtful cell is orange, the others white.
    const review::Rect c = review::cell_rect(i);
    const cv::Vec3b bg = testsupport::colour_at(img, c.x + c.w - 2, c.y + 2);
    if (i == 0)
      EXPECT_LT(bg[0], 190) << "doubtful cell not marked";
    else
      EXPECT_GT(bg[0], 240) << "cell " << i << " marked doubtful: " << p.raw;
  }
  // Every page has a cell, in that order, with its decision in words.
  std::string text = testsupport::sheet_text(pdf);
  size_t last = 0;
  for (const PageLine* p : order) {
    const std::string name = fs::path(p->str.at("input")).filename().string();
    const size_t at = text.find(name);
    ASSERT_NE(at, std::string::npos) << name << "\n" << text;
    EXPECT_GE(at, last) << name << "\n" << text;
    last = at;
  }
  EXPECT_NE(text.find("CHECK: large angle"), std::string::npos) << text;
  EXPECT_NE(text.find("3 master page(s), 1 to check first, 0 without thumbnail"), std::string::npos)
      << text;

  // A master gone since the run: its cell stays, as a placeholder, first.
  const std::string gone = order[2]->str.at("input");
  fs::rename(gone, gone + ".moved");
  r = run(cli() + " report " + q(dir / "out") + " --review");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no thumbnail (not_found"), std::string::npos) << r.err;
  text = testsupport::sheet_text(pdf);
  const std::string gone_name = fs::path(gone).filename().string();
  EXPECT_LT(text.find(gone_name), text.find("plain")) << text;
  EXPECT_NE(text.find("NO THUMBNAIL"), std::string::npos) << text;
  EXPECT_NE(text.find("3 master page(s), 2 to check first, 1 without thumbnail"), std::string::npos)
      << text;
  const cv::Mat img2 = testsupport::render_sheet_page(pdf, 0);
  Box crop;
  ASSERT_TRUE(box_field(order[2]->raw, "crop_box", &crop));
  const double w = order[2]->num.at("width"), h = order[2]->num.at("height");
  EXPECT_EQ(red_edge_points(img2, review::image_rect(0, w, h), w, h, crop), 12)
      << "the placeholder shows the crop box";
  fs::remove_all(dir);
}

TEST(Review, RefusesASheetNameThatIsADocumentOfTheRun) {
  const fs::path dir = fresh_dir("review_name");
  auto r = run(synth() + " --out " + q(dir / "in") + " --count 1 --seed 3 --dpi 100");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::path page;
  for (const auto& e : fs::directory_iterator(dir / "in"))
    if (e.path().extension() == ".png") page = e.path();
  ASSERT_FALSE(page.empty());
  const fs::path named = dir / "pages.review.png";
  fs::copy_file(page, named);
  r = run(cli() + " run " + q(named) + " -o " + q(dir / "out") + " --ocr none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The document's base is pages.review: its PDF would be pages.review.pdf.
  const std::string mine = "a file that is not ours";
  {
    std::ofstream f(dir / "out" / "pages.review.pdf");
    f << mine;
  }
  r = run(cli() + " report " + q(dir / "out") + " --review");
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("is the output of input"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir / "out" / "pages.review.pdf"), mine);
  // Without --review the report is as before.
  r = run(cli() + " report " + q(dir / "out"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  fs::remove_all(dir);
}

TEST(Review, FindsRelativeInputsFromAnotherFolder) {
  // pages.jsonl names inputs as given ("in/page-0001.png", relative to the
  // folder the run started in); the report may run anywhere.
  const fs::path dir = fresh_dir("review_rel");
  auto r = run(synth() + " --out " + q(dir / "in") + " --count 1 --seed 4 --dpi 100");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run("cd " + q(dir) + " && " + cli() + " run in -o out --ocr none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(read_pages(dir / "out").at(0).str.at("input").rfind("in/", 0), 0u);
  r = run("cd / && " + cli() + " report " + q(dir / "out") + " --review");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("no thumbnail"), std::string::npos) << r.err;
  EXPECT_NE(testsupport::sheet_text((dir / "out" / "pages.review.pdf").string())
                .find("1 master page(s), 0 to check first, 0 without thumbnail"),
            std::string::npos);
  fs::remove_all(dir);
}

TEST(Review, UsageErrors) {
  auto r = run(cli() + " report --review");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("pageprep report OUTDIR [--review]"), std::string::npos) << r.err;
  r = run(cli() + " report a b --review");
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

}  // namespace
}  // namespace pageprep::e2e
