// Page decoding and encoding: round trips for every format, resolution from
// files written by independent writers (Leptonica, libtiff, OpenCV), errors,
// decompression-bomb guards and the real scans in shared/data/real-scans.
#include <gtest/gtest.h>

#include <leptonica/allheaders.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "io/codec.hpp"
#include "support/random_image.hpp"
#include "support/unprivileged.hpp"

namespace pageprep {
namespace {

namespace fs = std::filesystem;
using host::DecodeLimits;
using host::DecodeResult;
using host::OutputFormat;
using host::PageError;

// ------------------------------------------------------------- helpers ----

cv::Mat random_gray(int w, int h, uint64_t seed) {
  testsupport::OwnedImage img = testsupport::random_document(w, h, seed);
  cv::Mat m(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<uint8_t>(y, x) = img.at(x, y);
  return m;
}

cv::Mat random_mat(int w, int h, int type, uint64_t seed) {
  cv::Mat m(h, w, type);
  std::mt19937_64 rng(seed);
  const size_t row = static_cast<size_t>(w) * m.elemSize();
  for (int y = 0; y < h; ++y) {
    uint8_t* p = m.ptr<uint8_t>(y);
    for (size_t i = 0; i < row; ++i) p[i] = static_cast<uint8_t>(rng());
  }
  return m;
}

// Bilevel page: 0/255 with some structure.
cv::Mat random_binary(int w, int h, uint64_t seed) {
  cv::Mat m = random_gray(w, h, seed);
  std::mt19937_64 rng(seed + 99);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      m.at<uint8_t>(y, x) = (rng() % 7 == 0 || (x / 5 + y / 3) % 11 == 0) ? 0 : 255;
  return m;
}

// Reference gray in double precision (BT.601), for comparison within 1 level.
uint8_t ref_gray(double r, double g, double b) {
  return static_cast<uint8_t>(std::floor(0.299 * r + 0.587 * g + 0.114 * b + 0.5));
}

int max_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size() || a.type() != b.type()) return 1000;
  int d = 0;
  for (int y = 0; y < a.rows; ++y)
    for (int x = 0; x < a.cols; ++x)
      d = std::max(d, std::abs(int(a.at<uint8_t>(y, x)) - int(b.at<uint8_t>(y, x))));
  return d;
}

bool only_0_255(const cv::Mat& m) {
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) {
      const uint8_t v = m.at<uint8_t>(y, x);
      if (v != 0 && v != 255) return false;
    }
  return true;
}

std::vector<uint8_t> encode_cv(const std::string& ext, const cv::Mat& m,
                               const std::vector<int>& params = {}) {
  std::vector<uint8_t> buf;
  EXPECT_TRUE(cv::imencode(ext, m, buf, params)) << ext;
  return buf;
}

uint32_t crc32_ref(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void put_be32(std::vector<uint8_t>* v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v->push_back(static_cast<uint8_t>(x >> s));
}

// A PNG chunk with a correct CRC.
void put_chunk(std::vector<uint8_t>* png, const char* type, const std::vector<uint8_t>& body) {
  put_be32(png, static_cast<uint32_t>(body.size()));
  const size_t start = png->size();
  png->insert(png->end(), type, type + 4);
  png->insert(png->end(), body.begin(), body.end());
  put_be32(png, crc32_ref(png->data() + start, png->size() - start));
}

// Replaces (or adds) the pHYs chunk of a PNG; unit 1 = metre.
std::vector<uint8_t> with_phys(const std::vector<uint8_t>& png, uint32_t ppm_x, uint32_t ppm_y,
                               uint8_t unit) {
  std::vector<uint8_t> out(png.begin(), png.begin() + 33);
  std::vector<uint8_t> body;
  put_be32(&body, ppm_x);
  put_be32(&body, ppm_y);
  body.push_back(unit);
  put_chunk(&out, "pHYs", body);
  out.insert(out.end(), png.begin() + 33, png.end());
  return out;
}

std::vector<uint8_t> lept_bytes(l_uint8* data, size_t size) {
  std::vector<uint8_t> v(data, data + size);
  lept_free(data);
  return v;
}

PIX* pix_from_gray(const cv::Mat& m) {
  PIX* pix = pixCreate(m.cols, m.rows, 8);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) pixSetPixel(pix, x, y, m.at<uint8_t>(y, x));
  return pix;
}

// One TIFF page for the libtiff test writer. `rows` holds packed rows of
// (w * spp * bps + 7) / 8 bytes.
struct TiffPage {
  uint32_t w = 0, h = 0;
  uint16_t bps = 8, spp = 1, photometric = PHOTOMETRIC_MINISBLACK, compression = COMPRESSION_NONE;
  std::vector<uint8_t> rows;
  float xres = 0, yres = 0;
  uint16_t unit = RESUNIT_INCH;
  bool tiled = false;
  std::vector<uint16_t> colormap;  // 3 << bps entries for palette pages
  uint16_t extra_sample = 0;       // EXTRASAMPLE_* for spp == 4
};

void write_tiff(const std::string& path, const std::vector<TiffPage>& pages) {
  TIFF* tif = TIFFOpen(path.c_str(), "w");
  ASSERT_NE(tif, nullptr);
  for (const TiffPage& p : pages) {
    TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, p.w);
    TIFFSetField(tif, TIFFTAG_IMAGELENGTH, p.h);
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, p.bps);
    TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, p.spp);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, p.photometric);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, p.compression);
    TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
    if (p.xres > 0) {
      TIFFSetField(tif, TIFFTAG_XRESOLUTION, p.xres);
      TIFFSetField(tif, TIFFTAG_YRESOLUTION, p.yres);
      TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, p.unit);
    }
    if (!p.colormap.empty()) {
      const size_t n = size_t{1} << p.bps;
      TIFFSetField(tif, TIFFTAG_COLORMAP, p.colormap.data(), p.colormap.data() + n,
                   p.colormap.data() + 2 * n);
    }
    if (p.extra_sample) {
      const uint16_t extra[1] = {p.extra_sample};
      TIFFSetField(tif, TIFFTAG_EXTRASAMPLES, 1, extra);
    }
    const size_t row_bytes = (size_t{p.w} * p.spp * p.bps + 7) / 8;
    if (p.tiled) {
      const uint32_t tw = 16, th = 16;
      TIFFSetField(tif, TIFFTAG_TILEWIDTH, tw);
      TIFFSetField(tif, TIFFTAG_TILELENGTH, th);
      const size_t px = size_t{p.spp} * p.bps / 8;  // tiled pages here are 8-bit
      std::vector<uint8_t> tile(tw * th * px);
      for (uint32_t ty = 0; ty < p.h; ty += th)
        for (uint32_t tx = 0; tx < p.w; tx += tw) {
          std::fill(tile.begin(), tile.end(), 0);
          for (uint32_t y = 0; y < th && ty + y < p.h; ++y)
            for (uint32_t x = 0; x < tw && tx + x < p.w; ++x)
              std::memcpy(&tile[(y * tw + x) * px], &p.rows[(ty + y) * row_bytes + (tx + x) * px],
                          px);
          ASSERT_GE(TIFFWriteTile(tif, tile.data(), tx, ty, 0, 0), 0);
        }
    } else {
      TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, std::max<uint32_t>(1, 7));
      std::vector<uint8_t> row(row_bytes);
      for (uint32_t y = 0; y < p.h; ++y) {
        std::memcpy(row.data(), &p.rows[y * row_bytes], row_bytes);
        ASSERT_GE(TIFFWriteScanline(tif, row.data(), y, 0), 0);
      }
    }
    ASSERT_TRUE(TIFFWriteDirectory(tif));
  }
  TIFFClose(tif);
}

