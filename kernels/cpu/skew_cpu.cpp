// CPU schedule of skew estimation: one page at a time; the full-page block
// minimum and the per-row steps spread rows over the pool, each search stage
// spreads its candidate angles (one histogram per angle slot, sized at create()).
// Also: the search plan and the finalize step shared with the CUDA schedule.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "pageprep/kernels/batch_check.hpp"
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
  // The search range in grid steps: the largest index whose angle is within
  // max_angle_deg. Every stage's candidates are clamped to it
  // (ops::stage_angle_index), so no angle past the range is ever evaluated.
  const int32_t limit = static_cast<int32_t>(std::floor(p.max_angle_deg / g + 1e-6));
  const int32_t coarse_half = static_cast<int32_t>(std::ceil(limit / static_cast<double>(coarse)));
  // Each refinement covers the previous step's uncertainty plus one step.
  plan->stages[0] = {2, coarse, coarse_half};
  plan->stages[1] = {1, mid, (coarse + mid - 1) / mid + 1};
  plan->stages[2] = {1, 1, mid + 1};
  int32_t total = 0;
  for (int32_t k = 0; k < ops::kSkewStages; ++k) {
    const int32_t n = 2 * plan->stages[k].half + 1;
    if (n > ops::kSkewMaxStageAngles)
      return {StatusCode::kInvalidArgument, "skew: too many angles in one search stage"};
    plan->stage_offset[k] = total;
    total += n;
  }
  plan->stage_offset[ops::kSkewStages] = total;
  plan->table_half = limit;
  plan->tan_q16.assign(static_cast<size_t>(2 * limit + 1), 0);
  plan->tan_max_q16 = 0;
  for (int32_t i = -limit; i <= limit; ++i) {
    const double t = std::tan(i * g * (M_PI / 180.0));
    const int32_t q = static_cast<int32_t>(std::lround(t * 65536.0));
    plan->tan_q16[static_cast<size_t>(i + limit)] = q;
    plan->tan_max_q16 = std::max(plan->tan_max_q16, std::abs(q));
  }
  // The plan's guarantees, which both schedules' segment code and workspace
  // sizing rely on: every angle it can evaluate lies within +-max_angle_deg,
  // and its tangent within +-1 (dense segments, at most `cols` of them).
  if (limit * g > p.max_angle_deg + 1e-6 * g || plan->tan_max_q16 > ops::kSkewMaxTanQ16)
    return {StatusCode::kInternal, "skew: search plan exceeds the range it was made for"};
  return Status::ok();
}

namespace {

// The smallest value v such that at least num/den of the bins [a, b) are <= v.
int32_t bin_quantile(const int32_t* profile, int32_t a, int32_t b, int32_t num, int32_t den) {
  std::array<int32_t, ops::kSkewMaxReduced + 1> count{};
  for (int32_t i = a; i < b; ++i)
    ++count[static_cast<size_t>(std::clamp(profile[i], 0, ops::kSkewMaxReduced))];
  const int64_t n = b - a;
  int64_t seen = 0;
  for (int32_t v = 0; v <= ops::kSkewMaxReduced; ++v) {
    seen += count[static_cast<size_t>(v)];
    if (den * seen >= num * n) return v;
  }
  return ops::kSkewMaxReduced;
}

}  // namespace

int32_t speck_floor(const int32_t* profile, int32_t bins) {
  if (profile == nullptr || bins <= 0) return 0;
  int32_t first = 0, last = bins - 1;
  while (first < bins && profile[first] <= 0) ++first;
  while (last > first && profile[last] <= 0) --last;
  if (first >= bins) return 0;
  const int32_t end = last + 1, n = end - first;
  // Specks fall everywhere alike: their level is in a quarter of the inked
  // span (text leaves more than that nearly empty) and in both of its ends
  // (margins). A photo's or a halftone's own troughs are in its middle only.
  const int32_t edge = std::max(1, n * 3 / 20);
  const int32_t floor = std::min({bin_quantile(profile, first, end, 1, 4),
                                  bin_quantile(profile, first, first + edge, 1, 2),
                                  bin_quantile(profile, end - edge, end, 1, 2)});
  // And something stands well above it (text at four times its level).
  int32_t peak = 0;
  for (int32_t b = first; b < end; ++b) peak = std::max(peak, profile[b]);
  return 4 * static_cast<int64_t>(floor) <= peak ? floor : 0;
}

