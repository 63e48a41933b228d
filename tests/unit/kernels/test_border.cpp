// Dark-border removal against a breadth-first-search reference of the
// documented rule, plus page-like cases: a scanner frame around text, text
// touching the margin, a dark side band and a solid corner.
#include <gtest/gtest.h>

#include "pageprep/kernels/denoise.hpp"
#include "support/random_image.hpp"
#include "unit/kernels/denoise_reference.hpp"

namespace pageprep {
namespace {

using kernels::cpu::BorderRemove;
using kernels::cpu::ThreadPool;
using testsupport::OwnedImage;

std::unique_ptr<BorderRemove> make_border(const kernels::BorderParams& p = {}, int32_t max_w = 2480,
                                          int32_t max_h = 3508) {
  std::unique_ptr<BorderRemove> op;
  EXPECT_TRUE(BorderRemove::create(p, kernels::BatchLimits{16, max_w, max_h}, &op).is_ok());
  return op;
}

OwnedImage remove_border(BorderRemove& op, ThreadPool& pool, const OwnedImage& img,
                         int64_t* removed) {
  OwnedImage out = img;
  std::vector<kernels::GrayView> pages{out.view()};
  *removed = -7;
  EXPECT_TRUE(op.run(pool, testsupport::batch_of(pages), removed).is_ok());
  return out;
}

/// Letter-like glyphs of 10-12 pt text at 300 dpi: a 4 px stroke "I" (4x35),
/// an "O" ring (26x35), an "L" and a 6x6 period, separated by 6 px.
void draw_word(OwnedImage* img, int32_t x, int32_t y) {
  testsupport::fill_rect(img, x, y, 4, 35, 0);  // I
  x += 10;
  testsupport::fill_rect(img, x, y, 26, 35, 0);  // O
  testsupport::fill_rect(img, x + 4, y + 4, 18, 27, 255);
  x += 32;
  testsupport::fill_rect(img, x, y, 4, 35, 0);  // L
  testsupport::fill_rect(img, x, y + 31, 20, 4, 0);
  x += 26;
  testsupport::fill_rect(img, x, y + 29, 6, 6, 0);  // .
}
constexpr int64_t kWordInk = 4 * 35 + (26 * 35 - 18 * 27) + (4 * 35 + 16 * 4) + 36;

TEST(Border, MatchesReferenceOnRandomPages) {
  ThreadPool pool(3);
  uint64_t seed = 300;
  kernels::BorderParams variants[3];
  variants[1].min_span_fraction = 0.1f;
  variants[1].min_fill = 0.3f;
  variants[1].min_solid_fraction = 0.0f;
  variants[2].min_span_fraction = 0.6f;
  variants[2].min_fill = 0.9f;
  variants[2].min_solid_fraction = 0.1f;
  for (auto [w, h] : testsupport::component_shapes()) {
    for (int32_t pad : {0, 13}) {
      for (double density : {0.02, 0.2, 0.55}) {
        for (const auto& params : variants) {
          const OwnedImage img = testsupport::random_binary(w, h, seed++, density, pad, 8,
                                                            std::max(2, std::min(w, h) / 3));
          int64_t want_removed = 0;
          const OwnedImage want = testsupport::reference_border(img, params, &want_removed);
          auto op = make_border(params, 400, 400);
          int64_t removed = 0;
          const OwnedImage got = remove_border(*op, pool, img, &removed);
          EXPECT_TRUE(got.same_pixels(want)) << w << "x" << h << " pad " << pad << " density "
                                             << density << " span " << params.min_span_fraction;
          EXPECT_EQ(removed, want_removed) << w << "x" << h;
        }
      }
    }
  }
}

TEST(Border, FrameGoesTextNearItStays) {
  // A4 at 300 dpi with a 40 px black frame; words 2 px inside the frame on all
  // four sides and in the middle.
  const int32_t w = 2480, h = 3508, frame = 40;
  OwnedImage img(w, h, 1, 0, 255);
  testsupport::fill_rect(&img, 0, 0, w, frame, 0);
  testsupport::fill_rect(&img, 0, h - frame, w, frame, 0);
  testsupport::fill_rect(&img, 0, 0, frame, h, 0);
  testsupport::fill_rect(&img, w - frame, 0, frame, h, 0);
  const int64_t frame_ink = testsupport::count_ink(img);
  draw_word(&img, frame + 2, 1000);            // left
  draw_word(&img, w - frame - 2 - 100, 1500);  // right (word is 98 px wide)
  draw_word(&img, 1200, frame + 2);            // top
  draw_word(&img, 600, h - frame - 2 - 35);    // bottom
  draw_word(&img, 1200, 1700);                 // middle
  ASSERT_EQ(testsupport::count_ink(img), frame_ink + 5 * kWordInk);
  ThreadPool pool(4);
  auto op = make_border();
  int64_t removed = 0;
  const OwnedImage got = remove_border(*op, pool, img, &removed);
  EXPECT_EQ(removed, frame_ink);
  EXPECT_EQ(testsupport::count_ink(got), 5 * kWordInk);
  EXPECT_EQ(got.at(frame + 2, 1000), 0);  // the left word's I
  EXPECT_EQ(got.at(0, 0), 255);
  EXPECT_EQ(got.at(w - 1, h / 2), 255);
}

TEST(Border, TextTouchingTheMarginStays) {
  // Words cut by the page edge (tight crops) on all four sides, a bold 24 pt
  // "I" (10x70) and a 40x40 solid bullet at the edge: all smaller than the rules.
  const int32_t w = 2480, h = 3508;
  OwnedImage img(w, h, 1, 0, 255);
  draw_word(&img, 0, 800);
  draw_word(&img, w - 98, 900);
  draw_word(&img, 1000, 0);
  draw_word(&img, 1400, h - 35);
  testsupport::fill_rect(&img, 0, 2000, 10, 70, 0);
  testsupport::fill_rect(&img, w - 40, 2500, 40, 40, 0);
  ThreadPool pool(2);
  auto op = make_border();
  int64_t removed = 0;
  const OwnedImage got = remove_border(*op, pool, img, &removed);
  EXPECT_EQ(removed, 0);
  EXPECT_TRUE(got.same_pixels(img));
}

TEST(Border, SideBandAndSolidCornerGo) {
  // A scanner shadow: a 60 px band down the left side, ragged, with a text
  // line next to it; a solid 120x90 blob in the bottom-right corner (too short
  // for the span rule, solid enough for the fill rule).
  const int32_t w = 1240, h = 1754;
  OwnedImage img(w, h, 1, 0, 255);
  for (int32_t y = 0; y < h; ++y) testsupport::fill_rect(&img, 0, y, 50 + (y * 7) % 11, 1, 0);
  testsupport::fill_rect(&img, w - 120, h - 90, 120, 90, 0);
  const int64_t dark = testsupport::count_ink(img);
  draw_word(&img, 64, 700);
  ThreadPool pool(3);
  auto op = make_border();
  int64_t removed = 0;
  const OwnedImage got = remove_border(*op, pool, img, &removed);
  EXPECT_EQ(removed, dark);
  EXPECT_EQ(testsupport::count_ink(got), kWordInk);
  // With a 0.2 solid fraction the corner blob (90 < 0.2 * 1240) stays.
  kernels::BorderParams strict;
  strict.min_solid_fraction = 0.2f;
  auto op2 = make_border(strict);
  const OwnedImage got2 = remove_border(*op2, pool, img, &removed);
  EXPECT_EQ(removed, dark - 120 * 90);
  EXPECT_EQ(got2.at(w - 1, h - 1), 0);
}

TEST(Border, IndependentOfThreadCountAndIdempotent) {
  const OwnedImage img = testsupport::random_binary(397, 389, 21, 0.5, 3, 30, 60);
  auto op = make_border({}, 400, 400);
  ThreadPool p1(1), p4(4);
  int64_t r1 = 0, r4 = 0, again = 0;
  const OwnedImage a = remove_border(*op, p1, img, &r1);
  const OwnedImage b = remove_border(*op, p4, img, &r4);
  EXPECT_TRUE(a.same_pixels(b));
  EXPECT_EQ(r1, r4);
  EXPECT_GT(r1, 0);
  // What is left does not touch the edge with a border-sized component.
  EXPECT_TRUE(remove_border(*op, p4, a, &again).same_pixels(a));
  EXPECT_EQ(again, 0);
}

TEST(Border, AllInkAllPaperAndDegeneratePages) {
  ThreadPool pool(2);
  auto op = make_border({}, 300, 300);
  int64_t removed = 0;
  const OwnedImage black(211, 97, 1, 5, 0);
  EXPECT_EQ(testsupport::count_ink(remove_border(*op, pool, black, &removed)), 0);
  EXPECT_EQ(removed, 211 * 97);
  const OwnedImage white(211, 97, 1, 5, 255);
  EXPECT_TRUE(remove_border(*op, pool, white, &removed).same_pixels(white));
  EXPECT_EQ(removed, 0);
  const OwnedImage dot(1, 1, 1, 0, 0);  // one ink pixel spans the whole page
  EXPECT_EQ(testsupport::count_ink(remove_border(*op, pool, dot, &removed)), 0);
  EXPECT_EQ(removed, 1);
  EXPECT_TRUE(op->run(pool, {}).is_ok());
  std::vector<kernels::GrayView> empty{{nullptr, 0, 0, 0}};
  EXPECT_TRUE(op->run(pool, testsupport::batch_of(empty), &removed).is_ok());
  EXPECT_EQ(removed, 0);
}

TEST(Border, ThresholdsAndErrors) {
  const kernels::BorderParams p;
  const auto t = kernels::border_thresholds(p, 2480, 3508);
  EXPECT_EQ(t.min_span_x, 620);
  EXPECT_EQ(t.min_span_y, 877);
  EXPECT_EQ(t.min_solid_side, 50);  // ceil(0.02 * 2480) = 49.6 -> 50
  EXPECT_EQ(t.fill_q16, 32768);
  std::unique_ptr<BorderRemove> op;
  kernels::BorderParams bad;
  bad.min_span_fraction = 0.0f;
  EXPECT_EQ(BorderRemove::create(bad, {}, &op).code(), kernels::StatusCode::kInvalidArgument);
  bad = {};
  bad.min_fill = 1.5f;
  EXPECT_EQ(BorderRemove::create(bad, {}, &op).code(), kernels::StatusCode::kInvalidArgument);
  auto small = make_border({}, 10, 10);
  OwnedImage big(11, 5, 1, 0, 255);
  std::vector<kernels::GrayView> pages{big.view()};
  EXPECT_EQ(small->run(ThreadPool::shared(), testsupport::batch_of(pages)).code(),
            kernels::StatusCode::kOutOfRange);
}

}  // namespace
}  // namespace pageprep
