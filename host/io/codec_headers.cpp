// Header parsing for PNG, JPEG (JFIF and EXIF resolution) and WebP: sizes,
// depth, DPI and whether the data is complete, all before any pixel is decoded.
#include <cmath>
#include <cstring>

#include "io/codec_internal.hpp"

namespace pageprep::host::detail {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

namespace {

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

}  // namespace

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

}  // namespace pageprep::host::detail
