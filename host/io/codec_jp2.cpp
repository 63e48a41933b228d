// JPEG 2000 (JP2 files and raw J2K codestreams) through openjp2 (BSD-2-Clause),
// from memory. The header is read first and checked against the decode
// limits; the decoder runs in strict mode, so a truncated codestream is an
// error rather than a partially decoded page. The resolution comes from the
// JP2 header's 'res ' box (capture resolution, else display resolution); a
// raw codestream carries none.
#include <openjpeg.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "io/codec_internal.hpp"

namespace pageprep::host::detail {
namespace {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

// ------------------------------------------------------------- stream ----

struct MemorySource {
  const uint8_t* data;
  size_t size;
  size_t pos;
};

OPJ_SIZE_T mem_read(void* buffer, OPJ_SIZE_T n, void* user) {
  auto* m = static_cast<MemorySource*>(user);
  if (m->pos >= m->size) return static_cast<OPJ_SIZE_T>(-1);  // end of stream
  const size_t k = std::min<size_t>(n, m->size - m->pos);
  std::memcpy(buffer, m->data + m->pos, k);
  m->pos += k;
  return k;
}

OPJ_OFF_T mem_skip(OPJ_OFF_T n, void* user) {
  auto* m = static_cast<MemorySource*>(user);
  if (n < 0) {
    const size_t back = std::min<size_t>(static_cast<size_t>(-n), m->pos);
    m->pos -= back;
    return -static_cast<OPJ_OFF_T>(back);
  }
  const size_t k = std::min<size_t>(static_cast<size_t>(n), m->size - m->pos);
  m->pos += k;
  return static_cast<OPJ_OFF_T>(k);
}

OPJ_BOOL mem_seek(OPJ_OFF_T n, void* user) {
  auto* m = static_cast<MemorySource*>(user);
  if (n < 0 || static_cast<size_t>(n) > m->size) return OPJ_FALSE;
  m->pos = static_cast<size_t>(n);
  return OPJ_TRUE;
}

// The first error openjp2 reports (its messages end in '\n').
void on_error(const char* msg, void* user) {
  auto* s = static_cast<std::string*>(user);
  if (!s->empty() || msg == nullptr) return;
  *s = msg;
  while (!s->empty() && (s->back() == '\n' || s->back() == ' ')) s->pop_back();
}
void on_quiet(const char*, void*) {}

struct CodecDeleter {
  void operator()(opj_codec_t* c) const { opj_destroy_codec(c); }
};
struct StreamDeleter {
  void operator()(opj_stream_t* s) const { opj_stream_destroy(s); }
};
struct ImageDeleter {
  void operator()(opj_image_t* i) const { opj_image_destroy(i); }
};

// ------------------------------------------------------------ JP2 boxes ----

// Box header at `p` (inside [p, end)): type, payload start and end.
bool read_box(const uint8_t* p, const uint8_t* end, uint32_t* type, const uint8_t** body,
              const uint8_t** next) {
  if (end - p < 8) return false;
  uint64_t len = be32(p);
  *type = be32(p + 4);
  const uint8_t* b = p + 8;
  if (len == 1) {
    if (end - p < 16) return false;
    len = static_cast<uint64_t>(be32(p + 8)) << 32 | be32(p + 12);
    b = p + 16;
    if (len < 16) return false;
  } else if (len == 0) {
    len = static_cast<uint64_t>(end - p);  // to the end of the enclosing box
  } else if (len < 8) {
    return false;
  }
  if (len > static_cast<uint64_t>(end - p)) return false;
  *body = b;
  *next = p + len;
  return true;
}

constexpr uint32_t box_type(const char (&s)[5]) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[0])) << 24 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[1])) << 16 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[2])) << 8 | static_cast<uint8_t>(s[3]);
}

// Pixels per metre from a resc/resd payload (VR_N VR_D HR_N HR_D VR_E HR_E).
bool read_resolution(const uint8_t* b, const uint8_t* end, double* dpi_x, double* dpi_y) {
  if (end - b < 10) return false;
  const double vn = be16(b), vd = be16(b + 2), hn = be16(b + 4), hd = be16(b + 6);
  const int ve = static_cast<int8_t>(b[8]), he = static_cast<int8_t>(b[9]);
  if (vd == 0 || hd == 0) return false;
  constexpr double kMetresPerInch = 0.0254;
  *dpi_y = vn / vd * std::pow(10.0, ve) * kMetresPerInch;
  *dpi_x = hn / hd * std::pow(10.0, he) * kMetresPerInch;
  return true;
}