int32_t count_text_lines(const int32_t* profile_in, int32_t bins, float cells_per_inch) {
  if (profile_in == nullptr || bins <= 0 || !(cells_per_inch > 0.f)) return 0;
  const double cpi = cells_per_inch;
  const double min_ink_per_row = 0.1 * cpi;
  // Everything is read above the floor that speckle noise puts into every
  // bin (0 without specks), and the 90th percentile only over the bins that
  // can be part of a line: a line carries min_ink_per_row on average, so
  // bins below a quarter of that (and within the specks' scatter, about the
  // square root of their count, 3 sigma) are ascender tips, gaps or specks.
  // On a sparse page with speckle noise the specks' bins, a few cells in
  // every row of the page, outnumber the lines' bins: counted, they put the
  // percentile and so the line level among the specks, and the lines merged
  // with their surroundings into blocks that were not lines (issue 20).
  const int32_t floor = speck_floor(profile_in, bins);
  auto at = [&](int32_t b) { return std::max(0, profile_in[b] - floor); };
  const int32_t scatter =
      floor > 0 ? static_cast<int32_t>(std::ceil(3.0 * std::sqrt(static_cast<double>(floor)))) : 0;
  const int32_t counted =
      std::max({1, scatter, static_cast<int32_t>(std::ceil(0.25 * min_ink_per_row))});
  std::array<int32_t, ops::kSkewMaxReduced + 1> count{};
  int32_t nonzero = 0;
  for (int32_t b = 0; b < bins; ++b) {
    const int32_t v = std::clamp(at(b), 0, ops::kSkewMaxReduced);
    if (v >= counted) {
      ++count[static_cast<size_t>(v)];
      ++nonzero;
    }
  }
  if (nonzero == 0) return 0;
  int32_t p90 = ops::kSkewMaxReduced;
  for (int32_t v = 1, seen = 0; v <= ops::kSkewMaxReduced; ++v) {
    seen += count[static_cast<size_t>(v)];
    if (10 * static_cast<int64_t>(seen) >= 9 * static_cast<int64_t>(nonzero)) {
      p90 = v;
      break;
    }
  }
  const int32_t level = std::max({2, (p90 + 4) / 5, scatter});  // 20% of it, rounded
  const int32_t min_h = std::max(2, static_cast<int32_t>(std::lround(0.04 * cpi)));
  const int32_t max_h = std::max(min_h, static_cast<int32_t>(std::lround(0.6 * cpi)));
  // Blocks: runs of bins at or above the level, a one-bin dip inside a run
  // not counting as a gap (noise). A block is a text line when it is as tall
  // as type, carries enough ink per row, and stands clear of its neighbours
  // by at least a fifth of its height (photos, halftones and hatching give
  // blocks pressed together, or one block taller than any line).
  struct Block {
    int32_t a = 0, b = 0;  // bins [a, b)
    int64_t mass = 0;
  };
  // Candidate lines, in profile order (at most one per min_h + 2 bins).
  std::array<Block, 2048> found;
  int32_t n_found = 0;
  auto judge = [&](const Block& blk, int32_t gap_before, int32_t gap_after) {
    const int32_t h = blk.b - blk.a;
    const int32_t clear = std::max(2, (h + 4) / 5);
    if (h >= min_h && h <= max_h && static_cast<double>(blk.mass) >= min_ink_per_row * h &&
        gap_before >= clear && gap_after >= clear && n_found < static_cast<int32_t>(found.size()))
      found[static_cast<size_t>(n_found++)] = blk;
  };
  // Each block is judged once the next one starts (its gap after is known);
  // the profile's ends count as clear.
  Block pending, cur;
  bool have_pending = false, in_block = false;
  int32_t pending_gap_before = bins;
  auto close_block = [&](const Block& blk) {
    int32_t gap_before = bins;
    if (have_pending) {
      gap_before = blk.a - pending.b;
      judge(pending, pending_gap_before, gap_before);
    }
    pending = blk;
    pending_gap_before = gap_before;
    have_pending = true;
  };
  for (int32_t b = 0; b < bins; ++b) {
    if (at(b) < level) continue;
    if (in_block && b - cur.b <= 1) {  // contiguous, or over a one-bin dip
      cur.mass += at(b);
      cur.b = b + 1;
      continue;
    }
    if (in_block) close_block(cur);
    cur = Block{b, b + 1, at(b)};
    in_block = true;
  }
  if (in_block) close_block(cur);
  if (have_pending) judge(pending, pending_gap_before, bins);
  // Text comes in lines of one size at a steady pitch: a line counts when
  // the next or previous one is within a factor 2 of its height and within
  // three line heights of it. A lone title, a caption or a photo's stray
  // band does not.
  auto alike = [&](const Block& x, const Block& y) {
    const int32_t hx = x.b - x.a, hy = y.b - y.a;
    const int32_t hi = std::max(hx, hy), lo = std::min(hx, hy);
    return hi <= 2 * lo && y.a - x.b <= 3 * hi;
  };
  int32_t lines = 0;
  for (int32_t i = 0; i < n_found; ++i) {
    const size_t k = static_cast<size_t>(i);
    if ((i > 0 && alike(found[k - 1], found[k])) ||
        (i + 1 < n_found && alike(found[k], found[k + 1])))
      ++lines;
  }
  return lines;
}

