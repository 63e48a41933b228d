// encode_packed_page (io/codec.hpp): a binary page encoded straight from the
// 1-bit rows an executor delivers gives the bytes encode_page() writes for the
// same page unpacked to 0/255, for G4, PBM and PNG, on odd widths, padded
// pitches and rows whose padding bits are set; and libtiff reads the G4 back
// as the page. Our G4 coder (io/g4_encode.hpp) writes the very file libtiff's
// coder writes, on pages made to reach every code and mode.
#include <gtest/gtest.h>
#include <tiffio.h>

#include <opencv2/core.hpp>

#include <cstring>
#include <random>
#include <sstream>
#include <vector>

#include "io/codec.hpp"
#include "io/codec_internal.hpp"

namespace pageprep::host {
namespace {

/// 0 (ink) / 255 (paper) with text-like runs and isolated dots.
cv::Mat binary_page(int w, int h, uint64_t seed) {
  std::mt19937_64 rng(seed);
  cv::Mat m(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.at<uint8_t>(y, x) = (rng() % 9 == 0 || ((x / 4 + y / 3) % 13 == 0)) ? 0 : 255;
  return m;
}

/// The naive packing of kernels/pack.hpp: 1 = ink, MSB first, `pitch` bytes a
/// row. Padding bits (past `w` in a row's last byte) and bytes past the row
/// are set to `pad`, which an encoder must ignore.
cv::Mat pack_naive(const cv::Mat& bin, int pitch, uint8_t pad) {
  const int row = (bin.cols + 7) / 8;
  cv::Mat p(bin.rows, pitch, CV_8UC1, cv::Scalar(pad));
  for (int y = 0; y < bin.rows; ++y) {
    uint8_t* o = p.ptr<uint8_t>(y);
    std::memset(o, 0, static_cast<size_t>(row));
    for (int x = 0; x < bin.cols; ++x)
      if (bin.at<uint8_t>(y, x) < 128) o[x / 8] |= static_cast<uint8_t>(0x80u >> (x % 8));
    if (bin.cols % 8 != 0) o[row - 1] |= static_cast<uint8_t>(pad & (0xFFu >> (bin.cols % 8)));
  }
  return p;
}

/// A Mat of `row` columns whose rows are `pitch` bytes apart (a view).
cv::Mat with_pitch(const cv::Mat& packed, int row) {
  return packed.colRange(0, row);
}

struct MemTiff {
  const std::vector<uint8_t>* bytes;
  toff_t pos = 0;
};
tsize_t mem_read(thandle_t h, tdata_t buf, tsize_t n) {
  auto* m = static_cast<MemTiff*>(h);
  const toff_t left = m->bytes->size() - std::min<toff_t>(m->pos, m->bytes->size());
  const tsize_t k = static_cast<tsize_t>(std::min<toff_t>(left, static_cast<toff_t>(n)));
  std::memcpy(buf, m->bytes->data() + m->pos, static_cast<size_t>(k));
  m->pos += static_cast<toff_t>(k);
  return k;
}
tsize_t mem_write(thandle_t, tdata_t, tsize_t) {
  return -1;
}
toff_t mem_seek(thandle_t h, toff_t off, int whence) {
  auto* m = static_cast<MemTiff*>(h);
  m->pos = whence == SEEK_SET ? off : whence == SEEK_CUR ? m->pos + off : m->bytes->size() + off;
  return m->pos;
}
int mem_close(thandle_t) {
  return 0;
}
toff_t mem_size(thandle_t h) {
  return static_cast<MemTiff*>(h)->bytes->size();
}

/// libtiff's own decode of a G4 page back to 0/255 (MINISWHITE: 1 = black).
cv::Mat libtiff_decode_g4(const std::vector<uint8_t>& bytes) {
  MemTiff m{&bytes};
  TIFF* tif = TIFFClientOpen("mem", "r", &m, mem_read, mem_write, mem_seek, mem_close, mem_size,
                             nullptr, nullptr);
  if (!tif) return {};
  uint32_t w = 0, h = 0;
  uint16_t comp = 0, photo = 0, bps = 0;
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h);
  TIFFGetField(tif, TIFFTAG_COMPRESSION, &comp);
  TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo);
  TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bps);
  cv::Mat out;
  if (comp == COMPRESSION_CCITTFAX4 && photo == PHOTOMETRIC_MINISWHITE && bps == 1) {
    out.create(static_cast<int>(h), static_cast<int>(w), CV_8UC1);
    std::vector<uint8_t> line(static_cast<size_t>(TIFFScanlineSize(tif)));
    for (uint32_t y = 0; y < h; ++y) {
      if (TIFFReadScanline(tif, line.data(), y) < 0) {
        out.release();
        break;
      }
      for (uint32_t x = 0; x < w; ++x)
        out.at<uint8_t>(static_cast<int>(y), static_cast<int>(x)) =
            (line[x / 8] >> (7 - x % 8)) & 1 ? 0 : 255;
    }
  }
  TIFFClose(tif);
  return out;
}

