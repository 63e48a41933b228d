// Page decoding and encoding: file reading, format sniffing, header-first size
// checks, truncation checks, PNG/JPEG/WebP via OpenCV, PNM by hand, colour to
// gray via kernels::cpu::gray_convert. TIFF lives in codec_tiff.cpp.
#include "pageprep/host/codec.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <new>

#include "codec_internal.hpp"
#include "pageprep/kernels/ops/gray_ops.hpp"

namespace pageprep::host {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

namespace detail {

DecodeResult decode_error(PageError e, const std::string& name, const std::string& what) {
  DecodeResult r;
  r.error = e;
  r.message = name.empty() ? what : name + ": " + what;
  return r;
}

PageError check_dimensions(int64_t width, int64_t height, const DecodeLimits& limits,
                           std::string* what) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (width <= 0 || height <= 0) {
    *what = "invalid image size " + size + " in the header";
    return PageError::kCorrupt;
  }
  if (width > limits.max_dimension || height > limits.max_dimension) {
    *what = "image is " + size + " px; the limit is " + std::to_string(limits.max_dimension) +
            " px per side";
    return PageError::kTooLarge;
  }
  if (width * height > limits.max_pixels) {
    *what = "image is " + size + " = " + std::to_string(width * height) + " px; the limit is " +
            std::to_string(limits.max_pixels) + " px";
    return PageError::kTooLarge;
  }
  return PageError::kNone;
}

void set_file_dpi(DecodedPage* page, double x, double y) {
  if (!(y > 0)) y = x;
  // Metre and centimetre units cannot hold integral dpi exactly (300 dpi is
  // 11811 px/m = 299.9994 dpi); snap values that are that close.
  auto snap = [](double v) {
    const double r = std::round(v);
    return std::fabs(v - r) < 0.05 ? r : v;
  };
  x = snap(x);
  y = snap(y);
  auto sane = [](double v) { return std::isfinite(v) && v >= kMinSaneDpi && v <= kMaxSaneDpi; };
  if (sane(x) && sane(y)) {
    page->dpi_x = x;
    page->dpi_y = y;
    page->dpi_from_file = true;
  } else {
    page->dpi_x = kDefaultDpi;
    page->dpi_y = kDefaultDpi;
    page->dpi_from_file = false;
  }
}

kernels::Status to_gray(ThreadPool& pool, PixelFormat format, const uint8_t* src, int64_t pitch,
                        int32_t width, int32_t height, cv::Mat* dst) {
  const kernels::ConstGrayView in{src, width, height, pitch};
  const kernels::GrayView out{dst->data, dst->cols, dst->rows, static_cast<int64_t>(dst->step[0])};
  return kernels::cpu::gray_convert(pool, format, {&in, 1}, {&out, 1});
}

namespace {

// kBitLut[b][k]: pixel k (MSB first) of byte b, as MINISBLACK (1 = white = 255).
struct BitLut {
  std::array<std::array<uint8_t, 8>, 256> v{};
  BitLut() {
    for (int b = 0; b < 256; ++b)
      for (int k = 0; k < 8; ++k) v[b][k] = ((b >> (7 - k)) & 1) ? 255 : 0;
  }
};
const BitLut& bit_lut() {
  static const BitLut lut;
  return lut;
}

int64_t row_grain(int32_t width) {
  return std::max<int64_t>(1, 65536 / std::max<int32_t>(1, width));
}

}  // namespace

void unpack_bits_rows(ThreadPool& pool, const uint8_t* packed, int64_t packed_pitch,
                      bool one_is_black, cv::Mat* dst) {
  const auto& lut = bit_lut().v;
  const int32_t w = dst->cols;
  const int32_t full = w / 8;
  const int32_t rem = w % 8;
  const uint8_t flip = one_is_black ? 0xFF : 0x00;
  pool.parallel_for(dst->rows, row_grain(w), [&](int64_t y0, int64_t y1) {
    for (int64_t y = y0; y < y1; ++y) {
      const uint8_t* s = packed + y * packed_pitch;
      uint8_t* o = dst->ptr<uint8_t>(static_cast<int>(y));
      for (int32_t i = 0; i < full; ++i) std::memcpy(o + 8 * i, lut[s[i] ^ flip].data(), 8);
      for (int32_t k = 0; k < rem; ++k) o[8 * full + k] = lut[s[full] ^ flip][k];
    }
  });
}

void pack_bits_rows(const cv::Mat& src, bool one_is_black, uint8_t* packed, int64_t packed_pitch) {
  const int32_t w = src.cols;
  for (int32_t y = 0; y < src.rows; ++y) {
    const uint8_t* p = src.ptr<uint8_t>(y);
    uint8_t* o = packed + y * packed_pitch;
    int32_t x = 0;
    for (; x + 8 <= w; x += 8) {
      uint32_t byte = 0;
      for (int k = 0; k < 8; ++k) byte |= static_cast<uint32_t>(p[x + k] >= 128) << (7 - k);
      o[x / 8] = static_cast<uint8_t>(one_is_black ? ~byte : byte);
    }
    if (x < w) {
      uint32_t byte = 0;
      for (int k = 0; x + k < w; ++k) {
        const bool white = p[x + k] >= 128;
        byte |= static_cast<uint32_t>(one_is_black ? !white : white) << (7 - k);
      }
      o[x / 8] = static_cast<uint8_t>(byte);
    }
  }
}

}  // namespace detail