// The JP2 file's resolution: jp2h > res > resc (capture), else resd (display).
void jp2_resolution(const uint8_t* d, size_t n, double* dpi_x, double* dpi_y) {
  const uint8_t* end = d + n;
  const uint8_t *body, *next;
  uint32_t type;
  for (const uint8_t* p = d; read_box(p, end, &type, &body, &next); p = next) {
    if (type != box_type("jp2h")) continue;
    const uint8_t *rb, *rnext;
    for (const uint8_t* q = body; read_box(q, next, &type, &rb, &rnext); q = rnext) {
      if (type != box_type("res ")) continue;
      double cx = 0, cy = 0, sx = 0, sy = 0;
      bool capture = false, display = false;
      const uint8_t *cb, *cnext;
      for (const uint8_t* r = rb; read_box(r, rnext, &type, &cb, &cnext); r = cnext) {
        if (type == box_type("resc")) capture = read_resolution(cb, cnext, &cx, &cy);
        if (type == box_type("resd")) display = read_resolution(cb, cnext, &sx, &sy);
      }
      if (capture) {
        *dpi_x = cx;
        *dpi_y = cy;
      } else if (display) {
        *dpi_x = sx;
        *dpi_y = sy;
      }
      return;
    }
    return;
  }
}

// One component's sample at full resolution (x, y) as 8 bits.
inline uint8_t sample8(const opj_image_comp_t& c, uint32_t x, uint32_t y, int32_t offset,
                       int32_t max) {
  const uint32_t cx = std::min(x / std::max(1u, c.dx), c.w - 1);
  const uint32_t cy = std::min(y / std::max(1u, c.dy), c.h - 1);
  int64_t v = static_cast<int64_t>(c.data[static_cast<size_t>(cy) * c.w + cx]) + offset;
  v = std::clamp<int64_t>(v, 0, max);
  return static_cast<uint8_t>((v * 255 + max / 2) / max);
}

}  // namespace

bool is_jp2_signature(const uint8_t* d, size_t n) {
  static const uint8_t kJp2[12] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
  return n >= 12 && std::memcmp(d, kJp2, 12) == 0;
}

bool is_j2k_signature(const uint8_t* d, size_t n) {
  return n >= 4 && d[0] == 0xFF && d[1] == 0x4F && d[2] == 0xFF && d[3] == 0x51;
}

