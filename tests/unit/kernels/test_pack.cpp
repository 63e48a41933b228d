// 1-bit packing against a naive bit-by-bit reference, round trips, and the
// layout promises (MSB first, 1 = ink, zero padding bits, bytes past the row
// untouched).
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "pageprep/kernels/pack.hpp"
#include "support/random_image.hpp"

namespace pageprep {
namespace {

using testsupport::OwnedImage;

OwnedImage random_binary(int32_t w, int32_t h, uint64_t seed, int32_t pad) {
  OwnedImage img(w, h, 1, pad, testsupport::kPoison);
  std::mt19937_64 rng(seed);
  for (int32_t y = 0; y < h; ++y)
    for (int32_t x = 0; x < w; ++x) img.at(x, y) = (rng() & 1) ? 255 : 0;
  return img;
}

/// A packed image: `width` counts pixels, bytes per row (w+7)/8 + pad.
struct Packed {
  std::vector<uint8_t> bytes;
  kernels::GrayView view;
  Packed(int32_t w, int32_t h, int32_t pad) {
    const int64_t pitch = kernels::ops::packed_row_bytes(w) + pad;
    bytes.assign(static_cast<size_t>(std::max<int64_t>(1, pitch * h)), testsupport::kPoison);
    view = {bytes.data(), w, h, pitch};
  }
};

TEST(Pack, MatchesNaiveBitsOnOddShapes) {
  kernels::cpu::ThreadPool pool(3);
  uint64_t seed = 1;
  for (auto [w, h] : testsupport::odd_shapes()) {
    for (int32_t pad : {0, 13}) {
      // Gray input: packing treats < 128 as ink.
      const OwnedImage src = testsupport::random_image(w, h, seed++, 1, pad);
      Packed packed(w, h, pad);
      std::vector<kernels::ConstGrayView> in{src.cview()};
      std::vector<kernels::GrayView> out{packed.view};
      ASSERT_TRUE(
          kernels::cpu::pack_bits(pool, testsupport::batch_of(in), testsupport::batch_of(out))
              .is_ok());
      const int32_t row_bytes = (w + 7) / 8;
      for (int32_t y = 0; y < h; ++y) {
        const uint8_t* r = packed.view.row(y);
        for (int32_t b = 0; b < row_bytes; ++b) {
          int expect = 0;
          for (int bit = 0; bit < 8; ++bit) {
            const int32_t x = 8 * b + bit;
            if (x < w && src.at(x, y) < 128) expect |= 0x80 >> bit;
          }
          ASSERT_EQ(r[b], expect) << w << "x" << h << " row " << y << " byte " << b;
        }
        for (int32_t b = row_bytes; b < packed.view.pitch; ++b)
          ASSERT_EQ(r[b], testsupport::kPoison) << "byte past the row was written";
      }
    }
  }
}

TEST(Pack, RoundTripsBinaryPages) {
  kernels::cpu::ThreadPool pool(2);
  uint64_t seed = 50;
  for (auto [w, h] : testsupport::odd_shapes()) {
    for (int32_t pad : {0, 13}) {
      const OwnedImage src = random_binary(w, h, seed++, pad);
      Packed packed(w, h, pad);
      OwnedImage back(w, h, 1, pad, testsupport::kPoison);
      std::vector<kernels::ConstGrayView> in{src.cview()};
      std::vector<kernels::GrayView> pk{packed.view};
      std::vector<kernels::ConstGrayView> pkc{as_const(packed.view)};
      std::vector<kernels::GrayView> out{back.view()};
      ASSERT_TRUE(
          kernels::cpu::pack_bits(pool, testsupport::batch_of(in), testsupport::batch_of(pk))
              .is_ok());
      ASSERT_TRUE(
          kernels::cpu::unpack_bits(pool, testsupport::batch_of(pkc), testsupport::batch_of(out))
              .is_ok());
      EXPECT_TRUE(back.same_pixels(src)) << w << "x" << h;
    }
  }
}

TEST(Pack, LayoutIsMsbFirstInkIsOne) {
  kernels::cpu::ThreadPool pool(1);
  OwnedImage src(10, 1, 1, 0, 255);
  src.at(0, 0) = 0;  // first pixel ink -> 0x80
  src.at(9, 0) = 0;  // 10th pixel ink -> second byte bit 6 -> 0x40
  Packed packed(10, 1, 0);
  std::vector<kernels::ConstGrayView> in{src.cview()};
  std::vector<kernels::GrayView> out{packed.view};
  ASSERT_TRUE(
      kernels::cpu::pack_bits(pool, testsupport::batch_of(in), testsupport::batch_of(out)).is_ok());
  EXPECT_EQ(packed.bytes[0], 0x80);
  EXPECT_EQ(packed.bytes[1], 0x40);  // padding bits 0
}

TEST(Pack, IndependentOfThreadCount) {
  const OwnedImage src = random_binary(1001, 301, 9, 3);
  Packed a(1001, 301, 0), b(1001, 301, 0);
  std::vector<kernels::ConstGrayView> in{src.cview()};
  std::vector<kernels::GrayView> oa{a.view}, ob{b.view};
  kernels::cpu::ThreadPool p1(1), p4(4);
  ASSERT_TRUE(
      kernels::cpu::pack_bits(p1, testsupport::batch_of(in), testsupport::batch_of(oa)).is_ok());
  ASSERT_TRUE(
      kernels::cpu::pack_bits(p4, testsupport::batch_of(in), testsupport::batch_of(ob)).is_ok());
  EXPECT_EQ(a.bytes, b.bytes);
}

TEST(Pack, EmptyAndInvalid) {
  kernels::cpu::ThreadPool pool(2);
  EXPECT_TRUE(kernels::cpu::pack_bits(pool, {}, {}).is_ok());
  EXPECT_TRUE(kernels::cpu::unpack_bits(pool, {}, {}).is_ok());
  std::vector<kernels::ConstGrayView> in0{{nullptr, 0, 0, 0}};
  std::vector<kernels::GrayView> out0{{nullptr, 0, 0, 0}};
  EXPECT_TRUE(kernels::cpu::pack_bits(pool, testsupport::batch_of(in0), testsupport::batch_of(out0))
                  .is_ok());
  OwnedImage src(17, 3);
  std::vector<uint8_t> small(3 * 2);
  std::vector<kernels::ConstGrayView> in{src.cview()};
  std::vector<kernels::GrayView> narrow{{small.data(), 17, 3, 2}};  // needs 3 bytes per row
  EXPECT_EQ(kernels::cpu::pack_bits(pool, testsupport::batch_of(in), testsupport::batch_of(narrow))
                .code(),
            kernels::StatusCode::kInvalidArgument);
  std::vector<kernels::GrayView> wrong{{small.data(), 16, 3, 2}};
  EXPECT_EQ(
      kernels::cpu::pack_bits(pool, testsupport::batch_of(in), testsupport::batch_of(wrong)).code(),
      kernels::StatusCode::kInvalidArgument);
}

// pack_row (the word-wise row loop) against the naive bit-by-bit packing: every
// byte value at every byte position, widths 1..130, gray levels at and around
// the 127/128 boundary, an input of exactly `width` bytes and poisoned bytes
// past the packed row.
TEST(PackRow, EveryByteValueAndWidthMatchesNaive) {
  std::mt19937_64 rng(19);
  const uint8_t ink_levels[] = {0, 1, 64, 126, 127};
  const uint8_t paper_levels[] = {128, 129, 200, 254, 255};
  for (int32_t w = 1; w <= 130; ++w) {
    const int32_t row_bytes = kernels::ops::packed_row_bytes(w);
    for (int32_t v = 0; v < 256; ++v) {
      std::vector<uint8_t> gray(static_cast<size_t>(w));
      std::vector<uint8_t> expect(static_cast<size_t>(row_bytes), 0);
      for (int32_t x = 0; x < w; ++x) {
        const uint32_t pattern = static_cast<uint32_t>(v + 37 * (x / 8)) & 0xFFu;
        const bool ink = (pattern >> (7 - x % 8)) & 1u;
        gray[x] = ink ? ink_levels[rng() % 5] : paper_levels[rng() % 5];
        if (ink) expect[x / 8] |= static_cast<uint8_t>(0x80u >> (x % 8));
      }
      std::vector<uint8_t> out(static_cast<size_t>(row_bytes) + 8, testsupport::kPoison);
      kernels::cpu::pack_row(gray.data(), w, out.data());
      for (int32_t b = 0; b < row_bytes; ++b)
        ASSERT_EQ(out[b], expect[b]) << "width " << w << " value " << v << " byte " << b;
      for (size_t b = static_cast<size_t>(row_bytes); b < out.size(); ++b)
        ASSERT_EQ(out[b], testsupport::kPoison) << "width " << w << ": wrote past the row";
    }
  }
}

}  // namespace
}  // namespace pageprep
