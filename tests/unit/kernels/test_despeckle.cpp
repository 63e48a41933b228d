// Despeckle against a breadth-first-search reference (unit/denoise_reference.hpp)
// on random binary pages and odd shapes; the area boundary, diagonal contact,
// the dpi rule, thread-count independence and degenerate pages.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "pageprep/kernels/denoise.hpp"
#include "support/random_image.hpp"
#include "unit/kernels/denoise_reference.hpp"

namespace pageprep {
namespace {

using kernels::cpu::Despeckle;
using kernels::cpu::ThreadPool;
using testsupport::OwnedImage;

std::unique_ptr<Despeckle> make_despeckle(int32_t max_area, int32_t max_w = 700,
                                          int32_t max_h = 700, int32_t max_batch = 16) {
  std::unique_ptr<Despeckle> op;
  kernels::DespeckleParams p;
  p.max_area = max_area;
  kernels::BatchLimits limits{max_batch, max_w, max_h};
  EXPECT_TRUE(Despeckle::create(p, limits, &op).is_ok());
  return op;
}

/// Runs `op` on a copy of `img`; returns the result and the removed count.
OwnedImage despeckle(Despeckle& op, ThreadPool& pool, const OwnedImage& img, int64_t* removed,
                     float dpi = 300.0f) {
  OwnedImage out = img;
  std::vector<kernels::GrayView> pages{out.view()};
  *removed = -7;
  EXPECT_TRUE(op.run(pool, testsupport::batch_of(pages), &dpi, removed).is_ok());
  return out;
}

TEST(DespeckleReference, CountsKnownComponents) {
  // The reference itself, on pages whose components are known by hand.
  OwnedImage checker(9, 7, 1, 0, 255);  // 8-connected checkerboard: one component
  for (int32_t y = 0; y < 7; ++y)
    for (int32_t x = 0; x < 9; ++x)
      if ((x + y) % 2 == 0) checker.at(x, y) = 0;
  auto rc = testsupport::reference_components(checker);
  ASSERT_EQ(rc.comps.size(), 1u);
  EXPECT_EQ(rc.comps[0].area, 32);
  OwnedImage grid(10, 10, 1, 0, 255);  // pixels two apart: 25 components
  for (int32_t y = 0; y < 10; y += 2)
    for (int32_t x = 0; x < 10; x += 2) grid.at(x, y) = 0;
  rc = testsupport::reference_components(grid);
  EXPECT_EQ(rc.comps.size(), 25u);
  for (const auto& c : rc.comps) EXPECT_EQ(c.area, 1);
}

TEST(Despeckle, MatchesReferenceOnRandomPages) {
  ThreadPool pool(3);
  uint64_t seed = 100;
  for (auto [w, h] : testsupport::component_shapes()) {
    for (int32_t pad : {0, 13}) {
      // Sparse dust, text-like mixes and dense pages near the percolation
      // threshold (long snaking components across bands).
      for (double density : {0.03, 0.15, 0.4, 0.6}) {
        for (int32_t max_area : {1, 4, 9}) {
          const OwnedImage img = testsupport::random_binary(w, h, seed++, density, pad, 6, 12);
          int64_t want_removed = 0;
          const OwnedImage want = testsupport::reference_despeckle(img, max_area, &want_removed);
          auto op = make_despeckle(max_area);
          int64_t removed = 0;
          const OwnedImage got = despeckle(*op, pool, img, &removed);
          EXPECT_TRUE(got.same_pixels(want))
              << w << "x" << h << " pad " << pad << " density " << density << " max " << max_area;
          EXPECT_EQ(removed, want_removed) << w << "x" << h;
        }
      }
    }
  }
}

/// Plain memory without path halving, like the CUDA schedule's global policy.
struct NoHalvingLabels : kernels::ops::SerialLabels {
  static constexpr bool kHalving = false;
};

/// The CUDA schedule's block decomposition (components.cu), run on the host
/// with the same ops calls in a shuffled order: tile-local unions with
/// prior_links inside tw x th tiles, cross-tile unions, segment resolution,
/// area counting and removal. Catches tile-edge mistakes without a GPU.
OwnedImage emulate_cuda_despeckle(const OwnedImage& img, int32_t tw, int32_t th, int32_t max_area,
                                  uint64_t seed, int64_t* removed) {
  namespace ops = kernels::ops;
  const int32_t w = img.width, h = img.height;
  std::mt19937_64 rng(seed);
  std::vector<int32_t> labels(static_cast<size_t>(w) * h, 0x7fffffff);
  auto ink = [&](int32_t x, int32_t y) { return ops::is_ink(img.at(x, y)); };
  for (int32_t by = 0; by < h; by += th)
    for (int32_t bx = 0; bx < w; bx += tw) {
      std::vector<int32_t> local(static_cast<size_t>(tw) * th);
      std::vector<int32_t> order(local.size());
      for (size_t k = 0; k < local.size(); ++k) local[k] = order[k] = static_cast<int32_t>(k);
      std::shuffle(order.begin(), order.end(), rng);
      auto in_ink = [&](int32_t tx, int32_t ty) {
        return tx >= 0 && ty >= 0 && tx < tw && bx + tx < w && by + ty < h && ink(bx + tx, by + ty);
      };
      for (int32_t li : order) {
        const int32_t tx = li % tw, ty = li / tw;
        if (!in_ink(tx, ty)) continue;
        const uint32_t links = ops::prior_links(in_ink(tx - 1, ty), in_ink(tx - 1, ty - 1),
                                                in_ink(tx, ty - 1), in_ink(tx + 1, ty - 1));
        for (uint32_t link = ops::kLinkW; link <= ops::kLinkNE; link <<= 1)
          if (links & link)
            ops::union_sets<NoHalvingLabels>(local.data(), li, ops::prior_neighbour(li, link, tw));
      }
      for (int32_t li = 0; li < tw * th; ++li) {
        const int32_t tx = li % tw, ty = li / tw;
        if (!in_ink(tx, ty)) continue;
        const int32_t r = ops::find_root<NoHalvingLabels>(local.data(), li);
        labels[(by + ty) * w + bx + tx] = (by + r / tw) * w + bx + r % tw;
      }
    }
  std::vector<int32_t> pixels(static_cast<size_t>(w) * h);
  for (size_t k = 0; k < pixels.size(); ++k) pixels[k] = static_cast<int32_t>(k);
  std::shuffle(pixels.begin(), pixels.end(), rng);
  for (int32_t i : pixels) {
    const int32_t x = i % w, y = i / w;
    if (!ink(x, y)) continue;
    const uint32_t links = ops::cross_tile_links(x % tw, y % th, tw) &
                           ops::ink_prior_neighbours(
                               img.cview().row(y), y > 0 ? img.cview().row(y - 1) : nullptr, x, w);
    for (uint32_t link = ops::kLinkW; link <= ops::kLinkNE; link <<= 1)
      if (links & link)
        ops::union_sets<NoHalvingLabels>(labels.data(), i, ops::prior_neighbour(i, link, w));
  }
  constexpr int32_t kSeg = 16;
  std::vector<std::pair<int32_t, int32_t>> segs;
  for (int32_t y = 0; y < h; ++y)
    for (int32_t x0 = 0; x0 < w; x0 += kSeg) segs.push_back({x0, y});
  OwnedImage out = img;
  std::shuffle(segs.begin(), segs.end(), rng);
  for (auto [x0, y] : segs)
    ops::resolve_segment<NoHalvingLabels>(img.cview().row(y), labels.data(), y * w, x0,
                                          std::min(w, x0 + kSeg));
  std::shuffle(segs.begin(), segs.end(), rng);
  for (auto [x0, y] : segs)
    ops::accumulate_area_segment<NoHalvingLabels>(img.cview().row(y), labels.data(), y * w, x0,
                                                  std::min(w, x0 + kSeg));
  *removed = 0;
  for (auto [x0, y] : segs)
    *removed += ops::despeckle_segment<NoHalvingLabels>(out.view().row(y), labels.data(), y * w, x0,
                                                        std::min(w, x0 + kSeg), max_area);
  return out;
}

TEST(Despeckle, CudaBlockScheduleEmulatedOnHostMatchesReference) {
  uint64_t seed = 4000;
  for (auto [tw, th] : {std::pair{32, 16}, std::pair{8, 4}, std::pair{3, 2}}) {
    for (auto [w, h] : testsupport::component_shapes()) {
      for (double density : {0.1, 0.45, 0.6}) {
        const OwnedImage img = testsupport::random_binary(w, h, seed++, density, 3, 4, 9);
        int64_t want_removed = 0, removed = 0;
        const OwnedImage want = testsupport::reference_despeckle(img, 5, &want_removed);
        const OwnedImage got = emulate_cuda_despeckle(img, tw, th, 5, seed, &removed);
        EXPECT_TRUE(got.same_pixels(want)) << tw << "x" << th << " tiles, " << w << "x" << h;
        EXPECT_EQ(removed, want_removed);
      }
    }
  }
}

TEST(Despeckle, DiagonalContactIsOneComponent) {
  // Two 2x2 squares meeting at one corner: one component of area 8.
  OwnedImage img(12, 12, 1, 0, 255);
  testsupport::fill_rect(&img, 3, 3, 2, 2, 0);
  testsupport::fill_rect(&img, 5, 5, 2, 2, 0);
  ThreadPool pool(1);
  int64_t removed = 0;
  auto keep = make_despeckle(7);
  EXPECT_TRUE(despeckle(*keep, pool, img, &removed).same_pixels(img));
  EXPECT_EQ(removed, 0);
  auto drop = make_despeckle(8);
  EXPECT_EQ(testsupport::count_ink(despeckle(*drop, pool, img, &removed)), 0);
  EXPECT_EQ(removed, 1);
  // An anti-diagonal staircase of single pixels, crossing a band border.
  OwnedImage stair(70, 70, 1, 0, 255);
  for (int32_t k = 0; k < 60; ++k) stair.at(65 - k, 3 + k) = 0;
  auto op = make_despeckle(59);
  EXPECT_TRUE(despeckle(*op, pool, stair, &removed).same_pixels(stair));
  auto op60 = make_despeckle(60);
  EXPECT_EQ(testsupport::count_ink(despeckle(*op60, pool, stair, &removed)), 0);
}

TEST(Despeckle, AreaLimitIsInclusive) {
  // A component of exactly max_area goes, one of max_area + 1 stays.
  for (int32_t max_area : {1, 4, 20}) {
    OwnedImage img(60, 50, 1, 0, 255);
    for (int32_t k = 0; k < max_area; ++k) img.at(5 + k % 10, 5 + k / 10) = 0;
    for (int32_t k = 0; k < max_area + 1; ++k) img.at(30 + k % 10, 30 + k / 10) = 0;
    ThreadPool pool(2);
    auto op = make_despeckle(max_area);
    int64_t removed = 0;
    const OwnedImage got = despeckle(*op, pool, img, &removed);
    EXPECT_EQ(removed, 1);
    EXPECT_EQ(testsupport::count_ink(got), max_area + 1);
    EXPECT_EQ(got.at(30, 30), 0);
    EXPECT_EQ(got.at(5, 5), 255);
  }
}

TEST(Despeckle, DpiRule) {
  const kernels::DespeckleParams scaled;
  EXPECT_EQ(kernels::despeckle_max_area(scaled, 300.0f), 4);
  EXPECT_EQ(kernels::despeckle_max_area(scaled, 600.0f), 16);
  EXPECT_EQ(kernels::despeckle_max_area(scaled, 150.0f), 1);
  EXPECT_EQ(kernels::despeckle_max_area(scaled, 72.0f), 1);
  EXPECT_EQ(kernels::despeckle_max_area(scaled, 400.0f), 7);  // 4 * 16 / 9 = 7.1
  EXPECT_EQ(kernels::despeckle_max_area(scaled, 0.0f), -1);
  EXPECT_EQ(kernels::despeckle_max_area(scaled, -3.0f), -1);
  kernels::DespeckleParams fixed;
  fixed.max_area = 9;
  EXPECT_EQ(kernels::despeckle_max_area(fixed, 600.0f), 9);
}

TEST(Despeckle, DefaultKeepsPunctuationAt300Dpi) {
  // An i-dot or period of 10 pt text at 300 dpi (5x5), a thin 1x6 comma tail
  // and a 3x3 dot survive the default; 2x2 dust and single pixels do not.
  OwnedImage img(80, 60, 1, 3, 255);
  testsupport::fill_rect(&img, 10, 10, 5, 5, 0);
  testsupport::fill_rect(&img, 30, 10, 1, 6, 0);
  testsupport::fill_rect(&img, 40, 10, 3, 3, 0);
  testsupport::fill_rect(&img, 10, 40, 2, 2, 0);
  img.at(50, 40) = 0;
  img.at(60, 45) = 0;
  ThreadPool pool(2);
  auto op = make_despeckle(0);
  int64_t removed = 0;
  const OwnedImage got = despeckle(*op, pool, img, &removed, 300.0f);
  EXPECT_EQ(removed, 3);
  EXPECT_EQ(testsupport::count_ink(got), 25 + 6 + 9);
  EXPECT_EQ(got.at(12, 12), 0);
  // At 600 dpi the same 5x5 dot (now a small speck) still survives; 4x4 does not.
  OwnedImage hi(40, 40, 1, 0, 255);
  testsupport::fill_rect(&hi, 2, 2, 5, 5, 0);
  testsupport::fill_rect(&hi, 20, 20, 4, 4, 0);
  const OwnedImage got_hi = despeckle(*op, pool, hi, &removed, 600.0f);
  EXPECT_EQ(removed, 1);
  EXPECT_EQ(testsupport::count_ink(got_hi), 25);
}

TEST(Despeckle, IndependentOfThreadCountAndIdempotent) {
  const OwnedImage img = testsupport::random_binary(613, 689, 9, 0.45, 5, 20, 30);
  auto op = make_despeckle(6);
  ThreadPool p1(1), p4(4);
  int64_t r1 = 0, r4 = 0, again = 0;
  const OwnedImage a = despeckle(*op, p1, img, &r1);
  const OwnedImage b = despeckle(*op, p4, img, &r4);
  EXPECT_TRUE(a.same_pixels(b));
  EXPECT_EQ(r1, r4);
  EXPECT_GT(r1, 0);
  EXPECT_TRUE(despeckle(*op, p4, a, &again).same_pixels(a));
  EXPECT_EQ(again, 0);
}

TEST(Despeckle, AllInkAllPaperAndNonBinaryValues) {
  ThreadPool pool(2);
  auto op = make_despeckle(1000000);
  int64_t removed = 0;
  const OwnedImage black(97, 131, 1, 0, 0);
  EXPECT_EQ(testsupport::count_ink(despeckle(*op, pool, black, &removed)), 0);
  EXPECT_EQ(removed, 1);
  auto small = make_despeckle(4);
  EXPECT_TRUE(despeckle(*small, pool, black, &removed).same_pixels(black));
  EXPECT_EQ(removed, 0);
  const OwnedImage white(97, 131, 1, 0, 255);
  EXPECT_TRUE(despeckle(*small, pool, white, &removed).same_pixels(white));
  EXPECT_EQ(removed, 0);
  // Values below 128 are ink, others paper; only removed ink changes (to 255).
  OwnedImage gray(20, 10, 1, 0, 200);
  gray.at(3, 3) = 100;
  gray.at(10, 5) = 127;
  gray.at(11, 5) = 20;
  const OwnedImage got = despeckle(*small, pool, gray, &removed);
  EXPECT_EQ(removed, 2);
  EXPECT_EQ(got.at(3, 3), 255);
  EXPECT_EQ(got.at(10, 5), 255);
  EXPECT_EQ(got.at(0, 0), 200);
}

TEST(Despeckle, VarShapeBatchWithDpi) {
  ThreadPool pool(3);
  auto op = make_despeckle(0);
  std::vector<OwnedImage> imgs, want;
  std::vector<float> dpi;
  std::vector<int64_t> want_removed;
  uint64_t seed = 900;
  for (auto [w, h] : testsupport::component_shapes()) {
    imgs.push_back(testsupport::random_binary(w, h, seed++, 0.2, 7, 4, 6));
    dpi.push_back(imgs.size() % 3 == 0 ? 600.0f : (imgs.size() % 3 == 1 ? 300.0f : 150.0f));
    int64_t r = 0;
    want.push_back(testsupport::reference_despeckle(
        imgs.back(), kernels::despeckle_max_area(kernels::DespeckleParams{}, dpi.back()), &r));
    want_removed.push_back(r);
  }
  std::vector<kernels::GrayView> views;
  for (auto& im : imgs) views.push_back(im.view());
  std::vector<int64_t> removed(imgs.size(), -1);
  ASSERT_TRUE(op->run(pool, testsupport::batch_of(views), dpi.data(), removed.data()).is_ok());
  for (size_t i = 0; i < imgs.size(); ++i) {
    EXPECT_TRUE(imgs[i].same_pixels(want[i])) << i;
    EXPECT_EQ(removed[i], want_removed[i]) << i;
  }
}

TEST(Despeckle, EmptyBatchLimitsAndErrors) {
  ThreadPool pool(2);
  auto op = make_despeckle(4, 50, 40, 2);
  EXPECT_TRUE(op->run(pool, {}).is_ok());
  std::vector<kernels::GrayView> empty{{nullptr, 0, 0, 0}};
  int64_t removed = -1;
  EXPECT_TRUE(op->run(pool, testsupport::batch_of(empty), nullptr, &removed).is_ok());
  EXPECT_EQ(removed, 0);
  OwnedImage big(51, 40, 1, 0, 255);
  std::vector<kernels::GrayView> too_wide{big.view()};
  EXPECT_EQ(op->run(pool, testsupport::batch_of(too_wide)).code(),
            kernels::StatusCode::kOutOfRange);
  OwnedImage ok(50, 40, 1, 0, 255);
  std::vector<kernels::GrayView> three{ok.view(), ok.view(), ok.view()};
  EXPECT_EQ(op->run(pool, testsupport::batch_of(three)).code(), kernels::StatusCode::kOutOfRange);
  std::vector<kernels::GrayView> one{ok.view()};
  const float bad_dpi = 0.0f;
  EXPECT_EQ(op->run(pool, testsupport::batch_of(one), &bad_dpi).code(),
            kernels::StatusCode::kInvalidArgument);
  std::unique_ptr<Despeckle> none;
  kernels::DespeckleParams negative;
  negative.max_area = -1;
  EXPECT_EQ(Despeckle::create(negative, kernels::BatchLimits{}, &none).code(),
            kernels::StatusCode::kInvalidArgument);
  EXPECT_EQ(Despeckle::create({}, kernels::BatchLimits{1, 70000, 70000}, &none).code(),
            kernels::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace pageprep