TEST(EncodePacked, SameBytesAsTheUnpackedPageForEveryFormatWidthPitchAndPadding) {
  const int sizes[][2] = {{1, 1}, {1, 9}, {7, 3}, {8, 5}, {9, 4}, {17, 1}, {64, 40}, {301, 211}};
  for (const auto& s : sizes) {
    const cv::Mat bin = binary_page(s[0], s[1], 7u * static_cast<uint64_t>(s[0]) + s[1]);
    const int row = (s[0] + 7) / 8;
    for (int extra : {0, 5}) {
      for (uint8_t pad : {uint8_t{0}, uint8_t{0xFF}}) {
        const cv::Mat storage = pack_naive(bin, row + extra, pad);
        const cv::Mat packed = with_pitch(storage, row);
        for (OutputFormat f : {OutputFormat::kTiffG4, OutputFormat::kPnm, OutputFormat::kPng}) {
          std::ostringstream what;
          what << s[0] << "x" << s[1] << " pitch " << row + extra << " pad " << int(pad)
               << " format " << static_cast<int>(f);
          const EncodeResult want = encode_page(bin, f, 300, true);
          const EncodeResult got = encode_packed_page(packed, s[0], f, 300);
          ASSERT_EQ(want.error, PageError::kNone) << want.message << " " << what.str();
          ASSERT_EQ(got.error, PageError::kNone) << got.message << " " << what.str();
          ASSERT_FALSE(got.bytes.empty()) << what.str();
          EXPECT_TRUE(got.bytes == want.bytes) << what.str();
        }
      }
    }
  }
}

TEST(EncodePacked, LibtiffReadsTheG4BackAsThePage) {
  for (int w : {1, 13, 2481}) {
    const int h = w > 100 ? 120 : 9;
    const cv::Mat bin = binary_page(w, h, static_cast<uint64_t>(w));
    const int row = (w + 7) / 8;
    const cv::Mat storage = pack_naive(bin, row + 3, 0xFF);
    const EncodeResult e =
        encode_packed_page(with_pitch(storage, row), w, OutputFormat::kTiffG4, 300);
    ASSERT_EQ(e.error, PageError::kNone) << e.message;
    const cv::Mat back = libtiff_decode_g4(e.bytes);
    ASSERT_EQ(back.size(), bin.size()) << w;
    EXPECT_EQ(cv::countNonZero(back != bin), 0) << w;
  }
}