namespace {

using detail::decode_error;

void silence_libraries_once() {
  static std::once_flag once;
  std::call_once(once,
                 [] { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT); });
}

// ---------------------------------------------------------------- bytes ----

uint32_t be16(const uint8_t* p) {
  return static_cast<uint32_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
uint32_t le16(const uint8_t* p) {
  return static_cast<uint32_t>(p[1] << 8 | p[0]);
}
uint32_t le24(const uint8_t* p) {
  return static_cast<uint32_t>(p[2] << 16 | p[1] << 8 | p[0]);
}
uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[3]) << 24 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[1]) << 8 | p[0];
}

// --------------------------------------------------------------- files ----

struct FileBytes {
  std::vector<uint8_t> bytes;
  PageError error = PageError::kNone;
  std::string message;
};

// Reads at most `max_read` bytes of `path` (all of it when the file is
// smaller); a regular file larger than `max_bytes` is kTooLarge unread.
FileBytes read_file(const std::string& path, int64_t max_bytes, int64_t max_read) {
  FileBytes r;
  auto fail = [&](PageError e, const std::string& what) {
    r.error = e;
    r.message = path + ": " + what;
    r.bytes.clear();
    return std::move(r);
  };
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return fail(PageError::kNotFound, "no such file");
    if (err == EACCES || err == EPERM) return fail(PageError::kUnreadable, "permission denied");
    return fail(PageError::kUnreadable, std::string("cannot open: ") + std::strerror(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return fail(PageError::kUnreadable, std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return fail(PageError::kUnreadable, "is a directory, not a file");
  const bool regular = S_ISREG(st.st_mode);
  if (regular) {
    if (st.st_size == 0) return fail(PageError::kEmptyFile, "empty file (0 bytes)");
    if (st.st_size > max_bytes)
      return fail(PageError::kTooLarge, "file is " + std::to_string(st.st_size) +
                                            " bytes; the limit is " + std::to_string(max_bytes));
  }
  // Pipes and devices have no size: read until EOF, one byte over the limit.
  const int64_t want = regular ? std::min<int64_t>(st.st_size, max_read)
                               : (max_read >= max_bytes ? max_bytes + 1 : max_read);
  r.bytes.resize(static_cast<size_t>(regular ? want : std::min<int64_t>(want, 1 << 20)));
  size_t got = 0;
  while (static_cast<int64_t>(got) < want) {
    if (got == r.bytes.size())
      r.bytes.resize(std::min<size_t>(r.bytes.size() * 2, static_cast<size_t>(want)));
    const ssize_t n = ::read(fd, r.bytes.data() + got, r.bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      if (err == EISDIR) return fail(PageError::kUnreadable, "is a directory, not a file");
      return fail(PageError::kUnreadable, std::string("read error: ") + std::strerror(err));
    }
    if (n == 0) break;  // EOF (or the file shrank under us)
    got += static_cast<size_t>(n);
  }
  r.bytes.resize(got);
  if (got == 0) return fail(PageError::kEmptyFile, "empty file (0 bytes)");
  if (!regular && static_cast<int64_t>(got) > max_bytes)
    return fail(PageError::kTooLarge,
                "stream exceeds the limit of " + std::to_string(max_bytes) + " bytes");
  return r;
}

// ------------------------------------------------------------- sniffing ----

enum class Format { kUnknown, kPng, kJpeg, kTiff, kPnm, kWebp };

Format sniff(const uint8_t* d, size_t n) {
  static const uint8_t kPngSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (n >= 8 && std::memcmp(d, kPngSig, 8) == 0) return Format::kPng;
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return Format::kJpeg;
  if (n >= 4 && ((d[0] == 'I' && d[1] == 'I' && (d[2] == 42 || d[2] == 43) && d[3] == 0) ||
                 (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && (d[3] == 42 || d[3] == 43))))
    return Format::kTiff;
  if (n >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6' &&
      (d[2] == ' ' || d[2] == '\t' || d[2] == '\n' || d[2] == '\r' || d[2] == '#'))
    return Format::kPnm;
  if (n >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0)
    return Format::kWebp;
  return Format::kUnknown;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::kPng:
      return "png";
    case Format::kJpeg:
      return "jpeg";
    case Format::kTiff:
      return "tiff";
    case Format::kPnm:
      return "pnm";
    case Format::kWebp:
      return "webp";
    case Format::kUnknown:
      break;
  }
  return "";
}

// `S` is a string literal, possibly with NULs: its length is N - 1.
template <size_t N>
bool starts_with(const uint8_t* d, size_t n, const char (&s)[N]) {
  return n >= N - 1 && std::memcmp(d, s, N - 1) == 0;
}

// What unrecognised bytes look like, for the kUnsupportedFormat message.
std::string describe_unknown(const uint8_t* d, size_t n) {
  if (starts_with(d, n, "%PDF"))
    return "not an image: a PDF document (extract pages to images first)";
  if (starts_with(d, n, "GIF8")) return "unsupported image format: GIF";
  if (starts_with(d, n, "BM") && n >= 14) return "unsupported image format: BMP";
  if (starts_with(d, n, "P7")) return "unsupported image format: PAM (P7)";
  if (starts_with(d, n, "\x00\x00\x00\x0cjP  ") || starts_with(d, n, "\xFF\x4F\xFF\x51"))
    return "unsupported image format: JPEG 2000";
  if (n >= 12 && std::memcmp(d + 4, "ftyp", 4) == 0)
    return "unsupported format: ISO media (HEIF/AVIF/MP4)";
  if (starts_with(d, n, "PK\x03\x04")) return "not an image: looks like a ZIP archive";
  if (starts_with(d, n, "\x1F\x8B")) return "not an image: looks like gzip data";
  if (starts_with(d, n,
                  "\x7F"
                  "ELF"))
    return "not an image: looks like an executable";
  if (starts_with(d, n, "RIFF")) return "unsupported format: a RIFF file that is not WebP";
  // Text: no control bytes other than whitespace in the first KiB (UTF-8 bytes
  // >= 0x80 are allowed).
  const size_t m = std::min<size_t>(n, 1024);
  bool text = true;
  for (size_t i = 0; i < m && text; ++i) {
    const uint8_t c = d[i];
    text = c >= 0x20 ? c != 0x7F : (c == '\t' || c == '\n' || c == '\r' || c == '\f');
  }
  if (text) return "not an image: looks like text";
  char hex[64];
  int len = 0;
  for (size_t i = 0; i < std::min<size_t>(n, 8); ++i)
    len += std::snprintf(hex + len, sizeof(hex) - static_cast<size_t>(len), " %02x", d[i]);
  return std::string("not an image: unrecognised binary data (starts with") + hex + ")";
}

// ------------------------------------------------------------ headers ----

struct Header {
  int64_t width = 0;
  int64_t height = 0;
  int32_t channels = 1;
  int32_t depth = 8;
  double dpi_x = 0;  // 0: absent
  double dpi_y = 0;
  bool complete = false;    // the end-of-data marker was found
  std::string truncation;   // why not complete
  std::string error;        // structural damage: kCorrupt
  std::string unsupported;  // recognised but not decodable: kUnsupportedFormat
};

// PNG: IHDR first; walk the chunks by length (no payload is touched) to pHYs
// and IEND.
Header parse_png(const uint8_t* d, size_t n) {
  Header h;
  if (n < 33 || be32(d + 8) != 13 || std::memcmp(d + 12, "IHDR", 4) != 0) {
    h.error = n < 33 ? "truncated PNG: no complete IHDR chunk" : "PNG does not start with IHDR";
    return h;
  }
  h.width = be32(d + 16);
  h.height = be32(d + 20);
  h.depth = d[24];
  switch (d[25]) {
    case 0:
      h.channels = 1;
      break;
    case 2:
      h.channels = 3;
      break;
    case 3:
      h.channels = 3;
      break;  // palette: colour entries
    case 4:
      h.channels = 2;
      break;
    case 6:
      h.channels = 4;
      break;
    default:
      h.error = "PNG has invalid colour type " + std::to_string(d[25]);
      return h;
  }
  size_t pos = 8;
  while (pos + 12 <= n) {
    const uint32_t len = be32(d + pos);
    if (len > 0x7FFFFFFFu) {
      h.error = "PNG chunk length out of range at byte " + std::to_string(pos);
      return h;
    }
    if (pos + 12 + len > n) break;
    const uint8_t* type = d + pos + 4;
    const uint8_t* body = d + pos + 8;
    if (std::memcmp(type, "pHYs", 4) == 0 && len == 9 && body[8] == 1) {
      h.dpi_x = be32(body) * 0.0254;
      h.dpi_y = be32(body + 4) * 0.0254;
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      h.complete = true;
      return h;
    }
    pos += 12 + static_cast<size_t>(len);
  }
  h.truncation =
      "truncated PNG: the data ends at byte " + std::to_string(n) + " before the IEND chunk";
  return h;
}

// EXIF IFD0 XResolution/YResolution/ResolutionUnit.
void parse_exif_resolution(const uint8_t* t, size_t n, double* dpi_x, double* dpi_y) {
  if (n < 8) return;
  const bool le = t[0] == 'I' && t[1] == 'I';
  if (!le && !(t[0] == 'M' && t[1] == 'M')) return;
  auto u16 = [&](size_t o) { return le ? le16(t + o) : be16(t + o); };
  auto u32 = [&](size_t o) { return le ? le32(t + o) : be32(t + o); };
  const size_t ifd = u32(4);
  if (ifd + 2 > n) return;
  const size_t count = u16(ifd);
  double xr = 0, yr = 0;
  uint32_t unit = 2;  // inch by default
  for (size_t i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + 12 * i;
    if (e + 12 > n) break;
    const uint32_t tag = u16(e);
    const uint32_t type = u16(e + 2);
    if ((tag == 0x011A || tag == 0x011B) && type == 5) {
      const size_t off = u32(e + 8);
      if (off + 8 > n) continue;
      const uint32_t num = u32(off);
      const uint32_t den = u32(off + 4);
      const double v = den ? static_cast<double>(num) / den : 0.0;
      (tag == 0x011A ? xr : yr) = v;
    } else if (tag == 0x0128 && type == 3) {
      unit = u16(e + 8);
    }
  }
  const double scale = unit == 2 ? 1.0 : unit == 3 ? 2.54 : 0.0;
  *dpi_x = xr * scale;
  *dpi_y = yr * scale;
}

// JPEG: walk the markers; inside entropy-coded data only 0xFF 0x00 (stuffing),
// RSTn and fill bytes may follow 0xFF, so the next real marker is found with
// memchr. The file is complete when EOI is reached.
Header parse_jpeg(const uint8_t* d, size_t n) {
  Header h;
  bool sof = false;
  double jfif_x = 0, jfif_y = 0, exif_x = 0, exif_y = 0;
  size_t pos = 2;
  for (;;) {
    // Garbage between segments is skipped as libjpeg does.
    while (pos < n && d[pos] != 0xFF) ++pos;
    while (pos < n && d[pos] == 0xFF) ++pos;
    if (pos >= n) break;
    const uint8_t marker = d[pos++];
    if (marker == 0xD9) {
      h.complete = true;
      break;
    }
    if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0xD8) continue;
    if (pos + 2 > n) break;
    const size_t len = be16(d + pos);
    if (len < 2) {
      h.error = "JPEG segment with invalid length at byte " + std::to_string(pos);
      return h;
    }
    if (pos + len > n) break;
    const uint8_t* seg = d + pos + 2;
    const size_t seglen = len - 2;
    const bool is_sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (is_sof && seglen >= 6 && !sof) {
      sof = true;
      h.depth = seg[0];
      h.height = be16(seg + 1);
      h.width = be16(seg + 3);
      h.channels = seg[5];
      if (h.height == 0) h.unsupported = "JPEG with the height in a DNL marker is not supported";
    } else if (marker == 0xE0 && seglen >= 12 && std::memcmp(seg, "JFIF\0", 5) == 0) {
      const uint8_t unit = seg[7];
      const double scale = unit == 1 ? 1.0 : unit == 2 ? 2.54 : 0.0;
      jfif_x = be16(seg + 8) * scale;
      jfif_y = be16(seg + 10) * scale;
    } else if (marker == 0xE1 && seglen >= 14 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
      parse_exif_resolution(seg + 6, seglen - 6, &exif_x, &exif_y);
    }
    pos += len;
    if (marker == 0xDA) {  // start of scan: skip the entropy-coded data
      if (!sof) {
        h.error = "JPEG scan before any frame header";
        return h;
      }
      for (;;) {
        const void* ff = pos < n ? std::memchr(d + pos, 0xFF, n - pos) : nullptr;
        if (!ff) {
          pos = n;
          break;
        }
        const size_t p = static_cast<size_t>(static_cast<const uint8_t*>(ff) - d);
        if (p + 1 >= n) {
          pos = n;
          break;
        }
        const uint8_t b = d[p + 1];
        if (b == 0x00 || (b >= 0xD0 && b <= 0xD7)) {
          pos = p + 2;
        } else if (b == 0xFF) {
          pos = p + 1;
        } else {
          pos = p;
          break;
        }
      }
    }
  }
  if (!sof && h.error.empty()) {
    h.error = h.complete ? "JPEG without a frame header" : "truncated JPEG: no frame header";
    return h;
  }
  if (!h.complete)
    h.truncation = "truncated JPEG: the data ends at byte " + std::to_string(n) +
                   " without an end-of-image marker";
  if (jfif_x > 0) {
    h.dpi_x = jfif_x;
    h.dpi_y = jfif_y;
  } else {
    h.dpi_x = exif_x;
    h.dpi_y = exif_y;
  }
  return h;
}

// WebP: the RIFF size says where the data ends; the first chunk gives the size.
Header parse_webp(const uint8_t* d, size_t n) {
  Header h;
  if (n < 30) {
    h.error = "truncated WebP: no complete header";
    return h;
  }
  const uint8_t* chunk = d + 12;
  const uint8_t* p = d + 20;
  h.channels = 3;
  if (std::memcmp(chunk, "VP8 ", 4) == 0) {
    if (p[3] != 0x9D || p[4] != 0x01 || p[5] != 0x2A) {
      h.error = "WebP VP8 frame without its start code";
      return h;
    }
    h.width = le16(p + 6) & 0x3FFF;
    h.height = le16(p + 8) & 0x3FFF;
  } else if (std::memcmp(chunk, "VP8L", 4) == 0) {
    if (p[0] != 0x2F) {
      h.error = "WebP lossless frame without its signature";
      return h;
    }
    const uint32_t bits = le32(p + 1);
    h.width = (bits & 0x3FFF) + 1;
    h.height = ((bits >> 14) & 0x3FFF) + 1;
    h.channels = ((bits >> 28) & 1) ? 4 : 3;
  } else if (std::memcmp(chunk, "VP8X", 4) == 0) {
    if (p[0] & 0x02) h.unsupported = "animated WebP is not supported";
    if (p[0] & 0x10) h.channels = 4;
    h.width = static_cast<int64_t>(le24(p + 4)) + 1;
    h.height = static_cast<int64_t>(le24(p + 7)) + 1;
  } else {
    h.error = "WebP with an unknown first chunk";
    return h;
  }
  const uint64_t riff_end = static_cast<uint64_t>(le32(d + 4)) + 8;
  h.complete = riff_end <= n;
  if (!h.complete)
    h.truncation =
        "truncated WebP: " + std::to_string(n) + " of " + std::to_string(riff_end) + " bytes";
  return h;
}

// ---------------------------------------------------------------- PNM ----

bool is_pnm_space(uint8_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void skip_pnm_space(const uint8_t* d, size_t n, size_t* pos) {
  while (*pos < n) {
    if (d[*pos] == '#') {
      while (*pos < n && d[*pos] != '\n' && d[*pos] != '\r') ++*pos;
    } else if (is_pnm_space(d[*pos])) {
      ++*pos;
    } else {
      break;
    }
  }
}

bool pnm_number(const uint8_t* d, size_t n, size_t* pos, int64_t* value) {
  skip_pnm_space(d, n, pos);
  if (*pos >= n || d[*pos] < '0' || d[*pos] > '9') return false;
  int64_t v = 0;
  while (*pos < n && d[*pos] >= '0' && d[*pos] <= '9') {
    v = std::min<int64_t>(v * 10 + (d[*pos] - '0'), int64_t{1} << 40);  // saturate
    ++*pos;
  }
  *value = v;
  return true;
}

struct PnmHeader {
  Header h;
  int kind = 0;  // 1..6
  int64_t maxval = 1;
  size_t data = 0;  // offset of the raster
};

PnmHeader parse_pnm(const uint8_t* d, size_t n) {
  PnmHeader p;
  p.kind = d[1] - '0';
  size_t pos = 2;
  if (!pnm_number(d, n, &pos, &p.h.width) || !pnm_number(d, n, &pos, &p.h.height) ||
      (p.kind != 1 && p.kind != 4 && !pnm_number(d, n, &pos, &p.maxval))) {
    p.h.error = "PNM header is truncated or malformed";
    return p;
  }
  if (p.maxval < 1 || p.maxval > 65535) {
    p.h.error = "PNM maxval " + std::to_string(p.maxval) + " is outside 1..65535";
    return p;
  }
  p.h.channels = (p.kind == 3 || p.kind == 6) ? 3 : 1;
  p.h.depth = p.kind == 1 || p.kind == 4 ? 1 : p.maxval > 255 ? 16 : 8;
  if (p.kind >= 4) {
    if (pos >= n || !is_pnm_space(d[pos])) {
      p.h.error = "PNM header is not followed by whitespace";
      return p;
    }
    ++pos;
  }
  p.data = pos;
  return p;
}

// Decodes the PNM raster. The header has passed the limits.
DecodeResult decode_pnm(const uint8_t* d, size_t n, const PnmHeader& p, const std::string& name,
                        ThreadPool& pool) {
  DecodeResult r;
  const int32_t w = static_cast<int32_t>(p.h.width);
  const int32_t h = static_cast<int32_t>(p.h.height);
  const int32_t spp = p.h.channels;
  const int64_t samples = int64_t{w} * h * spp;
  r.page.gray.create(h, w, CV_8UC1);

  if (p.kind == 4) {  // packed bits, 1 = black
    const int64_t pitch = (w + 7) / 8;
    const int64_t need = pitch * h;
    if (static_cast<int64_t>(n - p.data) < need)
      return decode_error(PageError::kCorrupt, name,
                          "truncated PBM: " + std::to_string(n - p.data) + " of " +
                              std::to_string(need) + " raster bytes");
    detail::unpack_bits_rows(pool, d + p.data, pitch, /*one_is_black=*/true, &r.page.gray);
    return r;
  }

  // Everything else is scaled to 8-bit samples through a LUT (maxval may be
  // anything from 1 to 65535), then converted to gray.
  std::vector<uint8_t> lut(static_cast<size_t>(p.maxval) + 1);
  for (int64_t v = 0; v <= p.maxval; ++v)
    lut[static_cast<size_t>(v)] = static_cast<uint8_t>((v * 255 + p.maxval / 2) / p.maxval);
  auto scale = [&](int64_t v) { return lut[static_cast<size_t>(std::min(v, p.maxval))]; };

  std::vector<uint8_t> rgb;  // only for colour
  uint8_t* out = nullptr;
  int64_t out_pitch = 0;
  if (spp == 3) {
    rgb.resize(static_cast<size_t>(samples));
    out = rgb.data();
    out_pitch = int64_t{w} * 3;
  } else {
    out = r.page.gray.data;
    out_pitch = static_cast<int64_t>(r.page.gray.step[0]);
  }
  const int64_t row_samples = int64_t{w} * spp;

  if (p.kind >= 5) {  // binary
    const int bytes = p.maxval > 255 ? 2 : 1;
    const int64_t need = samples * bytes;
    if (static_cast<int64_t>(n - p.data) < need)
      return decode_error(PageError::kCorrupt, name,
                          "truncated PNM: " + std::to_string(n - p.data) + " of " +
                              std::to_string(need) + " raster bytes");
    const uint8_t* src = d + p.data;
    pool.parallel_for(h, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, row_samples)),
                      [&](int64_t y0, int64_t y1) {
                        for (int64_t y = y0; y < y1; ++y) {
                          const uint8_t* s = src + y * row_samples * bytes;
                          uint8_t* o = out + y * out_pitch;
                          if (bytes == 1) {
                            for (int64_t i = 0; i < row_samples; ++i) o[i] = scale(s[i]);
                          } else {
                            for (int64_t i = 0; i < row_samples; ++i)
                              o[i] = scale(static_cast<int64_t>(be16(s + 2 * i)));
                          }
                        }
                      });
  } else {  // ASCII
    size_t pos = p.data;
    for (int32_t y = 0; y < h; ++y) {
      uint8_t* o = out + y * out_pitch;
      for (int64_t i = 0; i < row_samples; ++i) {
        int64_t v = 0;
        bool ok;
        if (p.kind == 1) {  // digits may be unseparated
          skip_pnm_space(d, n, &pos);
          ok = pos < n && (d[pos] == '0' || d[pos] == '1');
          if (ok) v = d[pos++] == '1' ? 0 : 1;  // 1 = black
        } else {
          ok = pnm_number(d, n, &pos, &v);
        }
        if (!ok)
          return decode_error(PageError::kCorrupt, name,
                              "truncated or malformed ASCII PNM at sample " +
                                  std::to_string(int64_t{y} * row_samples + i) + " of " +
                                  std::to_string(samples));
        o[i] = scale(v);
      }
    }
  }
  if (spp == 3) {
    const kernels::Status s =
        detail::to_gray(pool, PixelFormat::kRgb8, rgb.data(), out_pitch, w, h, &r.page.gray);
    if (!s) return decode_error(PageError::kInternal, name, s.message());
  }
  return r;
}

