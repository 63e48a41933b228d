// CPU schedule of skew estimation: one page at a time; the full-page block
// minimum and the per-row steps spread rows over the pool, each search stage
// spreads its candidate angles (one histogram per angle slot, sized at create()).
// Also: the search plan and the finalize step shared with the CUDA schedule.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "pageprep/kernels/deskew.hpp"

namespace pageprep::kernels {

Status validate(const SkewParams& p) {
  if (!(p.max_angle_deg > 0.f && p.max_angle_deg <= 45.f))
    return {StatusCode::kInvalidArgument, "skew: max_angle_deg must be in (0, 45]"};
  if (!(p.precision_deg >= 0.005f && p.precision_deg <= 0.5f))
    return {StatusCode::kInvalidArgument, "skew: precision_deg must be in [0.005, 0.5]"};
  if (!(p.min_confidence >= 0.f && p.min_confidence <= 1.f))
    return {StatusCode::kInvalidArgument, "skew: min_confidence must be in [0, 1]"};
  return Status::ok();
}

namespace detail {

Status make_skew_plan(const SkewParams& p, SkewPlan* plan) {
  PAGEPREP_RETURN_IF_ERROR(validate(p));
  plan->params = p;
  const double g = p.precision_deg;
  const int32_t coarse = std::max<int32_t>(1, static_cast<int32_t>(std::lround(0.5 / g)));
  const int32_t mid =
      std::min(coarse, std::max<int32_t>(1, static_cast<int32_t>(std::lround(0.1 / g))));
  const int32_t coarse_half =
      static_cast<int32_t>(std::ceil(p.max_angle_deg / (coarse * g) - 1e-9));
  // Each refinement covers the previous step's uncertainty plus one step.
  plan->stages[0] = {2, coarse, coarse_half};
  plan->stages[1] = {1, mid, (coarse + mid - 1) / mid + 1};
  plan->stages[2] = {1, 1, mid + 1};
  int32_t total = 0, reach = 0;
  for (int32_t k = 0; k < ops::kSkewStages; ++k) {
    const int32_t n = 2 * plan->stages[k].half + 1;
    if (n > ops::kSkewMaxStageAngles)
      return {StatusCode::kInvalidArgument, "skew: too many angles in one search stage"};
    plan->stage_offset[k] = total;
    total += n;
    reach += plan->stages[k].half * plan->stages[k].step;
  }
  plan->stage_offset[ops::kSkewStages] = total;
  plan->table_half = reach;
  plan->tan_q16.assign(static_cast<size_t>(2 * reach + 1), 0);
  plan->tan_max_q16 = 0;
  for (int32_t i = -reach; i <= reach; ++i) {
    const double t = std::tan(i * g * (M_PI / 180.0));
    const int32_t q = static_cast<int32_t>(std::lround(t * 65536.0));
    plan->tan_q16[static_cast<size_t>(i + reach)] = q;
    plan->tan_max_q16 = std::max(plan->tan_max_q16, std::abs(q));
  }
  return Status::ok();
}

SkewResult finalize_skew(const SkewPlan& plan, const int64_t* scores, const int32_t* centers,
                         int64_t kept_cells) {
  SkewResult r;
  if (kept_cells < ops::kSkewMinInkCells) return r;
  const ops::SkewStage& c = plan.stages[0];
  const int32_t n0 = 2 * c.half + 1;
  std::array<int64_t, ops::kSkewMaxStageAngles> sorted{};
  std::copy(scores, scores + n0, sorted.begin());
  std::sort(sorted.begin(), sorted.begin() + n0);
  const int64_t peak = sorted[static_cast<size_t>(n0 - 1)];
  const int64_t median = sorted[static_cast<size_t>(n0 / 2)];
  if (peak <= 0) return r;
  const double conf = 1.0 - static_cast<double>(median) / static_cast<double>(peak);

  const int32_t last = ops::kSkewStages - 1;
  const ops::SkewStage& f = plan.stages[last];
  const int64_t* s = scores + plan.stage_offset[last];
  const int32_t n = 2 * f.half + 1;
  const int32_t j = ops::argmax_score(s, n);
  double offset = 0.0;
  if (j > 0 && j < n - 1) {
    // Parabola through the peak and its neighbours; its vertex is within
    // half a step of the best sample because that sample is the largest.
    const double sm = static_cast<double>(s[j - 1]), s0 = static_cast<double>(s[j]),
                 sp = static_cast<double>(s[j + 1]);
    const double denom = sm - 2.0 * s0 + sp;
    if (denom < 0.0) offset = std::clamp(0.5 * (sm - sp) / denom, -0.5, 0.5);
  }
  const double index = ops::stage_angle_index(f, centers[last], j) + offset * f.step;
  double angle = index * static_cast<double>(plan.params.precision_deg);
  angle = std::clamp(angle, -static_cast<double>(plan.params.max_angle_deg),
                     static_cast<double>(plan.params.max_angle_deg));
  r.angle_deg = static_cast<float>(angle);
  r.confidence = static_cast<float>(std::clamp(conf, 0.0, 1.0));
  r.confident = r.confidence >= plan.params.min_confidence;
  return r;
}

}  // namespace detail

namespace cpu {

struct SkewEstimator::Impl {
  detail::SkewPlan plan;
  BatchLimits limits;
  int32_t w1_max = 0, h1_max = 0, bins_max = 0, tiles_max = 0;
  std::vector<uint8_t> reduced, inkmap, keptmap, zeros;
  std::vector<int32_t> row_ink, tile_ink;
  std::vector<uint8_t> tile_solid, tile_masked;
  std::vector<uint32_t> runs1, runs2;
  std::vector<int32_t> count1, kept1, count2;
  std::vector<int32_t> hist;  // kSkewMaxStageAngles slots of bins_max
  std::vector<int64_t> scores;