int32_t best_grid_index(const SkewPlan& plan, const int64_t* scores, const int32_t* centers) {
  const int32_t last = ops::kSkewStages - 1;
  const ops::SkewStage& f = plan.stages[last];
  const int32_t j = ops::argmax_score(scores + plan.stage_offset[last], 2 * f.half + 1);
  return ops::stage_angle_index(f, centers[last], j, plan.table_half);
}

SkewWorkspaceSize skew_workspace_size(const SkewPlan& plan, const BatchLimits& limits) {
  SkewWorkspaceSize z;
  // Any page within the limits reduces to at most these sizes (skew_geometry:
  // the factor is at least 1 and keeps both sides within kSkewMaxReduced).
  z.w1 = std::min(limits.max_width, ops::kSkewMaxReduced);
  z.h1 = std::min(limits.max_height, ops::kSkewMaxReduced);
  z.w2 = (z.w1 + 1) / 2;
  z.h2 = (z.h1 + 1) / 2;
  const ops::SkewGeometry g = ops::skew_geometry(z.w1, z.h1, 150.f, plan.tan_max_q16);
  z.bins = std::max(g.bins1, g.bins2);
  z.tiles = g.tiles_x * g.tiles_y;
  z.prefix1 = static_cast<int64_t>(z.w1 + 1) * ops::prefix_pitch(z.h1);
  z.prefix2 = static_cast<int64_t>(z.w2 + 1) * ops::prefix_pitch(z.h2);
  return z;
}

