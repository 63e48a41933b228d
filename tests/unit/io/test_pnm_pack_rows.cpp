// The host's hot row loops on the CPU path against naive references: packing a
// binary page for G4/PBM (pack_bits_rows, both polarities, every byte value,
// widths 1..130, padded pitches, poisoned bytes past the row) and PGM decode
// (maxval 255 copied as is, other maxvals still scaled and rounded).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <random>
#include <string>
#include <vector>

#include "io/codec.hpp"
#include "io/codec_internal.hpp"

namespace pageprep::host {
namespace {

constexpr uint8_t kPoison = 0xFA;

/// Rows of `w` pixels: row v carries byte value (v + 37 * byte index) & 255 as
/// its ink pattern, so every byte position sees every value; gray levels at
/// and around the 127/128 boundary.
cv::Mat pattern_page(int w, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const uint8_t ink_levels[] = {0, 1, 99, 126, 127};
  const uint8_t paper_levels[] = {128, 129, 180, 254, 255};
  // A wider parent and a column range: rows whose step exceeds the width.
  cv::Mat parent(256, w + 5, CV_8UC1, cv::Scalar(kPoison));
  cv::Mat m = parent.colRange(2, 2 + w);
  for (int v = 0; v < 256; ++v)
    for (int x = 0; x < w; ++x) {
      const unsigned pattern = static_cast<unsigned>(v + 37 * (x / 8)) & 0xFFu;
      const bool ink = (pattern >> (7 - x % 8)) & 1u;
      m.at<uint8_t>(v, x) = ink ? ink_levels[rng() % 5] : paper_levels[rng() % 5];
    }
  return m;
}

TEST(PackBitsRows, BothPolaritiesMatchNaiveForEveryByteValueAndWidth) {
  for (int w = 1; w <= 130; ++w) {
    const cv::Mat page = pattern_page(w, static_cast<uint64_t>(w));
    const int row = (w + 7) / 8;
    for (const bool one_is_black : {true, false}) {
      for (const int pad : {0, 5}) {
        const int64_t pitch = row + pad;
        std::vector<uint8_t> out(static_cast<size_t>(pitch * page.rows), kPoison);
        detail::pack_bits_rows(page, one_is_black, out.data(), pitch);
        for (int y = 0; y < page.rows; ++y) {
          const uint8_t* o = out.data() + y * pitch;
          for (int b = 0; b < row; ++b) {
            unsigned expect = 0;
            for (int k = 0; k < 8 && 8 * b + k < w; ++k) {
              const bool black = page.at<uint8_t>(y, 8 * b + k) < 128;
              if (black == one_is_black) expect |= 0x80u >> k;  // padding bits stay 0
            }
            ASSERT_EQ(o[b], expect) << "width " << w << " row " << y << " byte " << b
                                    << " one_is_black " << one_is_black;
          }
          for (int b = row; b < pitch; ++b)
            ASSERT_EQ(o[b], kPoison) << "width " << w << ": wrote past the row";
        }
      }
    }
  }
}

std::vector<uint8_t> pgm_bytes(int w, int h, int maxval, const std::vector<uint8_t>& raster) {
  const std::string head =
      "P5\n" + std::to_string(w) + " " + std::to_string(h) + "\n" + std::to_string(maxval) + "\n";
  std::vector<uint8_t> b(head.begin(), head.end());
  b.insert(b.end(), raster.begin(), raster.end());
  return b;
}

TEST(PnmDecode, EightBitPgmKeepsEverySampleAndOtherMaxvalsScale) {
  kernels::cpu::ThreadPool pool(2);
  std::mt19937_64 rng(7);
  for (const auto& [w, h] :
       std::vector<std::pair<int, int>>{{1, 1}, {257, 3}, {3, 257}, {1001, 7}}) {
    std::vector<uint8_t> raster(static_cast<size_t>(w) * h);
    for (size_t i = 0; i < raster.size(); ++i)
      raster[i] = static_cast<uint8_t>(i < 256 ? i : rng());  // every value, then random
    for (const int maxval : {255, 254, 200}) {
      std::vector<uint8_t> clipped = raster;
      for (auto& v : clipped) v = static_cast<uint8_t>(std::min<int>(v, maxval));
      const DecodeResult r =
          decode_page_from_memory(pgm_bytes(w, h, maxval, clipped), "mem", 0, {}, pool);
      ASSERT_EQ(r.error, PageError::kNone) << r.message;
      ASSERT_EQ(r.page.gray.cols, w);
      ASSERT_EQ(r.page.gray.rows, h);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          const int v = clipped[static_cast<size_t>(y) * w + x];
          const int expect = (v * 255 + maxval / 2) / maxval;  // round(v * 255 / maxval)
          ASSERT_EQ(r.page.gray.at<uint8_t>(y, x), expect)
              << w << "x" << h << " maxval " << maxval << " at " << x << "," << y;
        }
    }
  }
}

// The CPU executor hands its page memory (huge-page mappings) to the decoder:
// a PNM page must be decoded into it, not into a fresh 4 KiB-page buffer that
// is then faulted in and copied.
TEST(PnmDecode, PageComesFromTheGivenAllocator) {
  struct Counting : cv::MatAllocator {
    mutable int allocations = 0;
    cv::UMatData* allocate(int dims, const int* sizes, int type, void* data, size_t* step,
                           cv::AccessFlag f, cv::UMatUsageFlags u) const override {
      ++allocations;
      return cv::Mat::getStdAllocator()->allocate(dims, sizes, type, data, step, f, u);
    }
    bool allocate(cv::UMatData* d, cv::AccessFlag f, cv::UMatUsageFlags u) const override {
      return cv::Mat::getStdAllocator()->allocate(d, f, u);
    }
    void deallocate(cv::UMatData* d) const override { cv::Mat::getStdAllocator()->deallocate(d); }
  };
  kernels::cpu::ThreadPool pool(1);
  std::vector<uint8_t> raster(static_cast<size_t>(37) * 5);
  for (size_t i = 0; i < raster.size(); ++i) raster[i] = static_cast<uint8_t>(7 * i);
  for (const char* kind : {"P5", "P4", "P6"}) {
    const std::string k = kind;
    std::string head = k + "\n37 5\n" + (k == "P4" ? "" : "255\n");
    std::vector<uint8_t> bytes(head.begin(), head.end());
    const size_t n = k == "P4" ? 5 * 5 : k == "P6" ? raster.size() * 3 : raster.size();
    for (size_t i = 0; i < n; ++i) bytes.push_back(raster[i % raster.size()]);
    Counting counting;
    const DecodeResult r = decode_page_from_memory(bytes, "mem", 0, {}, pool, &counting);
    ASSERT_EQ(r.error, PageError::kNone) << kind << ": " << r.message;
    EXPECT_EQ(counting.allocations, 1) << kind;
    if (k == "P5") {
      for (int x = 0; x < 37; ++x) ASSERT_EQ(r.page.gray.at<uint8_t>(1, x), raster[37 + x]);
    }
  }
}

}  // namespace
}  // namespace pageprep::host
