// CPU schedule of background normalization: tile histograms across the pool
// (one tile row per task), the three small map filters on the calling thread,
// then rows across the pool with the vertical gain step hoisted per row and
// the horizontal taps precomputed per column.
#include "pageprep/kernels/background.hpp"
#include "pageprep/kernels/batch_check.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "cpu_clones.hpp"

namespace pageprep::kernels {

Status validate(const BackgroundParams& p) {
  if (p.tile != 0 && (p.tile < 8 || p.tile > 1024))
    return {StatusCode::kInvalidArgument, "background: tile must be 0 (scale with dpi) or 8..1024"};
  if (p.target < 32) return {StatusCode::kInvalidArgument, "background: target must be in 32..255"};
  return Status::ok();
}

int32_t background_tile(const BackgroundParams& p, float dpi) {
  if (p.tile > 0) return p.tile;
  if (!(dpi > 0.f) || !std::isfinite(dpi)) dpi = 300.f;
  const double half = std::floor(static_cast<double>(dpi) * 16.0 / 300.0 + 0.5);
  return std::clamp(2 * static_cast<int32_t>(std::min(half, 1000.0)), kMinAutoBackgroundTile, 256);
}

Status validate_background_batch(ConstGrayBatch in, GrayBatch out, const BatchLimits& limits) {
  return validate_batch(in, out, {"background", &limits, /*in_place=*/false});
}

namespace cpu {
namespace {

constexpr int32_t kMaxChunks = 64;

/// Normalizes a run of pixels between the same two tile columns (gains g0, g1
/// after the vertical step). 32-bit multiplies vectorize from SSE4.1 on; the
/// clones pick the best version at load time.
PAGEPREP_CPU_CLONES void apply_segment(const uint8_t* __restrict s, uint8_t* __restrict d,
                                       const int32_t* __restrict w, int32_t n, int32_t g0,
                                       int32_t g1) {
  for (int32_t j = 0; j < n; ++j) d[j] = ops::normalize_pixel(s[j], ops::lerp_q8(g0, g1, w[j]));
}

template <ops::MapFilter F>
void filter_map(const int32_t* src, int32_t* dst, int32_t tx, int32_t ty) {
  for (int32_t j = 0; j < ty; ++j)
    for (int32_t i = 0; i < tx; ++i) dst[j * tx + i] = ops::map_filter_at<F>(src, tx, ty, i, j);
}

}  // namespace

BackgroundNormalize::BackgroundNormalize(const BackgroundParams& params, const BatchLimits& limits)
    : params_(params), limits_(limits) {}

Status BackgroundNormalize::create(const BackgroundParams& params, const BatchLimits& limits,
                                   std::unique_ptr<BackgroundNormalize>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate(params));
  PAGEPREP_RETURN_IF_ERROR(validate_limits("background", limits));
  std::unique_ptr<BackgroundNormalize> op(new BackgroundNormalize(params, limits));
  const int32_t min_tile = params.tile > 0 ? params.tile : kMinAutoBackgroundTile;
  op->max_tiles_x_ = background_tiles(limits.max_width, min_tile);
  const size_t tiles =
      static_cast<size_t>(op->max_tiles_x_) * background_tiles(limits.max_height, min_tile);
  try {
    op->map_a_.resize(tiles);
    op->map_b_.resize(tiles);
    op->column_weight_.resize(static_cast<size_t>(std::max(1, limits.max_width)));
    op->segment_start_.resize(static_cast<size_t>(op->max_tiles_x_) + 3);
    op->segment_tap_.resize(static_cast<size_t>(op->max_tiles_x_) + 3);
    op->row_gain_.resize(static_cast<size_t>(kMaxChunks) * op->max_tiles_x_);
  } catch (const std::bad_alloc&) {
    return {StatusCode::kOutOfMemory, "background: workspace allocation failed"};
  }
  *out = std::move(op);
  return Status::ok();
}

void BackgroundNormalize::run_page(ThreadPool& pool, ConstGrayView in, GrayView out, int32_t tile) {
  const int32_t tx = background_tiles(in.width, tile), ty = background_tiles(in.height, tile);
  int32_t* a = map_a_.data();
  int32_t* b = map_b_.data();

  // 1. Tile backgrounds.
  pool.parallel_for(ty, 1, [&](int64_t j0, int64_t j1) {
    uint32_t hist[256];
    for (int64_t j = j0; j < j1; ++j) {
      const int32_t y0 = static_cast<int32_t>(j) * tile, y1 = std::min(in.height, y0 + tile);
      for (int32_t i = 0; i < tx; ++i) {
        const int32_t x0 = i * tile, x1 = std::min(in.width, x0 + tile);
        // Four interleaved sub-histograms: paper pixels share a few bins, and
        // one counter per bin would serialize on store-to-load forwarding.
        uint32_t h4[4][256] = {};
        for (int32_t y = y0; y < y1; ++y) {
          const uint8_t* r = in.row(y);
          int32_t x = x0;
          for (; x + 4 <= x1; x += 4) {
            ++h4[0][r[x]];
            ++h4[1][r[x + 1]];
            ++h4[2][r[x + 2]];
            ++h4[3][r[x + 3]];
          }
          for (; x < x1; ++x) ++h4[0][r[x]];
        }
        for (int32_t g = 0; g < 256; ++g) hist[g] = h4[0][g] + h4[1][g] + h4[2][g] + h4[3][g];
        a[j * tx + i] = ops::tile_background16(hist, static_cast<uint32_t>((x1 - x0) * (y1 - y0)));
      }
    }
  });

  // 2. Closing and smoothing; 3. gains. Maps are tiny (a few thousand tiles).
  filter_map<ops::MapFilter::kMax3x3>(a, b, tx, ty);
  filter_map<ops::MapFilter::kMin3x3>(b, a, tx, ty);
  filter_map<ops::MapFilter::kMean3x3>(a, b, tx, ty);
  const int32_t target = params_.target;
  for (int32_t k = 0; k < tx * ty; ++k) b[k] = ops::gain_q12(b[k], target);

  // 4. Apply. Columns sharing a horizontal tap pair form a segment; within it
  // only the weight changes, so the per-pixel loop is plain integer SIMD.
  int32_t* weight = column_weight_.data();
  int32_t* seg_start = segment_start_.data();
  ops::Tap* seg_tap = segment_tap_.data();
  int32_t segments = 0;
  for (int32_t x = 0; x < in.width; ++x) {
    const ops::Tap t = ops::bilinear_tap(x, tile, tx);
    weight[x] = t.w;
    if (segments == 0 || t.i0 != seg_tap[segments - 1].i0 || t.i1 != seg_tap[segments - 1].i1) {
      seg_start[segments] = x;
      seg_tap[segments] = t;
      ++segments;
    }
  }
  seg_start[segments] = in.width;
  const int32_t chunks =
      pool.size() <= 1 ? 1 : std::min({kMaxChunks, pool.size() * 4, std::max(1, in.height / 16)});
  const int32_t step = (in.height + chunks - 1) / chunks;
  pool.parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      int32_t* gv = row_gain_.data() + c * max_tiles_x_;
      const int32_t y0 = static_cast<int32_t>(c) * step, y1 = std::min(in.height, y0 + step);
      for (int32_t y = y0; y < y1; ++y) {
        const ops::Tap tap_y = ops::bilinear_tap(y, tile, ty);
        const int32_t* r0 = b + tap_y.i0 * tx;
        const int32_t* r1 = b + tap_y.i1 * tx;
        for (int32_t i = 0; i < tx; ++i) gv[i] = ops::lerp_q8(r0[i], r1[i], tap_y.w);
        const uint8_t* s = in.row(y);
        uint8_t* d = out.row(y);
        for (int32_t k = 0; k < segments; ++k) {
          const int32_t x0 = seg_start[k];
          apply_segment(s + x0, d + x0, weight + x0, seg_start[k + 1] - x0, gv[seg_tap[k].i0],
                        gv[seg_tap[k].i1]);
        }
      }
    }
  });
}

Status BackgroundNormalize::run(ThreadPool& pool, ConstGrayBatch in, GrayBatch out,
                                const float* page_dpi) {
  PAGEPREP_RETURN_IF_ERROR(validate_background_batch(in, out, limits_));
  const int32_t min_tile = params_.tile > 0 ? params_.tile : kMinAutoBackgroundTile;
  for (int32_t i = 0; i < in.count; ++i) {
    if (in[i].empty()) continue;
    const int32_t tile =
        std::max(min_tile, background_tile(params_, page_dpi ? page_dpi[i] : 300.f));
    run_page(pool, in[i], out[i], tile);
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