SkewResult finalize_skew(const SkewPlan& plan, const int64_t* scores, const int32_t* centers,
                         int64_t kept_cells, const int32_t* strip_profiles, int32_t stride,
                         int32_t bins, float cells_per_inch) {
  SkewResult r;
  if (kept_cells < ops::kSkewMinInkCells) return r;
  // Evidence first: without text lines at the best angle, no angle is trusted.
  int32_t lines = 0;
  for (int32_t s = 0; s < ops::kSkewStrips; ++s)
    lines = std::max(lines, count_text_lines(strip_profiles + static_cast<int64_t>(s) * stride,
                                             bins, cells_per_inch));
  r.text_lines = lines;
  if (lines < kSkewMinTextLines) return r;
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
  const int32_t limit = plan.table_half;
  const int32_t at = ops::stage_angle_index(f, centers[last], j, limit);
  double offset = 0.0;
  // Interpolate only between true neighbours: at the edge of the range the
  // clamped candidates repeat the edge angle.
  if (j > 0 && j < n - 1 && ops::stage_angle_index(f, centers[last], j - 1, limit) == at - f.step &&
      ops::stage_angle_index(f, centers[last], j + 1, limit) == at + f.step) {
    // Parabola through the peak and its neighbours; its vertex is within
    // half a step of the best sample because that sample is the largest.
    const double sm = static_cast<double>(s[j - 1]), s0 = static_cast<double>(s[j]),
                 sp = static_cast<double>(s[j + 1]);
    const double denom = sm - 2.0 * s0 + sp;
    if (denom < 0.0) offset = std::clamp(0.5 * (sm - sp) / denom, -0.5, 0.5);
  }
  const double index = at + offset * f.step;
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
  std::vector<uint8_t> reduced, inkmap, keptmap, coarse_rows, zeros;
  std::vector<int32_t> row_ink, tile_ink;
  std::vector<uint8_t> tile_solid, tile_masked;
  std::vector<ops::SkewPrefix> prefix1, prefix2;  // column-major prefix tables
  std::vector<int32_t> kept1;                     // kept cells per fine row
  std::vector<uint16_t> hist;                     // kSkewMaxStageAngles slots of bins_max
  std::vector<int64_t> scores;
  std::vector<int32_t> strip_profiles;  // kSkewStrips x bins_max: the evidence
  std::vector<int32_t> strip_starts;    // segment starts at the best angle

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

/// Fine rows per task of the kept / prefix step: two tile rows, so each
/// prefix column gets one 64-byte line per band.
constexpr int32_t kBand = 32;
static_assert(kBand % ops::kSkewTile == 0 && kBand % 32 == 0, "bands hold whole tile rows");

/// Sum of n bytes (each at most 255 / 16 here: flags or band column sums).
int32_t count_ones(const uint8_t* f, int32_t n) {
  uint32_t total = 0;
  for (int32_t x = 0; x < n; ++x) total += f[x];
  return static_cast<int32_t>(total);
}

/// Ink flags of one fine row (value < thr8), added to the band's column sums.
void ink_row(const uint8_t* __restrict__ r, uint8_t thr8, int32_t w, uint8_t* __restrict__ f,
             uint8_t* __restrict__ colsum) {
  for (int32_t x = 0; x < w; ++x) {
    const uint8_t ink = r[x] < thr8;
    f[x] = ink;
    colsum[x] = static_cast<uint8_t>(colsum[x] + ink);
  }
}

/// Kept flags of one fine row that is not dropped (before the tile mask):
/// ink with ink among its 8 neighbours (ops::keep_cell, row-vectorized).
/// `c` is the row's ink flags; the rows above / below exist when has_up /
/// has_down. `v` is scratch of w + 2 bytes.
void keep_row(const uint8_t* c, bool has_up, bool has_down, int32_t w, const uint8_t* zeros,
              uint8_t* v, uint8_t* out) {
  const uint8_t* u = has_up ? c - w : zeros;
  const uint8_t* d = has_down ? c + w : zeros;
  // v[x + 1] = vertical OR of the 3 rows at column x, zero outside the row;
  // a cell's neighbours are v left and right of it plus the cells above and below.
  v[0] = 0;
  v[w + 1] = 0;
  for (int32_t x = 0; x < w; ++x) v[x + 1] = static_cast<uint8_t>(u[x] | c[x] | d[x]);
  for (int32_t x = 0; x < w; ++x)
    out[x] = static_cast<uint8_t>(c[x] & (v[x] | v[x + 2] | u[x] | d[x]));
}

/// One coarse row (ops::coarse_kept, row-vectorized) from fine rows a and b.
void coarse_row(const uint8_t* a, const uint8_t* b, int32_t w1, int32_t w2, uint8_t* out) {
  const int32_t pairs = w1 / 2;
  for (int32_t x = 0; x < pairs; ++x)
    out[x] = static_cast<uint8_t>(a[2 * x] | a[2 * x + 1] | b[2 * x] | b[2 * x + 1]);
  if (w2 > pairs) out[pairs] = static_cast<uint8_t>(a[w1 - 1] | b[w1 - 1]);
}

/// Column-major prefix counts of G groups of 16 rows of 0/1 flags (rows past
/// the level point to zeros): P[(x + 1) * pitch + i] = sum of rows[i][0..x],
/// 16 * G entries per column (one 64-byte line for G = 2; the pitch is a
/// multiple of 32, so the last band stays inside its column). Row totals go to
/// `totals` (first `valid` rows) if given. SSE2: each 16 x 16 byte block is
/// transposed by four rounds of byte interleaving (a perfect shuffle), which
/// leaves one column per register.
template <int G>
void prefix_band(const uint8_t* const* rows, int32_t w, ops::SkewPrefix* p, int32_t pitch,
                 int32_t* totals, int32_t valid) {
  constexpr int kRows = 16 * G;
  ops::SkewPrefix acc[kRows] = {};
  int32_t x = 0;
#if defined(__SSE2__)
  __m128i sum[2 * G];
  for (int i = 0; i < 2 * G; ++i) sum[i] = _mm_setzero_si128();
  const __m128i zero = _mm_setzero_si128();
  for (; x + 16 <= w; x += 16) {
    __m128i a[G][16];
    for (int gi = 0; gi < G; ++gi) {
      __m128i* v = a[gi];
      for (int i = 0; i < 16; ++i)
        v[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows[16 * gi + i] + x));
      for (int round = 0; round < 4; ++round) {
        __m128i t[16];
        for (int i = 0; i < 8; ++i) {
          t[2 * i] = _mm_unpacklo_epi8(v[i], v[i + 8]);
          t[2 * i + 1] = _mm_unpackhi_epi8(v[i], v[i + 8]);
        }
        for (int i = 0; i < 16; ++i) v[i] = t[i];
      }
    }
    for (int i = 0; i < 16; ++i) {  // a[gi][i]: column x + i, rows 16 gi .. 16 gi + 15
      __m128i* col = reinterpret_cast<__m128i*>(p + static_cast<int64_t>(x + i + 1) * pitch);
      for (int gi = 0; gi < G; ++gi) {
        sum[2 * gi] = _mm_add_epi16(sum[2 * gi], _mm_unpacklo_epi8(a[gi][i], zero));
        sum[2 * gi + 1] = _mm_add_epi16(sum[2 * gi + 1], _mm_unpackhi_epi8(a[gi][i], zero));
        _mm_store_si128(col + 2 * gi, sum[2 * gi]);
        _mm_store_si128(col + 2 * gi + 1, sum[2 * gi + 1]);
      }
    }
  }
  for (int i = 0; i < 2 * G; ++i) _mm_storeu_si128(reinterpret_cast<__m128i*>(acc + 8 * i), sum[i]);
#endif
  for (; x < w; ++x) {
    ops::SkewPrefix* col = p + static_cast<int64_t>(x + 1) * pitch;
    for (int i = 0; i < kRows; ++i) {
      acc[i] = static_cast<ops::SkewPrefix>(acc[i] + rows[i][x]);
      col[i] = acc[i];
    }
  }
  if (totals)
    for (int32_t i = 0; i < valid; ++i) totals[i] = acc[i];
}

