/// \file median_ops.hpp
/// \brief Math of the 3x3 median, shared by the CPU and CUDA schedules.
///
/// The median of nine values comes from a min/max network (Paeth's method):
/// sort each 3-pixel column of the window (3 compare-exchanges), then the median
/// is med3(max of the lows, med3 of the middles, min of the highs). Branch-free
/// min/max on uint8 compiles to pminub/pmaxub on the host (the CPU schedule
/// sorts each column once and reuses it for the three windows that contain it)
/// and to vmin/vmax on the device.
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"

namespace pageprep::kernels::ops {

PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t min_u8(uint8_t a, uint8_t b) {
  return a < b ? a : b;
}
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t max_u8(uint8_t a, uint8_t b) {
  return a < b ? b : a;
}

/// Median of three: max(min(a, b), min(max(a, b), c)).
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t med3_u8(uint8_t a, uint8_t b, uint8_t c) {
  return max_u8(min_u8(a, b), min_u8(max_u8(a, b), c));
}

/// One column of a window, sorted: lo <= mid <= hi.
struct SortedColumn {
  uint8_t lo;
  uint8_t mid;
  uint8_t hi;
};

/// Sorts the column (a, b, c) with three compare-exchanges.
PAGEPREP_HD PAGEPREP_FORCEINLINE SortedColumn sort_column(uint8_t a, uint8_t b, uint8_t c) {
  const uint8_t lo_ab = min_u8(a, b);
  const uint8_t hi_ab = max_u8(a, b);
  const uint8_t hi_c = max_u8(lo_ab, c);
  return {min_u8(lo_ab, c), min_u8(hi_c, hi_ab), max_u8(hi_c, hi_ab)};
}

/// Median of the 3x3 window whose sorted columns are left, centre, right.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t median_of_sorted_columns(SortedColumn l, SortedColumn c,
                                                                  SortedColumn r) {
  const uint8_t max_lo = max_u8(max_u8(l.lo, c.lo), r.lo);
  const uint8_t min_hi = min_u8(min_u8(l.hi, c.hi), r.hi);
  return med3_u8(max_lo, med3_u8(l.mid, c.mid, r.mid), min_hi);
}

/// Median of nine values given row by row: w[row * 3 + column].
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t median9(const uint8_t* w) {
  return median_of_sorted_columns(sort_column(w[0], w[3], w[6]), sort_column(w[1], w[4], w[7]),
                                  sort_column(w[2], w[5], w[8]));
}

}  // namespace pageprep::kernels::ops