// Packs a 0/255 page, MSB first; `one_is_black` for MINISWHITE.
std::vector<uint8_t> pack(const cv::Mat& m, bool one_is_black) {
  const size_t row_bytes = (static_cast<size_t>(m.cols) + 7) / 8;
  std::vector<uint8_t> out(row_bytes * m.rows, 0);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) {
      const bool white = m.at<uint8_t>(y, x) >= 128;
      if (white != one_is_black) out[y * row_bytes + x / 8] |= uint8_t(0x80 >> (x % 8));
    }
  return out;
}

std::vector<uint8_t> mat_bytes(const cv::Mat& m) {
  std::vector<uint8_t> v;
  for (int y = 0; y < m.rows; ++y)
    v.insert(v.end(), m.ptr<uint8_t>(y), m.ptr<uint8_t>(y) + m.cols * m.elemSize());
  return v;
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_all(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// Adds `extra` to every StripByteCounts entry of a little-endian classic TIFF
// (first directory): the strips then run past the end of the data.
bool inflate_strip_byte_counts(std::vector<uint8_t>* tif, uint32_t extra) {
  std::vector<uint8_t>& t = *tif;
  auto u16 = [&](size_t o) { return static_cast<uint32_t>(t[o] | t[o + 1] << 8); };
  auto u32 = [&](size_t o) { return u16(o) | u16(o + 2) << 16; };
  if (t.size() < 8 || t[0] != 'I') return false;
  const size_t ifd = u32(4);
  for (uint32_t i = 0; i < u16(ifd); ++i) {
    const size_t e = ifd + 2 + 12 * i;
    if (u16(e) != 279 || u32(e + 4) != 1) continue;
    if (u16(e + 2) == 4) {
      const uint32_t v = u32(e + 8) + extra;
      for (int k = 0; k < 4; ++k) t[e + 8 + k] = static_cast<uint8_t>(v >> (8 * k));
    } else {  // SHORT: promote to LONG in place
      const uint32_t v = u16(e + 8) + extra;
      t[e + 2] = 4;
      for (int k = 0; k < 4; ++k) t[e + 8 + k] = static_cast<uint8_t>(v >> (8 * k));
    }
    return true;
  }
  return false;
}

class CodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pageprep_codec_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    setMsgSeverity(L_SEVERITY_NONE);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  DecodeResult decode_mem(const std::vector<uint8_t>& b, int32_t page = 0,
                          const DecodeLimits& limits = {}) {
    return host::decode_page_from_memory(b, "mem", page, limits, pool_);
  }
  DecodeResult decode_file(const std::string& p, int32_t page = 0) {
    return host::decode_page(p, page, DecodeLimits{}, pool_);
  }

  std::string dir_;
  kernels::cpu::ThreadPool pool_{3};
};

#define EXPECT_DECODED(r) ASSERT_EQ((r).error, PageError::kNone) << (r).message

// -------------------------------------------------------- round trips ----

TEST_F(CodecTest, PngGrayRoundTripIsExactAndCarriesDpi) {
  for (auto [w, h] : testsupport::odd_shapes()) {
    const cv::Mat page = random_gray(w, h, static_cast<uint64_t>(w * 31 + h));
    const host::EncodeResult e = host::encode_page(page, OutputFormat::kPng, 600, false);
    ASSERT_EQ(e.error, PageError::kNone) << e.message;
    EXPECT_EQ(host::sniff_format(e.bytes.data(), e.bytes.size()), "png");
    const DecodeResult r = decode_mem(e.bytes);
    EXPECT_DECODED(r);
    EXPECT_EQ(max_abs_diff(r.page.gray, page), 0) << w << "x" << h;
    EXPECT_EQ(r.page.format, "png");
    EXPECT_EQ(r.page.source_depth_bits, 8);
    EXPECT_TRUE(r.page.dpi_from_file);
    EXPECT_DOUBLE_EQ(r.page.dpi_x, 600.0);  // 23622 px/m snapped back to 600
    EXPECT_DOUBLE_EQ(r.page.dpi_y, 600.0);
  }
}

TEST_F(CodecTest, BinaryRoundTripsInEveryFormatOnOddWidths) {
  for (int w : {1, 7, 8, 9, 13, 64, 131}) {
    const cv::Mat page = random_binary(w, 17, static_cast<uint64_t>(w));
    for (OutputFormat f : {OutputFormat::kPng, OutputFormat::kTiffG4, OutputFormat::kPnm}) {
      const host::EncodeResult e = host::encode_page(page, f, 300, true);
      ASSERT_EQ(e.error, PageError::kNone) << e.message;
      const DecodeResult r = decode_mem(e.bytes);
      EXPECT_DECODED(r);
      EXPECT_EQ(max_abs_diff(r.page.gray, page), 0) << "width " << w << " format " << int(f);
      EXPECT_EQ(r.page.source_depth_bits, 1) << int(f);
    }
  }
}

TEST_F(CodecTest, BinaryEncodingThresholdsAt128) {
  cv::Mat page(3, 4, CV_8UC1);
  const uint8_t v[12] = {0, 127, 128, 255, 1, 200, 60, 254, 129, 3, 255, 0};
  std::memcpy(page.data, v, 12);
  for (OutputFormat f : {OutputFormat::kPng, OutputFormat::kTiffG4, OutputFormat::kPnm}) {
    const DecodeResult r = decode_mem(host::encode_page(page, f, 300, true).bytes);
    EXPECT_DECODED(r);
    for (int i = 0; i < 12; ++i)
      EXPECT_EQ(r.page.gray.data[i], v[i] >= 128 ? 255 : 0) << "format " << int(f) << " i " << i;
  }
}

TEST_F(CodecTest, G4OutputIsReadByLeptonicaAsMinIsWhiteBilevel) {
  const cv::Mat page = random_binary(203, 61, 5);
  const host::EncodeResult e = host::encode_page(page, OutputFormat::kTiffG4, 400, true);
  ASSERT_EQ(e.error, PageError::kNone) << e.message;
  PIX* pix = pixReadMemTiff(e.bytes.data(), e.bytes.size(), 0);
  ASSERT_NE(pix, nullptr);
  EXPECT_EQ(pixGetDepth(pix), 1);
  EXPECT_EQ(pixGetXRes(pix), 400);
  int mismatches = 0;
  for (int y = 0; y < page.rows; ++y)
    for (int x = 0; x < page.cols; ++x) {
      l_uint32 bit = 0;
      pixGetPixel(pix, x, y, &bit);  // Leptonica: 1 = black
      mismatches += (bit == 1) != (page.at<uint8_t>(y, x) == 0);
    }
  pixDestroy(&pix);
  EXPECT_EQ(mismatches, 0);
  // The tags themselves.
  const std::string p = path("g4.tif");
  write_all(p, e.bytes);
  TIFF* tif = TIFFOpen(p.c_str(), "r");
  ASSERT_NE(tif, nullptr);
  uint16_t compression = 0, photometric = 0, bps = 0, unit = 0;
  float xres = 0;
  TIFFGetField(tif, TIFFTAG_COMPRESSION, &compression);
  TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric);
  TIFFGetField(tif, TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetField(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
  TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres);
  TIFFClose(tif);
  EXPECT_EQ(compression, COMPRESSION_CCITTFAX4);
  EXPECT_EQ(photometric, PHOTOMETRIC_MINISWHITE);
  EXPECT_EQ(bps, 1);
  EXPECT_EQ(unit, RESUNIT_INCH);
  EXPECT_FLOAT_EQ(xres, 400.0f);
}

TEST_F(CodecTest, GrayTiffAndPgmRoundTripsAreExact) {
  const cv::Mat page = random_gray(251, 97, 7);
  for (OutputFormat f : {OutputFormat::kTiffG4, OutputFormat::kPnm}) {
    const host::EncodeResult e = host::encode_page(page, f, 250, false);
    ASSERT_EQ(e.error, PageError::kNone) << e.message;
    const DecodeResult r = decode_mem(e.bytes);
    EXPECT_DECODED(r);
    EXPECT_EQ(max_abs_diff(r.page.gray, page), 0) << int(f);
    EXPECT_EQ(r.page.source_depth_bits, 8);
  }
  // The gray TIFF is LZW with its resolution.
  const DecodeResult r =
      decode_mem(host::encode_page(page, OutputFormat::kTiffG4, 250, false).bytes);
  EXPECT_TRUE(r.page.dpi_from_file);
  EXPECT_DOUBLE_EQ(r.page.dpi_x, 250.0);
  EXPECT_EQ(r.page.format, "tiff");
}

TEST_F(CodecTest, EncodeAcceptsNonContinuousMats) {
  const cv::Mat big = random_gray(100, 50, 8);
  const cv::Mat roi = big(cv::Rect(3, 5, 41, 23));
  ASSERT_FALSE(roi.isContinuous());
  for (OutputFormat f : {OutputFormat::kPng, OutputFormat::kTiffG4, OutputFormat::kPnm}) {
    const DecodeResult r = decode_mem(host::encode_page(roi, f, 300, false).bytes);
    EXPECT_DECODED(r);
    EXPECT_EQ(max_abs_diff(r.page.gray, roi), 0) << int(f);
  }
}

TEST_F(CodecTest, EncodeRejectsEmptyAndColourMats) {
  EXPECT_EQ(host::encode_page(cv::Mat(), OutputFormat::kPng, 300, false).error,
            PageError::kInternal);
  EXPECT_EQ(host::encode_page(cv::Mat(4, 4, CV_8UC3), OutputFormat::kPnm, 300, false).error,
            PageError::kInternal);
  EXPECT_STREQ(host::output_extension(OutputFormat::kPnm, true), ".pbm");
  EXPECT_STREQ(host::output_extension(OutputFormat::kPnm, false), ".pgm");
  EXPECT_STREQ(host::output_extension(OutputFormat::kTiffG4, true), ".tif");
}

TEST_F(CodecTest, ColourPngConvertsToBt601Gray) {
  const cv::Mat bgr = random_mat(67, 45, CV_8UC3, 11);
  const DecodeResult r = decode_mem(encode_cv(".png", bgr));
  EXPECT_DECODED(r);
  cv::Mat ref(bgr.rows, bgr.cols, CV_8UC1);
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      ref.at<uint8_t>(y, x) = ref_gray(p[2], p[1], p[0]);
    }
  EXPECT_LE(max_abs_diff(r.page.gray, ref), 1);
  EXPECT_EQ(r.page.source_channels, 3);
  EXPECT_FALSE(r.page.dpi_from_file);  // OpenCV writes no pHYs
  EXPECT_DOUBLE_EQ(r.page.dpi_x, 300.0);
}

