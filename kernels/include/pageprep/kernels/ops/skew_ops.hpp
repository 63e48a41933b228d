/// \file skew_ops.hpp
/// \brief Shared math of skew estimation (projection-profile search), used by
/// the CPU schedule (kernels/cpu/skew_cpu.cpp) and the CUDA schedule
/// (kernels/cuda/skew.cu). The method and its reasons are in deskew.hpp.
///
/// Everything that decides a result is integer: the reduced image (a block
/// minimum), the Otsu threshold (integer sums compared exactly), the ink
/// cleaning, the prefix tables, the sheared bin of every kept cell (Q16
/// tangent from a table built once on the host) and the int64 profile scores. Only the final
/// peak interpolation and the confidence use floating point, in one host-side
/// function (finalize_skew) that both schedules call on the same integers, so
/// both give the same bits.
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"
#include "pageprep/kernels/image_view.hpp"
#include "pageprep/kernels/ops/threshold_ops.hpp"

namespace pageprep::kernels::ops {

/// Reduced images are at most this many cells on a side: bounds the workspace,
/// keeps x * tan in Q16 inside int32 and the histograms inside shared memory.
constexpr int32_t kSkewMaxReduced = 2048;
/// Target resolution of the fine level, in dots per inch.
constexpr int32_t kSkewTargetDpi = 150;
/// Q16 tangents: bin(x, y) = y + round(x * tan).
constexpr int32_t kSkewTanShift = 16;
/// Largest |tan| in Q16 the segment math allows: tan(45 deg) = 1. Past it a
/// column's shift can jump by 2 and the segments stop being dense (skew_shift).
constexpr int32_t kSkewMaxTanQ16 = 1 << kSkewTanShift;
/// Side of the tiles (in fine-level cells) used to find large dark areas.
constexpr int32_t kSkewTile = 16;
/// Fewer kept ink cells than this at the fine level: the page is blank.
constexpr int32_t kSkewMinInkCells = 150;
/// Most angles one search stage may evaluate.
constexpr int32_t kSkewMaxStageAngles = 192;
/// Search stages: coarse sweep on the 2x-coarser level, then two refinements
/// on the fine level.
constexpr int32_t kSkewStages = 3;

/// One search stage: angles center + (j - half) * step for j in [0, 2 * half],
/// in units of the angle grid (precision_deg); `level` 1 = fine, 2 = coarse.
struct SkewStage {
  int32_t level;
  int32_t step;
  int32_t half;
};

/// Per-page sizes of the reduced levels. Fine level: one cell per s x s block
/// of the page (~150 dpi); coarse level: 2 x 2 fine cells.
struct SkewGeometry {
  int32_t s;       ///< reduction factor page -> fine level
  int32_t w1, h1;  ///< fine level size
  int32_t w2, h2;  ///< coarse level size
  int32_t tiles_x, tiles_y;
  int32_t off1, bins1;  ///< bin offset and histogram size, fine level
  int32_t off2, bins2;  ///< same, coarse level
};

PAGEPREP_HD inline int32_t ceil_div(int32_t a, int32_t b) {
  return (a + b - 1) / b;
}

/// Sizes of a page's reduced levels. `dpi` <= 0 means unknown: the factor then
/// follows the page size (an A4 page's long side reduced to ~1754 cells).
/// `tan_max_q16` is the largest |tan| of the angle table (bounds the shear).
PAGEPREP_HD inline SkewGeometry skew_geometry(int32_t w, int32_t h, float dpi,
                                              int32_t tan_max_q16) {
  SkewGeometry g{};
  const int32_t long_side = w > h ? w : h;
  int32_t s = dpi > 0.f ? static_cast<int32_t>(dpi / static_cast<float>(kSkewTargetDpi) + 0.5f)
                        : (long_side + 877) / 1754;
  if (s < 1) s = 1;
  const int32_t s_min = ceil_div(long_side, kSkewMaxReduced);
  if (s < s_min) s = s_min;
  g.s = s;
  g.w1 = ceil_div(w, s);
  g.h1 = ceil_div(h, s);
  g.w2 = (g.w1 + 1) / 2;
  g.h2 = (g.h1 + 1) / 2;
  g.tiles_x = ceil_div(g.w1, kSkewTile);
  g.tiles_y = ceil_div(g.h1, kSkewTile);
  g.off1 = static_cast<int32_t>((static_cast<int64_t>(g.w1) * tan_max_q16) >> kSkewTanShift) + 2;
  g.bins1 = g.h1 + 2 * g.off1 + 1;
  g.off2 = static_cast<int32_t>((static_cast<int64_t>(g.w2) * tan_max_q16) >> kSkewTanShift) + 2;
  g.bins2 = g.h2 + 2 * g.off2 + 1;
  return g;
}

/// Resolution of the fine level in cells per inch (the unit of the text-line
/// evidence): dpi / s, or the target resolution when the dpi is unknown (the
/// reduction then follows the page size, which puts an A4 page near it).
PAGEPREP_HD inline float skew_cells_per_inch(const SkewGeometry& g, float dpi) {
  return dpi > 0.f ? dpi / static_cast<float>(g.s) : static_cast<float>(kSkewTargetDpi);
}

/// Darkest pixel of the s x s block of fine cell (cx, cy), clipped to the page.
/// (The CPU schedule computes the same minimum row-vectorized.)
PAGEPREP_HD inline uint8_t reduce_min_cell(ConstGrayView page, int32_t s, int32_t cx, int32_t cy) {
  const int32_t x0 = cx * s, y0 = cy * s;
  const int32_t x1 = x0 + s < page.width ? x0 + s : page.width;
  const int32_t y1 = y0 + s < page.height ? y0 + s : page.height;
  uint32_t m = 255;
  for (int32_t y = y0; y < y1; ++y) {
    const uint8_t* r = page.row(y);
    for (int32_t x = x0; x < x1; ++x) m = r[x] < m ? r[x] : m;
  }
  return static_cast<uint8_t>(m);
}

/// The fine-level histogram is taken over every other row and column.
PAGEPREP_HD inline bool in_threshold_sample(int32_t x, int32_t y) {
  return ((x | y) & 1) == 0;
}

/// Lower median of the histogram's values above `t` (all values if none).
PAGEPREP_HD inline int32_t median_above(const uint32_t* hist, int32_t t) {
  int64_t n = 0;
  for (int32_t v = t + 1; v < 256; ++v) n += hist[v];
  if (n == 0) {
    t = -1;
    for (int32_t v = 0; v < 256; ++v) n += hist[v];
  }
  int64_t acc = 0;
  for (int32_t v = t + 1; v < 256; ++v) {
    acc += hist[v];
    if (2 * acc >= n) return v;
  }
  return 255;
}

/// Ink must be at least this much darker than the paper level: on pages with
/// little ink Otsu splits the paper noise instead.
constexpr int32_t kSkewMinInkContrast = 40;

/// Ink threshold of the fine level: Otsu's (threshold_ops.hpp; -1 on a constant
/// page, which leaves no ink), but at least kSkewMinInkContrast below the paper
/// level (the median of the cells Otsu calls background).
/// The same from Otsu's threshold `t` of the histogram, however computed (the
/// CUDA schedule finds it with a block of threads).
PAGEPREP_HD inline int32_t skew_ink_threshold_given(const uint32_t* hist, int32_t t) {
  const int32_t paper = median_above(hist, t);
  return t < paper - kSkewMinInkContrast ? t : paper - kSkewMinInkContrast;
}

PAGEPREP_HD inline int32_t skew_ink_threshold(const uint32_t* hist) {
  return skew_ink_threshold_given(hist, otsu_threshold(hist));
}

/// A tile whose ink covers more than 60% of it is "solid": a scanner border,
/// a photo or a black figure, whose axis-aligned edges would bias the search.
PAGEPREP_HD inline bool tile_is_solid(int32_t ink, int32_t area) {
  return ink * 5 > area * 3;
}

/// A fine-level row more than half covered by ink is a border or a rule
/// aligned with the scanner rather than the text; it is dropped.
PAGEPREP_HD inline bool row_is_dropped(int32_t row_ink, int32_t w1) {
  return row_ink * 2 > w1;
}

/// Inputs of the ink-cleaning decision for one page's fine level.
struct SkewInkView {
  ConstGrayView reduced;       ///< fine level, gray (block minima)
  int32_t threshold;           ///< ink: value <= threshold
  const int32_t* row_ink;      ///< raw ink cells per fine row
  const uint8_t* tile_masked;  ///< tiles_x * tiles_y, nonzero: excluded
  int32_t tiles_x;
};

PAGEPREP_HD PAGEPREP_FORCEINLINE bool is_ink(const SkewInkView& v, int32_t x, int32_t y) {
  return v.reduced.contains(x, y) && v.reduced.row(y)[x] <= v.threshold;
}

/// A fine cell counts for the profile when it is ink, not isolated (a speck:
/// no ink among its 8 neighbours), not in a masked tile and not in a dropped row.
PAGEPREP_HD inline bool keep_cell(const SkewInkView& v, int32_t x, int32_t y) {
  if (!is_ink(v, x, y)) return false;
  if (row_is_dropped(v.row_ink[y], v.reduced.width)) return false;
  if (v.tile_masked[(y / kSkewTile) * v.tiles_x + x / kSkewTile]) return false;
  for (int32_t dy = -1; dy <= 1; ++dy)
    for (int32_t dx = -1; dx <= 1; ++dx)
      if ((dx | dy) != 0 && is_ink(v, x + dx, y + dy)) return true;
  return false;
}

/// Coarse level: cell (cx, cy) is set when any of its 2 x 2 fine cells is
/// kept (`kept` is the fine level's 0/1 map, pitch w1; clipped at the edges).
PAGEPREP_HD inline uint8_t coarse_kept(const uint8_t* kept, int32_t w1, int32_t h1, int32_t cx,
                                       int32_t cy) {
  const int32_t x0 = 2 * cx, y0 = 2 * cy;
  const int32_t x1 = x0 + 1 < w1 ? x0 + 1 : x0, y1 = y0 + 1 < h1 ? y0 + 1 : y0;
  const uint8_t* a = kept + static_cast<int64_t>(y0) * w1;
  const uint8_t* b = kept + static_cast<int64_t>(y1) * w1;
  return static_cast<uint8_t>(a[x0] | a[x1] | b[x0] | b[x1]);
}

// ---------------------------------------------------------------------------
// The sheared profile, by column segments.
//
// Cell (x, y) goes to bin y + off + skew_shift(x), and skew_shift depends on x
// only. For one angle the columns therefore fall into segments (maximal column
// ranges of equal shift; k-th segment: shift sigma * k, sigma = sign of tan),
// and bin y + off + sigma * k receives the kept cells of row y inside segment
// k: a difference of two entries of the row's prefix count. A level is stored
// as a column-major prefix table, P[x * pitch + y] = kept cells of row y left
// of column x (x in [0, w]; counts <= kSkewMaxReduced, so uint16), which makes
// one segment's contribution to all rows two contiguous column reads. The cost
// per angle is rows x segments, independent of the ink and of its runs; both
// schedules sum exactly these integer terms (the CPU per segment over rows,
// vectorized; the GPU per bin over segments), so the histograms are equal.
// ---------------------------------------------------------------------------

using SkewPrefix = uint16_t;

/// Column pitch of a level's prefix table: its rows rounded up to 32 (whole
/// 64-byte lines per column on the CPU).
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t prefix_pitch(int32_t rows) {
  return (rows + 31) & ~31;
}

/// round(x * tan) with the Q16 tangent, rounding halves up: the vertical shift
/// of column x. The bias keeps the shifted value positive, so the shift is a
/// floor on every compiler.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t skew_shift(int32_t x, int32_t tan_q16) {
  constexpr int32_t kBias = 1 << 13;  // > max |x * tan| (x < 2^11 cells, |tan| <= 1)
  return ((x * tan_q16 + (1 << (kSkewTanShift - 1)) + (kBias << kSkewTanShift)) >> kSkewTanShift) -
         kBias;
}

