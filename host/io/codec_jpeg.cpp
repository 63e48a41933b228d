// JPEG through libjpeg(-turbo) directly, so that its warnings are ours to judge.
//
// OpenCV's imdecode lets libjpeg print "Corrupt JPEG data: ..." to stderr (with
// no file name) and returns the damaged pixels as a good page. Here an error
// manager captures every message: an error ends the decode (longjmp back to
// jpeg_decode_into), and a warning about the data ("Corrupt JPEG data",
// "Premature end of JPEG file", a bad Huffman code, ...) makes the page
// kCorrupt with libjpeg's own words. Nothing is ever printed.
//
// Colour pages come out of libjpeg as RGB (CMYK/YCCK as CMYK, Adobe's inverted
// convention honoured) and go through the same gray conversion as every other
// format; EXIF orientation is applied as OpenCV applies it.
// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>
// clang-format off
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include <opencv2/core.hpp>

#include <algorithm>
#include <csetjmp>
#include <cstring>

#include "io/codec_internal.hpp"

namespace pageprep::host::detail {
namespace {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

// Only plain C data here: longjmp skips destructors.
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char error[JMSG_LENGTH_MAX];
  char first_warning[JMSG_LENGTH_MAX];
  int data_warnings;
  int error_code;
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* m = reinterpret_cast<ErrorManager*>(cinfo->err);
  m->error_code = m->pub.msg_code;
  (*cinfo->err->format_message)(cinfo, m->error);
  std::longjmp(m->jump, 1);
}

// Warnings that say nothing about the pixels.
bool benign_warning(int code) {
  return code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM || code == JWRN_BOGUS_ICC;
}

void on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* m = reinterpret_cast<ErrorManager*>(cinfo->err);
  ++m->pub.num_warnings;
  if (benign_warning(m->pub.msg_code)) return;
  if (m->data_warnings++ == 0) (*cinfo->err->format_message)(cinfo, m->first_warning);
}

void no_output(j_common_ptr) {}

struct Decompress {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  Decompress() {
    std::memset(&cinfo, 0, sizeof cinfo);
    std::memset(&err, 0, sizeof err);
    cinfo.err = jpeg_std_error(&err.pub);
    err.pub.error_exit = on_error;
    err.pub.emit_message = on_message;
    err.pub.output_message = no_output;
  }
  ~Decompress() { jpeg_destroy_decompress(&cinfo); }
};

// EXIF orientation (tag 0x0112 in IFD0), 1 when absent.
int exif_orientation(const jpeg_decompress_struct& cinfo) {
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next) {
    if (m->marker != JPEG_APP0 + 1 || m->data_length < 14 ||
        std::memcmp(m->data, "Exif\0\0", 6) != 0)
      continue;
    const uint8_t* t = m->data + 6;
    const size_t n = m->data_length - 6;
    const bool le = t[0] == 'I' && t[1] == 'I';
    if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
    auto u16 = [&](size_t o) { return le ? le16(t + o) : be16(t + o); };
    auto u32 = [&](size_t o) { return le ? le32(t + o) : be32(t + o); };
    const size_t ifd = u32(4);
    if (ifd + 2 > n || ifd < 8) return 1;
    const size_t count = u16(ifd);
    for (size_t i = 0; i < count; ++i) {
      const size_t e = ifd + 2 + 12 * i;
      if (e + 12 > n) break;
      if (u16(e) == 0x0112 && u16(e + 2) == 3) {
        const int v = static_cast<int>(u16(e + 8));
        return v >= 1 && v <= 8 ? v : 1;
      }
    }
    return 1;
  }
  return 1;
}

struct RawDecode {
  int ok = 0;              // 1 on success
  int error_code = 0;      // libjpeg's msg_code when !ok
  int components = 0;      // 1 (gray), 3 (RGB) or 4 (CMYK)
  int adobe_inverted = 0;  // CMYK stored inverted (Adobe)
  int orientation = 1;
};

// The libjpeg calls, between setjmp and the last longjmp: no C++ object with a
// destructor is created in this frame after setjmp. `out` is sized by the
// caller from the header (width x height x components, checked to match).
RawDecode jpeg_decode_into(Decompress* d, const uint8_t* data, size_t size, uint8_t* out,
                           size_t out_size, int expect_w, int expect_h, int denom) {
  RawDecode r;
  jpeg_decompress_struct* c = &d->cinfo;
  if (setjmp(d->err.jump)) {
    r.ok = 0;
    r.error_code = d->err.error_code;
    return r;
  }
  jpeg_create_decompress(c);
  jpeg_mem_src(c, data, static_cast<unsigned long>(size));
  jpeg_save_markers(c, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(c, TRUE);
  r.orientation = exif_orientation(*c);
  switch (c->jpeg_color_space) {
    case JCS_GRAYSCALE:
      c->out_color_space = JCS_GRAYSCALE;
      r.components = 1;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      c->out_color_space = JCS_CMYK;
      r.components = 4;
      r.adobe_inverted = c->saw_Adobe_marker;
      break;
    default:
      c->out_color_space = JCS_RGB;
      r.components = 3;
      break;
  }
  c->scale_num = 1;
  c->scale_denom = static_cast<unsigned>(denom);
  jpeg_start_decompress(c);
  if (static_cast<int>(c->output_width) != expect_w ||
      static_cast<int>(c->output_height) != expect_h || c->output_components != r.components ||
      static_cast<size_t>(expect_w) * expect_h * r.components > out_size) {
    std::snprintf(d->err.error, sizeof d->err.error,
                  "libjpeg's output (%ux%u, %d components) differs from the header's",
                  c->output_width, c->output_height, c->output_components);
    d->err.error_code = -1;
    r.error_code = -1;
    jpeg_abort_decompress(c);
    return r;
  }
  const size_t pitch = static_cast<size_t>(expect_w) * r.components;
  while (c->output_scanline < c->output_height) {
    JSAMPROW row = out + pitch * c->output_scanline;
    if (jpeg_read_scanlines(c, &row, 1) != 1) break;  // suspended: the data ran out
  }
  if (c->output_scanline < c->output_height) {
    std::snprintf(d->err.error, sizeof d->err.error, "only %u of %u rows decoded",
                  c->output_scanline, c->output_height);
    r.error_code = -1;
    jpeg_abort_decompress(c);
    return r;
  }
  jpeg_finish_decompress(c);
  r.ok = 1;
  return r;
}

void apply_exif_orientation(int orientation, cv::Mat* m) {
  switch (orientation) {
    case 2:
      cv::flip(*m, *m, 1);
      break;
    case 3:
      cv::flip(*m, *m, -1);
      break;
    case 4:
      cv::flip(*m, *m, 0);
      break;
    case 5:
      cv::transpose(*m, *m);
      break;
    case 6:
      cv::transpose(*m, *m);
      cv::flip(*m, *m, 1);
      break;
    case 7:
      cv::transpose(*m, *m);
      cv::flip(*m, *m, -1);
      break;
    case 8:
      cv::transpose(*m, *m);
      cv::flip(*m, *m, 0);
      break;
    default:
      break;
  }
}

}  // namespace

