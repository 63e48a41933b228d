// CPU schedule of page rotation: output rows across the pool. Each row is
// the fixed-point walk of ops::rotate_row, split by ops::rotate_inner_span:
// near the page edges ops::rotate_sample (bounds-checked, blends into the
// fill); in between, pixels whose 2 x 2 neighbourhoods are known to be inside
// the page, loaded without checks or branches (ops::bilinear_q8). Same
// integers as ops::rotate_row, so the same pixels. (A gather-then-blend
// variant with a vectorized blend measured no faster: SSE2 has no gather.)
#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PAGEPREP_ROTATE_AVX2 1
#endif

#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/deskew.hpp"

namespace pageprep::kernels {

void rotated_size(int32_t w, int32_t h, float angle_deg, bool expand, int32_t* out_w,
                  int32_t* out_h) {
  if (!expand || w <= 0 || h <= 0) {
    *out_w = w;
    *out_h = h;
    return;
  }
  const double a = static_cast<double>(angle_deg) * (M_PI / 180.0);
  const double c = std::fabs(std::cos(a)), s = std::fabs(std::sin(a));
  // The epsilon keeps exact fits (0, 90 degrees) from growing by a pixel.
  *out_w = std::max<int32_t>(1, static_cast<int32_t>(std::ceil(w * c + h * s - 1e-6)));
  *out_h = std::max<int32_t>(1, static_cast<int32_t>(std::ceil(w * s + h * c - 1e-6)));
}

Status validate_rotate(const RotateParams& p, ConstGrayBatch in, GrayBatch out,
                       const float* angles_deg, const uint8_t* fill) {
  if (in.count != out.count)
    return {StatusCode::kInvalidArgument, "rotate: input and output batches differ in size"};
  if (in.count > 0 && (angles_deg == nullptr || fill == nullptr))
    return {StatusCode::kInvalidArgument, "rotate: angles and fill are required"};
  for (int32_t i = 0; i < in.count; ++i) {
    if (!std::isfinite(angles_deg[i]))
      return {StatusCode::kInvalidArgument,
              "rotate: page " + std::to_string(i) + " angle is not finite"};
    if (in[i].width < 0 || in[i].height < 0)
      return {StatusCode::kInvalidArgument, "rotate: negative page size"};
    int32_t w = 0, h = 0;
    rotated_size(in[i].width, in[i].height, angles_deg[i], p.expand, &w, &h);
    if (out[i].width != w || out[i].height != h)
      return {StatusCode::kInvalidArgument,
              "rotate: page " + std::to_string(i) + " output size differs from rotated_size()"};
    if (std::max({in[i].width, in[i].height, w, h}) > ops::kRotateMaxSide)
      return {StatusCode::kOutOfRange, "rotate: page " + std::to_string(i) + " exceeds " +
                                           std::to_string(ops::kRotateMaxSide) + " pixels"};
  }
  return validate_disjoint("rotate", in, out);
}

namespace detail {

ops::RotateMap make_rotate_map(const ConstGrayView& src, const GrayView& dst, float angle_deg,
                               uint8_t fill) {
  // Reduce to [-180, 180) first so cos/sin of nearby angles round alike.
  double a = std::fmod(static_cast<double>(angle_deg), 360.0);
  if (a >= 180.0) a -= 360.0;
  if (a < -180.0) a += 360.0;
  const double r = a * (M_PI / 180.0);
  ops::RotateMap m{};
  m.cos_q16 = static_cast<int32_t>(std::lround(std::cos(r) * 65536.0));
  m.sin_q16 = static_cast<int32_t>(std::lround(std::sin(r) * 65536.0));
  m.src_w = src.width;
  m.src_h = src.height;
  m.dst_w = dst.width;
  m.dst_h = dst.height;
  m.fill = fill;
  return m;
}

}  // namespace detail

namespace cpu {
namespace {

#ifdef PAGEPREP_ROTATE_AVX2
/// The interior walk, 8 output pixels at a time with AVX2 gathers: the same
/// integers as ops::bilinear_q8 on the scalar walk (positions px + x c,
/// py + x s; 8-bit weights; one rounding). Each gather loads 4 bytes at the
/// 2 x 2 neighbourhood's left column, so the caller keeps x0 + 3 inside the
/// row (n pixels from (px, py), all with 0 <= x0 <= w - 4, 0 <= y0 <= h - 2).
__attribute__((target("avx2"))) void rotate_span_avx2(const uint8_t* base, int64_t pitch,
                                                      int32_t px, int32_t py, int32_t c, int32_t s,
                                                      int32_t n, uint8_t* dst) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i vx =
      _mm256_add_epi32(_mm256_set1_epi32(px), _mm256_mullo_epi32(lane, _mm256_set1_epi32(c)));
  __m256i vy =
      _mm256_add_epi32(_mm256_set1_epi32(py), _mm256_mullo_epi32(lane, _mm256_set1_epi32(s)));
  const __m256i step_x = _mm256_set1_epi32(8 * c), step_y = _mm256_set1_epi32(8 * s);
  const __m256i vpitch = _mm256_set1_epi32(static_cast<int32_t>(pitch));
  const __m256i byte = _mm256_set1_epi32(255), k256 = _mm256_set1_epi32(256);
  const __m256i half = _mm256_set1_epi32(32768);
  const __m256i pick =
      _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8, 12, -1,
                       -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const int* b = reinterpret_cast<const int*>(base);
  int32_t x = 0;
  for (; x + 8 <= n; x += 8) {
    const __m256i x0 = _mm256_srai_epi32(vx, ops::kRotateShift);
    const __m256i y0 = _mm256_srai_epi32(vy, ops::kRotateShift);
    const __m256i off = _mm256_add_epi32(_mm256_mullo_epi32(y0, vpitch), x0);
    const __m256i g0 = _mm256_i32gather_epi32(b, off, 1);
    const __m256i g1 = _mm256_i32gather_epi32(b, _mm256_add_epi32(off, vpitch), 1);
    const __m256i fx = _mm256_and_si256(_mm256_srai_epi32(vx, ops::kRotateShift - 8), byte);
    const __m256i fy = _mm256_and_si256(_mm256_srai_epi32(vy, ops::kRotateShift - 8), byte);
    const __m256i gx = _mm256_sub_epi32(k256, fx), gy = _mm256_sub_epi32(k256, fy);
    const __m256i top =
        _mm256_add_epi32(_mm256_mullo_epi32(_mm256_and_si256(g0, byte), gx),
                         _mm256_mullo_epi32(_mm256_and_si256(_mm256_srli_epi32(g0, 8), byte), fx));
    const __m256i bot =
        _mm256_add_epi32(_mm256_mullo_epi32(_mm256_and_si256(g1, byte), gx),
                         _mm256_mullo_epi32(_mm256_and_si256(_mm256_srli_epi32(g1, 8), byte), fx));
    const __m256i v = _mm256_srli_epi32(
        _mm256_add_epi32(_mm256_add_epi32(_mm256_mullo_epi32(top, gy), _mm256_mullo_epi32(bot, fy)),
                         half),
        16);
    const __m256i packed = _mm256_shuffle_epi8(v, pick);
    const uint32_t lo = static_cast<uint32_t>(_mm_cvtsi128_si32(_mm256_castsi256_si128(packed)));
    const uint32_t hi =
        static_cast<uint32_t>(_mm_cvtsi128_si32(_mm256_extracti128_si256(packed, 1)));
    std::memcpy(dst + x, &lo, 4);
    std::memcpy(dst + x + 4, &hi, 4);
    vx = _mm256_add_epi32(vx, step_x);
    vy = _mm256_add_epi32(vy, step_y);
  }
  for (; x < n; ++x) {
    const int32_t qx = px + x * c, qy = py + x * s;
    const uint8_t* r0 =
        base + static_cast<int64_t>(qy >> ops::kRotateShift) * pitch + (qx >> ops::kRotateShift);
    dst[x] = ops::bilinear_q8(r0[0], r0[1], r0[pitch], r0[pitch + 1],
                              static_cast<uint32_t>(qx >> (ops::kRotateShift - 8)) & 255u,
                              static_cast<uint32_t>(qy >> (ops::kRotateShift - 8)) & 255u);
  }
}

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

/// The scalar interior walk over [xa, xb) (see rotate_row_split).
inline void rotate_span_scalar(ConstGrayView src, const ops::RotateMap& m, int32_t sx, int32_t sy,
                               int32_t xa, int32_t xb, uint8_t* dst) {
  const uint8_t* base = src.data;
  const int64_t pitch = src.pitch;
  const int32_t c = m.cos_q16, s = m.sin_q16;
  int32_t px = sx + xa * c, py = sy + xa * s;
  for (int32_t x = xa; x < xb; ++x) {
    const uint8_t* r0 =
        base + static_cast<int64_t>(py >> ops::kRotateShift) * pitch + (px >> ops::kRotateShift);
    dst[x] = ops::bilinear_q8(r0[0], r0[1], r0[pitch], r0[pitch + 1],
                              static_cast<uint32_t>(px >> (ops::kRotateShift - 8)) & 255u,
                              static_cast<uint32_t>(py >> (ops::kRotateShift - 8)) & 255u);
    px += c;
    py += s;
  }
}

void rotate_row_split(ConstGrayView src, const ops::RotateMap& m, int32_t y, uint8_t* dst) {
  int32_t sx, sy;
  ops::rotate_row_start(m, y, &sx, &sy);
  int32_t xa, xb;
  ops::rotate_inner_span(m, sx, sy, &xa, &xb);
  const int32_t c = m.cos_q16, s = m.sin_q16;
  for (int32_t x = 0; x < xa; ++x) dst[x] = ops::rotate_sample(src, m.fill, sx + x * c, sy + x * s);
#ifdef PAGEPREP_ROTATE_AVX2
  // The vector part: columns whose 4-byte loads stay inside the row
  // (x0 <= w - 4) and whose offsets fit int32 (the page is < 2 GiB).
  int32_t va = xa, vb = xa;
  if (has_avx2() && src.width >= 4 && src.pitch * src.height < (int64_t{1} << 31)) {
    int32_t a0, a1;
    ops::linear_span(sx, c, 0, static_cast<int64_t>(src.width - 3) << ops::kRotateShift, m.dst_w,
                     &a0, &a1);
    va = std::max(xa, a0);
    vb = std::min(xb, a1);
    if (vb < va) vb = va;
  }
  if (vb > va) {
    rotate_span_scalar(src, m, sx, sy, xa, va, dst);
    rotate_span_avx2(src.data, src.pitch, sx + va * c, sy + va * s, c, s, vb - va, dst + va);
    rotate_span_scalar(src, m, sx, sy, vb, xb, dst);
  } else {
    rotate_span_scalar(src, m, sx, sy, xa, xb, dst);
  }
#else
  rotate_span_scalar(src, m, sx, sy, xa, xb, dst);
#endif
  for (int32_t x = xb; x < m.dst_w; ++x)
    dst[x] = ops::rotate_sample(src, m.fill, sx + x * c, sy + x * s);
}

}  // namespace

Status rotate(ThreadPool& pool, const RotateParams& params, ConstGrayBatch in, GrayBatch out,
              const float* angles_deg, const uint8_t* fill) {
  PAGEPREP_RETURN_IF_ERROR(validate_rotate(params, in, out, angles_deg, fill));
  for (int32_t i = 0; i < in.count; ++i) {
    const GrayView dst = out[i];
    if (dst.empty()) continue;
    const ConstGrayView src = in[i];
    if (src.empty()) {  // nothing to sample: the whole canvas is background
      for (int32_t y = 0; y < dst.height; ++y) std::fill_n(dst.row(y), dst.width, fill[i]);
      continue;
    }
    const ops::RotateMap m = detail::make_rotate_map(src, dst, angles_deg[i], fill[i]);
    const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int32_t>(1, dst.width));
    pool.parallel_for(dst.height, grain, [&](int64_t y0, int64_t y1) {
      for (int64_t y = y0; y < y1; ++y)
        rotate_row_split(src, m, static_cast<int32_t>(y), dst.row(static_cast<int32_t>(y)));
    });
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
