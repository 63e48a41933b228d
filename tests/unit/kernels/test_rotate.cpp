// Rotation against a double-precision bilinear reference on odd shapes and
// padded pitch; identity, fill, rotated_size, thread-count independence and the
// round trip with skew estimation.
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "pageprep/kernels/deskew.hpp"
#include "support/page_generator.hpp"
#include "support/random_image.hpp"
#include "unit/kernels/skew_test_util.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

struct Rotated {
  OwnedImage img;
  kernels::Status status;
};

Rotated rotate_one(kernels::cpu::ThreadPool& pool, const OwnedImage& src, float angle, bool expand,
                   uint8_t fill, int32_t pad = 0) {
  int32_t w = 0, h = 0;
  kernels::rotated_size(src.width, src.height, angle, expand, &w, &h);
  Rotated r{OwnedImage(w, h, 1, pad, testsupport::kPoison), {}};
  std::vector<kernels::ConstGrayView> in{src.cview()};
  std::vector<kernels::GrayView> out{r.img.view()};
  kernels::RotateParams p;
  p.expand = expand;
  r.status = kernels::cpu::rotate(pool, p, testsupport::batch_of(in), testsupport::batch_of(out),
                                  &angle, &fill);
  return r;
}

TEST(Rotate, MatchesReferenceOnOddShapes) {
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 1;
  for (auto [w, h] : testsupport::odd_shapes()) {
    for (int32_t pad : {0, 13}) {
      for (float angle : {-37.f, -3.3f, 0.45f, 12.f, 90.f, 181.f}) {
        for (bool expand : {false, true}) {
          const OwnedImage src = testsupport::random_image(w, h, seed++, 1, pad);
          const uint8_t fill = static_cast<uint8_t>(seed * 37);
          const Rotated r = rotate_one(pool, src, angle, expand, fill, pad);
          ASSERT_TRUE(r.status.is_ok()) << r.status.message();
          int max_diff = 0;
          for (int32_t y = 0; y < r.img.height; ++y)
            for (int32_t x = 0; x < r.img.width; ++x) {
              const double ref = testsupport::reference_rotate_pixel(
                  src.cview(), r.img.width, r.img.height, angle, fill, x, y);
              max_diff =
                  std::max(max_diff, static_cast<int>(std::lround(std::abs(r.img.at(x, y) - ref))));
            }
          // Q16 cos/sin and 8-bit weights: a few levels at most on random
          // (maximally contrasted) pixels, far from the last bit of the page.
          EXPECT_LE(max_diff, 4) << w << "x" << h << " angle " << angle << " expand " << expand;
        }
      }
    }
  }
}

// The CPU schedule splits each row into checked edges and an unchecked,
// vectorized interior: it must give exactly the plain per-pixel walk
// (ops::rotate_row, which the CUDA schedule matches pixel for pixel), and the
// interior must be exactly the pixels whose 2 x 2 neighbourhood is inside.
TEST(Rotate, SplitRowWalkEqualsPlainWalk) {
  kernels::cpu::ThreadPool pool(2);
  uint64_t seed = 71;
  std::vector<std::pair<int32_t, int32_t>> shapes = testsupport::odd_shapes();
  shapes.push_back({640, 480});
  shapes.push_back({333, 1001});
  for (auto [w, h] : shapes) {
    for (float angle : {0.f, 0.01f, -0.7f, 3.3f, -14.9f, 45.f, -90.f, 90.f, 135.f, 180.f}) {
      for (bool expand : {false, true}) {
        const OwnedImage src = testsupport::random_image(w, h, seed++, 1, 13);
        const uint8_t fill = static_cast<uint8_t>(seed * 53);
        Rotated r = rotate_one(pool, src, angle, expand, fill, 13);
        ASSERT_TRUE(r.status.is_ok()) << r.status.message();
        const kernels::ops::RotateMap m =
            kernels::detail::make_rotate_map(src.cview(), r.img.view(), angle, fill);
        std::vector<uint8_t> row(static_cast<size_t>(r.img.width));
        for (int32_t y = 0; y < r.img.height; ++y) {
          kernels::ops::rotate_row(src.cview(), m, y, row.data());
          for (int32_t x = 0; x < r.img.width; ++x)
            ASSERT_EQ(r.img.at(x, y), row[static_cast<size_t>(x)])
                << w << "x" << h << " angle " << angle << " expand " << expand << " at " << x << ","
                << y;
          int32_t sx, sy, xa, xb;
          kernels::ops::rotate_row_start(m, y, &sx, &sy);
          kernels::ops::rotate_inner_span(m, sx, sy, &xa, &xb);
          ASSERT_LE(0, xa);
          ASSERT_LE(xa, xb);
          ASSERT_LE(xb, r.img.width);
          for (int32_t x = 0; x < r.img.width; ++x) {
            const int64_t px = static_cast<int64_t>(sx) + static_cast<int64_t>(x) * m.cos_q16;
            const int64_t py = static_cast<int64_t>(sy) + static_cast<int64_t>(x) * m.sin_q16;
            const bool inside = px >= 0 && py >= 0 && (px >> 16) + 1 < w && (py >> 16) + 1 < h;
            ASSERT_EQ(inside, x >= xa && x < xb)
                << w << "x" << h << " angle " << angle << " at " << x << "," << y;
          }
        }
      }
    }
  }
}

