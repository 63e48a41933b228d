// PNG decoding of our own: inflate with libdeflate, unfilter and convert to
// 8-bit gray row by row, straight into the output page.
//
// Why not OpenCV's imdecode (libpng + zlib): on a noisy A4 page at 300 dpi it
// spent about 2.5x the time of this path (docs/PERFORMANCE.md, "Decoding"),
// in zlib's inflate (libdeflate's is about 2x faster) and in libpng's row
// handling; and it returns the file's own layout (16-bit RGBA is 8 bytes per
// pixel) before anything turns it into gray, so a large colour page needed
// many times its gray size. Here the only full-page buffer besides the gray
// page is the inflated stream when it is at most kWholeInflateMax bytes;
// larger streams (large colour pages) inflate row by row with zlib, so memory
// stays at one gray page plus two rows.
//
// Checks, as strict as libpng's defaults for what matters to us: IHDR fields
// (depth per colour type, compression, filter and interlace methods), CRCs of
// the critical chunks (IHDR, PLTE, IDAT, IEND), the zlib stream (adler32) and
// its length (exactly height x (1 + row bytes)), filter types 0..4, a palette
// for palette pages. Completeness (IEND) and the size limits were checked from
// the header before this runs (parse_png). Interlaced (Adam7) pages go to
// OpenCV: `handled` is false.
//
// Conversion, as the codec contract says (codec.hpp): 16-bit samples to 8 bits
// with rounding (ops::gray16_to_gray8), colour to gray with the BT.601 fixed
// point of ops::rgb_to_gray, alpha (also from tRNS) composited onto white
// with composite_onto_white's arithmetic, 1/2/4-bit gray scaled to 0..255.
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include "io/codec_internal.hpp"
#include "pageprep/kernels/ops/gray_ops.hpp"

