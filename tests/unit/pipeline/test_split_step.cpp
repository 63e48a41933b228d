// The split step's decisions (split_step.hpp) on a given gutter, and the page
// artifact keeping a half's (or a crop's) offset onto the master.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "doc/page_artifact.hpp"
#include "pipeline/split_step.hpp"

namespace pageprep::host {
namespace {

std::unique_ptr<PageWork> spread_page(int w, int h) {
  auto p = std::make_unique<PageWork>();
  p->id = {"in/book.png", 0, 5};
  p->key = "in/book|0|1:2|abc";
  p->stem = "in/book";
  p->doc_stem = "in/book";
  p->decoded.format = "png";
  p->decoded.dpi_x = p->decoded.dpi_y = 200;
  p->decoded.gray = cv::Mat(h, w, CV_8UC1);
  for (int x = 0; x < w; ++x) p->decoded.gray.col(x).setTo(x % 251);  // column x holds x mod 251
  p->width = w;
  p->height = h;
  return p;
}

kernels::Gutter gutter_at(int x, bool found) {
  kernels::Gutter g;
  g.spread_candidate = true;
  g.found = found;
  g.x = x;
  g.confidence = found ? 0.9 : 0.2;
  g.note = found ? "" : "two valleys of similar width";
  return g;
}

TEST(SplitStep, AConfidentGutterMakesTwoHalvesInReadingOrder) {
  for (bool rtl : {false, true}) {
    auto w = spread_page(300, 40);
    auto pages = apply_split(w, gutter_at(140, true), "in/book", rtl, nullptr);
    ASSERT_EQ(pages.size(), 2u);
    EXPECT_EQ(w, nullptr);  // the master's pixels moved into the halves
    const PageWork& first = *pages[0];
    const PageWork& second = *pages[1];
    const PageWork& l = rtl ? second : first;
    const PageWork& r = rtl ? first : second;
    EXPECT_EQ(first.split.part, rtl ? "right" : "left");
    EXPECT_EQ(l.split.part, "left");
    EXPECT_EQ(r.split.part, "right");
    EXPECT_EQ(l.stem, "in/book/p0001L");
    EXPECT_EQ(r.stem, "in/book/p0001R");
    EXPECT_EQ(l.key, "in/book|0|1:2|abc|L");
    EXPECT_EQ(r.key, "in/book|0|1:2|abc|R");
    EXPECT_EQ(l.split.parts, 2);
    EXPECT_DOUBLE_EQ(l.split.confidence, 0.9);
    EXPECT_EQ(l.split.x, 0);
    EXPECT_EQ(l.split.w, 140);
    EXPECT_EQ(r.split.x, 140);
    EXPECT_EQ(r.split.w, 160);
    EXPECT_EQ(r.split.h, 40);
    // Each half holds its own columns of the master, and the master's facts.
    ASSERT_EQ(l.decoded.gray.cols, 140);
    ASSERT_EQ(r.decoded.gray.cols, 160);
    EXPECT_EQ(l.decoded.gray.at<uint8_t>(3, 139), 139);
    EXPECT_EQ(r.decoded.gray.at<uint8_t>(3, 0), 140);
    EXPECT_EQ(r.decoded.gray.at<uint8_t>(3, 159), 299 % 251);
    EXPECT_EQ(r.width, 300);
    EXPECT_EQ(r.id.ordinal, 5);
    EXPECT_DOUBLE_EQ(r.decoded.dpi_x, 200);
    EXPECT_EQ(r.decoded.format, "png");
  }
}

TEST(SplitStep, AnUnconfidentSpreadStaysWholeWithANoteAndASinglePageWithout) {
  auto w = spread_page(300, 40);
  PageWork* raw = w.get();
  auto pages = apply_split(w, gutter_at(140, false), "in/book", false, nullptr);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].get(), raw);
  EXPECT_TRUE(pages[0]->split.part.empty());
  EXPECT_EQ(pages[0]->split.note, "two valleys of similar width");
  EXPECT_EQ(pages[0]->stem, "in/book");
  EXPECT_EQ(pages[0]->decoded.gray.cols, 300);