// ------------------------------------------------------- OpenCV decode ----

// Composites straight (non-premultiplied) alpha onto white in place:
// c' = c * a / 255 + 255 * (255 - a) / 255, rounded.
void composite_onto_white(ThreadPool& pool, cv::Mat* bgra) {
  const int32_t w = bgra->cols;
  pool.parallel_for(bgra->rows, std::max<int64_t>(1, 16384 / std::max(1, w)),
                    [&](int64_t y0, int64_t y1) {
                      for (int64_t y = y0; y < y1; ++y) {
                        uint8_t* p = bgra->ptr<uint8_t>(static_cast<int>(y));
                        for (int32_t x = 0; x < w; ++x, p += 4) {
                          const uint32_t a = p[3];
                          const uint32_t bg = 255u * (255u - a) + 127u;
                          p[0] = static_cast<uint8_t>((p[0] * a + bg) / 255u);
                          p[1] = static_cast<uint8_t>((p[1] * a + bg) / 255u);
                          p[2] = static_cast<uint8_t>((p[2] * a + bg) / 255u);
                          p[3] = 255;
                        }
                      }
                    });
}

// imdecode output (8/16-bit, 1/3/4 channels) to 8-bit gray.
DecodeResult mat_to_gray(cv::Mat m, const std::string& name, ThreadPool& pool) {
  DecodeResult r;
  if (m.depth() == CV_16U && m.channels() > 1) {
    // 16-bit colour: to 8 bits per sample first (the same rounding as kGray16).
    cv::Mat m8(m.rows, m.cols, CV_MAKETYPE(CV_8U, m.channels()));
    const int64_t row = int64_t{m.cols} * m.channels();
    pool.parallel_for(m.rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, row)),
                      [&](int64_t y0, int64_t y1) {
                        for (int64_t y = y0; y < y1; ++y) {
                          const uint16_t* s = m.ptr<uint16_t>(static_cast<int>(y));
                          uint8_t* o = m8.ptr<uint8_t>(static_cast<int>(y));
                          for (int64_t i = 0; i < row; ++i)
                            o[i] = kernels::ops::gray16_to_gray8(s[i]);
                        }
                      });
    m = m8;
  }
  if (m.type() == CV_8UC1) {
    r.page.gray = m;
    return r;
  }
  if (m.type() == CV_8UC2) {  // gray + alpha: expand to BGRA
    cv::Mat bgra(m.rows, m.cols, CV_8UC4);
    for (int y = 0; y < m.rows; ++y) {
      const uint8_t* s = m.ptr<uint8_t>(y);
      uint8_t* o = bgra.ptr<uint8_t>(y);
      for (int x = 0; x < m.cols; ++x) {
        o[4 * x] = o[4 * x + 1] = o[4 * x + 2] = s[2 * x];
        o[4 * x + 3] = s[2 * x + 1];
      }
    }
    m = bgra;
  }
  PixelFormat format;
  if (m.type() == CV_16UC1) {
    format = PixelFormat::kGray16;
  } else if (m.type() == CV_8UC3) {
    format = PixelFormat::kBgr8;
  } else if (m.type() == CV_8UC4) {
    composite_onto_white(pool, &m);
    format = PixelFormat::kBgra8;
  } else {
    return decode_error(PageError::kCorrupt, name,
                        "decoder returned an unexpected pixel type " + std::to_string(m.type()));
  }
  r.page.gray.create(m.rows, m.cols, CV_8UC1);
  const kernels::Status s = detail::to_gray(pool, format, m.data, static_cast<int64_t>(m.step[0]),
                                            m.cols, m.rows, &r.page.gray);
  if (!s) return decode_error(PageError::kInternal, name, s.message());
  return r;
}

