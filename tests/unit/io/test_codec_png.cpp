// Our PNG decoder (host/io/codec_png.cpp) against per-pixel references, on
// every colour type and bit depth, every filter type, tRNS, both inflate
// paths (whole stream and row by row), the page allocator, and damaged files
// (CRC, filter type, truncated or surplus zlib data, missing palette).
#include <gtest/gtest.h>
#include <zlib.h>

#include <opencv2/imgcodecs.hpp>

#include <cstring>
#include <random>
#include <tuple>

#include "io/codec.hpp"
#include "pageprep/kernels/ops/gray_ops.hpp"

namespace pageprep::host {
namespace {

void put32(std::vector<uint8_t>* v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v->push_back(static_cast<uint8_t>(x >> s));
}

void chunk(std::vector<uint8_t>* png, const char* type, const std::vector<uint8_t>& body,
           bool bad_crc = false) {
  put32(png, static_cast<uint32_t>(body.size()));
  const size_t at = png->size();
  png->insert(png->end(), type, type + 4);
  png->insert(png->end(), body.begin(), body.end());
  uint32_t crc =
      static_cast<uint32_t>(crc32(0, png->data() + at, static_cast<uInt>(body.size() + 4)));
  if (bad_crc) crc ^= 1;
  put32(png, crc);
}

uint8_t paeth_ref(int a, int b, int c) {
  const int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return static_cast<uint8_t>(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

struct PngSpec {
  int w = 0, h = 0, depth = 8, color = 0;
  std::vector<std::vector<uint8_t>> rows;  ///< unfiltered packed rows
  std::vector<uint8_t> plte, trns;
  int filter = -1;      ///< -1: row y uses filter y % 5
  int idat_pieces = 3;  ///< the stream is split over this many IDAT chunks
  bool bad_idat_crc = false;
  int bad_filter_row = -1;
  long cut_stream = 0;  ///< drop this many bytes from the end of the zlib stream
  bool surplus_row = false;
  bool omit_plte = false;
  int level = 6;
};

std::vector<uint8_t> make_png(const PngSpec& s) {
  const int channels = s.color == 2 ? 3 : s.color == 4 ? 2 : s.color == 6 ? 4 : 1;
  const int bits = channels * s.depth;
  const size_t rb = (static_cast<size_t>(s.w) * bits + 7) / 8;
  const size_t bpp = std::max(1, bits / 8);
  std::vector<uint8_t> raw;
  std::vector<uint8_t> prev(rb, 0);
  for (int y = 0; y < s.h + (s.surplus_row ? 1 : 0); ++y) {
    const std::vector<uint8_t>& r = s.rows[static_cast<size_t>(std::min(y, s.h - 1))];
    const int f = y == s.bad_filter_row ? 7 : s.filter >= 0 ? s.filter : y % 5;
    raw.push_back(static_cast<uint8_t>(f));
    for (size_t i = 0; i < rb; ++i) {
      const int a = i >= bpp ? r[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      const int pred = f == 1   ? a
                       : f == 2 ? b
                       : f == 3 ? (a + b) / 2
                       : f == 4 ? paeth_ref(a, b, c)
                                : 0;
      raw.push_back(static_cast<uint8_t>(r[i] - pred));
    }
    prev = r;
  }
  uLongf zn = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> z(zn);
  EXPECT_EQ(compress2(z.data(), &zn, raw.data(), static_cast<uLong>(raw.size()), s.level), Z_OK);
  z.resize(zn - static_cast<size_t>(s.cut_stream));
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put32(&ihdr, static_cast<uint32_t>(s.w));
  put32(&ihdr, static_cast<uint32_t>(s.h));
  ihdr.insert(ihdr.end(), {static_cast<uint8_t>(s.depth), static_cast<uint8_t>(s.color), 0, 0, 0});
  chunk(&png, "IHDR", ihdr);
  if (!s.plte.empty() && !s.omit_plte) chunk(&png, "PLTE", s.plte);
  if (!s.trns.empty()) chunk(&png, "tRNS", s.trns);
  const size_t piece = z.size() / static_cast<size_t>(s.idat_pieces) + 1;
  for (size_t at = 0; at < z.size(); at += piece)
    chunk(&png, "IDAT",
          std::vector<uint8_t>(z.begin() + at, z.begin() + std::min(z.size(), at + piece)),
          s.bad_idat_crc);
  chunk(&png, "IEND", {});
  return png;
}

DecodeResult decode(const std::vector<uint8_t>& png, cv::MatAllocator* alloc = nullptr) {
  kernels::cpu::ThreadPool pool(1);
  return decode_page_from_memory(png, "t.png", 0, DecodeLimits{}, pool, alloc);
}

uint8_t on_white(int c, int a) {  // the codec's rounding, in doubles
  return static_cast<uint8_t>(std::floor((c * a + 255.0 * (255 - a)) / 255.0 + 0.5));
}
uint8_t gray_of(int r, int g, int b) {
  return static_cast<uint8_t>(std::floor(0.299 * r + 0.587 * g + 0.114 * b + 0.5));
}
uint8_t to8(int v16) {
  return static_cast<uint8_t>(std::floor(v16 * 255.0 / 65535.0 + 0.5));
}

/// Random samples for one layout, with the expected gray of each pixel.
struct Layout {
  PngSpec spec;
  cv::Mat expected;
};

Layout random_layout(int color, int depth, int w, int h, uint64_t seed, bool with_trns) {
  std::mt19937_64 rng(seed);
  Layout l;
  l.spec.w = w;
  l.spec.h = h;
  l.spec.color = color;
  l.spec.depth = depth;
  l.expected.create(h, w, CV_8UC1);
  const int channels = color == 2 ? 3 : color == 4 ? 2 : color == 6 ? 4 : 1;
  const int maxv = (1 << depth) - 1;
  std::vector<uint8_t> pal_gray(256, 0);
  if (color == 3) {
    const int entries = 1 << depth;
    for (int i = 0; i < entries; ++i) {
      const int r = static_cast<int>(rng() % 256), g = static_cast<int>(rng() % 256),
                b = static_cast<int>(rng() % 256);
      const int a = with_trns ? static_cast<int>(rng() % 256) : 255;
      l.spec.plte.insert(l.spec.plte.end(), {static_cast<uint8_t>(r), static_cast<uint8_t>(g),
                                             static_cast<uint8_t>(b)});
      if (with_trns) l.spec.trns.push_back(static_cast<uint8_t>(a));
      pal_gray[static_cast<size_t>(i)] = gray_of(on_white(r, a), on_white(g, a), on_white(b, a));
    }
  }
  int key[3] = {-1, -1, -1};
  if (with_trns && (color == 0 || color == 2)) {
    for (int c = 0; c < (color == 0 ? 1 : 3); ++c) {
      key[c] = static_cast<int>(rng() % (static_cast<uint64_t>(maxv) + 1));
      l.spec.trns.push_back(static_cast<uint8_t>(key[c] >> 8));
      l.spec.trns.push_back(static_cast<uint8_t>(key[c] & 0xFF));
    }
  }
  for (int y = 0; y < h; ++y) {
    std::vector<int> samples;
    for (int x = 0; x < w; ++x) {
      std::vector<int> px(static_cast<size_t>(channels));
      for (auto& v : px) v = static_cast<int>(rng() % (static_cast<uint64_t>(maxv) + 1));
      // Make the tRNS key colour appear often.
      if (key[0] >= 0 && x % 7 == 0)
        for (int c = 0; c < channels; ++c) px[static_cast<size_t>(c)] = key[c];
      samples.insert(samples.end(), px.begin(), px.end());
      uint8_t e = 0;
      const bool keyed =
          key[0] >= 0 && px[0] == key[0] && (channels == 1 || (px[1] == key[1] && px[2] == key[2]));
      auto s8 = [&](int v) { return depth == 16 ? to8(v) : static_cast<uint8_t>(v); };
      switch (color) {
        case 0:
          e = keyed ? 255 : depth == 16 ? to8(px[0]) : static_cast<uint8_t>(px[0] * (255 / maxv));
          break;
        case 2:
          e = keyed ? 255 : gray_of(s8(px[0]), s8(px[1]), s8(px[2]));
          break;
        case 3:
          e = pal_gray[static_cast<size_t>(px[0])];
          break;
        case 4:
          e = on_white(s8(px[0]), s8(px[1]));
          break;
        case 6: {
          const int a = s8(px[3]);
          e = gray_of(on_white(s8(px[0]), a), on_white(s8(px[1]), a), on_white(s8(px[2]), a));
          break;
        }
      }
      l.expected.at<uint8_t>(y, x) = e;
    }
    std::vector<uint8_t> row;
    if (depth == 16) {
      for (int v : samples)
        row.insert(row.end(), {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)});
    } else if (depth == 8) {
      for (int v : samples) row.push_back(static_cast<uint8_t>(v));
    } else {
      row.assign((samples.size() * static_cast<size_t>(depth) + 7) / 8, 0);
      for (size_t i = 0; i < samples.size(); ++i)
        row[i * static_cast<size_t>(depth) / 8] |= static_cast<uint8_t>(
            samples[i] << (8 - depth - static_cast<int>((i * static_cast<size_t>(depth)) % 8)));
    }
    l.spec.rows.push_back(row);
  }
  return l;
}

int max_diff(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size()) return 999;
  cv::Mat d;
  cv::absdiff(a, b, d);
  double m = 0;
  cv::minMaxLoc(d, nullptr, &m);
  return static_cast<int>(m);
}

TEST(CodecPng, EveryColourTypeDepthAndFilterMatchesThePixelDefinition) {
  const std::pair<int, int> layouts[] = {{0, 1}, {0, 2},  {0, 4},  {0, 8}, {0, 16},
                                         {2, 8}, {2, 16}, {3, 1},  {3, 2}, {3, 4},
                                         {3, 8}, {4, 8},  {4, 16}, {6, 8}, {6, 16}};
  uint64_t seed = 1;
  for (auto [color, depth] : layouts)
    for (bool trns : {false, true}) {
      if (trns && (color == 4 || color == 6)) continue;  // tRNS is for the others
      for (auto [w, h] : {std::pair{1, 1}, {13, 7}, {61, 33}}) {
        const Layout l = random_layout(color, depth, w, h, seed++, trns);
        const DecodeResult r = decode(make_png(l.spec));
        ASSERT_EQ(r.error, PageError::kNone) << r.message;
        // Reference in doubles: the codec's integer arithmetic matches it
        // exactly for 8-bit samples and within rounding elsewhere.
        EXPECT_LE(max_diff(r.page.gray, l.expected), 1)
            << "colour " << color << " depth " << depth << " tRNS " << trns << " " << w << "x" << h;
        EXPECT_EQ(r.page.format, "png");
      }
    }
}

TEST(CodecPng, SameGrayAsOpenCvOnWhatOpenCvWrites) {
  std::mt19937_64 rng(5);
  for (int type : {CV_8UC1, CV_16UC1, CV_8UC3, CV_16UC3, CV_8UC4, CV_16UC4}) {
    cv::Mat m(57, 101, type);
    cv::randu(m, 0, CV_MAT_DEPTH(type) == CV_16U ? 65536 : 256);
    std::vector<uint8_t> png;
    ASSERT_TRUE(cv::imencode(".png", m, png));
    const DecodeResult r = decode(png);
    ASSERT_EQ(r.error, PageError::kNone) << r.message;
    // What the codec did before: OpenCV's samples, then the codec's rules.
    cv::Mat e(m.rows, m.cols, CV_8UC1);
    for (int y = 0; y < m.rows; ++y)
      for (int x = 0; x < m.cols; ++x) {
        auto s = [&](int c) -> int {
          const int v = CV_MAT_DEPTH(type) == CV_16U ? m.ptr<uint16_t>(y)[x * m.channels() + c]
                                                     : m.ptr<uint8_t>(y)[x * m.channels() + c];
          return CV_MAT_DEPTH(type) == CV_16U
                     ? kernels::ops::gray16_to_gray8(static_cast<uint32_t>(v))
                     : v;
        };
        uint8_t g;
        if (m.channels() == 1) {
          g = static_cast<uint8_t>(s(0));
        } else if (m.channels() == 3) {
          g = kernels::ops::rgb_to_gray(static_cast<uint32_t>(s(2)), static_cast<uint32_t>(s(1)),
                                        static_cast<uint32_t>(s(0)));
        } else {
          const int a = s(3);
          g = kernels::ops::rgb_to_gray(on_white(s(2), a), on_white(s(1), a), on_white(s(0), a));
        }
        e.at<uint8_t>(y, x) = g;
      }
    EXPECT_EQ(max_diff(r.page.gray, e), 0) << "type " << type;
  }
}

TEST(CodecPng, LargeStreamsInflateRowByRowWithTheSameResult) {
  // 6000 x 6000 RGB: 108 MB inflated, over the whole-stream limit. Its rows
  // repeat 16 rows whose decode through the whole-stream path is the reference.
  const Layout l = random_layout(2, 8, 6000, 16, 77, false);
  const DecodeResult small = decode(make_png(l.spec));
  ASSERT_EQ(small.error, PageError::kNone) << small.message;
  PngSpec big = l.spec;
  big.h = 6000;
  big.rows.clear();
  for (int y = 0; y < big.h; ++y) big.rows.push_back(l.spec.rows[static_cast<size_t>(y % 16)]);
  big.level = 1;
  const DecodeResult r = decode(make_png(big));
  ASSERT_EQ(r.error, PageError::kNone) << r.message;
  for (int y = 0; y < big.h; ++y)
    ASSERT_EQ(max_diff(r.page.gray.row(y), small.page.gray.row(y % 16)), 0) << "row " << y;
}

TEST(CodecPng, PageComesFromTheGivenAllocator) {
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
  } counting;
  const Layout l = random_layout(0, 8, 40, 30, 9, false);
  const DecodeResult r = decode(make_png(l.spec), &counting);
  ASSERT_EQ(r.error, PageError::kNone);
  EXPECT_EQ(counting.allocations, 1);
  EXPECT_EQ(max_diff(r.page.gray, l.expected), 0);
}

TEST(CodecPng, DamagedFilesAreCorruptWithAReason) {
  const Layout base = random_layout(2, 8, 80, 40, 11, false);
  auto expect_corrupt = [&](PngSpec s, const char* what, const char* words) {
    const DecodeResult r = decode(make_png(s));
    EXPECT_EQ(r.error, PageError::kCorrupt) << what;
    EXPECT_NE(r.message.find(words), std::string::npos) << what << ": " << r.message;
    EXPECT_TRUE(r.page.gray.empty()) << what;
  };
  PngSpec s = base.spec;
  s.bad_idat_crc = true;
  expect_corrupt(s, "IDAT CRC", "CRC error");
  s = base.spec;
  s.bad_filter_row = 17;
  expect_corrupt(s, "filter type", "filter type 7");
  s = base.spec;
  s.cut_stream = 200;  // IEND is there, the zlib stream is short
  expect_corrupt(s, "short stream", "PNG image data");
  const Layout pal = random_layout(3, 4, 20, 10, 12, false);
  s = pal.spec;
  s.omit_plte = true;
  expect_corrupt(s, "no PLTE", "PLTE");
  // A stream with a surplus row decodes (libpng tolerates it too).
  s = base.spec;
  s.surplus_row = true;
  const DecodeResult r = decode(make_png(s));
  EXPECT_EQ(r.error, PageError::kNone) << r.message;
  EXPECT_EQ(max_diff(r.page.gray, decode(make_png(base.spec)).page.gray), 0);
  // An invalid depth for the colour type.
  s = base.spec;
  s.depth = 4;  // RGB at 4 bits does not exist
  s.rows.assign(static_cast<size_t>(s.h),
                std::vector<uint8_t>(static_cast<size_t>(s.w) * 3 / 2 + 1, 0));
  expect_corrupt(s, "depth", "bit depth 4");
}

// The stream a PDF embeds unchanged: taken for gray of 1-8 bits and 8-bit
// RGB, and its bytes are exactly the IDAT payloads; refused for what a PDF
// would show differently (palette, alpha, tRNS, 16 bits) and for damage.
TEST(CodecPng, StreamForPdfIsTheIdatDataOfPagesAPdfShowsAlike) {
  auto idat_of = [](const std::vector<uint8_t>& png) {
    std::string z;
    for (size_t pos = 8; pos + 12 <= png.size();) {
      const uint32_t len = static_cast<uint32_t>(png[pos] << 24 | png[pos + 1] << 16 |
                                                 png[pos + 2] << 8 | png[pos + 3]);
      if (std::memcmp(png.data() + pos + 4, "IDAT", 4) == 0)
        z.append(reinterpret_cast<const char*>(png.data() + pos + 8), len);
      pos += 12 + len;
    }
    return z;
  };
  auto as_string = [](const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); };
  uint64_t seed = 100;
  for (auto [color, depth] : {std::pair{0, 1}, {0, 2}, {0, 4}, {0, 8}, {2, 8}}) {
    const std::vector<uint8_t> png =
        make_png(random_layout(color, depth, 61, 33, seed++, false).spec);
    PngStream st;
    ASSERT_TRUE(png_stream_for_pdf(as_string(png), &st))
        << "colour " << color << " depth " << depth;
    EXPECT_EQ(st.width, 61);
    EXPECT_EQ(st.height, 33);
    EXPECT_EQ(st.depth, depth);
    EXPECT_EQ(st.colors, color == 2 ? 3 : 1);
    EXPECT_EQ(st.zlib, idat_of(png));
  }
  for (auto [color, depth, trns] : {std::tuple{3, 8, false},
                                    {4, 8, false},
                                    {6, 8, false},
                                    {0, 16, false},
                                    {2, 16, false},
                                    {0, 8, true},
                                    {2, 8, true}}) {
    PngStream st;
    EXPECT_FALSE(png_stream_for_pdf(
        as_string(make_png(random_layout(color, depth, 13, 7, seed++, trns).spec)), &st))
        << "colour " << color << " depth " << depth << " tRNS " << trns;
  }
  Layout l = random_layout(0, 8, 13, 7, seed++, false);
  l.spec.bad_idat_crc = true;
  PngStream st;
  EXPECT_FALSE(png_stream_for_pdf(as_string(make_png(l.spec)), &st));
  std::vector<uint8_t> cut = make_png(random_layout(0, 8, 13, 7, seed++, false).spec);
  cut.resize(cut.size() - 12);  // no IEND
  EXPECT_FALSE(png_stream_for_pdf(as_string(cut), &st));
  EXPECT_FALSE(png_stream_for_pdf("not a png", &st));
}

}  // namespace
}  // namespace pageprep::host