  auto single = spread_page(200, 300);
  kernels::Gutter none;  // not a spread candidate: nothing looked at
  pages = apply_split(single, none, "in/book", false, nullptr);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_TRUE(pages[0]->split.note.empty());
  EXPECT_TRUE(pages[0]->split.part.empty());
}

TEST(SplitStep, APdfPageAndAGutterAtTheEdgeAreNotSplit) {
  auto w = spread_page(300, 40);
  w->decoded.format = "pdf";
  auto pages = apply_split(w, gutter_at(140, true), "in/book", false, nullptr);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_NE(pages[0]->split.note.find("PDF"), std::string::npos);
  for (int x : {0, 300}) {
    auto e = spread_page(300, 40);
    pages = apply_split(e, gutter_at(x, true), "in/book", false, nullptr);
    ASSERT_EQ(pages.size(), 1u) << x;
    EXPECT_FALSE(pages[0]->split.note.empty()) << x;
  }
}

TEST(SplitStep, TheFinderOnARealImageNeverSplitsAPortraitPage) {
  kernels::cpu::ThreadPool pool(1);
  auto w = spread_page(200, 300);
  auto pages = split_spread(w, "in/book", false, pool, nullptr);
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_TRUE(pages[0]->ok()) << pages[0]->message;
  EXPECT_TRUE(pages[0]->split.part.empty());
}

// A page processed from a region of the master (a split half, a crop) keeps
// the region's offset through its artifact: the document's text layer lands
// where the page's words are on the master. (Before the region line, the
// artifact rebuilt the geometry from the master's size alone.)
TEST(SplitStep, TheArtifactKeepsTheRegionOffsetOntoTheMaster) {
  PageArtifact a;
  a.key = "k";
  a.input = "in/book.png";
  a.master_w = 3000;
  a.master_h = 2000;
  a.format = "png";
  a.region_x = 1500;
  a.region_y = 30;
  a.region_w = 1400;
  a.region_h = 1900;
  a.view_x = 1500;
  a.view_w = 1500;
  a.view_h = 2000;
  a.geometry = make_region_geometry(3000, 2000, 1500, 30, 1400, 1900, 0, 1.5, 1400, 1900);
  const std::string text = serialize_page_artifact(a);
  PageArtifact b;
  std::string err;
  ASSERT_TRUE(parse_page_artifact(text, &b, &err)) << err;
  EXPECT_EQ(b.view_x, 1500);
  EXPECT_EQ(b.view_w, 1500);
  EXPECT_EQ(b.view_h, 2000);
  EXPECT_EQ(b.region_x, 1500);
  const auto [ex, ey] = a.geometry.processed_to_master.apply(700, 950);
  const auto [x, y] = b.geometry.processed_to_master.apply(700, 950);
  EXPECT_NEAR(x, ex, 1e-6);
  EXPECT_NEAR(y, ey, 1e-6);
  EXPECT_NEAR(x, 1500 + 700, 1.0);  // the centre of the region maps to itself, moved by the offset
  EXPECT_NEAR(y, 30 + 950, 1.0);
  EXPECT_EQ(b.geometry.master_w, 3000);

  // A whole page's artifact has no region line and parses as before.
  PageArtifact whole = a;
  whole.region_w = whole.view_w = 0;
  whole.geometry = make_page_geometry(3000, 2000, 0, 0, 3000, 2000);
  const std::string wt = serialize_page_artifact(whole);
  EXPECT_EQ(wt.find("region "), std::string::npos);
  ASSERT_TRUE(parse_page_artifact(wt, &b, &err)) << err;
  EXPECT_EQ(b.region_w, 0);
  EXPECT_EQ(b.view_w, 0);
}

}  // namespace
}  // namespace pageprep::host