/// Rows of runs whose lengths are drawn from 0..max_run (each row its own
/// runs, so the 2-D coder meets pass, vertical and horizontal modes and every
/// terminating and make-up code of both colours), and rows that copy or shift
/// the row above by up to 4 pixels (the vertical modes).
cv::Mat run_page(int w, int h, int max_run, uint64_t seed) {
  std::mt19937_64 rng(seed);
  cv::Mat m(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y) {
    uint8_t* row = m.ptr<uint8_t>(y);
    const int kind = static_cast<int>(rng() % 4);
    if (y > 0 && kind == 0) {
      const int shift = static_cast<int>(rng() % 9) - 4;
      const uint8_t* up = m.ptr<uint8_t>(y - 1);
      for (int x = 0; x < w; ++x) row[x] = up[std::min(w - 1, std::max(0, x + shift))];
      continue;
    }
    uint8_t v = rng() % 2 ? 0 : 255;
    for (int x = 0; x < w;) {
      const int run = static_cast<int>(rng() % static_cast<uint64_t>(max_run + 1));
      for (int k = 0; k < run && x < w; ++k) row[x++] = v;
      v = static_cast<uint8_t>(255 - v);
    }
  }
  return m;
}

TEST(G4Coder, WritesTheFileLibtiffsCoderWrites) {
  struct Case {
    int w, h, max_run;
  };
  const Case cases[] = {{1, 1, 1},        {1, 7, 2},      {2, 5, 3},      {7, 9, 8},
                        {8, 8, 9},        {9, 6, 10},     {63, 20, 70},   {64, 20, 70},
                        {65, 20, 70},     {127, 30, 130}, {301, 80, 300}, {2481, 40, 2700},
                        {6000, 12, 6000}, {2480, 60, 12}};
  int seed = 0;
  for (const Case& c : cases) {
    for (const cv::Mat& bin :
         {run_page(c.w, c.h, c.max_run, static_cast<uint64_t>(++seed)),
          binary_page(c.w, c.h, static_cast<uint64_t>(++seed)),
          cv::Mat(c.h, c.w, CV_8UC1, cv::Scalar(255)), cv::Mat(c.h, c.w, CV_8UC1, cv::Scalar(0))}) {
      const int row = (c.w + 7) / 8;
      for (uint8_t pad : {uint8_t{0}, uint8_t{0xFF}}) {
        const cv::Mat storage = pack_naive(bin, row + 2, pad);
        const EncodeResult want = detail::tiff_encode_g4_packed(storage.data, row + 2, c.w, c.h,
                                                                300, detail::G4Coder::kLibtiff);
        const EncodeResult got = detail::tiff_encode_g4_packed(storage.data, row + 2, c.w, c.h, 300,
                                                               detail::G4Coder::kOwn);
        ASSERT_EQ(want.error, PageError::kNone) << want.message;
        ASSERT_EQ(got.error, PageError::kNone) << got.message;
        ASSERT_TRUE(got.bytes == want.bytes)
            << c.w << "x" << c.h << " max run " << c.max_run << " pad " << int(pad) << ": "
            << got.bytes.size() << " bytes against libtiff's " << want.bytes.size();
        const cv::Mat back = libtiff_decode_g4(got.bytes);
        ASSERT_EQ(back.size(), bin.size());
        ASSERT_EQ(cv::countNonZero(back != bin), 0) << c.w << "x" << c.h;
      }
    }
  }
}

TEST(EncodePacked, RowsNarrowerThanTheWidthAreAnError) {
  const cv::Mat packed(4, 2, CV_8UC1, cv::Scalar(0));
  const EncodeResult e = encode_packed_page(packed, 17, OutputFormat::kTiffG4, 300);
  EXPECT_EQ(e.error, PageError::kInternal);
  EXPECT_TRUE(e.bytes.empty());
  EXPECT_NE(e.message.find("17"), std::string::npos) << e.message;
  EXPECT_EQ(encode_packed_page(cv::Mat(), 8, OutputFormat::kPnm, 300).error, PageError::kInternal);
  EXPECT_EQ(encode_packed_page(packed, 0, OutputFormat::kPng, 300).error, PageError::kInternal);
}

}  // namespace
}  // namespace pageprep::host
