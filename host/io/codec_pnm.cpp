// PNM (P1-P6), parsed and decoded by hand: ASCII and binary, 1 to 16 bits,
// gray and RGB, with truncation checks on the raster.
#include <algorithm>
#include <cstring>
#include <vector>

#include "io/codec_internal.hpp"

namespace pageprep::host::detail {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

namespace {

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

}  // namespace

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
                        ThreadPool& pool, cv::MatAllocator* gray_allocator) {
  DecodeResult r;
  const int32_t w = static_cast<int32_t>(p.h.width);
  const int32_t h = static_cast<int32_t>(p.h.height);
  const int32_t spp = p.h.channels;
  const int64_t samples = int64_t{w} * h * spp;
  r.page.gray.allocator = gray_allocator;
  r.page.gray.create(h, w, CV_8UC1);
  r.page.gray.allocator = nullptr;

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
    // maxval 255 maps every sample to itself: rows are copied as they are.
    const bool identity = p.maxval == 255;
    pool.parallel_for(h, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, row_samples)),
                      [&](int64_t y0, int64_t y1) {
                        for (int64_t y = y0; y < y1; ++y) {
                          const uint8_t* s = src + y * row_samples * bytes;
                          uint8_t* o = out + y * out_pitch;
                          if (bytes == 1 && identity) {
                            std::memcpy(o, s, static_cast<size_t>(row_samples));
                          } else if (bytes == 1) {
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

}  // namespace pageprep::host::detail