/// 64-byte aligned start inside a buffer allocated with 32 spare entries.
ops::SkewPrefix* align64(std::vector<ops::SkewPrefix>& v) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(v.data());
  return v.data() + ((64 - a % 64) % 64) / sizeof(ops::SkewPrefix);
}

/// Adds one segment's cells of every row to the histogram: dst[y] +=
/// ops::segment_cells(...) for all rows, as a difference of two prefix columns.
void add_segment(const ops::SkewPrefix* __restrict__ pa, const ops::SkewPrefix* __restrict__ pb,
                 int32_t rows, uint16_t* __restrict__ dst) {
  for (int32_t y = 0; y < rows; ++y) dst[y] = static_cast<uint16_t>(dst[y] + (pb[y] - pa[y]));
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
      // Ink per column of the band (<= 16, fits a byte), then per tile.
      uint8_t colsum[ops::kSkewMaxReduced];
      std::fill_n(colsum, g.w1, uint8_t{0});
      for (int32_t y = y0; y < y1; ++y) {
        const uint8_t* r = red.row(y);
        uint8_t* f = inkmap.data() + static_cast<int64_t>(y) * g.w1;
        ink_row(r, thr8, g.w1, f, colsum);
        row_ink[static_cast<size_t>(y)] = count_ones(f, g.w1);
      }
      for (int32_t tx = 0; tx < g.tiles_x; ++tx)
        tiles[tx] = count_ones(colsum + tx * ops::kSkewTile,
                               std::min(ops::kSkewTile, g.w1 - tx * ops::kSkewTile));
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
  // masked, row not dropped) and the coarse level's flags (ops::coarse_kept),
  // both turned into column-major prefix tables. One band of 16 fine rows
  // (8 coarse rows) per task; each band writes only its own rows.
  const int32_t pitch1 = ops::prefix_pitch(g.h1), pitch2 = ops::prefix_pitch(g.h2);
  ops::SkewPrefix* const p1 = align64(prefix1);
  ops::SkewPrefix* const p2 = align64(prefix2);
  std::fill_n(p1, pitch1, ops::SkewPrefix{0});  // column 0: nothing left of it
  std::fill_n(p2, pitch2, ops::SkewPrefix{0});
  pool.parallel_for(ops::ceil_div(g.h1, kBand), 1, [&](int64_t b, int64_t e) {
    uint8_t scratch[ops::kSkewMaxReduced + 2];
    for (int64_t band = b; band < e; ++band) {
      const int32_t y0 = static_cast<int32_t>(band) * kBand;
      const int32_t y1 = std::min(g.h1, y0 + kBand);
      const uint8_t* rows[kBand];
      for (int32_t y = y0; y < y1; ++y) {
        uint8_t* k = keptmap.data() + static_cast<int64_t>(y) * g.w1;
        rows[y - y0] = k;
        if (ops::row_is_dropped(row_ink[static_cast<size_t>(y)], g.w1)) {
          std::fill_n(k, g.w1, uint8_t{0});
          continue;
        }
        keep_row(inkmap.data() + static_cast<int64_t>(y) * g.w1, y > 0, y + 1 < g.h1, g.w1,
                 zeros.data(), scratch, k);
        const uint8_t* mrow = tile_masked.data() + (y / ops::kSkewTile) * g.tiles_x;
        for (int32_t tx = 0; tx < g.tiles_x; ++tx)
          if (mrow[tx])
            std::fill(k + tx * ops::kSkewTile, k + std::min(g.w1, (tx + 1) * ops::kSkewTile), 0);
      }
      for (int32_t y = y1; y < y0 + kBand; ++y) rows[y - y0] = zeros.data();
      prefix_band<kBand / 16>(rows, g.w1, p1 + y0, pitch1, kept1.data() + y0, y1 - y0);
      // Coarse rows y0/2 .. : OR of fine row pairs and column pairs.
      const int32_t c0 = y0 / 2, c1 = (y1 + 1) / 2;
      const uint8_t* crows[kBand / 2];
      for (int32_t cy = c0; cy < c0 + kBand / 2; ++cy) {
        if (cy >= c1) {
          crows[cy - c0] = zeros.data();
          continue;
        }
        uint8_t* c = coarse_rows.data() + static_cast<int64_t>(cy) * g.w2;
        const uint8_t* ra = rows[2 * cy - y0];
        const uint8_t* rb = 2 * cy + 1 < y1 ? rows[2 * cy + 1 - y0] : ra;
        coarse_row(ra, rb, g.w1, g.w2, c);
        crows[cy - c0] = c;
      }
      prefix_band<kBand / 32>(crows, g.w2, p2 + c0, pitch2, nullptr, c1 - c0);
    }
  });
  int64_t kept = 0;
  for (int32_t y = 0; y < g.h1; ++y) kept += kept1[static_cast<size_t>(y)];
  if (kept < ops::kSkewMinInkCells) return;

  // 6. Search stages: one task per candidate angle, each with its own
  // histogram slot, so the scores do not depend on the thread count.
  int32_t centers[ops::kSkewStages] = {0, 0, 0};
  for (int32_t k = 0; k < ops::kSkewStages; ++k) {
    const ops::SkewStage& st = plan.stages[k];
    const bool coarse = st.level == 2;
    const int32_t rows = coarse ? g.h2 : g.h1, cols = coarse ? g.w2 : g.w1;
    const int32_t off = coarse ? g.off2 : g.off1, bins = coarse ? g.bins2 : g.bins1;
    const int32_t pitch = coarse ? pitch2 : pitch1;
    const ops::SkewPrefix* prefix = coarse ? p2 : p1;
    int64_t* stage_scores = scores.data() + plan.stage_offset[k];
    const int32_t n = 2 * st.half + 1;
    const int32_t center = centers[k];
    pool.parallel_for(n, 1, [&](int64_t b, int64_t e) {
      int32_t starts[ops::kSkewMaxReduced + 1];
      for (int64_t j = b; j < e; ++j) {
        const int32_t tq = plan.tan_q16[static_cast<size_t>(
            ops::stage_angle_index(st, center, static_cast<int32_t>(j), plan.table_half) +
            plan.table_half)];
        uint16_t* h = hist.data() + j * bins_max;
        std::fill_n(h, bins, uint16_t{0});
        const int32_t segs = ops::shear_segments(cols, tq, starts);
        for (int32_t s = 0; s < segs; ++s)
          add_segment(prefix + static_cast<int64_t>(starts[s]) * pitch,
                      prefix + static_cast<int64_t>(starts[s + 1]) * pitch, rows,
                      h + ops::segment_bin_offset(s, tq, off));
        stage_scores[j] = ops::profile_score_part(h, bins, 0, 1);
      }
    });
    if (k + 1 < ops::kSkewStages)
      centers[k + 1] =
          ops::stage_angle_index(st, center, ops::argmax_score(stage_scores, n), plan.table_half);
  }
  // The evidence: strip profiles at the last stage's best angle (the shared
  // per-bin count, as the CUDA schedule computes it).
  {
    const int32_t tq = plan.tan_q16[static_cast<size_t>(
        detail::best_grid_index(plan, scores.data(), centers) + plan.table_half)];
    const int32_t segs = ops::shear_segments(g.w1, tq, strip_starts.data());
    pool.parallel_for(ops::kSkewStrips, 1, [&](int64_t b, int64_t e) {
      for (int64_t strip = b; strip < e; ++strip) {
        int32_t xa = 0, xb = 0;
        ops::skew_strip_columns(g.w1, static_cast<int32_t>(strip), &xa, &xb);
        int32_t* out = strip_profiles.data() + strip * bins_max;
        for (int32_t bin = 0; bin < g.bins1; ++bin)
          out[bin] = ops::sheared_bin_count_in(p1, pitch1, g.h1, strip_starts.data(), segs, tq,
                                               g.off1, bin, xa, xb);
      }
    });
  }
  *result = detail::finalize_skew(plan, scores.data(), centers, kept, strip_profiles.data(),
                                  bins_max, g.bins1, ops::skew_cells_per_inch(g, dpi));
}

