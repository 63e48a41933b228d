// Decoding memory (issue 9, defect 14): a small file that is a large page in
// its richest layout (16-bit RGBA, 8 bytes per pixel) must cost about one
// gray page of memory, not its inflated layout (OpenCV's path held the
// 16-bit RGBA image, 8x the gray page, before converting it). Its own
// executable: the process's peak RSS (ru_maxrss, a high-water mark) is only
// meaningful while nothing else has run in it.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <zlib.h>

#include <cstring>
#include <vector>

#include "io/codec.hpp"

namespace pageprep::host {
namespace {

int64_t peak_rss_bytes() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<int64_t>(ru.ru_maxrss) * 1024;
}

void put32(std::vector<uint8_t>* v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v->push_back(static_cast<uint8_t>(x >> s));
}

void chunk(std::vector<uint8_t>* png, const char* type, const std::vector<uint8_t>& body) {
  put32(png, static_cast<uint32_t>(body.size()));
  const size_t at = png->size();
  png->insert(png->end(), type, type + 4);
  png->insert(png->end(), body.begin(), body.end());
  put32(png, static_cast<uint32_t>(crc32(0, png->data() + at, static_cast<uInt>(body.size() + 4))));
}

/// A w x h 16-bit RGBA PNG of a few gray bands, built row by row (the
/// inflated image, w * h * 8 bytes, never exists in this process).
std::vector<uint8_t> rgba16_png(int w, int h) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<uint8_t> ihdr;
  put32(&ihdr, static_cast<uint32_t>(w));
  put32(&ihdr, static_cast<uint32_t>(h));
  ihdr.insert(ihdr.end(), {16, 6, 0, 0, 0});
  chunk(&png, "IHDR", ihdr);
  z_stream z{};
  EXPECT_EQ(deflateInit(&z, 6), Z_OK);
  std::vector<uint8_t> row(1 + static_cast<size_t>(w) * 8), out(1 << 16), idat;
  for (int y = 0; y < h; ++y) {
    row[0] = 0;
    const uint8_t v = (y / 500) % 2 ? 0x30 : 0xE0;
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &row[1 + static_cast<size_t>(x) * 8];
      p[0] = p[2] = p[4] = v;  // R, G, B high bytes
      p[1] = p[3] = p[5] = v;  // v * 257: exactly v in 8 bits
      p[6] = 0xFF;             // opaque
      p[7] = 0xFF;
    }
    z.next_in = row.data();
    z.avail_in = static_cast<uInt>(row.size());
    const int flush = y + 1 == h ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = out.data();
      z.avail_out = static_cast<uInt>(out.size());
      deflate(&z, flush);
      idat.insert(idat.end(), out.data(), out.data() + (out.size() - z.avail_out));
    } while (z.avail_out == 0 || (flush == Z_FINISH && z.avail_in > 0));
  }
  deflateEnd(&z);
  chunk(&png, "IDAT", idat);
  chunk(&png, "IEND", {});
  return png;
}

TEST(DecodeMemory, LargeRgba16PageCostsAboutOneGrayPage) {
  const int w = 6000, h = 6000;  // 36 Mpx: 36 MB gray, 288 MB as 16-bit RGBA
  const std::vector<uint8_t> png = rgba16_png(w, h);
  ASSERT_LT(png.size(), size_t{4} << 20) << "the file itself is small";
  kernels::cpu::ThreadPool pool(1);
  const int64_t before = peak_rss_bytes();
  const DecodeResult r = decode_page_from_memory(png, "bomb.png", 0, DecodeLimits{}, pool);
  const int64_t grew = peak_rss_bytes() - before;
  ASSERT_EQ(r.error, PageError::kNone) << r.message;
  ASSERT_EQ(r.page.gray.cols, w);
  EXPECT_EQ(r.page.gray.at<uint8_t>(0, 0), 0xE0);
  EXPECT_EQ(r.page.gray.at<uint8_t>(700, 10), 0x30);
  const int64_t gray = int64_t{w} * h;
  // One gray page and change; the 16-bit RGBA layout would be 8x the page.
  EXPECT_LT(grew, gray + gray / 2) << "peak RSS grew by " << grew / (1 << 20) << " MiB";
}

}  // namespace
}  // namespace pageprep::host