TEST_F(CodecTest, AlphaIsCompositedOntoWhite) {
  cv::Mat bgra = random_mat(53, 21, CV_8UC4, 12);
  for (int x = 0; x < bgra.cols; ++x) {
    bgra.at<cv::Vec4b>(0, x)[3] = 0;    // fully transparent row: paper
    bgra.at<cv::Vec4b>(1, x)[3] = 255;  // opaque row
  }
  const DecodeResult r = decode_mem(encode_cv(".png", bgra));
  EXPECT_DECODED(r);
  EXPECT_EQ(r.page.source_channels, 4);
  int worst = 0;
  for (int y = 0; y < bgra.rows; ++y)
    for (int x = 0; x < bgra.cols; ++x) {
      const cv::Vec4b p = bgra.at<cv::Vec4b>(y, x);
      const double a = p[3] / 255.0;
      auto over_white = [&](double c) { return c * a + 255.0 * (1.0 - a); };
      const double g =
          0.299 * over_white(p[2]) + 0.587 * over_white(p[1]) + 0.114 * over_white(p[0]);
      worst = std::max(worst, int(std::lround(std::fabs(r.page.gray.at<uint8_t>(y, x) - g))));
      if (y == 0) {
        EXPECT_EQ(r.page.gray.at<uint8_t>(y, x), 255);
      }
    }
  EXPECT_LE(worst, 1);
}