/// Segment of column x: |skew_shift(x)|. The shift is monotonic in x, starts
/// at 0 and moves by at most 1 per column because |tan| <= kSkewMaxTanQ16
/// (make_skew_plan guarantees it for every angle it evaluates), so the
/// segment numbers are dense. Both schedules number segments with this one
/// function.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t shear_segment(int32_t x, int32_t tan_q16) {
  const int32_t s = skew_shift(x, tan_q16);
  return s < 0 ? -s : s;
}

/// Column x (> 0) opens a new segment.
PAGEPREP_HD PAGEPREP_FORCEINLINE bool opens_segment(int32_t x, int32_t tan_q16) {
  return x > 0 && skew_shift(x, tan_q16) != skew_shift(x - 1, tan_q16);
}

/// Number of segments of a level `w` (> 0) columns wide: at most w when
/// |tan_q16| <= kSkewMaxTanQ16.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t shear_segment_count(int32_t w, int32_t tan_q16) {
  return shear_segment(w - 1, tan_q16) + 1;
}

/// All segment starts, sequentially: starts[k] for k in [0, n), starts[n] = w;
/// returns n. Entry shear_segment(x) gets every column x that opens a segment,
/// exactly as the CUDA schedule fills the array in parallel, so the two
/// schedules number segments the same way. `starts` holds w + 1 entries;
/// |tan_q16| <= kSkewMaxTanQ16.
PAGEPREP_HD inline int32_t shear_segments(int32_t w, int32_t tan_q16, int32_t* starts) {
  const int32_t n = shear_segment_count(w, tan_q16);
  starts[0] = 0;
  for (int32_t x = 1; x < w; ++x)
    if (opens_segment(x, tan_q16)) starts[shear_segment(x, tan_q16)] = x;
  starts[n] = w;
  return n;
}