namespace pageprep::host::detail {

using kernels::cpu::ThreadPool;

namespace {

/// Inflated streams up to this size are inflated at once by libdeflate;
/// larger ones row by row (bounded memory).
constexpr size_t kWholeInflateMax = size_t{96} << 20;
/// Inflate buffers up to this size stay with the decoding thread for its next
/// page (an A4 page in gray needs 8.7 MB at 300 dpi, 35 MB at 600 dpi).
constexpr size_t kKeptScratch = size_t{48} << 20;

enum ColorType : uint8_t { kGray = 0, kRgb = 2, kPalette = 3, kGrayAlpha = 4, kRgba = 6 };

struct Ihdr {
  int32_t width = 0, height = 0;
  int32_t depth = 8;
  uint8_t color = kGray;
  bool interlaced = false;
  int32_t channels = 1;
  size_t row_bytes = 0;  ///< filtered row without its filter byte
  int32_t bpp = 1;       ///< bytes per complete pixel, at least 1 (the filters' unit)
};

/// Composite c with alpha a onto white: composite_onto_white's rounding.
inline uint8_t on_white(uint32_t c, uint32_t a) {
  return static_cast<uint8_t>((c * a + 255u * (255u - a) + 127u) / 255u);
}

inline uint32_t be16v(const uint8_t* p) {
  return static_cast<uint32_t>(p[0] << 8 | p[1]);
}

/// Paeth's predictor without branches (noisy scans make the branches of the
/// textbook form unpredictable): a, unless b is strictly closer, unless c is
/// strictly closer than both; the same choice as "pa <= pb && pa <= pc ? a :
/// pb <= pc ? b : c".
inline int paeth(int a, int b, int c) {
  const int p = b - c, q = a - c, r = p + q;
  const int pa = p < 0 ? -p : p, pb = q < 0 ? -q : q, pc = r < 0 ? -r : r;
  const int pred = pb < pa ? b : a;
  const int best = pb < pa ? pb : pa;
  return pc < best ? c : pred;
}

/// Reverses one row's filter in place: `row` holds the filtered bytes,
/// `prev` the previous unfiltered row (zeros for the first). False for an
/// unknown filter type.
bool unfilter(uint8_t type, uint8_t* row, const uint8_t* prev, size_t n, int32_t bpp) {
  const size_t b = static_cast<size_t>(bpp);
  switch (type) {
    case 0:
      return true;
    case 1:
      for (size_t i = b; i < n; ++i) row[i] = static_cast<uint8_t>(row[i] + row[i - b]);
      return true;
    case 2:
      for (size_t i = 0; i < n; ++i) row[i] = static_cast<uint8_t>(row[i] + prev[i]);
      return true;
    case 3:
      for (size_t i = 0; i < b && i < n; ++i)
        row[i] = static_cast<uint8_t>(row[i] + (prev[i] >> 1));
      for (size_t i = b; i < n; ++i)
        row[i] = static_cast<uint8_t>(row[i] + ((row[i - b] + prev[i]) >> 1));
      return true;
    case 4:
      for (size_t i = 0; i < b && i < n; ++i) row[i] = static_cast<uint8_t>(row[i] + prev[i]);
      for (size_t i = b; i < n; ++i)
        row[i] = static_cast<uint8_t>(row[i] + paeth(row[i - b], prev[i], prev[i - b]));
      return true;
    default:
      return false;
  }
}

template <int T>
inline int serial_pred(int a, int b, int c) {
  if constexpr (T == 3) {
    return (a + b) >> 1;
  } else {
    return paeth(a, b, c);
  }
}

/// Two consecutive rows whose filters (T0, T1) are Average or Paeth, one byte
/// per pixel: each byte depends on its left neighbour, a chain of several
/// cycles per byte, so the second row runs one column behind the first in the
/// same loop and the two chains overlap (about 1.6x on noisy scans). r1's
/// previous row is r0.
template <int T0, int T1>
void unfilter_pair(uint8_t* r0, uint8_t* r1, const uint8_t* p0, size_t n) {
  int a0 = (r0[0] + (T0 == 3 ? p0[0] >> 1 : p0[0])) & 0xFF;
  r0[0] = static_cast<uint8_t>(a0);
  int c0 = p0[0];
  int a1 = 0, c1 = 0;
  auto second = [&](size_t k) {
    const int b1 = r0[k];
    a1 = (r1[k] + (k == 0 ? (T1 == 3 ? b1 >> 1 : b1) : serial_pred<T1>(a1, b1, c1))) & 0xFF;
    r1[k] = static_cast<uint8_t>(a1);
    c1 = b1;
  };
  for (size_t i = 1; i < n; ++i) {
    const int b0 = p0[i];
    a0 = (r0[i] + serial_pred<T0>(a0, b0, c0)) & 0xFF;
    r0[i] = static_cast<uint8_t>(a0);
    c0 = b0;
    second(i - 1);
  }
  second(n - 1);
}

/// Unfilters rows [y, y + 1] (or only y) of a one-byte-per-pixel image at
/// rows[0], rows[1]: pairs of serial filters go through unfilter_pair.
/// Returns the rows done (1 or 2), 0 for an unknown filter type.
int unfilter_rows(uint8_t t0, uint8_t* r0, const uint8_t* prev, int t1, uint8_t* r1, size_t n) {
  const bool s0 = t0 == 3 || t0 == 4, s1 = t1 == 3 || t1 == 4;
  if (s0 && s1 && r1 != nullptr && n > 0) {
    if (t0 == 4 && t1 == 4)
      unfilter_pair<4, 4>(r0, r1, prev, n);
    else if (t0 == 4)
      unfilter_pair<4, 3>(r0, r1, prev, n);
    else if (t1 == 4)
      unfilter_pair<3, 4>(r0, r1, prev, n);
    else
      unfilter_pair<3, 3>(r0, r1, prev, n);
    return 2;
  }
  return unfilter(t0, r0, prev, n, 1) ? 1 : 0;
}

/// Turns unfiltered rows of one layout into gray rows.
class RowConverter {
 public:
  RowConverter(const Ihdr& h, const std::array<uint8_t, 256>* palette_gray, bool has_key,
               uint32_t key_g, uint32_t key_r, uint32_t key_b)
      : h_(h), pal_(palette_gray), has_key_(has_key), kg_(key_g), kr_(key_r), kb_(key_b) {}