TEST_F(CodecTest, SixteenBitPngScalesWithRounding) {
  cv::Mat m16(19, 33, CV_16UC1);
  std::mt19937 rng(3);
  for (int y = 0; y < m16.rows; ++y)
    for (int x = 0; x < m16.cols; ++x) m16.at<uint16_t>(y, x) = static_cast<uint16_t>(rng());
  m16.at<uint16_t>(0, 0) = 0;
  m16.at<uint16_t>(0, 1) = 65535;
  const DecodeResult r = decode_mem(encode_cv(".png", m16));
  EXPECT_DECODED(r);
  EXPECT_EQ(r.page.source_depth_bits, 16);
  for (int y = 0; y < m16.rows; ++y)
    for (int x = 0; x < m16.cols; ++x)
      ASSERT_EQ(r.page.gray.at<uint8_t>(y, x),
                static_cast<uint8_t>(std::floor(m16.at<uint16_t>(y, x) * 255.0 / 65535.0 + 0.5)))
          << x << "," << y;
  // 16-bit colour too.
  cv::Mat c16(9, 11, CV_16UC3, cv::Scalar(65535, 0, 32768));
  const DecodeResult rc = decode_mem(encode_cv(".png", c16));
  EXPECT_DECODED(rc);
  EXPECT_LE(std::abs(int(rc.page.gray.at<uint8_t>(4, 5)) - int(ref_gray(128, 0, 255))), 1);
}

TEST_F(CodecTest, JpegGrayAndColourMatchTheReferenceDecoder) {
  const cv::Mat gray = random_gray(121, 77, 13);
  const std::vector<uint8_t> jg = encode_cv(".jpg", gray, {cv::IMWRITE_JPEG_QUALITY, 95});
  const DecodeResult rg = decode_mem(jg);
  EXPECT_DECODED(rg);
  EXPECT_EQ(max_abs_diff(rg.page.gray, cv::imdecode(jg, cv::IMREAD_UNCHANGED)), 0);
  EXPECT_EQ(rg.page.format, "jpeg");
  EXPECT_EQ(rg.page.source_channels, 1);

  const cv::Mat bgr = random_mat(64, 48, CV_8UC3, 14);
  const std::vector<uint8_t> jc = encode_cv(".jpg", bgr, {cv::IMWRITE_JPEG_QUALITY, 90});
  const DecodeResult rc = decode_mem(jc);
  EXPECT_DECODED(rc);
  const cv::Mat dec = cv::imdecode(jc, cv::IMREAD_COLOR);
  cv::Mat ref(dec.rows, dec.cols, CV_8UC1);
  for (int y = 0; y < dec.rows; ++y)
    for (int x = 0; x < dec.cols; ++x) {
      const cv::Vec3b p = dec.at<cv::Vec3b>(y, x);
      ref.at<uint8_t>(y, x) = ref_gray(p[2], p[1], p[0]);
    }
  EXPECT_LE(max_abs_diff(rc.page.gray, ref), 1);
  EXPECT_EQ(rc.page.source_channels, 3);
  // Progressive JPEG has several scans: the marker walk must reach EOI.
  const std::vector<uint8_t> jp = encode_cv(".jpg", bgr, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  EXPECT_DECODED(decode_mem(jp));
}

TEST_F(CodecTest, PnmVariantsDecode) {
  // P6 from OpenCV.
  const cv::Mat bgr = random_mat(31, 17, CV_8UC3, 15);
  const DecodeResult r6 = decode_mem(encode_cv(".ppm", bgr));
  EXPECT_DECODED(r6);
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      ASSERT_LE(std::abs(int(r6.page.gray.at<uint8_t>(y, x)) - int(ref_gray(p[2], p[1], p[0]))), 1);
    }
  // ASCII P1 (unseparated digits, comments), P2 with maxval 15, P3.
  auto text = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  const DecodeResult r1 = decode_mem(text("P1\n# comment\n3 2\n010\n1 0 1\n"));
  EXPECT_DECODED(r1);
  const uint8_t e1[6] = {255, 0, 255, 0, 255, 0};
  EXPECT_EQ(std::memcmp(r1.page.gray.data, e1, 6), 0);
  const DecodeResult r2 = decode_mem(text("P2 2 2 15\n0 15\n# x\n7 8\n"));
  EXPECT_DECODED(r2);
  const uint8_t e2[4] = {0, 255, 119, 136};  // round(v * 255 / 15)
  EXPECT_EQ(std::memcmp(r2.page.gray.data, e2, 4), 0);
  const DecodeResult r3 = decode_mem(text("P3\n1 1\n255\n255 0 0\n"));
  EXPECT_DECODED(r3);
  EXPECT_LE(std::abs(int(r3.page.gray.data[0]) - int(ref_gray(255, 0, 0))), 1);
  // 16-bit P5, big-endian samples.
  std::vector<uint8_t> p16 = text("P5\n2 1\n65535\n");
  for (int b : {0x12, 0x34, 0xFF, 0xFF}) p16.push_back(static_cast<uint8_t>(b));
  const DecodeResult r16 = decode_mem(p16);
  EXPECT_DECODED(r16);
  EXPECT_EQ(r16.page.gray.data[0], std::floor(0x1234 * 255.0 / 65535.0 + 0.5));
  EXPECT_EQ(r16.page.gray.data[1], 255);
  EXPECT_EQ(r16.page.source_depth_bits, 16);
  // Truncated raster.
  std::vector<uint8_t> short5 = text("P5\n4 4\n255\n");
  short5.resize(short5.size() + 10, 7);
  const DecodeResult rt = decode_mem(short5);
  EXPECT_EQ(rt.error, PageError::kCorrupt);
  EXPECT_NE(rt.message.find("truncated"), std::string::npos) << rt.message;
  EXPECT_TRUE(rt.page.gray.empty());
  EXPECT_EQ(decode_mem(text("P2\n3 3\n255\n1 2 3 4\n")).error, PageError::kCorrupt);
}