TEST(Rotate, ZeroAngleIsIdentityAndFillIsNeverBlack) {
  kernels::cpu::ThreadPool pool(2);
  const OwnedImage src = testsupport::random_image(257, 191, 5, 1, 13);
  const Rotated same = rotate_one(pool, src, 0.f, false, 200);
  ASSERT_TRUE(same.status.is_ok());
  EXPECT_TRUE(same.img.same_pixels(src));

  OwnedImage white(300, 400, 1, 0, 250);
  const Rotated r = rotate_one(pool, white, 10.f, true, 250);
  ASSERT_TRUE(r.status.is_ok());
  for (int32_t y = 0; y < r.img.height; ++y)
    for (int32_t x = 0; x < r.img.width; ++x) ASSERT_EQ(r.img.at(x, y), 250) << x << "," << y;
}

TEST(Rotate, RotatedSize) {
  int32_t w = 0, h = 0;
  kernels::rotated_size(2480, 3508, 7.f, false, &w, &h);
  EXPECT_EQ(w, 2480);
  EXPECT_EQ(h, 3508);
  kernels::rotated_size(2480, 3508, 0.f, true, &w, &h);
  EXPECT_EQ(w, 2480);
  EXPECT_EQ(h, 3508);
  kernels::rotated_size(2480, 3508, 90.f, true, &w, &h);
  EXPECT_EQ(w, 3508);
  EXPECT_EQ(h, 2480);
  kernels::rotated_size(100, 50, 30.f, true, &w, &h);
  const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
  EXPECT_EQ(w, static_cast<int32_t>(std::ceil(100 * c + 50 * s)));
  EXPECT_EQ(h, static_cast<int32_t>(std::ceil(100 * s + 50 * c)));
}

TEST(Rotate, ExpandKeepsTheWholePage) {
  // A page of ink (0) rotated with expand: every ink pixel survives, so the
  // ink mass is preserved up to interpolation at the edges.
  kernels::cpu::ThreadPool pool(2);
  OwnedImage src(201, 121, 1, 0, 0);
  const Rotated r = rotate_one(pool, src, 33.f, true, 255);
  ASSERT_TRUE(r.status.is_ok());
  double ink = 0;
  for (int32_t y = 0; y < r.img.height; ++y)
    for (int32_t x = 0; x < r.img.width; ++x) ink += (255 - r.img.at(x, y)) / 255.0;
  EXPECT_NEAR(ink, 201.0 * 121.0, 0.02 * 201 * 121);
}