  void estimate(ThreadPool& pool, ConstGrayView page, float dpi, SkewResult* result);
};

namespace {

/// Block minimum of one fine row, row-vectorized: the same value as
/// ops::reduce_min_cell for every cell.
template <int S>
void reduce_row(ConstGrayView page, int32_t cy, int32_t w1, uint8_t* out) {
  const int32_t y0 = cy * S;
  const int32_t y1 = std::min(page.height, y0 + S);
  const int32_t full = page.width / S;  // cells whose block lies inside the page
  for (int32_t y = y0; y < y1; ++y) {
    const uint8_t* r = page.row(y);
    if (y == y0) {
      for (int32_t x = 0; x < full; ++x) {
        uint8_t m = r[x * S];
        for (int k = 1; k < S; ++k) m = std::min(m, r[x * S + k]);
        out[x] = m;
      }
    } else {
      for (int32_t x = 0; x < full; ++x) {
        uint8_t m = out[x];
        for (int k = 0; k < S; ++k) m = std::min(m, r[x * S + k]);
        out[x] = m;
      }
    }
  }
  for (int32_t x = full; x < w1; ++x) out[x] = ops::reduce_min_cell(page, S, x, cy);
}

void reduce_row_generic(ConstGrayView page, int32_t s, int32_t cy, int32_t w1, uint8_t* out) {
  for (int32_t x = 0; x < w1; ++x) out[x] = ops::reduce_min_cell(page, s, x, cy);
}

}  // namespace

void SkewEstimator::Impl::estimate(ThreadPool& pool, ConstGrayView page, float dpi,
                                   SkewResult* result) {
  *result = SkewResult{};
  if (page.empty()) return;
  const ops::SkewGeometry g = ops::skew_geometry(page.width, page.height, dpi, plan.tan_max_q16);
  const GrayView red{reduced.data(), g.w1, g.h1, g.w1};

  // 1. Block minimum.
  pool.parallel_for(g.h1, std::max<int64_t>(1, 16384 / std::max(1, g.w1 * g.s)),
                    [&](int64_t b, int64_t e) {
                      for (int64_t cy = b; cy < e; ++cy) {
                        uint8_t* out = red.row(static_cast<int32_t>(cy));
                        const int32_t y = static_cast<int32_t>(cy);
                        switch (g.s) {
                          case 1:
                            reduce_row<1>(page, y, g.w1, out);
                            break;
                          case 2:
                            reduce_row<2>(page, y, g.w1, out);
                            break;
                          case 3:
                            reduce_row<3>(page, y, g.w1, out);
                            break;
                          case 4:
                            reduce_row<4>(page, y, g.w1, out);
                            break;
                          default:
                            reduce_row_generic(page, g.s, y, g.w1, out);
                            break;
                        }
                      }
                    });

  // 2. Ink threshold from every other cell of every other row.
  uint32_t hist256[256] = {};
  for (int32_t y = 0; y < g.h1; y += 2) {
    const uint8_t* r = red.row(y);
    for (int32_t x = 0; x < g.w1; x += 2) ++hist256[r[x]];
  }
  const int32_t threshold = ops::skew_ink_threshold(hist256);

  // 3. Ink flags, ink per row and per tile, one tile row per task.
  const uint8_t thr8 = static_cast<uint8_t>(std::clamp(threshold, -1, 255) + 1);  // ink: v < thr8
  pool.parallel_for(g.tiles_y, 1, [&](int64_t b, int64_t e) {
    for (int64_t ty = b; ty < e; ++ty) {
      int32_t* tiles = tile_ink.data() + ty * g.tiles_x;
      std::fill_n(tiles, g.tiles_x, 0);
      const int32_t y0 = static_cast<int32_t>(ty) * ops::kSkewTile;
      const int32_t y1 = std::min(g.h1, y0 + ops::kSkewTile);
      for (int32_t y = y0; y < y1; ++y) {
        const uint8_t* r = red.row(y);
        uint8_t* f = inkmap.data() + static_cast<int64_t>(y) * g.w1;
        for (int32_t x = 0; x < g.w1; ++x) f[x] = r[x] < thr8;
        int32_t total = 0;
        for (int32_t tx = 0; tx < g.tiles_x; ++tx) {
          const int32_t x0 = tx * ops::kSkewTile, x1 = std::min(g.w1, x0 + ops::kSkewTile);
          uint32_t c = 0;
          for (int32_t x = x0; x < x1; ++x) c += f[x];
          tiles[tx] += static_cast<int32_t>(c);
          total += static_cast<int32_t>(c);
        }
        row_ink[static_cast<size_t>(y)] = total;
      }
    }
  });

  // 4. Solid tiles, then the mask: a solid tile and its 8 neighbours.
  const int32_t nt = g.tiles_x * g.tiles_y;
  for (int32_t t = 0; t < nt; ++t) {
    const int32_t tx = t % g.tiles_x, ty = t / g.tiles_x;
    const int32_t area = (std::min(g.w1, (tx + 1) * ops::kSkewTile) - tx * ops::kSkewTile) *
                         (std::min(g.h1, (ty + 1) * ops::kSkewTile) - ty * ops::kSkewTile);
    tile_solid[static_cast<size_t>(t)] = ops::tile_is_solid(tile_ink[static_cast<size_t>(t)], area);
  }
  for (int32_t t = 0; t < nt; ++t) {
    const int32_t tx = t % g.tiles_x, ty = t / g.tiles_x;
    uint8_t m = 0;
    for (int32_t dy = -1; dy <= 1; ++dy)
      for (int32_t dx = -1; dx <= 1; ++dx) {
        const int32_t x = tx + dx, y = ty + dy;
        if (x >= 0 && y >= 0 && x < g.tiles_x && y < g.tiles_y)
          m |= tile_solid[static_cast<size_t>(y * g.tiles_x + x)];
      }
    tile_masked[static_cast<size_t>(t)] = m;
  }

  // 5. Kept flags (row-vectorized ops::keep_cell: ink, not isolated, not
  // masked, row not dropped), their runs, then the coarse level's runs.
  const int32_t cap1 = ops::run_capacity(g.w1), cap2 = ops::run_capacity(g.w2);
  pool.parallel_for(g.h1, 16, [&](int64_t b, int64_t e) {
    for (int64_t yy = b; yy < e; ++yy) {
      const int32_t y = static_cast<int32_t>(yy);
      uint8_t* k = keptmap.data() + yy * g.w1;
      const uint8_t* c = inkmap.data() + yy * g.w1;
      int32_t cells = 0;
      if (ops::row_is_dropped(row_ink[static_cast<size_t>(y)], g.w1)) {
        count1[static_cast<size_t>(y)] = 0;
        kept1[static_cast<size_t>(y)] = 0;
        continue;
      }
      const uint8_t* u = y > 0 ? c - g.w1 : zeros.data();
      const uint8_t* d = y + 1 < g.h1 ? c + g.w1 : zeros.data();
      // Vertical OR of the 3 rows, then neighbours = left/right columns of it
      // plus the cells above and below.
      uint8_t* v = k;  // reuse the output row as scratch for the vertical OR
      for (int32_t x = 0; x < g.w1; ++x) v[x] = static_cast<uint8_t>(u[x] | c[x] | d[x]);
      uint8_t prev = 0;
      for (int32_t x = 0; x < g.w1; ++x) {
        const uint8_t next = x + 1 < g.w1 ? v[x + 1] : 0;
        const uint8_t nb = static_cast<uint8_t>(prev | next | u[x] | d[x]);
        prev = v[x];
        v[x] = static_cast<uint8_t>(c[x] & nb);
      }
      const uint8_t* mrow = tile_masked.data() + (y / ops::kSkewTile) * g.tiles_x;
      for (int32_t tx = 0; tx < g.tiles_x; ++tx)
        if (mrow[tx])
          std::fill(k + tx * ops::kSkewTile, k + std::min(g.w1, (tx + 1) * ops::kSkewTile), 0);
      count1[static_cast<size_t>(y)] =
          ops::runs_from_flags(k, g.w1, runs1.data() + yy * cap1, &cells);
      kept1[static_cast<size_t>(y)] = cells;
    }
  });
  pool.parallel_for(g.h2, 16, [&](int64_t b, int64_t e) {
    for (int64_t y = b; y < e; ++y) {
      const int64_t ya = 2 * y, yb = std::min<int64_t>(2 * y + 1, g.h1 - 1);
      const int32_t nb = yb == ya ? 0 : count1[static_cast<size_t>(yb)];
      count2[static_cast<size_t>(y)] =
          ops::build_coarse_runs(runs1.data() + ya * cap1, count1[static_cast<size_t>(ya)],
                                 runs1.data() + yb * cap1, nb, runs2.data() + y * cap2);
    }
  });
  int64_t kept = 0;
  for (int32_t y = 0; y < g.h1; ++y) kept += kept1[static_cast<size_t>(y)];
  if (kept < ops::kSkewMinInkCells) return;

  // 6. Search stages.
  int32_t centers[ops::kSkewStages] = {0, 0, 0};
  for (int32_t k = 0; k < ops::kSkewStages; ++k) {
    const ops::SkewStage& st = plan.stages[k];
    const bool coarse = st.level == 2;
    const int32_t rows = coarse ? g.h2 : g.h1, off = coarse ? g.off2 : g.off1;
    const int32_t bins = coarse ? g.bins2 : g.bins1, cap = coarse ? cap2 : cap1;
    const uint32_t* runs = coarse ? runs2.data() : runs1.data();
    const int32_t* counts = coarse ? count2.data() : count1.data();
    int64_t* stage_scores = scores.data() + plan.stage_offset[k];
    const int32_t n = 2 * st.half + 1;
    // Blocks of kAngleBlock angles share each run load, and their histogram
    // increments are independent, which hides the store-to-load latency of
    // consecutive runs hitting the same bin.
    constexpr int32_t kAngleBlock = 8;
    pool.parallel_for((n + kAngleBlock - 1) / kAngleBlock, 1, [&](int64_t b, int64_t e) {
      for (int64_t blk = b; blk < e; ++blk) {
        const int32_t j0 = static_cast<int32_t>(blk) * kAngleBlock;
        const int32_t nj = std::min(kAngleBlock, n - j0);
        int32_t* h[kAngleBlock];
        int32_t tq[kAngleBlock];
        for (int32_t q = 0; q < kAngleBlock; ++q) {
          const int32_t j = std::min(j0 + q, n - 1);  // pad the block with repeats
          h[q] = hist.data() + static_cast<int64_t>(j0 + q) * bins_max;
          tq[q] = plan.tan_q16[static_cast<size_t>(ops::stage_angle_index(st, centers[k], j) +
                                                   plan.table_half)];
          std::fill_n(h[q], bins, 0);
        }
        for (int32_t y = 0; y < rows; ++y) {
          const uint32_t* r = runs + static_cast<int64_t>(y) * cap;
          const int32_t nr = counts[y];
          for (int32_t i = 0; i < nr; ++i) {
            const uint32_t run = r[i];
            for (int32_t q = 0; q < kAngleBlock; ++q) {
              int32_t* hq = h[q];
              ops::accumulate_run(run, y, tq[q], off,
                                  [hq](int32_t bin, int32_t c) { hq[bin] += c; });
            }
          }
        }
        for (int32_t q = 0; q < nj; ++q)
          stage_scores[j0 + q] = ops::profile_score_part(h[q], bins, 0, 1);
      }
    });
    if (k + 1 < ops::kSkewStages)
      centers[k + 1] = ops::stage_angle_index(st, centers[k], ops::argmax_score(stage_scores, n));
  }
  *result = detail::finalize_skew(plan, scores.data(), centers, kept);
}

SkewEstimator::SkewEstimator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SkewEstimator::~SkewEstimator() = default;
const SkewParams& SkewEstimator::params() const {
  return impl_->plan.params;
}

Status SkewEstimator::create(const SkewParams& params, const BatchLimits& limits,
                             std::unique_ptr<SkewEstimator>* out) {
  if (limits.max_width <= 0 || limits.max_height <= 0 || limits.max_batch <= 0)
    return {StatusCode::kInvalidArgument, "skew: batch limits must be positive"};
  auto impl = std::make_unique<Impl>();
  PAGEPREP_RETURN_IF_ERROR(detail::make_skew_plan(params, &impl->plan));
  impl->limits = limits;
  // Any page within the limits reduces to at most these sizes (skew_geometry).
  impl->w1_max = std::min(limits.max_width, ops::kSkewMaxReduced);
  impl->h1_max = std::min(limits.max_height, ops::kSkewMaxReduced);
  const ops::SkewGeometry gm =
      ops::skew_geometry(impl->w1_max, impl->h1_max, 150.f, impl->plan.tan_max_q16);
  impl->bins_max = std::max(gm.bins1, gm.bins2);
  impl->tiles_max = gm.tiles_x * gm.tiles_y;
  const size_t w1 = static_cast<size_t>(impl->w1_max), h1 = static_cast<size_t>(impl->h1_max);
  const size_t w2 = (w1 + 1) / 2, h2 = (h1 + 1) / 2;
  try {
    impl->reduced.assign(w1 * h1, 0);
    impl->inkmap.assign(w1 * h1, 0);
    impl->keptmap.assign(w1 * h1, 0);
    impl->zeros.assign(w1, 0);
    impl->row_ink.assign(h1, 0);
    impl->tile_ink.assign(static_cast<size_t>(impl->tiles_max), 0);
    impl->tile_solid.assign(static_cast<size_t>(impl->tiles_max), 0);
    impl->tile_masked.assign(static_cast<size_t>(impl->tiles_max), 0);
    impl->runs1.assign(h1 * static_cast<size_t>(ops::run_capacity(static_cast<int32_t>(w1))), 0);
    impl->runs2.assign(h2 * static_cast<size_t>(ops::run_capacity(static_cast<int32_t>(w2))), 0);
    impl->count1.assign(h1, 0);
    impl->kept1.assign(h1, 0);
    impl->count2.assign(h2, 0);
    impl->hist.assign(static_cast<size_t>(ops::kSkewMaxStageAngles + 8) * impl->bins_max, 0);
    impl->scores.assign(static_cast<size_t>(impl->plan.stage_offset[ops::kSkewStages]), 0);
  } catch (const std::bad_alloc&) {
    return {StatusCode::kOutOfMemory, "skew: workspace allocation failed"};
  }
  out->reset(new SkewEstimator(std::move(impl)));
  return Status::ok();
}

Status SkewEstimator::run(ThreadPool& pool, ConstGrayBatch in, SkewResult* results,
                          const float* page_dpi) {
  if (in.count > 0 && results == nullptr)
    return {StatusCode::kInvalidArgument, "skew: results array is required"};
  for (int32_t i = 0; i < in.count; ++i) {
    if (in[i].width < 0 || in[i].height < 0)
      return {StatusCode::kInvalidArgument, "skew: negative page size"};
    if (in[i].width > impl_->limits.max_width || in[i].height > impl_->limits.max_height)
      return {StatusCode::kOutOfRange,
              "skew: page " + std::to_string(i) + " exceeds the estimator's BatchLimits"};
  }
  for (int32_t i = 0; i < in.count; ++i)
    impl_->estimate(pool, in[i], page_dpi ? page_dpi[i] : 0.f, &results[i]);
  return Status::ok();
}

uint8_t background_level(ConstGrayView page) {
  if (page.empty()) return 255;
  uint32_t hist[256] = {};
  const int32_t step = page.width >= 4 && page.height >= 4 ? 4 : 1;
  for (int32_t y = 0; y < page.height; y += step) {
    const uint8_t* r = page.row(y);
    for (int32_t x = 0; x < page.width; x += step) ++hist[r[x]];
  }
  return static_cast<uint8_t>(ops::median_above(hist, ops::otsu_threshold(hist)));
}

}  // namespace cpu
}  // namespace pageprep::kernels