TEST_F(CodecTest, WebpLosslessRoundTrip) {
  if (!cv::haveImageWriter(".webp")) GTEST_SKIP() << "OpenCV here cannot write WebP";
  const cv::Mat gray = random_gray(77, 51, 16);
  cv::Mat bgr;
  cv::merge(std::vector<cv::Mat>{gray, gray, gray}, bgr);
  const std::vector<uint8_t> webp = encode_cv(".webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 101});
  const DecodeResult r = decode_mem(webp);
  EXPECT_DECODED(r);
  EXPECT_EQ(r.page.format, "webp");
  EXPECT_EQ(max_abs_diff(r.page.gray, gray), 0);
  // Truncated WebP.
  std::vector<uint8_t> cut(webp.begin(), webp.begin() + static_cast<long>(webp.size() / 2));
  EXPECT_EQ(decode_mem(cut).error, PageError::kCorrupt);
}

// ---------------------------------------------------------------- TIFF ----

TEST_F(CodecTest, TiffLayoutsFromLibtiffDecode) {
  const cv::Mat gray = random_gray(45, 29, 17);
  const cv::Mat binary = random_binary(45, 29, 18);
  cv::Mat inverted;
  cv::bitwise_not(gray, inverted);
  struct Case {
    const char* name;
    TiffPage page;
    cv::Mat expected;
  };
  std::vector<Case> cases;
  auto base = [&](uint16_t bps, uint16_t spp, uint16_t photo, uint16_t comp) {
    TiffPage p;
    p.w = 45;
    p.h = 29;
    p.bps = bps;
    p.spp = spp;
    p.photometric = photo;
    p.compression = comp;
    return p;
  };
  {
    TiffPage p = base(8, 1, PHOTOMETRIC_MINISBLACK, COMPRESSION_LZW);
    p.rows = mat_bytes(gray);
    cases.push_back({"8-bit LZW", p, gray});
  }
  {
    TiffPage p = base(8, 1, PHOTOMETRIC_MINISWHITE, COMPRESSION_PACKBITS);
    p.rows = mat_bytes(inverted);
    cases.push_back({"8-bit MINISWHITE", p, gray});
  }
  {
    TiffPage p = base(8, 1, PHOTOMETRIC_MINISBLACK, COMPRESSION_ADOBE_DEFLATE);
    p.rows = mat_bytes(gray);
    p.tiled = true;
    cases.push_back({"8-bit tiled", p, gray});
  }
  {
    TiffPage p = base(16, 1, PHOTOMETRIC_MINISBLACK, COMPRESSION_NONE);
    for (int y = 0; y < gray.rows; ++y)
      for (int x = 0; x < gray.cols; ++x) {
        const uint16_t v = static_cast<uint16_t>(gray.at<uint8_t>(y, x) * 257);
        p.rows.push_back(static_cast<uint8_t>(v & 0xFF));  // native little-endian file
        p.rows.push_back(static_cast<uint8_t>(v >> 8));
      }
    cases.push_back({"16-bit", p, gray});
  }
  for (auto [name, comp, one_black] :
       {std::tuple{"1-bit G4 MINISWHITE", COMPRESSION_CCITTFAX4, true},
        std::tuple{"1-bit G3 MINISWHITE", COMPRESSION_CCITTFAX3, true},
        std::tuple{"1-bit PackBits MINISBLACK", COMPRESSION_PACKBITS, false},
        std::tuple{"1-bit LZW MINISWHITE", COMPRESSION_LZW, true},
        std::tuple{"1-bit none MINISBLACK", COMPRESSION_NONE, false}}) {
    TiffPage p = base(1, 1, one_black ? PHOTOMETRIC_MINISWHITE : PHOTOMETRIC_MINISBLACK,
                      static_cast<uint16_t>(comp));
    p.rows = pack(binary, one_black);
    cases.push_back({name, p, binary});
  }
  const cv::Mat bgr = random_mat(45, 29, CV_8UC3, 19);
  cv::Mat colour_ref(29, 45, CV_8UC1);
  std::vector<uint8_t> rgb;
  for (int y = 0; y < 29; ++y)
    for (int x = 0; x < 45; ++x) {
      const cv::Vec3b b = bgr.at<cv::Vec3b>(y, x);
      rgb.insert(rgb.end(), {b[2], b[1], b[0]});
      colour_ref.at<uint8_t>(y, x) = ref_gray(b[2], b[1], b[0]);
    }
  {
    TiffPage p = base(8, 3, PHOTOMETRIC_RGB, COMPRESSION_LZW);
    p.rows = rgb;
    cases.push_back({"RGB LZW", p, colour_ref});
  }
  {
    TiffPage p = base(8, 3, PHOTOMETRIC_RGB, COMPRESSION_NONE);
    p.rows = rgb;
    p.tiled = true;
    cases.push_back({"RGB tiled", p, colour_ref});
  }
  {
    // Palette: index i maps to a colour whose gray we know.
    TiffPage p = base(8, 1, PHOTOMETRIC_PALETTE, COMPRESSION_NONE);
    p.colormap.resize(3 * 256);
    cv::Mat ref(29, 45, CV_8UC1);
    for (int i = 0; i < 256; ++i) {
      p.colormap[i] = static_cast<uint16_t>(i * 257);                // red
      p.colormap[256 + i] = static_cast<uint16_t>((255 - i) * 257);  // green
      p.colormap[512 + i] = static_cast<uint16_t>(128 * 257);        // blue
    }
    p.rows = mat_bytes(gray);
    for (int y = 0; y < 29; ++y)
      for (int x = 0; x < 45; ++x) {
        const int i = gray.at<uint8_t>(y, x);
        ref.at<uint8_t>(y, x) = ref_gray(i, 255 - i, 128);
      }
    cases.push_back({"palette", p, ref});
  }
  {
    // RGBA, unassociated alpha: transparent pixels are white.
    TiffPage p = base(8, 4, PHOTOMETRIC_RGB, COMPRESSION_NONE);
    p.extra_sample = EXTRASAMPLE_UNASSALPHA;
    cv::Mat ref(29, 45, CV_8UC1);
    for (int y = 0; y < 29; ++y)
      for (int x = 0; x < 45; ++x) {
        const cv::Vec3b b = bgr.at<cv::Vec3b>(y, x);
        const uint8_t a = (x % 3 == 0) ? 0 : 255;
        p.rows.insert(p.rows.end(), {b[2], b[1], b[0], a});
        ref.at<uint8_t>(y, x) = a == 0 ? 255 : ref_gray(b[2], b[1], b[0]);
      }
    cases.push_back({"RGBA", p, ref});
  }

  for (const Case& c : cases) {
    const std::string p = path("layout.tif");
    write_tiff(p, {c.page});
    const DecodeResult r = decode_file(p);
    EXPECT_EQ(r.error, PageError::kNone) << c.name << ": " << r.message;
    EXPECT_LE(max_abs_diff(r.page.gray, c.expected), 1) << c.name;
    EXPECT_EQ(r.page.source_depth_bits, c.page.bps) << c.name;
    EXPECT_EQ(r.page.format, "tiff");
    if (c.page.bps == 1) {
      EXPECT_TRUE(only_0_255(r.page.gray)) << c.name;
    }
  }
}

TEST_F(CodecTest, MultiPageTiffDecodesEachPage) {
  std::vector<TiffPage> pages;
  std::vector<cv::Mat> expected;
  const int sizes[3][2] = {{40, 30}, {23, 51}, {64, 8}};
  for (int i = 0; i < 3; ++i) {
    TiffPage p;
    p.w = static_cast<uint32_t>(sizes[i][0]);
    p.h = static_cast<uint32_t>(sizes[i][1]);
    cv::Mat m;
    if (i == 1) {  // a bilevel page in the middle
      m = random_binary(sizes[i][0], sizes[i][1], 40 + i);
      p.bps = 1;
      p.photometric = PHOTOMETRIC_MINISWHITE;
      p.compression = COMPRESSION_CCITTFAX4;
      p.rows = pack(m, true);
    } else {
      m = random_gray(sizes[i][0], sizes[i][1], 40 + i);
      p.compression = COMPRESSION_LZW;
      p.rows = mat_bytes(m);
    }
    p.xres = p.yres = 100.0f * static_cast<float>(i + 1);
    pages.push_back(p);
    expected.push_back(m);
  }
  const std::string p = path("three.tif");
  write_tiff(p, pages);
  const host::PageCount count = host::count_pages(p);
  ASSERT_EQ(count.error, PageError::kNone) << count.message;
  EXPECT_EQ(count.count, 3);
  for (int i = 0; i < 3; ++i) {
    const DecodeResult r = decode_file(p, i);
    EXPECT_DECODED(r);
    EXPECT_EQ(max_abs_diff(r.page.gray, expected[i]), 0) << "page " << i;
    EXPECT_DOUBLE_EQ(r.page.dpi_x, 100.0 * (i + 1));
  }
  const DecodeResult out_of_range = decode_file(p, 3);
  EXPECT_EQ(out_of_range.error, PageError::kCorrupt);
  EXPECT_NE(out_of_range.message.find("out of range"), std::string::npos);
  EXPECT_EQ(decode_file(p, -1).error, PageError::kCorrupt);
  // Non-TIFF files have one page.
  const std::string png = path("one.png");
  write_all(png, encode_cv(".png", expected[0]));
  EXPECT_EQ(host::count_pages(png).count, 1);
  EXPECT_EQ(decode_file(png, 1).error, PageError::kCorrupt);
}

TEST_F(CodecTest, BigTiffDecodes) {
  const cv::Mat gray = random_gray(33, 21, 50);
  const std::string p = path("big.tif");
  TIFF* tif = TIFFOpen(p.c_str(), "w8");
  ASSERT_NE(tif, nullptr);
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, 33);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, 21);
  TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, 21);
  for (int y = 0; y < 21; ++y)
    ASSERT_GE(TIFFWriteScanline(tif, const_cast<uint8_t*>(gray.ptr<uint8_t>(y)),
                                static_cast<uint32_t>(y), 0),
              0);
  TIFFClose(tif);
  const std::vector<uint8_t> bytes = read_all(p);
  ASSERT_EQ(bytes[2], 43);  // BigTIFF magic
  const DecodeResult r = decode_mem(bytes);
  EXPECT_DECODED(r);
  EXPECT_EQ(max_abs_diff(r.page.gray, gray), 0);
}