/// Bin offset of segment k: bins of row y of segment k are y + off + sigma * k.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t segment_bin_offset(int32_t k, int32_t tan_q16,
                                                            int32_t off) {
  return off + (tan_q16 < 0 ? -k : k);
}

/// Kept cells of row y in columns [xa, xb), from the level's prefix table.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t segment_cells(const SkewPrefix* prefix, int32_t pitch,
                                                       int32_t xa, int32_t xb, int32_t y) {
  return static_cast<int32_t>(prefix[static_cast<int64_t>(xb) * pitch + y]) -
         static_cast<int32_t>(prefix[static_cast<int64_t>(xa) * pitch + y]);
}

/// Count of sheared bin b (the CUDA schedule's order: one bin, all segments):
/// the sum of segment_cells over the segments k whose row y = b - off - sigma*k
/// lies in [0, rows).
PAGEPREP_HD inline int32_t sheared_bin_count(const SkewPrefix* prefix, int32_t pitch, int32_t rows,
                                             const int32_t* starts, int32_t n, int32_t tan_q16,
                                             int32_t off, int32_t b) {
  const int32_t r = b - off;  // row of segment 0
  int32_t k0, k1;             // segments whose row is inside: [k0, k1)
  if (tan_q16 < 0) {          // y = r + k
    k0 = -r;
    k1 = rows - r;
  } else {  // y = r - k
    k0 = r - rows + 1;
    k1 = r + 1;
  }
  if (k0 < 0) k0 = 0;
  if (k1 > n) k1 = n;
  int32_t c = 0;
  for (int32_t k = k0; k < k1; ++k)
    c += segment_cells(prefix, pitch, starts[k], starts[k + 1], tan_q16 < 0 ? r + k : r - k);
  return c;
}

