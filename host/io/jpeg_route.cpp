// The JPEG decoder choice (jpeg_route.hpp): a marker walk to the first scan,
// then the rules, each failing one naming its reason.
#include "io/jpeg_route.hpp"

#include <cstring>

namespace pageprep::host {
namespace {

uint32_t be16(const uint8_t* p) {
  return (uint32_t{p[0]} << 8) | p[1];
}

// EXIF orientation from an APP1 "Exif\0\0" payload (TIFF header onwards).
int32_t exif_orientation(const uint8_t* t, size_t n) {
  if (n < 8) return 1;
  const bool le = t[0] == 'I' && t[1] == 'I';
  if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
  auto u16 = [&](size_t o) -> uint32_t {
    return le ? (uint32_t{t[o]} | (uint32_t{t[o + 1]} << 8)) : be16(t + o);
  };
  auto u32 = [&](size_t o) -> uint32_t {
    return le ? (u16(o) | (u16(o + 2) << 16)) : ((u16(o) << 16) | u16(o + 2));
  };
  const size_t ifd = u32(4);
  if (ifd + 2 > n) return 1;
  const uint32_t count = u16(ifd);
  for (uint32_t i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + 12 * static_cast<size_t>(i);
    if (e + 12 > n) return 1;
    if (u16(e) == 0x0112) {
      const int32_t v = static_cast<int32_t>(u16(e + 8));
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

}  // namespace

JpegFrameInfo read_jpeg_frame(const uint8_t* d, size_t n) {
  JpegFrameInfo f;
  f.ends_with_eoi = n >= 4 && d[n - 2] == 0xFF && d[n - 1] == 0xD9;
  if (n < 4 || d[0] != 0xFF || d[1] != 0xD8) return f;
  size_t pos = 2;
  for (;;) {
    while (pos < n && d[pos] != 0xFF) ++pos;
    while (pos < n && d[pos] == 0xFF) ++pos;
    if (pos >= n) return f;
    const uint8_t marker = d[pos++];
    if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01 || marker == 0xD8) continue;
    if (marker == 0xD9 || pos + 2 > n) return f;
    const size_t len = be16(d + pos);
    if (len < 2 || pos + len > n) return f;
    const uint8_t* seg = d + pos + 2;
    const size_t seglen = len - 2;
    const bool is_sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (is_sof && seglen >= 6 && f.sof_marker == 0) {
      f.sof_marker = marker;
      f.precision = seg[0];
      f.height = static_cast<int32_t>(be16(seg + 1));
      f.width = static_cast<int32_t>(be16(seg + 3));
      f.components = seg[5];
      f.rgb_ids =
          f.components == 3 && seglen >= 6 + 9 && seg[6] == 'R' && seg[9] == 'G' && seg[12] == 'B';
    } else if (marker == 0xE0 && seglen >= 5 && std::memcmp(seg, "JFIF\0", 5) == 0) {
      f.jfif = true;
    } else if (marker == 0xE1 && seglen >= 14 && std::memcmp(seg, "Exif\0\0", 6) == 0) {
      f.exif_orientation = exif_orientation(seg + 6, seglen - 6);
    } else if (marker == 0xEE && seglen >= 12 && std::memcmp(seg, "Adobe", 5) == 0) {
      f.adobe = true;
      f.adobe_transform = seg[11];
    }
    if (marker == 0xDA) return f;  // the first scan: every frame segment is behind us
    pos += len;
  }
}

JpegRoute route_jpeg(const uint8_t* data, size_t size, const JpegRouteLimits& limits) {
  JpegRoute r;
  r.info = read_jpeg_frame(data, size);
  const JpegFrameInfo& f = r.info;
  auto cpu = [&](std::string why) {
    r.decoder = JpegDecoder::kCpu;
    r.reason = std::move(why);
    return r;
  };
  if (limits.max_width <= 0 || limits.max_height <= 0 || limits.max_pixels <= 0)
    return cpu("no device lane");
  if (f.sof_marker == 0) return cpu("no frame header before the first scan");
  if (f.sof_marker == 0xC2 || f.sof_marker == 0xC6 || f.sof_marker == 0xCA || f.sof_marker == 0xCE)
    return cpu("progressive JPEG");
  if (f.sof_marker == 0xC3 || f.sof_marker == 0xC7 || f.sof_marker == 0xCB || f.sof_marker == 0xCF)
    return cpu("lossless JPEG");
  if (f.sof_marker >= 0xC9) return cpu("arithmetic-coded JPEG");
  if (f.sof_marker != 0xC0 && f.sof_marker != 0xC1) return cpu("hierarchical JPEG");
  if (f.precision != 8) return cpu(std::to_string(f.precision) + "-bit samples");
  if (f.components == 4) return cpu("CMYK/YCCK JPEG");
  if (f.components != 1 && f.components != 3)
    return cpu(std::to_string(f.components) + " components");
  // Three components are YCbCr unless an Adobe segment says otherwise (libjpeg's
  // rule; JFIF is always YCbCr): only then is the first plane the luma.
  if (f.components == 3 && !f.jfif &&
      ((f.adobe && f.adobe_transform != 1) || (!f.adobe && f.rgb_ids)))
    return cpu("RGB JPEG (no colour transform)");
  if (f.exif_orientation != 1) return cpu("EXIF orientation " + std::to_string(f.exif_orientation));
  if (f.height == 0) return cpu("height in a DNL marker");
  if (f.width > limits.max_width || f.height > limits.max_height ||
      int64_t{f.width} * f.height > limits.max_pixels)
    return cpu("larger than the device lane");
  if (!f.ends_with_eoi) return cpu("no end-of-image marker at the end");
  if (limits.reduce) return cpu("DCT-domain reduction asked for");
  r.decoder = JpegDecoder::kDevice;
  r.reason.clear();
  return r;
}

const char* jpeg_decoder_name(JpegDecoder d) {
  return d == JpegDecoder::kDevice ? "device" : "cpu";
}

}  // namespace pageprep::host
