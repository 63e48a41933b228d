// Page encoding: PNG (through OpenCV, with our own pHYs chunk for the DPI),
// PNM by hand, TIFF in codec_tiff.cpp, and the encode entry point.
#include <opencv2/imgcodecs.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>

#include "io/codec_internal.hpp"

namespace pageprep::host {

namespace {

using namespace detail;

struct Crc32Table {
  std::array<uint32_t, 256> v{};
  Crc32Table() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      v[i] = c;
    }
  }
};

uint32_t crc32(const uint8_t* p, size_t n) {
  static const Crc32Table table;
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table.v[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

EncodeResult encode_png(const cv::Mat& m, double dpi, bool is_binary) {
  EncodeResult r;
  // Z_RLE: faster and smaller than the default strategy on page images (see
  // codec.hpp for the numbers).
  std::vector<int> params = {cv::IMWRITE_PNG_COMPRESSION, 1, cv::IMWRITE_PNG_STRATEGY,
                             cv::IMWRITE_PNG_STRATEGY_RLE};
  cv::Mat src = m;
  if (is_binary) {
    // OpenCV's bilevel writer keeps the low bit of each byte: map to 0/255.
    cv::compare(m, 128, src, cv::CMP_GE);
    params.insert(params.end(), {cv::IMWRITE_PNG_BILEVEL, 1});
  }
  if (!cv::imencode(".png", src, r.bytes, params) || r.bytes.size() < 33) {
    r.error = PageError::kWriteFailed;
    r.message = "PNG encoder failed";
    r.bytes.clear();
    return r;
  }
  if (dpi > 0) {
    // pHYs right after IHDR (8-byte signature + 25-byte IHDR chunk).
    const uint32_t ppm = static_cast<uint32_t>(std::lround(dpi / 0.0254));
    uint8_t chunk[21];
    put_be32(chunk, 9);
    std::memcpy(chunk + 4, "pHYs", 4);
    put_be32(chunk + 8, ppm);
    put_be32(chunk + 12, ppm);
    chunk[16] = 1;  // unit: metre
    put_be32(chunk + 17, crc32(chunk + 4, 13));
    r.bytes.insert(r.bytes.begin() + 33, chunk, chunk + sizeof(chunk));
  }
  return r;
}

EncodeResult encode_pnm(const cv::Mat& m, bool is_binary) {
  EncodeResult r;
  char header[64];
  const int len = std::snprintf(header, sizeof(header), "%s\n%d %d\n%s", is_binary ? "P4" : "P5",
                                m.cols, m.rows, is_binary ? "" : "255\n");
  const int64_t pitch = is_binary ? (m.cols + 7) / 8 : m.cols;
  r.bytes.resize(static_cast<size_t>(len) + static_cast<size_t>(pitch * m.rows));
  std::memcpy(r.bytes.data(), header, static_cast<size_t>(len));
  uint8_t* raster = r.bytes.data() + len;
  if (is_binary) {
    detail::pack_bits_rows(m, /*one_is_black=*/true, raster, pitch);
  } else {
    for (int y = 0; y < m.rows; ++y)
      std::memcpy(raster + y * pitch, m.ptr<uint8_t>(y), static_cast<size_t>(m.cols));
  }
  return r;
}

}  // namespace

const char* output_extension(OutputFormat fmt, bool is_binary) {
  switch (fmt) {
    case OutputFormat::kPng:
      return ".png";
    case OutputFormat::kTiffG4:
      return ".tif";
    case OutputFormat::kPnm:
      return is_binary ? ".pbm" : ".pgm";
  }
  return "";
}

EncodeResult encode_page(const cv::Mat& page, OutputFormat fmt, double dpi, bool is_binary) {
  silence_libraries_once();
  EncodeResult r;
  // Colour (BGR) only as an 8-bit RGB PNG: the mixed page with colour zones.
  const bool colour_png = page.type() == CV_8UC3 && fmt == OutputFormat::kPng && !is_binary;
  if (page.empty() || (page.type() != CV_8UC1 && !colour_png)) {
    r.error = PageError::kInternal;
    r.message = "encode: expected a non-empty CV_8UC1 page, got type " +
                std::to_string(page.type()) + " size " + std::to_string(page.cols) + "x" +
                std::to_string(page.rows);
    return r;
  }
  try {
    switch (fmt) {
      case OutputFormat::kPng:
        return encode_png(page, dpi, is_binary);
      case OutputFormat::kTiffG4:
        return detail::tiff_encode(page, dpi, is_binary);
      case OutputFormat::kPnm:
        return encode_pnm(page, is_binary);
    }
    r.error = PageError::kInternal;
    r.message = "encode: unknown output format";
  } catch (const cv::Exception& e) {
    r = EncodeResult{};
    r.error = PageError::kWriteFailed;
    r.message = std::string("encoder failed: ") + e.msg;
  } catch (const std::bad_alloc&) {
    r = EncodeResult{};
    r.error = PageError::kOutOfMemory;
    r.message = "encoder ran out of memory";
  }
  return r;
}

EncodeResult encode_packed_page(const cv::Mat& packed, int32_t width, OutputFormat fmt,
                                double dpi) {
  silence_libraries_once();
  EncodeResult r;
  const int64_t row = (int64_t{width} + 7) / 8;
  if (packed.empty() || packed.type() != CV_8UC1 || width <= 0 || row > packed.cols) {
    r.error = PageError::kInternal;
    r.message = "encode: expected packed rows of " + std::to_string(width) + " pixels, got type " +
                std::to_string(packed.type()) + " size " + std::to_string(packed.cols) + "x" +
                std::to_string(packed.rows);
    return r;
  }
  const int64_t pitch = static_cast<int64_t>(packed.step[0]);
  try {
    switch (fmt) {
      case OutputFormat::kTiffG4:
        return detail::tiff_encode_g4_packed(packed.data, pitch, width, packed.rows, dpi);
      case OutputFormat::kPnm: {
        char header[64];
        const int len = std::snprintf(header, sizeof(header), "P4\n%d %d\n", width, packed.rows);
        r.bytes.resize(static_cast<size_t>(len) + static_cast<size_t>(row * packed.rows));
        std::memcpy(r.bytes.data(), header, static_cast<size_t>(len));
        // Padding bits of a row's last byte are 0, as pack_bits_rows writes them.
        const uint8_t last_mask = static_cast<uint8_t>(0xFF00u >> (width % 8 == 0 ? 8 : width % 8));
        for (int y = 0; y < packed.rows; ++y) {
          uint8_t* o = r.bytes.data() + len + y * row;
          std::memcpy(o, packed.ptr<uint8_t>(y), static_cast<size_t>(row));
          o[row - 1] &= last_mask;
        }
        return r;
      }
      case OutputFormat::kPng: {
        cv::Mat bin(packed.rows, width, CV_8UC1);
        thread_local kernels::cpu::ThreadPool pool(1);
        detail::unpack_bits_rows(pool, packed.data, pitch, /*one_is_black=*/true, &bin);
        return encode_png(bin, dpi, true);
      }
    }
    r.error = PageError::kInternal;
    r.message = "encode: unknown output format";
  } catch (const cv::Exception& e) {
    r = EncodeResult{};
    r.error = PageError::kWriteFailed;
    r.message = std::string("encoder failed: ") + e.msg;
  } catch (const std::bad_alloc&) {
    r = EncodeResult{};
    r.error = PageError::kOutOfMemory;
    r.message = "encoder ran out of memory";
  }
  return r;
}

}  // namespace pageprep::host