// A JPEG whose EXIF orientation turns it by 90 degrees swaps the header's
// width and height, and its dpi axes (in `h`).
DecodeResult decode_with_opencv(const uint8_t* d, size_t n, Format f, Header* hp,
                                const std::string& name, ThreadPool& pool) {
  Header& h = *hp;
  // JPEG: ANYCOLOR|ANYDEPTH keeps gray as gray and applies the EXIF
  // orientation; PNG/WebP: UNCHANGED keeps alpha and 16 bits.
  const int flags =
      f == Format::kJpeg ? (cv::IMREAD_ANYCOLOR | cv::IMREAD_ANYDEPTH) : cv::IMREAD_UNCHANGED;
  const cv::Mat buf(1, static_cast<int>(n), CV_8UC1, const_cast<uint8_t*>(d));
  cv::Mat m;
  try {
    m = cv::imdecode(buf, flags);
  } catch (const cv::Exception& e) {
    return decode_error(PageError::kCorrupt, name,
                        std::string(format_name(f)) + " decoder failed: " + e.msg);
  }
  if (m.empty())
    return decode_error(PageError::kCorrupt, name,
                        std::string(format_name(f)) +
                            " decoder rejected the data (damaged or unsupported variant)");
  const bool rotated =
      f == Format::kJpeg && m.cols == h.height && m.rows == h.width && h.width != h.height;
  if (!rotated && (m.cols != h.width || m.rows != h.height))
    return decode_error(PageError::kCorrupt, name,
                        "decoded size " + std::to_string(m.cols) + "x" + std::to_string(m.rows) +
                            " differs from the header's " + std::to_string(h.width) + "x" +
                            std::to_string(h.height));
  if (rotated) std::swap(h.dpi_x, h.dpi_y);
  return mat_to_gray(std::move(m), name, pool);
}