TEST(Rotate, IndependentOfThreadCountAndVarShapeBatch) {
  const OwnedImage a = testsupport::random_document(301, 257, 7, 5);
  const OwnedImage b = testsupport::random_document(64, 190, 8, 0);
  const float angles[] = {4.5f, -11.f};
  const uint8_t fill[] = {210, 99};
  std::vector<OwnedImage> outs1, outs4;
  std::vector<kernels::ConstGrayView> in{a.cview(), b.cview()};
  for (int k = 0; k < 2; ++k) {
    int32_t w, h;
    kernels::rotated_size(in[k].width, in[k].height, angles[k], true, &w, &h);
    outs1.emplace_back(w, h, 1, 3, testsupport::kPoison);
    outs4.emplace_back(w, h, 1, 0, testsupport::kPoison);
  }
  std::vector<kernels::GrayView> o1{outs1[0].view(), outs1[1].view()},
      o4{outs4[0].view(), outs4[1].view()};
  kernels::cpu::ThreadPool p1(1), p4(4);
  kernels::RotateParams p;
  p.expand = true;
  ASSERT_TRUE(kernels::cpu::rotate(p1, p, testsupport::batch_of(in), testsupport::batch_of(o1),
                                   angles, fill)
                  .is_ok());
  ASSERT_TRUE(kernels::cpu::rotate(p4, p, testsupport::batch_of(in), testsupport::batch_of(o4),
                                   angles, fill)
                  .is_ok());
  EXPECT_TRUE(outs1[0].same_pixels(outs4[0]));
  EXPECT_TRUE(outs1[1].same_pixels(outs4[1]));
}

TEST(Rotate, RejectsBadShapesAndArguments) {
  kernels::cpu::ThreadPool pool(1);
  OwnedImage a(10, 10, 1), b(11, 10, 1);
  std::vector<kernels::ConstGrayView> in{a.cview()};
  std::vector<kernels::GrayView> out{b.view()};
  const float angle = 5.f;
  const uint8_t fill = 255;
  EXPECT_EQ(kernels::cpu::rotate(pool, {}, testsupport::batch_of(in), testsupport::batch_of(out),
                                 &angle, &fill)
                .code(),
            kernels::StatusCode::kInvalidArgument);
  const float nan = std::nanf("");
  std::vector<kernels::GrayView> out_ok{a.view()};
  EXPECT_EQ(kernels::cpu::rotate(pool, {}, testsupport::batch_of(in), testsupport::batch_of(out_ok),
                                 &nan, &fill)
                .code(),
            kernels::StatusCode::kInvalidArgument);
  EXPECT_TRUE(kernels::cpu::rotate(pool, {}, {}, {}, nullptr, nullptr).is_ok());
}

TEST(Rotate, RotateThenEstimateRoundTrip) {
  // Rotating a straight page by +a gives skew +a; deskewing by -estimate
  // brings it back to straight.
  testsupport::PageSpec spec;
  spec.seed = 21;
  testsupport::GeneratedPage page;
  ASSERT_TRUE(testsupport::generate_page(spec, {}, &page, nullptr));
  OwnedImage src(page.degraded.cols, page.degraded.rows, 1, 0, 0);
  for (int32_t y = 0; y < src.height; ++y)
    std::copy_n(page.degraded.ptr<uint8_t>(y), src.width, &src.at(0, y));
  kernels::cpu::ThreadPool pool(2);
  std::unique_ptr<kernels::cpu::SkewEstimator> est;
  ASSERT_TRUE(kernels::cpu::SkewEstimator::create({}, {}, &est).is_ok());
  const uint8_t bg = kernels::cpu::background_level(src.cview());
  for (float a : {-5.5f, 2.25f}) {
    const Rotated skewed = rotate_one(pool, src, a, false, bg);
    ASSERT_TRUE(skewed.status.is_ok());
    std::vector<kernels::ConstGrayView> in{skewed.img.cview()};
    kernels::SkewResult r;
    ASSERT_TRUE(est->run(pool, testsupport::batch_of(in), &r).is_ok());
    EXPECT_NEAR(r.angle_deg, a, 0.1);
    const Rotated straight = rotate_one(pool, skewed.img, -r.angle_deg, false, bg);
    std::vector<kernels::ConstGrayView> in2{straight.img.cview()};
    kernels::SkewResult r2;
    ASSERT_TRUE(est->run(pool, testsupport::batch_of(in2), &r2).is_ok());
    EXPECT_NEAR(r2.angle_deg, 0.0, 0.1);
  }
}

}  // namespace
}  // namespace pageprep