  void operator()(const uint8_t* s, uint8_t* o) const {
    const int32_t w = h_.width;
    switch (h_.color) {
      case kGray:
        if (h_.depth == 8) {
          if (has_key_)
            for (int32_t x = 0; x < w; ++x) o[x] = s[x] == kg_ ? 255 : s[x];
          else if (o != s)
            std::memcpy(o, s, static_cast<size_t>(w));
        } else if (h_.depth == 16) {
          for (int32_t x = 0; x < w; ++x) {
            const uint32_t v = be16v(s + 2 * x);
            o[x] = has_key_ && v == kg_ ? 255 : kernels::ops::gray16_to_gray8(v);
          }
        } else {  // 1, 2, 4 bits, MSB first
          const int32_t d = h_.depth, per = 8 / d;
          const uint32_t mask = (1u << d) - 1, scale = 255u / mask;
          for (int32_t x = 0; x < w; ++x) {
            const uint32_t v = (s[x / per] >> (8 - d * (x % per + 1))) & mask;
            o[x] = has_key_ && v == kg_ ? 255 : static_cast<uint8_t>(v * scale);
          }
        }
        return;
      case kRgb:
        if (h_.depth == 8) {
          for (int32_t x = 0; x < w; ++x) {
            const uint8_t* p = s + 3 * x;
            o[x] = has_key_ && p[0] == kr_ && p[1] == kg_ && p[2] == kb_
                       ? 255
                       : kernels::ops::rgb_to_gray(p[0], p[1], p[2]);
          }
        } else {
          for (int32_t x = 0; x < w; ++x) {
            const uint8_t* p = s + 6 * x;
            const uint32_t r = be16v(p), g = be16v(p + 2), b = be16v(p + 4);
            o[x] = has_key_ && r == kr_ && g == kg_ && b == kb_
                       ? 255
                       : kernels::ops::rgb_to_gray(kernels::ops::gray16_to_gray8(r),
                                                   kernels::ops::gray16_to_gray8(g),
                                                   kernels::ops::gray16_to_gray8(b));
          }
        }
        return;
      case kPalette: {
        const int32_t d = h_.depth, per = 8 / d;
        const uint32_t mask = (1u << d) - 1;
        if (d == 8)
          for (int32_t x = 0; x < w; ++x) o[x] = (*pal_)[s[x]];
        else
          for (int32_t x = 0; x < w; ++x)
            o[x] = (*pal_)[(s[x / per] >> (8 - d * (x % per + 1))) & mask];
        return;
      }
      case kGrayAlpha:
        // Gray composited onto white: its three equal channels stay equal and
        // rgb_to_gray(c, c, c) == c, so the composite is the gray.
        if (h_.depth == 8)
          for (int32_t x = 0; x < w; ++x) o[x] = on_white(s[2 * x], s[2 * x + 1]);
        else
          for (int32_t x = 0; x < w; ++x)
            o[x] = on_white(kernels::ops::gray16_to_gray8(be16v(s + 4 * x)),
                            kernels::ops::gray16_to_gray8(be16v(s + 4 * x + 2)));
        return;
      case kRgba:
        if (h_.depth == 8) {
          for (int32_t x = 0; x < w; ++x) {
            const uint8_t* p = s + 4 * x;
            o[x] = kernels::ops::rgb_to_gray(on_white(p[0], p[3]), on_white(p[1], p[3]),
                                             on_white(p[2], p[3]));
          }
        } else {
          for (int32_t x = 0; x < w; ++x) {
            const uint8_t* p = s + 8 * x;
            const uint32_t a = kernels::ops::gray16_to_gray8(be16v(p + 6));
            o[x] =
                kernels::ops::rgb_to_gray(on_white(kernels::ops::gray16_to_gray8(be16v(p)), a),
                                          on_white(kernels::ops::gray16_to_gray8(be16v(p + 2)), a),
                                          on_white(kernels::ops::gray16_to_gray8(be16v(p + 4)), a));
          }
        }
        return;
      default:
        return;
    }
  }