DecodeResult decode_bytes(const uint8_t* d, size_t n, const std::string& name, int32_t page,
                          const DecodeLimits& limits, ThreadPool& pool) {
  silence_libraries_once();
  if (n == 0) return decode_error(PageError::kEmptyFile, name, "empty file (0 bytes)");
  if (static_cast<int64_t>(n) > limits.max_file_bytes || n > static_cast<size_t>(INT_MAX))
    return decode_error(
        PageError::kTooLarge, name,
        std::to_string(n) + " bytes; the limit is " + std::to_string(limits.max_file_bytes));
  const Format f = sniff(d, n);
  if (f == Format::kUnknown)
    return decode_error(PageError::kUnsupportedFormat, name, describe_unknown(d, n));
  if (f == Format::kTiff) {
    DecodeResult r = detail::tiff_decode(d, n, name, page, limits, pool);
    if (r.error != PageError::kNone) r.page.gray.release();
    return r;
  }
  if (page != 0)
    return decode_error(
        PageError::kCorrupt, name,
        "page " + std::to_string(page) + " out of range: a " + format_name(f) + " file has 1 page");

  PnmHeader pnm;
  Header h;
  switch (f) {
    case Format::kPng:
      h = parse_png(d, n);
      break;
    case Format::kJpeg:
      h = parse_jpeg(d, n);
      break;
    case Format::kWebp:
      h = parse_webp(d, n);
      break;
    case Format::kPnm:
      pnm = parse_pnm(d, n);
      h = pnm.h;
      h.complete = true;  // checked against the raster size while decoding
      break;
    default:
      break;
  }
  if (!h.error.empty()) return decode_error(PageError::kCorrupt, name, h.error);
  std::string what;
  const PageError size_error = detail::check_dimensions(h.width, h.height, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);
  if (!h.unsupported.empty())
    return decode_error(PageError::kUnsupportedFormat, name, h.unsupported);
  if (!h.complete) return decode_error(PageError::kCorrupt, name, h.truncation);

  DecodeResult r = f == Format::kPnm ? decode_pnm(d, n, pnm, name, pool)
                                     : decode_with_opencv(d, n, f, &h, name, pool);
  if (r.error != PageError::kNone) {
    r.page.gray.release();
    return r;
  }
  r.page.format = format_name(f);
  r.page.source_channels = h.channels;
  r.page.source_depth_bits = h.depth;
  detail::set_file_dpi(&r.page, h.dpi_x, h.dpi_y);
  return r;
}