// ----------------------------------------------------------------- DPI ----

TEST_F(CodecTest, DpiFromPngWrittenByLeptonica) {
  PIX* pix = pix_from_gray(random_gray(20, 10, 60));
  pixSetResolution(pix, 200, 200);
  l_uint8* data = nullptr;
  size_t size = 0;
  ASSERT_EQ(pixWriteMemPng(&data, &size, pix, 0.0f), 0);
  pixDestroy(&pix);
  const DecodeResult r = decode_mem(lept_bytes(data, size));
  EXPECT_DECODED(r);
  EXPECT_TRUE(r.page.dpi_from_file);
  EXPECT_NEAR(r.page.dpi_x, 200.0, 0.01);
  EXPECT_NEAR(r.page.dpi_y, 200.0, 0.01);
}

TEST_F(CodecTest, DpiFromJpegJfifWrittenByLeptonica) {
  PIX* pix = pix_from_gray(random_gray(24, 16, 61));
  pixSetResolution(pix, 150, 150);
  l_uint8* data = nullptr;
  size_t size = 0;
  ASSERT_EQ(pixWriteMemJpeg(&data, &size, pix, 90, 0), 0);
  pixDestroy(&pix);
  const DecodeResult r = decode_mem(lept_bytes(data, size));
  EXPECT_DECODED(r);
  EXPECT_TRUE(r.page.dpi_from_file);
  EXPECT_DOUBLE_EQ(r.page.dpi_x, 150.0);
}

TEST_F(CodecTest, DpiFromJpegExif) {
  // OpenCV writes JFIF with aspect-only density (unit 0); splice in an EXIF
  // APP1 with XResolution = YResolution = 240/1 inch, big-endian.
  const std::vector<uint8_t> jpg = encode_cv(".jpg", random_gray(16, 16, 62));
  std::vector<uint8_t> tiff = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 3};
  auto entry = [&](uint16_t tag, uint16_t type, uint32_t value) {
    tiff.insert(tiff.end(),
                {uint8_t(tag >> 8), uint8_t(tag), uint8_t(type >> 8), uint8_t(type), 0, 0, 0, 1});
    if (type == 3)
      tiff.insert(tiff.end(), {uint8_t(value >> 8), uint8_t(value), 0, 0});
    else
      put_be32(&tiff, value);
  };
  entry(0x011A, 5, 8 + 2 + 3 * 12 + 4);
  entry(0x011B, 5, 8 + 2 + 3 * 12 + 4 + 8);
  entry(0x0128, 3, 2);
  put_be32(&tiff, 0);  // no next IFD
  for (int i = 0; i < 2; ++i) {
    put_be32(&tiff, 240);
    put_be32(&tiff, 1);
  }
  std::vector<uint8_t> app1 = {0xFF, 0xE1};
  const size_t len = 2 + 6 + tiff.size();
  app1.insert(app1.end(), {uint8_t(len >> 8), uint8_t(len), 'E', 'x', 'i', 'f', 0, 0});
  app1.insert(app1.end(), tiff.begin(), tiff.end());
  std::vector<uint8_t> out(jpg.begin(), jpg.begin() + 2);
  out.insert(out.end(), app1.begin(), app1.end());
  out.insert(out.end(), jpg.begin() + 2, jpg.end());
  const DecodeResult r = decode_mem(out);
  EXPECT_DECODED(r);
  EXPECT_TRUE(r.page.dpi_from_file);
  EXPECT_DOUBLE_EQ(r.page.dpi_x, 240.0);
}

TEST_F(CodecTest, DpiFromTiffUnitsAndAbsence) {
  const cv::Mat gray = random_gray(10, 10, 63);
  auto page = [&](float res, uint16_t unit) {
    TiffPage p;
    p.w = p.h = 10;
    p.rows = mat_bytes(gray);
    p.xres = p.yres = res;
    p.unit = unit;
    return p;
  };
  struct Case {
    TiffPage page;
    bool from_file;
    double dpi;
  };
  const Case cases[] = {
      {page(400, RESUNIT_INCH), true, 400},
      {page(118.11f, RESUNIT_CENTIMETER), true, 300},  // 299.9994 snapped
      {page(300, RESUNIT_NONE), false, 300},
      {page(10, RESUNIT_INCH), false, 300},    // absurd: absent
      {page(9600, RESUNIT_INCH), false, 300},  // absurd: absent
      {page(0, RESUNIT_INCH), false, 300},     // no resolution tags
  };
  for (const Case& c : cases) {
    const std::string p = path("dpi.tif");
    write_tiff(p, {c.page});
    const DecodeResult r = decode_file(p);
    EXPECT_DECODED(r);
    EXPECT_EQ(r.page.dpi_from_file, c.from_file) << c.page.xres << " unit " << c.page.unit;
    EXPECT_DOUBLE_EQ(r.page.dpi_x, c.dpi) << c.page.xres << " unit " << c.page.unit;
  }
}