DecodeResult jpeg_decode(const uint8_t* data, size_t size, Header* hp, const std::string& name,
                         ThreadPool& pool, int denom) {
  Header& h = *hp;
  // libjpeg's scaled output size: ceil(side / denom).
  const int w = static_cast<int>((h.width + denom - 1) / denom),
            ht = static_cast<int>((h.height + denom - 1) / denom);
  if (denom > 1) {
    h.dpi_x /= denom;
    h.dpi_y /= denom;
  }
  const int comps = h.channels == 1 ? 1 : h.channels == 4 ? 4 : 3;
  DecodeResult r;
  cv::Mat gray(ht, w, CV_8UC1);
  std::vector<uint8_t> colour;
  uint8_t* out = gray.data;
  size_t out_size = static_cast<size_t>(w) * ht;
  if (comps > 1) {
    colour.resize(static_cast<size_t>(w) * ht * comps);
    out = colour.data();
    out_size = colour.size();
  }
  Decompress d;
  const RawDecode raw = jpeg_decode_into(&d, data, size, out, out_size, w, ht, denom);
  if (!raw.ok) {
    const bool unsupported = raw.error_code == JERR_BAD_PRECISION ||
                             raw.error_code == JERR_NOT_COMPILED ||
                             raw.error_code == JERR_ARITH_NOTIMPL;
    return decode_error(unsupported ? PageError::kUnsupportedFormat : PageError::kCorrupt, name,
                        std::string("JPEG decoder (libjpeg): ") + d.err.error);
  }
  if (d.err.data_warnings > 0)
    return decode_error(
        PageError::kCorrupt, name,
        std::string("damaged JPEG data (libjpeg: ") + d.err.first_warning +
            (d.err.data_warnings > 1
                 ? "; " + std::to_string(d.err.data_warnings - 1) + " more warning(s)"
                 : std::string()) +
            ")");
  if (raw.components == 4) {
    // CMYK to RGB in place, 4 bytes per pixel to the first 3 of each 4.
    const bool inv = raw.adobe_inverted != 0;
    const int64_t px = int64_t{w} * ht;
    uint8_t* p = colour.data();
    for (int64_t i = 0; i < px; ++i) {
      const unsigned c = p[4 * i], m = p[4 * i + 1], y = p[4 * i + 2], k = p[4 * i + 3];
      uint8_t* o = p + 3 * i;
      if (inv) {
        o[0] = static_cast<uint8_t>((c * k + 127) / 255);
        o[1] = static_cast<uint8_t>((m * k + 127) / 255);
        o[2] = static_cast<uint8_t>((y * k + 127) / 255);
      } else {
        o[0] = static_cast<uint8_t>(((255 - c) * (255 - k) + 127) / 255);
        o[1] = static_cast<uint8_t>(((255 - m) * (255 - k) + 127) / 255);
        o[2] = static_cast<uint8_t>(((255 - y) * (255 - k) + 127) / 255);
      }
    }
  }
  if (raw.components > 1) {
    const kernels::Status s =
        to_gray(pool, PixelFormat::kRgb8, colour.data(), int64_t{w} * 3, w, ht, &gray);
    if (!s) return decode_error(PageError::kInternal, name, s.message());
    colour = {};
  }
  if (raw.orientation != 1) {
    apply_exif_orientation(raw.orientation, &gray);
    if (raw.orientation >= 5) std::swap(h.dpi_x, h.dpi_y);
  }
  r.page.gray = gray;
  return r;
}

}  // namespace pageprep::host::detail

namespace pageprep::host {

int32_t jpeg_reduce_denominator(int64_t width, int64_t height, int32_t reduce_to_side) {
  if (reduce_to_side <= 0) return 1;
  const int64_t side = std::max(width, height);
  for (int32_t denom = 8; denom > 1; denom /= 2)
    if ((side + denom - 1) / denom >= reduce_to_side) return denom;
  return 1;
}

}  // namespace pageprep::host
