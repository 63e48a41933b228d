// CPU schedule of gray conversion: rows across the pool, one format dispatch per page.
#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/gray.hpp"

#include <algorithm>
#include <string>

#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#include <immintrin.h>
#define PAGEPREP_GRAY_FMV 1
#endif

namespace pageprep::kernels {

Status validate_gray_batch(ConstGrayBatch in, GrayBatch out) {
  return validate_batch(in, out, {"gray", nullptr, /*in_place=*/false});
}

namespace cpu {
namespace {

// Colour rows: the library is built for the x86-64 baseline, so an AVX2 body
// is compiled with a target attribute and chosen at run time, once per page. The AVX2 body computes
// the same fixed-point sum as ops::rgb_to_gray with pmaddwd in 16-bit lanes: (b, g) pairs times
// (wb, wg) plus (r, 1) pairs times (wr, 2^13), then >> 14, so the bits are identical; the row's
// tail goes through ops::gray_of.

#ifdef PAGEPREP_GRAY_FMV
/// Gray of 8 pixels at p as 8 int32 (see color_row_avx2).
template <int32_t bpp>
__attribute__((target("avx2"), always_inline)) inline __m256i gray8_avx2(
    const uint8_t* p, __m256i bg_mask, __m256i r_mask, __m256i w_bg, __m256i w_r1, __m256i one_hi) {
  const __m256i v = _mm256_inserti128_si256(
      _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 4 * bpp)), 1);
  const __m256i bg = _mm256_madd_epi16(_mm256_shuffle_epi8(v, bg_mask), w_bg);
  const __m256i r1 =
      _mm256_madd_epi16(_mm256_or_si256(_mm256_shuffle_epi8(v, r_mask), one_hi), w_r1);
  return _mm256_srli_epi32(_mm256_add_epi32(bg, r1), ops::kGrayShift);
}

template <PixelFormat F>
__attribute__((target("avx2"))) void color_row_avx2(const uint8_t* src, uint8_t* dst,
                                                    int32_t width) {
  constexpr int32_t bpp = bytes_per_pixel(F);
  constexpr bool bgr = F == PixelFormat::kBgr8 || F == PixelFormat::kBgra8;
  constexpr char r_off = bgr ? 2 : 0;
  constexpr char b_off = bgr ? 0 : 2;
  constexpr char z = static_cast<char>(0x80);
  // Per 128-bit lane of 4 pixels: (b, g) as 16-bit pairs, and r in the low
  // 16 bits of each 32-bit slot (the high half becomes 1 below).
  const __m256i bg_mask = _mm256_setr_epi8(
      b_off, z, 1, z, bpp + b_off, z, bpp + 1, z, 2 * bpp + b_off, z, 2 * bpp + 1, z,
      3 * bpp + b_off, z, 3 * bpp + 1, z, b_off, z, 1, z, bpp + b_off, z, bpp + 1, z,
      2 * bpp + b_off, z, 2 * bpp + 1, z, 3 * bpp + b_off, z, 3 * bpp + 1, z);
  const __m256i r_mask = _mm256_setr_epi8(
      r_off, z, z, z, bpp + r_off, z, z, z, 2 * bpp + r_off, z, z, z, 3 * bpp + r_off, z, z, z,
      r_off, z, z, z, bpp + r_off, z, z, z, 2 * bpp + r_off, z, z, z, 3 * bpp + r_off, z, z, z);
  const __m256i w_bg = _mm256_set1_epi32((ops::kGrayWg << 16) | ops::kGrayWb);
  const __m256i w_r1 = _mm256_set1_epi32(((1 << (ops::kGrayShift - 1)) << 16) | ops::kGrayWr);
  const __m256i one_hi = _mm256_set1_epi32(1 << 16);

  // The last 16-byte load of a block reads past the block's last pixel when
  // bpp == 3; stop early enough that it stays inside the row.
  constexpr int32_t slack = bpp == 3 ? 2 : 0;
  int32_t x = 0;
  for (; x + 16 + slack <= width; x += 16) {
    const uint8_t* p = src + static_cast<int64_t>(x) * bpp;
    const __m256i a = gray8_avx2<bpp>(p, bg_mask, r_mask, w_bg, w_r1, one_hi);
    const __m256i b = gray8_avx2<bpp>(p + 8 * bpp, bg_mask, r_mask, w_bg, w_r1, one_hi);
    // packs works per 128-bit lane: restore pixel order with a 64-bit permute.
    const __m256i w16 = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xd8);
    const __m128i bytes =
        _mm_packus_epi16(_mm256_castsi256_si128(w16), _mm256_extracti128_si256(w16, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + x), bytes);
  }
  for (; x < width; ++x) dst[x] = ops::gray_of<F>(src, x);
}

#endif

template <PixelFormat F>
void convert_page(ThreadPool& pool, ConstGrayView src, GrayView dst) {
  void (*row_fn)(const uint8_t*, uint8_t*, int32_t) = &ops::gray_row<F>;
#ifdef PAGEPREP_GRAY_FMV
  if constexpr (F != PixelFormat::kGray8 && F != PixelFormat::kGray16) {
    if (__builtin_cpu_supports("avx2")) row_fn = &color_row_avx2<F>;
  }
#endif
  // ~64 KiB of output per chunk keeps the queue traffic negligible.
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int32_t>(1, dst.width));
  pool.parallel_for(dst.height, grain, [&](int64_t y0, int64_t y1) {
    for (int64_t y = y0; y < y1; ++y)
      row_fn(src.row(static_cast<int32_t>(y)), dst.row(static_cast<int32_t>(y)), dst.width);
  });
}

}  // namespace

Status gray_convert(ThreadPool& pool, PixelFormat format, ConstGrayBatch in, GrayBatch out) {
  PAGEPREP_RETURN_IF_ERROR(validate_gray_batch(in, out));
  for (int32_t i = 0; i < in.count; ++i) {
    if (in[i].empty()) continue;
    switch (format) {
      case PixelFormat::kGray8:
        convert_page<PixelFormat::kGray8>(pool, in[i], out[i]);
        break;
      case PixelFormat::kGray16:
        convert_page<PixelFormat::kGray16>(pool, in[i], out[i]);
        break;
      case PixelFormat::kRgb8:
        convert_page<PixelFormat::kRgb8>(pool, in[i], out[i]);
        break;
      case PixelFormat::kBgr8:
        convert_page<PixelFormat::kBgr8>(pool, in[i], out[i]);
        break;
      case PixelFormat::kRgba8:
        convert_page<PixelFormat::kRgba8>(pool, in[i], out[i]);
        break;
      case PixelFormat::kBgra8:
        convert_page<PixelFormat::kBgra8>(pool, in[i], out[i]);
        break;
      default:
        return {StatusCode::kInvalidArgument, "gray: unknown pixel format"};
    }
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