// ---------------------------------------------------------------------------
// The evidence: profiles of vertical strips at the best angle.
//
// Text lines are only lines within one column: the whole-page profile of a
// newspaper sums columns whose baselines do not align, and its lines merge.
// So the text-line evidence (deskew.hpp, finalize_skew) is read from the
// sheared profiles of kSkewStrips vertical strips of the fine level, at the
// last stage's best angle.
// ---------------------------------------------------------------------------

/// Vertical strips of the fine level whose profiles carry the text-line evidence.
constexpr int32_t kSkewStrips = 8;

/// Columns [*xa, *xb) of strip `strip` of a level `w` columns wide.
PAGEPREP_HD PAGEPREP_FORCEINLINE void skew_strip_columns(int32_t w, int32_t strip, int32_t* xa,
                                                         int32_t* xb) {
  *xa = static_cast<int32_t>(static_cast<int64_t>(w) * strip / kSkewStrips);
  *xb = static_cast<int32_t>(static_cast<int64_t>(w) * (strip + 1) / kSkewStrips);
}

/// Count of sheared bin b over the columns [xa, xb) only (0 <= xa <= xb <= w):
/// sheared_bin_count restricted to one strip. Both schedules call it per bin.
PAGEPREP_HD inline int32_t sheared_bin_count_in(const SkewPrefix* prefix, int32_t pitch,
                                                int32_t rows, const int32_t* starts, int32_t n,
                                                int32_t tan_q16, int32_t off, int32_t b, int32_t xa,
                                                int32_t xb) {
  if (xa >= xb) return 0;
  const int32_t r = b - off;  // row of segment 0
  // Segments whose row is inside [0, rows) and whose columns meet [xa, xb).
  int32_t k0, k1;
  if (tan_q16 < 0) {
    k0 = -r;
    k1 = rows - r;
  } else {
    k0 = r - rows + 1;
    k1 = r + 1;
  }
  const int32_t s0 = shear_segment(xa, tan_q16), s1 = shear_segment(xb - 1, tan_q16) + 1;
  if (k0 < s0) k0 = s0;
  if (k1 > s1) k1 = s1;
  if (k0 < 0) k0 = 0;
  if (k1 > n) k1 = n;
  int32_t c = 0;
  for (int32_t k = k0; k < k1; ++k) {
    const int32_t ca = starts[k] > xa ? starts[k] : xa;
    const int32_t cb = starts[k + 1] < xb ? starts[k + 1] : xb;
    c += segment_cells(prefix, pitch, ca, cb, tan_q16 < 0 ? r + k : r - k);
  }
  return c;
}