TEST_F(CodecTest, PngPhysOutsideSaneRangeOrWithoutUnitIsAbsent) {
  const std::vector<uint8_t> png = encode_cv(".png", random_gray(8, 8, 64));
  const DecodeResult plain = decode_mem(png);
  EXPECT_DECODED(plain);
  EXPECT_FALSE(plain.page.dpi_from_file);
  EXPECT_DOUBLE_EQ(plain.page.dpi_x, host::kDefaultDpi);
  // 10 dpi (394 px/m): absurd.
  EXPECT_FALSE(decode_mem(with_phys(png, 394, 394, 1)).page.dpi_from_file);
  // Unit 0 (aspect ratio only).
  EXPECT_FALSE(decode_mem(with_phys(png, 11811, 11811, 0)).page.dpi_from_file);
  // Anisotropic 300 x 150 dpi.
  const DecodeResult an = decode_mem(with_phys(png, 11811, 5906, 1));
  EXPECT_TRUE(an.page.dpi_from_file);
  EXPECT_DOUBLE_EQ(an.page.dpi_x, 300.0);
  EXPECT_NEAR(an.page.dpi_y, 150.0, 0.02);
}

// -------------------------------------------------------------- errors ----

TEST_F(CodecTest, FileErrors) {
  write_all(path("empty.png"), {});
  const DecodeResult empty = decode_file(path("empty.png"));
  EXPECT_EQ(empty.error, PageError::kEmptyFile);
  EXPECT_NE(empty.message.find("empty.png"), std::string::npos);

  const DecodeResult missing = decode_file(path("nope.png"));
  EXPECT_EQ(missing.error, PageError::kNotFound);
  EXPECT_NE(missing.message.find("nope.png"), std::string::npos);
  EXPECT_EQ(decode_file(path("nope/under/missing.png")).error, PageError::kNotFound);
  EXPECT_EQ(host::count_pages(path("nope.png")).error, PageError::kNotFound);

  const DecodeResult dir = decode_file(dir_);
  EXPECT_EQ(dir.error, PageError::kUnreadable);
  EXPECT_NE(dir.message.find("directory"), std::string::npos) << dir.message;

  const std::string text = path("notes.tif");
  std::ofstream(text) << "This is a text file pretending to be a TIFF.\n";
  const DecodeResult txt = decode_file(text);
  EXPECT_EQ(txt.error, PageError::kUnsupportedFormat);
  EXPECT_NE(txt.message.find("looks like text"), std::string::npos) << txt.message;
  EXPECT_EQ(host::count_pages(text).error, PageError::kUnsupportedFormat);

  const std::vector<uint8_t> gif = {'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0, 0};
  const DecodeResult g = decode_mem(gif);
  EXPECT_EQ(g.error, PageError::kUnsupportedFormat);
  EXPECT_NE(g.message.find("GIF"), std::string::npos);
  const std::vector<uint8_t> binary = {0x00, 0x01, 0x02, 0x03, 0xFE, 0xFD, 0x00, 0x10};
  EXPECT_EQ(decode_mem(binary).error, PageError::kUnsupportedFormat);
  EXPECT_EQ(decode_mem({}).error, PageError::kEmptyFile);
}

TEST_F(CodecTest, DecodesFromAPipeAndLimitsItsSize) {
  const std::vector<uint8_t> png = encode_cv(".png", random_gray(64, 48, 69));
  const std::string fifo = path("pipe.png");
  for (int64_t limit : {int64_t{1} << 30, static_cast<int64_t>(png.size()) - 1}) {
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::thread writer([&] {
      std::ofstream out(fifo, std::ios::binary);
      out.write(reinterpret_cast<const char*>(png.data()),
                static_cast<std::streamsize>(png.size()));
    });
    DecodeLimits limits;
    limits.max_file_bytes = limit;
    const DecodeResult r = host::decode_page(fifo, 0, limits, pool_);
    writer.join();
    ::unlink(fifo.c_str());
    if (limit > static_cast<int64_t>(png.size())) {
      EXPECT_DECODED(r);
      EXPECT_EQ(r.page.gray.cols, 64);
    } else {
      EXPECT_EQ(r.error, PageError::kTooLarge) << r.message;
    }
  }
}

TEST_F(CodecTest, UnreadableFile) {
  // Root reads a chmod 000 file, so the decode runs as `nobody`.
  const std::string p = path("locked.png");
  write_all(p, encode_cv(".png", random_gray(8, 8, 70)));
  test::allow_others(dir_);
  ASSERT_EQ(::chmod(p.c_str(), 0), 0);
  const auto result = test::run_unprivileged([&] {
    kernels::cpu::ThreadPool pool(1);
    const DecodeResult r = host::decode_page(p, 0, DecodeLimits{}, pool);
    const host::PageCount c = host::count_pages(p);
    return std::string(host::error_code_name(r.error)) + "|" + host::error_code_name(c.error) +
           "|" + r.message;
  });
  if (!result) GTEST_SKIP() << "cannot drop to an unprivileged user here";
  EXPECT_EQ(result->substr(0, result->find('|')), "unreadable") << *result;
  EXPECT_NE(result->find("|unreadable|"), std::string::npos) << *result;
  EXPECT_NE(result->find("permission denied"), std::string::npos) << *result;
}

TEST_F(CodecTest, TruncatedFilesAreCorruptNotPartialPages) {
  const cv::Mat page = random_gray(300, 200, 71);
  const std::vector<uint8_t> png = encode_cv(".png", page);
  const std::vector<uint8_t> jpg = encode_cv(".jpg", page);
  const std::vector<uint8_t> g4 =
      host::encode_page(random_binary(300, 200, 72), OutputFormat::kTiffG4, 300, true).bytes;
  const std::vector<uint8_t> lzw = host::encode_page(page, OutputFormat::kTiffG4, 300, false).bytes;
  auto cut = [](const std::vector<uint8_t>& v, double f) {
    return std::vector<uint8_t>(v.begin(),
                                v.begin() + static_cast<long>(static_cast<double>(v.size()) * f));
  };
  for (double f : {0.5, 0.9}) {
    const DecodeResult rp = decode_mem(cut(png, f));
    EXPECT_EQ(rp.error, PageError::kCorrupt) << f;
    EXPECT_NE(rp.message.find("truncated PNG"), std::string::npos) << rp.message;
    EXPECT_TRUE(rp.page.gray.empty());
    const DecodeResult rj = decode_mem(cut(jpg, f));
    EXPECT_EQ(rj.error, PageError::kCorrupt) << f;
    EXPECT_NE(rj.message.find("truncated JPEG"), std::string::npos) << rj.message;
    EXPECT_TRUE(rj.page.gray.empty());
  }
  // The JPEG cut just before EOI.
  EXPECT_EQ(decode_mem(std::vector<uint8_t>(jpg.begin(), jpg.end() - 2)).error,
            PageError::kCorrupt);
  // Trailing zero padding after EOI is fine.
  std::vector<uint8_t> padded = jpg;
  padded.resize(jpg.size() + 100, 0);
  EXPECT_DECODED(decode_mem(padded));
  // TIFF: a strip that claims more bytes than the file holds (our TIFFs keep
  // the directory at the end, so a plain cut removes the directory instead).
  for (const std::vector<uint8_t>* tif : {&g4, &lzw}) {
    std::vector<uint8_t> damaged = *tif;
    ASSERT_TRUE(inflate_strip_byte_counts(&damaged, 100000));
    const DecodeResult r = decode_mem(damaged);
    EXPECT_EQ(r.error, PageError::kCorrupt) << r.message;
    EXPECT_TRUE(r.page.gray.empty());
    const DecodeResult rc = decode_mem(cut(*tif, 0.5));
    EXPECT_EQ(rc.error, PageError::kCorrupt) << rc.message;
  }
}

TEST_F(CodecTest, DamagedPngDataIsCorrupt) {
  std::vector<uint8_t> png = encode_cv(".png", random_gray(100, 100, 73));
  for (size_t i = 60; i < png.size() - 40; i += 7) png[i] ^= 0x5A;  // IDAT damaged, IEND intact
  const DecodeResult r = decode_mem(png);
  EXPECT_EQ(r.error, PageError::kCorrupt) << r.message;
  EXPECT_TRUE(r.page.gray.empty());
}

TEST_F(CodecTest, HugePngHeaderIsTooLargeWithoutDecoding) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> ihdr;
  put_be32(&ihdr, 100000);
  put_be32(&ihdr, 100000);
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});
  put_chunk(&png, "IHDR", ihdr);
  put_chunk(&png, "IDAT", {0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF});
  put_chunk(&png, "IEND", {});
  // Refused from the header alone: a 10-gigapixel decode would not fit in
  // memory, so a result at all shows nothing was decoded (the time it takes
  // is the benchmark row BM_HugePngHeaderRefused in bench/bench_decode.cpp).
  const DecodeResult r = decode_mem(png);
  EXPECT_EQ(r.error, PageError::kTooLarge);
  EXPECT_NE(r.message.find("100000x100000"), std::string::npos) << r.message;
  EXPECT_TRUE(r.page.gray.empty());
  // Within max_dimension but over max_pixels.
  DecodeLimits limits;
  limits.max_pixels = 100 * 100 - 1;
  const DecodeResult px = decode_mem(encode_cv(".png", random_gray(100, 100, 74)), 0, limits);
  EXPECT_EQ(px.error, PageError::kTooLarge);
  // File size limit.
  limits = DecodeLimits{};
  limits.max_file_bytes = 100;
  EXPECT_EQ(decode_mem(encode_cv(".png", random_gray(100, 100, 75)), 0, limits).error,
            PageError::kTooLarge);
}

