/// \file components_cpu.hpp
/// \brief CPU schedule of connected-component labelling, shared by despeckle
/// and border removal (private to kernels/cpu).
///
/// Schedule (the math is ops/components_ops.hpp):
///  1. Bands of kBandRows rows, in parallel: a raster scan over ink runs (a
///     run is connected through its W links); each run is united with every
///     run it touches in the row above (ops::run_touch_range, the 8-neighbour
///     rule for runs) with plain-memory ops::union_sets, then the band is
///     flattened so every pixel points at its band root.
///  2. One thread: unites runs across each band border, the same way.
///  3. Bands in parallel: ops::resolve_segment with relaxed atomics.
/// Band height is a constant, so labels (roots are first pixels in raster
/// order) and results are the same for every thread count.
#pragma once

#include <cstdint>
#include <cstring>

#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/image_view.hpp"
#include "pageprep/kernels/ops/components_ops.hpp"

namespace pageprep::kernels::cpu::detail {

/// Rows per band: 32 rows of an A4 page at 300 dpi (~320 KiB of labels) stay
/// in L2 between the scan and the flatten.
constexpr int32_t kBandRows = 32;

/// Relaxed atomics on plain int32 arrays (GCC/Clang builtins): plain moves on
/// x86, and well-defined where passes read entries that other threads write.
struct RelaxedLabels {
  static constexpr bool kHalving = false;
  static int32_t load(const int32_t* p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
  static void store(int32_t* p, int32_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
  static int32_t atomic_add(int32_t* p, int32_t v) {
    return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
  }
  static int32_t atomic_min(int32_t* p, int32_t v) {
    int32_t old = load(p);
    while (v < old &&
           !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return old;
  }
  static int32_t atomic_max(int32_t* p, int32_t v) {
    int32_t old = load(p);
    while (v > old &&
           !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
    return old;
  }
  static int32_t compare_exchange(int32_t* p, int32_t expected, int32_t desired) {
    __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
    return expected;
  }
};

/// True when the 8 bytes at p are all paper (no byte below 128).
inline bool all_paper8(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return (v & 0x8080808080808080ull) == 0x8080808080808080ull;
}

/// Calls fn(x0, x1) for spans of the row that may hold ink, skipping 8-byte
/// words of paper; the spans are disjoint, in order, cover all ink, and are
/// bounded by paper (or the row's ends) on both sides.
template <class Fn>
inline void for_each_ink_span(const uint8_t* row, int32_t width, Fn&& fn) {
  int32_t x = 0;
  while (x < width) {
    while (x + 8 <= width && all_paper8(row + x)) x += 8;
    if (x >= width) return;
    int32_t end = x + 8;
    while (end + 8 <= width && !all_paper8(row + end)) end += 8;
    if (end + 8 > width) end = width;  // a tail shorter than a word joins the span
    fn(x, end);
    x = end;
  }
}

/// Calls fn(a, b) for each maximal ink run [a, b) of a row, in order. Works on
/// 8-byte words: bit 7 of each byte marks paper, so a word's ink is one mask
/// and run ends are found with count-trailing-zeros; words of all paper (no
/// open run) or all ink (inside a run) cost one test.
template <class Fn>
inline void for_each_ink_run(const uint8_t* row, int32_t width, Fn&& fn) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  int32_t start = -1;  // first pixel of the open run, or -1
  int32_t x = 0;
  for (; x + 8 <= width; x += 8) {
    uint64_t v;
    std::memcpy(&v, row + x, sizeof v);
    const uint64_t ink = ~v & kHigh;
    if (ink == (start < 0 ? 0 : kHigh)) continue;
    const uint64_t paper = ink ^ kHigh;
    uint64_t done = 0;  // bits at or below the last transition
    for (;;) {
      const uint64_t t = (start < 0 ? ink : paper) & ~done;
      if (t == 0) break;
      const int bit = __builtin_ctzll(t);
      const int32_t at = x + (bit >> 3);
      if (start < 0) {
        start = at;
      } else {
        fn(start, at);
        start = -1;
      }
      done = (2ull << bit) - 1;  // bit 63 wraps to all ones
    }
  }
  for (; x < width; ++x) {
    const bool ink = ops::is_ink(row[x]);
    if (ink && start < 0) {
      start = x;
    } else if (!ink && start >= 0) {
      fn(start, x);
      start = -1;
    }
  }
  if (start >= 0) fn(start, width);
}

/// Labels the ink of `page` into `labels` (width * height entries, densely
/// indexed y * width + x). On return every ink pixel is resolved: see the
/// label-array contract in ops/components_ops.hpp.
void label_components(ThreadPool& pool, ConstGrayView page, int32_t* labels);

/// Calls fn(y0, y1) for bands of kBandRows rows across the pool.
template <class Fn>
inline void for_each_band(ThreadPool& pool, int32_t height, Fn&& fn) {
  const int64_t bands = (height + kBandRows - 1) / kBandRows;
  pool.parallel_for(bands, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int32_t y0 = static_cast<int32_t>(b) * kBandRows;
      const int32_t y1 = y0 + kBandRows < height ? y0 + kBandRows : height;
      fn(y0, y1);
    }
  });
}

}  // namespace pageprep::kernels::cpu::detail
