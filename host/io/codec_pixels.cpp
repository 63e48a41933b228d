// Pixel conversions shared by the decoders and encoders: any source layout to
// 8-bit gray through the gray kernel, alpha onto white, and 1-bit rows.
#include <array>
#include <cstring>

#include "io/codec_internal.hpp"
#include "pageprep/kernels/pack.hpp"

namespace pageprep::host::detail {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

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
  const int32_t row = (w + 7) / 8;
  // Padding bits of the last byte stay 0 either way.
  const uint8_t last_mask = static_cast<uint8_t>(0xFF00u >> (w % 8 == 0 ? 8 : w % 8));
  for (int32_t y = 0; y < src.rows; ++y) {
    uint8_t* o = packed + y * packed_pitch;
    kernels::cpu::pack_row(src.ptr<uint8_t>(y), w, o);  // 1 = ink (< 128)
    if (!one_is_black) {
      for (int32_t b = 0; b < row; ++b) o[b] = static_cast<uint8_t>(~o[b]);
      if (row > 0) o[row - 1] &= last_mask;
    }
  }
}

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

}  // namespace pageprep::host::detail