SkewEstimator::SkewEstimator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SkewEstimator::~SkewEstimator() = default;
const SkewParams& SkewEstimator::params() const {
  return impl_->plan.params;
}

Status SkewEstimator::create(const SkewParams& params, const BatchLimits& limits,
                             std::unique_ptr<SkewEstimator>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate_limits("skew", limits));
  auto impl = std::make_unique<Impl>();
  PAGEPREP_RETURN_IF_ERROR(detail::make_skew_plan(params, &impl->plan));
  impl->limits = limits;
  const detail::SkewWorkspaceSize z = detail::skew_workspace_size(impl->plan, limits);
  impl->w1_max = z.w1;
  impl->h1_max = z.h1;
  impl->bins_max = z.bins;
  impl->tiles_max = z.tiles;
  const size_t w1 = static_cast<size_t>(z.w1), h1 = static_cast<size_t>(z.h1);
  const size_t w2 = static_cast<size_t>(z.w2), h2 = static_cast<size_t>(z.h2);
  try {
    impl->reduced.assign(w1 * h1, 0);
    impl->inkmap.assign(w1 * h1, 0);
    impl->keptmap.assign(w1 * h1, 0);
    impl->zeros.assign(w1, 0);
    impl->row_ink.assign(h1, 0);
    impl->tile_ink.assign(static_cast<size_t>(impl->tiles_max), 0);
    impl->tile_solid.assign(static_cast<size_t>(impl->tiles_max), 0);
    impl->tile_masked.assign(static_cast<size_t>(impl->tiles_max), 0);
    impl->coarse_rows.assign(w2 * h2, 0);
    impl->prefix1.assign(static_cast<size_t>(z.prefix1) + 32,
                         0);  // + 32: room to align to 64 bytes
    impl->prefix2.assign(static_cast<size_t>(z.prefix2) + 32, 0);
    impl->kept1.assign(h1 + kBand, 0);
    impl->hist.assign(static_cast<size_t>(ops::kSkewMaxStageAngles) * impl->bins_max, 0);
    impl->scores.assign(static_cast<size_t>(impl->plan.stage_offset[ops::kSkewStages]), 0);
    impl->strip_profiles.assign(static_cast<size_t>(ops::kSkewStrips) * impl->bins_max, 0);
    impl->strip_starts.assign(w1 + 1, 0);
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
  PAGEPREP_RETURN_IF_ERROR(validate_batch(in, {"skew", &impl_->limits}));
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
