// Bilevel input expansion (expand.hpp): against a naive bit-by-bit reference
// and against the host decoders' unpack (io/codec_internal.hpp
// unpack_bits_rows) in both polarities, bit for bit, with padded pitches,
// poisoned outputs and bytes past the row left untouched.
#include <gtest/gtest.h>
#include <opencv2/core/mat.hpp>

#include <random>
#include <vector>

#include "io/codec_internal.hpp"
#include "pageprep/kernels/expand.hpp"
#include "support/random_image.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

struct Packed {
  std::vector<uint8_t> bytes;
  kernels::ConstGrayView view;
  Packed(int32_t w, int32_t h, int32_t pad, uint64_t seed) {
    const int64_t pitch = kernels::ops::packed_row_bytes(w) + pad;
    bytes.resize(static_cast<size_t>(std::max<int64_t>(1, pitch * h)));
    std::mt19937_64 rng(seed);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    view = {bytes.data(), w, h, pitch};
  }
};

uint8_t naive(const Packed& p, int32_t x, int32_t y, bool one_is_ink) {
  const bool bit = (p.view.row(y)[x / 8] >> (7 - x % 8)) & 1;
  return bit == one_is_ink ? 0 : 255;
}

TEST(Expand, MatchesNaiveBitsAndTheDecodersUnpackInBothPolarities) {
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 7;
  auto shapes = testsupport::odd_shapes();
  shapes.push_back({2481, 37});
  for (auto [w, h] : shapes) {
    for (int32_t pad : {0, 5}) {
      for (bool one_is_ink : {true, false}) {
        const Packed packed(w, h, pad, seed++);
        OwnedImage out(w, h, 1, 3, testsupport::kPoison);
        std::vector<kernels::ConstGrayView> in{packed.view};
        std::vector<kernels::GrayView> o{out.view()};
        ASSERT_TRUE(kernels::cpu::expand_bits(pool, {one_is_ink}, testsupport::batch_of(in),
                                              testsupport::batch_of(o))
                        .is_ok());
        // The host decoders' unpack: the path a bilevel master takes today.
        cv::Mat host(h, w, CV_8UC1, cv::Scalar(testsupport::kPoison));
        if (w > 0 && h > 0)
          host::detail::unpack_bits_rows(pool, packed.bytes.data(), packed.view.pitch,
                                         /*one_is_black=*/one_is_ink, &host);
        for (int32_t y = 0; y < h; ++y) {
          for (int32_t x = 0; x < w; ++x) {
            ASSERT_EQ(out.at(x, y), naive(packed, x, y, one_is_ink))
                << w << "x" << h << " at " << x << "," << y << " one_is_ink " << one_is_ink;
            ASSERT_EQ(out.at(x, y), host.at<uint8_t>(y, x))
                << w << "x" << h << " at " << x << "," << y << " one_is_ink " << one_is_ink;
          }
          for (int32_t x = w; x < w + 3; ++x)
            ASSERT_EQ(out.view().row(y)[x], testsupport::kPoison) << "byte past the row written";
        }
      }
    }
  }
}

TEST(Expand, RejectsMismatchedSizesAndShortPitch) {
  kernels::cpu::ThreadPool pool(1);
  const Packed packed(17, 4, 0, 1);
  OwnedImage out(16, 4, 1, 0, 0);
  std::vector<kernels::ConstGrayView> in{packed.view};
  std::vector<kernels::GrayView> o{out.view()};
  EXPECT_FALSE(
      kernels::cpu::expand_bits(pool, {}, testsupport::batch_of(in), testsupport::batch_of(o))
          .is_ok());
  kernels::ConstGrayView short_pitch = packed.view;
  short_pitch.width = 16;
  short_pitch.pitch = 1;
  std::vector<kernels::ConstGrayView> in2{short_pitch};
  EXPECT_FALSE(
      kernels::cpu::expand_bits(pool, {}, testsupport::batch_of(in2), testsupport::batch_of(o))
          .is_ok());
  std::vector<kernels::GrayView> none;
  EXPECT_FALSE(
      kernels::cpu::expand_bits(pool, {}, testsupport::batch_of(in), testsupport::batch_of(none))
          .is_ok());
}

}  // namespace
}  // namespace pageprep