/// Profile score: sum of squared differences of adjacent bins (sharp line
/// edges score high), exact in int64.
template <typename Count>
PAGEPREP_HD inline int64_t profile_score_part(const Count* hist, int32_t bins, int32_t begin,
                                              int32_t stride) {
  int64_t s = 0;
  for (int32_t i = begin; i + 1 < bins; i += stride) {
    const int64_t d = static_cast<int64_t>(hist[i + 1]) - hist[i];
    s += d * d;
  }
  return s;
}

/// Whether (va, ja) beats (vb, jb) in the argmax: the larger score, ties to
/// the smaller index; associative, so a parallel reduction picks the serial
/// scan's index.
PAGEPREP_HD PAGEPREP_FORCEINLINE bool argmax_prefers(int64_t va, int32_t ja, int64_t vb,
                                                     int32_t jb) {
  return va > vb || (va == vb && ja < jb);
}

/// First index of the largest score (ties: the smallest index, on both schedules).
PAGEPREP_HD inline int32_t argmax_score(const int64_t* scores, int32_t n) {
  int32_t best = 0;
  for (int32_t j = 1; j < n; ++j)
    if (argmax_prefers(scores[j], j, scores[best], best)) best = j;
  return best;
}

/// Angle-grid index of candidate j of a stage centred on `center`, kept inside
/// the search range [-limit, limit] (limit = SkewPlan::table_half): candidates
/// a window would put past the range are evaluated at its edge instead, so no
/// schedule ever evaluates an angle beyond max_angle_deg.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t stage_angle_index(const SkewStage& st, int32_t center,
                                                           int32_t j, int32_t limit) {
  const int32_t i = center + (j - st.half) * st.step;
  return i < -limit ? -limit : (i > limit ? limit : i);
}

}  // namespace pageprep::kernels::ops
