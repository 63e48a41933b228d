/// \file skew_ops.hpp
/// \brief Shared math of skew estimation (projection-profile search), used by
/// the CPU schedule (kernels/cpu/skew_cpu.cpp) and the CUDA schedule
/// (kernels/cuda/skew.cu). The method and its reasons are in deskew.hpp.
///
/// Everything that decides a result is integer: the reduced image (a block
/// minimum), the Otsu threshold (integer sums compared exactly), the ink
/// cleaning, the runs, the sheared bin of every ink cell (Q16 tangent from a
/// table built once on the host) and the int64 profile scores. Only the final
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
PAGEPREP_HD inline int32_t skew_ink_threshold(const uint32_t* hist) {
  const int32_t t = otsu_threshold(hist);
  const int32_t paper = median_above(hist, t);
  return t < paper - kSkewMinInkContrast ? t : paper - kSkewMinInkContrast;
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

/// Runs are packed as (x0 << 16) | length.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint32_t pack_run(int32_t x0, int32_t len) {
  return (static_cast<uint32_t>(x0) << 16) | static_cast<uint32_t>(len);
}
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t run_x0(uint32_t r) {
  return static_cast<int32_t>(r >> 16);
}
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t run_len(uint32_t r) {
  return static_cast<int32_t>(r & 0xFFFFu);
}

/// Most runs a row of `w` cells can hold.
PAGEPREP_HD inline int32_t run_capacity(int32_t w) {
  return (w + 1) / 2;
}

/// Runs of nonzero bytes in a row of flags; returns the run count, sets *cells.
PAGEPREP_HD inline int32_t runs_from_flags(const uint8_t* flags, int32_t w, uint32_t* runs,
                                           int32_t* cells) {
  int32_t n = 0, c = 0, x = 0;
  while (x < w) {
    while (x < w && flags[x] == 0) ++x;
    if (x >= w) break;
    const int32_t start = x;
    while (x < w && flags[x] != 0) ++x;
    runs[n++] = pack_run(start, x - start);
    c += x - start;
  }
  *cells = c;
  return n;
}

/// Runs of coarse row y from the fine runs of rows 2y and 2y+1 (sorted by
/// x): a coarse cell is set when any of its 2 x 2 fine cells is kept. Returns
/// the run count.
PAGEPREP_HD inline int32_t build_coarse_runs(const uint32_t* ra, int32_t na, const uint32_t* rb,
                                             int32_t nb, uint32_t* out) {
  int32_t n = 0, ia = 0, ib = 0;
  int32_t cur0 = -1, cur1 = -1;  // open coarse interval [cur0, cur1)
  while (ia < na || ib < nb) {
    uint32_t r;
    if (ib >= nb || (ia < na && run_x0(ra[ia]) <= run_x0(rb[ib]))) {
      r = ra[ia++];
    } else {
      r = rb[ib++];
    }
    const int32_t c0 = run_x0(r) / 2;
    const int32_t c1 = (run_x0(r) + run_len(r) - 1) / 2 + 1;
    if (cur0 >= 0 && c0 <= cur1) {  // overlaps or touches: extend
      if (c1 > cur1) cur1 = c1;
    } else {
      if (cur0 >= 0) out[n++] = pack_run(cur0, cur1 - cur0);
      cur0 = c0;
      cur1 = c1;
    }
  }
  if (cur0 >= 0) out[n++] = pack_run(cur0, cur1 - cur0);
  return n;
}

/// Sheared bin of cell (x, y): y + round(x * tan) + off. The bias keeps the
/// shifted value positive, so the shift is a floor on every compiler.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t skew_bin(int32_t x, int32_t y, int32_t tan_q16,
                                                  int32_t off) {
  constexpr int32_t kBias = 1 << 13;  // > max |x * tan| / 2^16 (x < 2^11 cells, |tan| <= 1)
  return y + off - kBias +
         ((x * tan_q16 + (1 << (kSkewTanShift - 1)) + (kBias << kSkewTanShift)) >> kSkewTanShift);
}

/// Adds run r of row y to the sheared histogram. `Add` is `hist[bin] += count`
/// (plain on the CPU, a shared-memory atomic on the GPU).
template <typename Add>
PAGEPREP_HD PAGEPREP_FORCEINLINE void accumulate_run(uint32_t r, int32_t y, int32_t tan_q16,
                                                     int32_t off, Add&& add) {
  const int32_t x0 = run_x0(r), len = run_len(r);
  const int32_t b0 = skew_bin(x0, y, tan_q16, off);
  const int32_t b1 = skew_bin(x0 + len - 1, y, tan_q16, off);
  if (b0 == b1) {
    add(b0, len);
    return;
  }
  for (int32_t x = x0; x < x0 + len; ++x) add(skew_bin(x, y, tan_q16, off), 1);
}

/// Profile score: sum of squared differences of adjacent bins (sharp line
/// edges score high), exact in int64.
PAGEPREP_HD inline int64_t profile_score_part(const int32_t* hist, int32_t bins, int32_t begin,
                                              int32_t stride) {
  int64_t s = 0;
  for (int32_t i = begin; i + 1 < bins; i += stride) {
    const int64_t d = static_cast<int64_t>(hist[i + 1]) - hist[i];
    s += d * d;
  }
  return s;
}

/// First index of the largest score (ties: the smallest index, on both schedules).
PAGEPREP_HD inline int32_t argmax_score(const int64_t* scores, int32_t n) {
  int32_t best = 0;
  for (int32_t j = 1; j < n; ++j)
    if (scores[j] > scores[best]) best = j;
  return best;
}

/// Angle-grid index of candidate j of a stage centred on `center`.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t stage_angle_index(const SkewStage& st, int32_t center,
                                                           int32_t j) {
  return center + (j - st.half) * st.step;
}

}  // namespace pageprep::kernels::ops