 private:
  Ihdr h_;
  const std::array<uint8_t, 256>* pal_;
  bool has_key_;
  uint32_t kg_, kr_, kb_;
};

bool valid_depth(uint8_t color, int32_t d) {
  switch (color) {
    case kGray:
      return d == 1 || d == 2 || d == 4 || d == 8 || d == 16;
    case kPalette:
      return d == 1 || d == 2 || d == 4 || d == 8;
    case kRgb:
    case kGrayAlpha:
    case kRgba:
      return d == 8 || d == 16;
    default:
      return false;
  }
}

struct Deflater {
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  ~Deflater() {
    if (d) libdeflate_free_decompressor(d);
  }
};

}  // namespace

DecodeResult png_decode(const uint8_t* data, size_t n, const std::string& name,
                        cv::MatAllocator* allocator, bool* handled) {
  *handled = true;
  auto corrupt = [&](const std::string& what) {
    return decode_error(PageError::kCorrupt, name, what);
  };
  // IHDR (parse_png checked that it comes first and is complete).
  Ihdr h;
  h.width = static_cast<int32_t>(be32(data + 16));
  h.height = static_cast<int32_t>(be32(data + 20));
  h.depth = data[24];
  h.color = data[25];
  if (!valid_depth(h.color, h.depth))
    return corrupt("PNG: bit depth " + std::to_string(h.depth) + " is invalid for colour type " +
                   std::to_string(h.color));
  if (data[26] != 0 || data[27] != 0 || data[28] > 1)
    return corrupt("PNG: unknown compression, filter or interlace method in IHDR");
  if (data[28] == 1) {
    *handled = false;  // Adam7: OpenCV's decoder
    return {};
  }
  h.channels = h.color == kRgb ? 3 : h.color == kGrayAlpha ? 2 : h.color == kRgba ? 4 : 1;
  const size_t bits = static_cast<size_t>(h.channels) * static_cast<size_t>(h.depth);
  h.row_bytes = (static_cast<size_t>(h.width) * bits + 7) / 8;
  h.bpp = static_cast<int32_t>(std::max<size_t>(1, bits / 8));

  // Walk the chunks: CRCs of the critical ones, PLTE, tRNS, the IDAT payloads.
  std::array<uint8_t, 256 * 3> plte{};
  std::array<uint8_t, 256> trns;
  trns.fill(255);
  int32_t plte_entries = -1;
  bool has_key = false;
  uint32_t key_g = 0, key_r = 0, key_b = 0;
  struct Span {
    const uint8_t* p;
    size_t n;
  };
  std::vector<Span> idat;
  size_t idat_bytes = 0;
  for (size_t pos = 8; pos + 12 <= n;) {
    const uint32_t len = be32(data + pos);
    const uint8_t* type = data + pos + 4;
    const uint8_t* body = data + pos + 8;
    const bool critical = (type[0] & 0x20) == 0;
    if (critical && libdeflate_crc32(0, type, static_cast<size_t>(len) + 4) != be32(body + len))
      return corrupt("PNG: CRC error in the " +
                     std::string(reinterpret_cast<const char*>(type), 4) + " chunk at byte " +
                     std::to_string(pos));
    if (std::memcmp(type, "IDAT", 4) == 0) {
      idat.push_back({body, len});
      idat_bytes += len;
    } else if (std::memcmp(type, "PLTE", 4) == 0) {
      if (len % 3 != 0 || len > 768) return corrupt("PNG: invalid PLTE chunk");
      std::memcpy(plte.data(), body, len);
      plte_entries = static_cast<int32_t>(len / 3);
    } else if (std::memcmp(type, "tRNS", 4) == 0) {
      if (h.color == kPalette) {
        std::memcpy(trns.data(), body, std::min<size_t>(len, 256));
      } else if (h.color == kGray && len >= 2) {
        has_key = true;
        key_g = be16v(body);
      } else if (h.color == kRgb && len >= 6) {
        has_key = true;
        key_r = be16v(body);
        key_g = be16v(body + 2);
        key_b = be16v(body + 4);
      }
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      break;
    }
    pos += 12 + static_cast<size_t>(len);
  }
  if (idat.empty()) return corrupt("PNG has no image data (IDAT)");
  if (h.color == kPalette && plte_entries < 0) return corrupt("PNG palette page without PLTE");
  // Palette entries to composited gray, once (indices past the palette are black).
  std::array<uint8_t, 256> palette_gray{};
  if (h.color == kPalette)
    for (int32_t i = 0; i < std::max(0, plte_entries); ++i) {
      const uint8_t* c = plte.data() + 3 * i;
      const uint32_t a = trns[static_cast<size_t>(i)];
      palette_gray[static_cast<size_t>(i)] =
          kernels::ops::rgb_to_gray(on_white(c[0], a), on_white(c[1], a), on_white(c[2], a));
    }
  if (has_key && h.depth < 16) {
    const uint32_t mask = (1u << h.depth) - 1;  // the key is stored at 16 bits
    key_g &= mask;
    key_r &= mask;
    key_b &= mask;
  }
  const RowConverter convert(h, &palette_gray, has_key, key_g, key_r, key_b);
  // 8-bit gray without a tRNS key: the unfiltered row is the page row, and
  // later rows predict from it, so unfilter straight into the page.
  const bool in_place = h.color == kGray && h.depth == 8 && !has_key;

  DecodeResult r;
  cv::Mat& gray = r.page.gray;
  gray.allocator = allocator;
  gray.create(h.height, h.width, CV_8UC1);
  gray.allocator = nullptr;
  const size_t stride = h.row_bytes + 1;
  const size_t raw_bytes = stride * static_cast<size_t>(h.height);
  std::vector<uint8_t> zeros(h.row_bytes, 0);

  bool whole = raw_bytes <= kWholeInflateMax;
  if (whole) {
    // One contiguous zlib stream for libdeflate (copied only when the data
    // is split over several IDAT chunks, as it usually is).
    std::unique_ptr<uint8_t[]> joined;
    const uint8_t* z = idat[0].p;
    if (idat.size() > 1) {
      joined.reset(new uint8_t[idat_bytes]);
      size_t at = 0;
      for (const Span& s : idat) {
        std::memcpy(joined.get() + at, s.p, s.n);
        at += s.n;
      }
      z = joined.get();
    }
    // The inflated stream: a per-thread buffer reused while pages are small
    // (no page faults per page), its own allocation for larger ones.
    thread_local std::vector<uint8_t> scratch;
    std::unique_ptr<uint8_t[]> own;
    uint8_t* raw_data;
    if (raw_bytes <= kKeptScratch) {
      if (scratch.size() < raw_bytes) scratch.resize(raw_bytes);
      raw_data = scratch.data();
    } else {
      own.reset(new uint8_t[raw_bytes]);
      raw_data = own.get();
    }
    Deflater dec;
    if (dec.d == nullptr) throw std::bad_alloc();
    size_t got = 0;
    const libdeflate_result res =
        libdeflate_zlib_decompress(dec.d, z, idat_bytes, raw_data, raw_bytes, &got);
    if (res == LIBDEFLATE_BAD_DATA) return corrupt("PNG image data is damaged (zlib stream)");
    if (res == LIBDEFLATE_SHORT_OUTPUT || (res == LIBDEFLATE_SUCCESS && got != raw_bytes))
      return corrupt("PNG image data is truncated: " + std::to_string(got) + " of " +
                     std::to_string(raw_bytes) + " bytes");
    if (res == LIBDEFLATE_INSUFFICIENT_SPACE) {
      whole = false;  // more data than the image needs: libpng tolerates it; so does zlib below
    } else if (res != LIBDEFLATE_SUCCESS) {
      return corrupt("PNG image data cannot be inflated");
    } else {
      // Rows are unfiltered in the raw buffer (or, for 8-bit gray, in the
      // page itself), two at a time when both filters are serial ones.
      const uint8_t* prev = zeros.data();
      const int32_t H = h.height;
      auto filtered = [&](int32_t y) { return raw_data + static_cast<size_t>(y) * stride; };
      auto target = [&](int32_t y) { return in_place ? gray.ptr<uint8_t>(y) : filtered(y) + 1; };
      for (int32_t y = 0; y < H;) {
        const uint8_t t0 = filtered(y)[0];
        const bool pair = h.bpp == 1 && y + 1 < H;
        const int t1 = pair ? filtered(y + 1)[0] : -1;
        if (in_place) {
          std::memcpy(target(y), filtered(y) + 1, h.row_bytes);
          if (pair) std::memcpy(target(y + 1), filtered(y + 1) + 1, h.row_bytes);
        }
        int done = 0;
        if (h.bpp == 1) {
          done =
              unfilter_rows(t0, target(y), prev, t1, pair ? target(y + 1) : nullptr, h.row_bytes);
        } else {
          done = unfilter(t0, target(y), prev, h.row_bytes, h.bpp) ? 1 : 0;
        }
        if (done == 0)
          return corrupt("PNG: unknown filter type " + std::to_string(t0) + " in row " +
                         std::to_string(y));
        for (int32_t k = 0; k < done; ++k) {
          if (!in_place) convert(target(y + k), gray.ptr<uint8_t>(y + k));
        }
        prev = target(y + done - 1);
        y += done;
      }
      return r;
    }
  }

  // Row by row with zlib: memory is two rows besides the page.
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) throw std::bad_alloc();
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&zs};
  std::vector<uint8_t> rows(2 * stride);
  uint8_t* cur = rows.data();
  uint8_t* prev_row = rows.data() + stride;
  std::memset(prev_row, 0, stride);
  size_t chunk = 0;
  for (int32_t y = 0; y < h.height; ++y) {
    zs.next_out = cur;
    zs.avail_out = static_cast<uInt>(stride);
    while (zs.avail_out > 0) {
      if (zs.avail_in == 0) {
        if (chunk == idat.size())
          return corrupt("PNG image data is truncated at row " + std::to_string(y));
        zs.next_in = const_cast<Bytef*>(idat[chunk].p);
        zs.avail_in = static_cast<uInt>(idat[chunk].n);
        ++chunk;
      }
      const int rc = inflate(&zs, Z_NO_FLUSH);
      if (rc == Z_STREAM_END && zs.avail_out > 0)
        return corrupt("PNG image data is truncated at row " + std::to_string(y));
      if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && zs.avail_in == 0))
        return corrupt("PNG image data is damaged (zlib stream)");
    }
    if (!unfilter(cur[0], cur + 1, prev_row + 1, h.row_bytes, h.bpp))
      return corrupt("PNG: unknown filter type " + std::to_string(cur[0]) + " in row " +
                     std::to_string(y));
    convert(cur + 1, gray.ptr<uint8_t>(y));
    std::swap(cur, prev_row);
  }
  return r;
}

}  // namespace pageprep::host::detail

