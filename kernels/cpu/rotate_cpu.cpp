// CPU schedule of page rotation: output rows across the pool. Each row is
// the fixed-point walk of ops::rotate_row, split by ops::rotate_inner_span:
// near the page edges ops::rotate_sample (bounds-checked, blends into the
// fill); in between, pixels whose 2 x 2 neighbourhoods are known to be inside
// the page, loaded without checks or branches (ops::bilinear_q8). Same
// integers as ops::rotate_row, so the same pixels. (A gather-then-blend
// variant with a vectorized blend measured no faster: SSE2 has no gather.)
#include <algorithm>
#include <cmath>
#include <string>

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
  return Status::ok();
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

void rotate_row_split(ConstGrayView src, const ops::RotateMap& m, int32_t y, uint8_t* dst) {
  int32_t sx, sy;
  ops::rotate_row_start(m, y, &sx, &sy);
  int32_t xa, xb;
  ops::rotate_inner_span(m, sx, sy, &xa, &xb);
  const int32_t c = m.cos_q16, s = m.sin_q16;
  for (int32_t x = 0; x < xa; ++x) dst[x] = ops::rotate_sample(src, m.fill, sx + x * c, sy + x * s);
  const uint8_t* base = src.data;
  const int64_t pitch = src.pitch;
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