DecodeResult guarded_decode(const uint8_t* d, size_t n, const std::string& name, int32_t page,
                            const DecodeLimits& limits, ThreadPool& pool) {
  try {
    return decode_bytes(d, n, name, page, limits, pool);
  } catch (const std::bad_alloc&) {
    return decode_error(PageError::kTooLarge, name, "out of memory while decoding");
  } catch (const std::exception& e) {
    return decode_error(PageError::kInternal, name,
                        std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return decode_error(PageError::kInternal, name, "unexpected exception");
  }
}

// ------------------------------------------------------------- encoding ----

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

std::string sniff_format(const uint8_t* data, size_t size) {
  return format_name(sniff(data, size));
}

PageCount count_pages_from_memory(const std::vector<uint8_t>& bytes,
                                  const std::string& name_for_errors) {
  silence_libraries_once();
  PageCount c;
  auto fail = [&](PageError e, const std::string& what) {
    c.error = e;
    c.message = name_for_errors.empty() ? what : name_for_errors + ": " + what;
    return c;
  };
  if (bytes.empty()) return fail(PageError::kEmptyFile, "empty file (0 bytes)");
  const Format f = sniff(bytes.data(), bytes.size());
  if (f == Format::kUnknown)
    return fail(PageError::kUnsupportedFormat, describe_unknown(bytes.data(), bytes.size()));
  if (f != Format::kTiff) {
    c.count = 1;
    return c;
  }
  try {
    return detail::tiff_count_pages(bytes.data(), bytes.size(), name_for_errors);
  } catch (const std::exception& e) {
    return fail(PageError::kInternal, std::string("unexpected exception: ") + e.what());
  }
}

PageCount count_pages(const std::string& path, const DecodeLimits& limits) {
  // Only TIFF needs more than the magic bytes.
  FileBytes head = read_file(path, limits.max_file_bytes, 16);
  if (head.error == PageError::kNone &&
      sniff(head.bytes.data(), head.bytes.size()) == Format::kTiff)
    head = read_file(path, limits.max_file_bytes, limits.max_file_bytes);
  if (head.error != PageError::kNone) {
    PageCount c;
    c.error = head.error;
    c.message = head.message;
    return c;
  }
  return count_pages_from_memory(head.bytes, path);
}

DecodeResult decode_page(const std::string& path, int32_t page, const DecodeLimits& limits,
                         ThreadPool& pool) {
  FileBytes file = read_file(path, limits.max_file_bytes, limits.max_file_bytes);
  if (file.error != PageError::kNone) {
    DecodeResult r;
    r.error = file.error;
    r.message = file.message;
    return r;
  }
  return guarded_decode(file.bytes.data(), file.bytes.size(), path, page, limits, pool);
}

DecodeResult decode_page_from_memory(const std::vector<uint8_t>& bytes,
                                     const std::string& name_for_errors, int32_t page,
                                     const DecodeLimits& limits, ThreadPool& pool) {
  return guarded_decode(bytes.data(), bytes.size(), name_for_errors, page, limits, pool);
}

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
  if (page.empty() || page.type() != CV_8UC1) {
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
    r.error = PageError::kWriteFailed;
    r.message = "encoder ran out of memory";
  }
  return r;
}

}  // namespace pageprep::host