TEST_F(CodecTest, HugeHeadersInOtherFormatsAreTooLarge) {
  DecodeLimits limits;
  limits.max_dimension = 64;
  const cv::Mat big = random_gray(65, 10, 76);
  EXPECT_EQ(decode_mem(encode_cv(".jpg", big), 0, limits).error, PageError::kTooLarge);
  EXPECT_EQ(decode_mem(encode_cv(".pgm", big), 0, limits).error, PageError::kTooLarge);
  EXPECT_EQ(
      decode_mem(host::encode_page(big, OutputFormat::kTiffG4, 300, true).bytes, 0, limits).error,
      PageError::kTooLarge);
  const std::string pnm = "P5\n1000000 1000000\n255\n";
  EXPECT_EQ(decode_mem(std::vector<uint8_t>(pnm.begin(), pnm.end())).error, PageError::kTooLarge);
  if (cv::haveImageWriter(".webp")) {
    EXPECT_EQ(decode_mem(encode_cv(".webp", big), 0, limits).error, PageError::kTooLarge);
  }
}

TEST_F(CodecTest, ResultIndependentOfThreadCount) {
  const std::vector<uint8_t> colour = encode_cv(".png", random_mat(517, 301, CV_8UC3, 80));
  const std::vector<uint8_t> g4 =
      host::encode_page(random_binary(517, 301, 81), OutputFormat::kTiffG4, 300, true).bytes;
  for (const std::vector<uint8_t>* bytes : {&colour, &g4}) {
    kernels::cpu::ThreadPool one(1), four(4);
    const DecodeResult a = host::decode_page_from_memory(*bytes, "a", 0, {}, one);
    const DecodeResult b = host::decode_page_from_memory(*bytes, "b", 0, {}, four);
    EXPECT_DECODED(a);
    EXPECT_DECODED(b);
    EXPECT_EQ(max_abs_diff(a.page.gray, b.page.gray), 0);
  }
}

// ----------------------------------------------------------- real scans ----

TEST_F(CodecTest, RealScansDecode) {
  const char* shared = std::getenv("PAGEPREP_SHARED_DIR");
  const fs::path dir = fs::path(shared ? shared : "") / "data" / "real-scans";
  if (!shared || !fs::is_directory(dir))
    GTEST_SKIP() << "no real scans at " << dir << " (set PAGEPREP_SHARED_DIR)";
  int decoded = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string ext = e.path().extension().string();
    if (ext == ".md" || ext == ".txt") continue;
    const host::PageCount count = host::count_pages(e.path().string());
    ASSERT_EQ(count.error, PageError::kNone) << count.message;
    ASSERT_GE(count.count, 1);
    for (int32_t page = 0; page < count.count; ++page) {
      const DecodeResult r = decode_file(e.path().string(), page);
      ASSERT_EQ(r.error, PageError::kNone) << r.message;
      const cv::Mat& g = r.page.gray;
      EXPECT_EQ(g.type(), CV_8UC1);
      EXPECT_GE(g.cols, 200) << e.path();
      EXPECT_GE(g.rows, 150) << e.path();
      EXPECT_LE(g.cols, 10000) << e.path();
      EXPECT_LE(g.rows, 10000) << e.path();
      // Not a blank page: real scans have ink and paper.
      double lo = 0, hi = 0;
      cv::minMaxLoc(g, &lo, &hi);
      EXPECT_LT(lo, 100) << e.path();
      EXPECT_GT(hi, 150) << e.path();
      if (r.page.source_depth_bits == 1) {
        EXPECT_TRUE(only_0_255(g)) << e.path();
        // Mostly paper: white must dominate (a MINISWHITE mix-up inverts this).
        EXPECT_GT(cv::mean(g)[0], 128.0) << e.path();
      }
      ++decoded;
    }
  }
  EXPECT_GE(decoded, 5);
}

}  // namespace
}  // namespace pageprep