DecodeResult jp2_decode(const uint8_t* d, size_t n, const std::string& name,
                        const DecodeLimits& limits, ThreadPool& pool) {
  const bool jp2 = is_jp2_signature(d, n);
  std::unique_ptr<opj_codec_t, CodecDeleter> codec(
      opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K));
  if (!codec) return decode_error(PageError::kInternal, name, "openjp2: cannot create a decoder");
  std::string error;
  opj_set_error_handler(codec.get(), on_error, &error);
  opj_set_warning_handler(codec.get(), on_quiet, nullptr);
  opj_set_info_handler(codec.get(), on_quiet, nullptr);
  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (!opj_setup_decoder(codec.get(), &params))
    return decode_error(PageError::kInternal, name, "openjp2: cannot set up the decoder");
  // Strict: a truncated codestream fails instead of decoding to a partial page.
  opj_decoder_set_strict_mode(codec.get(), OPJ_TRUE);
  opj_codec_set_threads(codec.get(), 1);  // the decode threads are the parallelism

  MemorySource src{d, n, 0};
  std::unique_ptr<opj_stream_t, StreamDeleter> stream(opj_stream_create(1 << 16, OPJ_TRUE));
  if (!stream) return decode_error(PageError::kInternal, name, "openjp2: cannot create a stream");
  opj_stream_set_user_data(stream.get(), &src, nullptr);
  opj_stream_set_user_data_length(stream.get(), n);
  opj_stream_set_read_function(stream.get(), mem_read);
  opj_stream_set_skip_function(stream.get(), mem_skip);
  opj_stream_set_seek_function(stream.get(), mem_seek);

  opj_image_t* raw = nullptr;
  if (!opj_read_header(stream.get(), codec.get(), &raw)) {
    if (raw) opj_image_destroy(raw);
    return decode_error(PageError::kCorrupt, name,
                        "JPEG 2000 header unreadable" + (error.empty() ? "" : ": " + error));
  }
  std::unique_ptr<opj_image_t, ImageDeleter> image(raw);
  const int64_t width = static_cast<int64_t>(image->x1) - image->x0;
  const int64_t height = static_cast<int64_t>(image->y1) - image->y0;
  std::string what;
  const PageError size_error = check_dimensions(width, height, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);
  if (image->numcomps == 0)
    return decode_error(PageError::kCorrupt, name, "JPEG 2000 image has no components");
  // DecodeLimits::reduce_to_side: decode only the resolution levels needed,
  // 2^k smaller a side (at most the codestream's levels allow).
  uint32_t reduce = 0;
  if (limits.reduce_to_side > 0) {
    const int64_t side = std::max(width, height);
    while (reduce < 5 &&
           ((side + (int64_t{1} << (reduce + 1)) - 1) >> (reduce + 1)) >= limits.reduce_to_side)
      ++reduce;
    while (reduce > 0 && !opj_set_decoded_resolution_factor(codec.get(), reduce)) --reduce;
    error.clear();  // a refused factor is not the page's error
  }
  if (!opj_decode(codec.get(), stream.get(), image.get()) ||
      !opj_end_decompress(codec.get(), stream.get()))
    return decode_error(
        PageError::kCorrupt, name,
        "JPEG 2000 decoding failed (truncated or damaged)" + (error.empty() ? "" : ": " + error));

  // The reduced page: ceil(x1 / 2^k) - ceil(x0 / 2^k), as openjp2 sizes it.
  auto reduced = [&](uint32_t a0, uint32_t a1) {
    const uint64_t div = uint64_t{1} << reduce;
    return static_cast<uint32_t>((a1 + div - 1) / div - (a0 + div - 1) / div);
  };
  const uint32_t w = reduce ? reduced(image->x0, image->x1) : static_cast<uint32_t>(width);
  const uint32_t h = reduce ? reduced(image->y0, image->y1) : static_cast<uint32_t>(height);
  const uint32_t nc = image->numcomps;
  for (uint32_t i = 0; i < nc; ++i) {
    const opj_image_comp_t& c = image->comps[i];
    if (c.data == nullptr || c.w == 0 || c.h == 0 || c.prec == 0 || c.prec > 31)
      return decode_error(PageError::kCorrupt, name,
                          "JPEG 2000 component " + std::to_string(i) + " was not decoded");
  }
  auto range = [&](uint32_t i, int32_t* offset, int32_t* max) {
    const opj_image_comp_t& c = image->comps[i];
    const uint32_t prec = std::min<uint32_t>(c.prec, 16);
    *offset = c.sgnd ? (1 << (prec - 1)) : 0;
    *max = (1 << prec) - 1;
  };
  DecodeResult r;
  r.page.gray.create(static_cast<int>(h), static_cast<int>(w), CV_8UC1);
  // Colour: RGB (three components, not YCC) through the shared gray
  // conversion; YCC and other spaces: the first component is the luma.
  const bool rgb = nc >= 3 && image->color_space != OPJ_CLRSPC_SYCC &&
                   image->color_space != OPJ_CLRSPC_EYCC && image->color_space != OPJ_CLRSPC_CMYK;
  if (rgb) {
    cv::Mat rgb8(static_cast<int>(h), static_cast<int>(w), CV_8UC3);
    int32_t off[3], max[3];
    for (uint32_t i = 0; i < 3; ++i) range(i, &off[i], &max[i]);
    pool.parallel_for(h, std::max<int64_t>(1, 65536 / w), [&](int64_t y0, int64_t y1) {
      for (int64_t y = y0; y < y1; ++y) {
        uint8_t* o = rgb8.ptr<uint8_t>(static_cast<int>(y));
        for (uint32_t x = 0; x < w; ++x)
          for (uint32_t i = 0; i < 3; ++i)
            o[3 * x + i] = sample8(image->comps[i], x, static_cast<uint32_t>(y), off[i], max[i]);
      }
    });
    const kernels::Status s =
        to_gray(pool, PixelFormat::kRgb8, rgb8.data, static_cast<int64_t>(rgb8.step[0]),
                static_cast<int32_t>(w), static_cast<int32_t>(h), &r.page.gray);
    if (!s) return decode_error(PageError::kInternal, name, s.message());
  } else {
    int32_t off, max;
    range(0, &off, &max);
    const opj_image_comp_t& c = image->comps[0];
    pool.parallel_for(h, std::max<int64_t>(1, 65536 / w), [&](int64_t y0, int64_t y1) {
      for (int64_t y = y0; y < y1; ++y) {
        uint8_t* o = r.page.gray.ptr<uint8_t>(static_cast<int>(y));
        for (uint32_t x = 0; x < w; ++x) o[x] = sample8(c, x, static_cast<uint32_t>(y), off, max);
      }
    });
  }
  // An alpha component (JP2 channel definition) is paper where transparent:
  // composite onto white.
  for (uint32_t i = 1; i < nc; ++i) {
    if (!image->comps[i].alpha) continue;
    int32_t off, max;
    range(i, &off, &max);
    for (uint32_t y = 0; y < h; ++y) {
      uint8_t* o = r.page.gray.ptr<uint8_t>(static_cast<int>(y));
      for (uint32_t x = 0; x < w; ++x) {
        const uint32_t a = sample8(image->comps[i], x, y, off, max);
        o[x] = static_cast<uint8_t>((o[x] * a + 255 * (255 - a) + 127) / 255);
      }
    }
    break;
  }
  r.page.format = jp2 ? "jp2" : "j2k";
  r.page.source_channels = static_cast<int32_t>(nc);
  r.page.source_depth_bits = static_cast<int32_t>(image->comps[0].prec);
  double dpi_x = 0, dpi_y = 0;
  if (jp2) jp2_resolution(d, n, &dpi_x, &dpi_y);
  set_file_dpi(&r.page, dpi_x / (1 << reduce), dpi_y / (1 << reduce));
  return r;
}

}  // namespace pageprep::host::detail