namespace pageprep::host {

bool png_stream_for_pdf(const std::string& bytes, PngStream* out) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  static const uint8_t kSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (n < 8 + 25 || std::memcmp(data, kSignature, 8) != 0 || std::memcmp(data + 12, "IHDR", 4) != 0)
    return false;
  if (detail::be32(data + 8) != 13 || libdeflate_crc32(0, data + 12, 17) != detail::be32(data + 29))
    return false;
  PngStream s;
  s.width = static_cast<int32_t>(detail::be32(data + 16));
  s.height = static_cast<int32_t>(detail::be32(data + 20));
  s.depth = data[24];
  const uint8_t color = data[25];
  if (data[26] != 0 || data[27] != 0 || data[28] != 0) return false;  // interlaced or unknown
  if (s.width <= 0 || s.height <= 0) return false;
  if (color == detail::kGray && (s.depth == 1 || s.depth == 2 || s.depth == 4 || s.depth == 8))
    s.colors = 1;
  else if (color == detail::kRgb && s.depth == 8)
    s.colors = 3;
  else
    return false;  // palette, alpha, 16-bit
  bool ended = false;
  for (size_t pos = 8; pos + 12 <= n;) {
    const uint32_t len = detail::be32(data + pos);
    if (len > n - pos - 12) return false;
    const uint8_t* type = data + pos + 4;
    const uint8_t* body = data + pos + 8;
    if (std::memcmp(type, "IDAT", 4) == 0) {
      if (libdeflate_crc32(0, type, static_cast<size_t>(len) + 4) != detail::be32(body + len))
        return false;
      s.zlib.append(reinterpret_cast<const char*>(body), len);
    } else if (std::memcmp(type, "tRNS", 4) == 0) {
      return false;  // transparency: the decoder composites it onto white
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      ended = true;
      break;
    }
    pos += 12 + static_cast<size_t>(len);
  }
  if (!ended || s.zlib.empty()) return false;
  *out = std::move(s);
  return true;
}

}  // namespace pageprep::host
