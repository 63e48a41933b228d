/// \file components_ops.hpp
/// \brief Connected components of ink (8-connectivity): the union-find
/// primitives, the neighbour rule and the per-component decisions of despeckle
/// and border removal, shared by the CPU and CUDA schedules.
///
/// **Ink.** A pixel is ink when its value is below 128 (pages are 0/255, 0 is
/// ink); removed ink is set to kPaper (255).
///
/// **Label array.** One int32 per pixel of a page, indexed i = y * width + x.
/// Background entries are never read or written. While components are being
/// built, an ink pixel's entry is a parent index with L[i] <= i, and a root has
/// L[r] == r; unions link the larger root under the smaller, so the root of a
/// component is its first pixel in raster order, whatever the schedule. Once
/// resolved (resolve_segment), a non-root pixel holds its root's index and the
/// root holds a negative payload:
///   - kRootMark (-1) right after resolving;
///   - despeckle: -(area), counted by accumulate_area_segment;
///   - border removal: -(slot + 2) when the component touches the page edge
///     (slot indexes BorderStats, see perimeter_pixel), kRootMark otherwise.
///
/// **Memory policies.** The algorithms are templates over a `Mem` policy with
/// static load, store, atomic_min, atomic_max, atomic_add, compare_exchange
/// (each returning the old value) and a constexpr
/// kHalving (path halving in find). SerialLabels below serves single-threaded
/// code; the CPU schedule adds a relaxed-atomic policy for its parallel passes
/// and the CUDA schedule policies for shared and global memory. Every union
/// links roots with atomic_min, so concurrent unions are safe (Playne and
/// Hawick's / Komura's union-find; see Allegretti et al., "Optimized block-based
/// algorithms to label connected components on GPUs", IEEE TPDS 2020).
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"

namespace pageprep::kernels::ops {

constexpr uint8_t kPaper = 255;
constexpr int32_t kRootMark = -1;

PAGEPREP_HD PAGEPREP_FORCEINLINE bool is_ink(uint8_t v) {
  return v < 128;
}

// ---------------------------------------------------------------------------
// The 8-connectivity neighbour rule.
// ---------------------------------------------------------------------------

/// Links from a pixel to its already-visited neighbours (W, NW, N, NE).
enum : uint32_t { kLinkW = 1u, kLinkNW = 2u, kLinkN = 4u, kLinkNE = 8u };

/// Which prior neighbours an ink pixel must be united with so that the pixel
/// ends up connected to all of them (the decision tree of Wu et al.'s SAUF):
/// N touches W, NW and NE, so N alone suffices; W touches NW, so W and NE
/// suffice; otherwise NW and NE (which do not touch each other). Neighbours
/// outside the region being labelled are passed as false. Correct in any
/// processing order: it only drops edges between pixels that are connected
/// through the others' own links.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint32_t prior_links(bool w, bool nw, bool n, bool ne) {
  if (n) return kLinkN;
  const uint32_t ne_link = ne ? kLinkNE : 0u;
  if (w) return kLinkW | ne_link;
  if (nw) return kLinkNW | ne_link;
  return ne_link;
}

/// The same rule for a run: the ink run [a, b) of a row (a horizontal run is
/// connected by its W links) touches the pixels [*lo, *hi] of the row above.
PAGEPREP_HD PAGEPREP_FORCEINLINE void run_touch_range(int32_t a, int32_t b, int32_t width,
                                                      int32_t* lo, int32_t* hi) {
  *lo = a > 0 ? a - 1 : 0;
  *hi = b < width ? b : width - 1;
}

/// Prior neighbours of an ink pixel that are ink and inside the page.
PAGEPREP_HD PAGEPREP_FORCEINLINE uint32_t ink_prior_neighbours(const uint8_t* cur,
                                                               const uint8_t* prev, int32_t x,
                                                               int32_t width) {
  uint32_t m = 0;
  if (x > 0 && is_ink(cur[x - 1])) m |= kLinkW;
  if (prev != nullptr) {
    if (x > 0 && is_ink(prev[x - 1])) m |= kLinkNW;
    if (is_ink(prev[x])) m |= kLinkN;
    if (x + 1 < width && is_ink(prev[x + 1])) m |= kLinkNE;
  }
  return m;
}

/// Prior neighbours of pixel (tx, ty) of a tile_w-wide tile that lie in another
/// tile (block-based labelling: these edges are merged globally, all others
/// inside the tile).
PAGEPREP_HD PAGEPREP_FORCEINLINE uint32_t cross_tile_links(int32_t tx, int32_t ty, int32_t tile_w) {
  uint32_t m = 0;
  if (tx == 0) m |= kLinkW | kLinkNW;
  if (ty == 0) m |= kLinkNW | kLinkN | kLinkNE;
  if (tx == tile_w - 1) m |= kLinkNE;
  return m;
}

/// Label index of a prior neighbour of pixel i.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t prior_neighbour(int32_t i, uint32_t link, int32_t width) {
  return link == kLinkW    ? i - 1
         : link == kLinkNW ? i - width - 1
         : link == kLinkN  ? i - width
                           : i - width + 1;
}

// ---------------------------------------------------------------------------
// Union-find.
// ---------------------------------------------------------------------------

/// Plain memory, one thread: the union and find of a sequential scan.
struct SerialLabels {
  static constexpr bool kHalving = true;
  PAGEPREP_HD PAGEPREP_FORCEINLINE static int32_t load(const int32_t* p) { return *p; }
  PAGEPREP_HD PAGEPREP_FORCEINLINE static void store(int32_t* p, int32_t v) { *p = v; }
  PAGEPREP_HD PAGEPREP_FORCEINLINE static int32_t atomic_min(int32_t* p, int32_t v) {
    const int32_t old = *p;
    if (v < old) *p = v;
    return old;
  }
  PAGEPREP_HD PAGEPREP_FORCEINLINE static int32_t atomic_max(int32_t* p, int32_t v) {
    const int32_t old = *p;
    if (v > old) *p = v;
    return old;
  }
  PAGEPREP_HD PAGEPREP_FORCEINLINE static int32_t atomic_add(int32_t* p, int32_t v) {
    const int32_t old = *p;
    *p = old + v;
    return old;
  }
  PAGEPREP_HD PAGEPREP_FORCEINLINE static int32_t compare_exchange(int32_t* p, int32_t expected,
                                                                   int32_t desired) {
    const int32_t old = *p;
    if (old == expected) *p = desired;
    return old;
  }
};

/// Root of x without writing: follows parents until an entry points to itself
/// or holds a negative (resolved root) payload. Safe while other threads
/// resolve or unite, because every entry only ever moves to an ancestor.
template <class Mem>
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t find_root(const int32_t* labels, int32_t x) {
  for (;;) {
    const int32_t p = Mem::load(labels + x);
    if (p == x || p < 0) return x;
    x = p;
  }
}

/// Root of x with path halving (each visited entry skips to its grandparent).
/// Only while building components (no negative payloads yet).
template <class Mem>
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t find_root_halving(int32_t* labels, int32_t x) {
  for (;;) {
    const int32_t p = Mem::load(labels + x);
    if (p == x) return x;
    const int32_t gp = Mem::load(labels + p);
    if (gp == p) return p;
    Mem::store(labels + x, gp);
    x = gp;
  }
}

template <class Mem>
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t find_for_union(int32_t* labels, int32_t x) {
  if constexpr (Mem::kHalving) {
    return find_root_halving<Mem>(labels, x);
  } else {
    return find_root<Mem>(labels, x);
  }
}

/// Unites the sets of a and b: the larger root is linked under the smaller
/// with atomic_min. When another thread relinked that root first, atomic_min
/// returns its new parent and the union retries from there, so concurrent
/// unions never lose a link.
template <class Mem>
PAGEPREP_HD inline void union_sets(int32_t* labels, int32_t a, int32_t b) {
  for (;;) {
    a = find_for_union<Mem>(labels, a);
    b = find_for_union<Mem>(labels, b);
    if (a == b) return;
    if (a > b) {
      const int32_t t = a;
      a = b;
      b = t;
    }
    const int32_t old = Mem::atomic_min(labels + b, a);
    if (old == b) return;
    b = old;
  }
}

/// Final pass over the ink of row segment [x0, x1) once all unions are done: a
/// non-root stores its root, a root stores kRootMark. Concurrent calls on
/// disjoint segments are safe (readers see either the old ancestor or the
/// final value, both lead to the root). Neighbouring pixels mostly share a
/// parent, so the last parent's root is reused.
template <class Mem>
PAGEPREP_HD inline void resolve_segment(const uint8_t* row, int32_t* labels, int32_t row_base,
                                        int32_t x0, int32_t x1) {
  int32_t last_parent = -1;
  int32_t last_root = -1;
  for (int32_t x = x0; x < x1; ++x) {
    if (!is_ink(row[x])) continue;
    const int32_t i = row_base + x;
    const int32_t p = Mem::load(labels + i);
    // p < i here unless i is a root, so a cached parent never hides a root.
    if (p != last_parent) {
      last_parent = p;
      last_root = find_root<Mem>(labels, p);
    }
    Mem::store(labels + i, last_root == i ? kRootMark : last_root);
  }
}

/// Gives the resolved roots of row segment [x0, x1) kRootMark again, whatever
/// payload a decision left there (despeckle's -(area)), so that another
/// decision can run on the same labels. Valid when only whole components were
/// erased since the labels were resolved: the remaining ink keeps its labels.
template <class Mem>
PAGEPREP_HD inline void reset_root_segment(const uint8_t* row, int32_t* labels, int32_t row_base,
                                           int32_t x0, int32_t x1) {
  for (int32_t x = x0; x < x1; ++x)
    if (is_ink(row[x]) && Mem::load(labels + row_base + x) < 0)
      Mem::store(labels + row_base + x, kRootMark);
}

/// Root payload of a resolved ink pixel: its own entry when it is the root,
/// else its root's entry.
template <class Mem>
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t root_payload(const int32_t* labels, int32_t i) {
  const int32_t v = Mem::load(labels + i);
  return v < 0 ? v : Mem::load(labels + v);
}

// ---------------------------------------------------------------------------
// Despeckle: component areas.
// ---------------------------------------------------------------------------

/// Counts the resolved ink pixels of row segment [x0, x1) into their roots'
/// payloads (each root starts at kRootMark, i.e. -1, counting itself). Runs of
/// pixels with the same root take one atomic. `row_base` is y * width.
template <class Mem>
PAGEPREP_HD inline void accumulate_area_segment(const uint8_t* row, int32_t* labels,
                                                int32_t row_base, int32_t x0, int32_t x1) {
  int32_t run_root = -1;
  int32_t run_count = 0;
  for (int32_t x = x0; x < x1; ++x) {
    if (!is_ink(row[x])) continue;
    const int32_t v = Mem::load(labels + row_base + x);
    if (v < 0) continue;  // a root counted itself
    if (v != run_root) {
      if (run_count > 0) Mem::atomic_add(labels + run_root, -run_count);
      run_root = v;
      run_count = 0;
    }
    ++run_count;
  }
  if (run_count > 0) Mem::atomic_add(labels + run_root, -run_count);
}

/// Despeckle's decision: a component is a speck when its area is at most max_area.
PAGEPREP_HD PAGEPREP_FORCEINLINE bool is_speck(int32_t area, int32_t max_area) {
  return area <= max_area;
}

/// Erases the specks' pixels in row segment [x0, x1) and returns how many
/// specks have their root in the segment (so every speck is counted once).
template <class Mem>
PAGEPREP_HD inline int32_t despeckle_segment(uint8_t* row, const int32_t* labels, int32_t row_base,
                                             int32_t x0, int32_t x1, int32_t max_area) {
  int32_t removed = 0;
  for (int32_t x = x0; x < x1; ++x) {
    if (!is_ink(row[x])) continue;
    const int32_t v = Mem::load(labels + row_base + x);
    const int32_t payload = v < 0 ? v : Mem::load(labels + v);
    if (is_speck(-payload, max_area)) {
      row[x] = kPaper;
      removed += v < 0 ? 1 : 0;
    }
  }
  return removed;
}

// ---------------------------------------------------------------------------
// Border removal: statistics of the components that touch the page edge.
// ---------------------------------------------------------------------------

/// Bounding box and area of one edge-touching component.
struct BorderStats {
  int32_t area;
  int32_t min_x;
  int32_t max_x;
  int32_t min_y;
  int32_t max_y;
};

/// Integer thresholds of one page (computed on the host from BorderParams and
/// the page size by border_thresholds(), so both schedules decide alike).
struct BorderThresholds {
  int32_t min_span_x;      ///< bbox width at or above this: a border
  int32_t min_span_y;      ///< bbox height at or above this: a border
  int32_t min_solid_side;  ///< shorter bbox side needed for the fill rule
  int32_t fill_q16;        ///< min ink fraction of the bbox, 16.16 fixed point
};

/// Edge slots of a w x h page: the top row, the bottom row, the left column,
/// the right column (corners appear twice; that is harmless).
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t perimeter_slots(int32_t w, int32_t h) {
  return 2 * (w + h);
}

PAGEPREP_HD PAGEPREP_FORCEINLINE void perimeter_pixel(int32_t s, int32_t w, int32_t h, int32_t* x,
                                                      int32_t* y) {
  if (s < w) {
    *x = s;
    *y = 0;
  } else if (s < 2 * w) {
    *x = s - w;
    *y = h - 1;
  } else if (s < 2 * w + h) {
    *x = 0;
    *y = s - 2 * w;
  } else {
    *x = w - 1;
    *y = s - 2 * w - h;
  }
}

PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t slot_code(int32_t slot) {
  return -(slot + 2);
}
/// Slot of a root payload, or -1 when the component does not touch the edge.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t slot_of_payload(int32_t payload) {
  return payload <= -2 ? -payload - 2 : -1;
}

PAGEPREP_HD PAGEPREP_FORCEINLINE BorderStats empty_border_stats() {
  return {0, INT32_MAX, -1, INT32_MAX, -1};
}

/// Claims edge slot s for the component of the resolved ink pixel at i (the
/// slot's pixel): the first slot to reach an unclaimed root wins.
template <class Mem>
PAGEPREP_HD PAGEPREP_FORCEINLINE void claim_edge_slot(int32_t* labels, int32_t i, int32_t s) {
  const int32_t v = Mem::load(labels + i);
  const int32_t root = v < 0 ? i : v;
  Mem::compare_exchange(labels + root, kRootMark, slot_code(s));
}

/// Adds row segment [x0, x1) of row y to the stats of the edge-touching
/// components; runs of pixels with the same slot take one set of atomics.
template <class Mem>
PAGEPREP_HD inline void accumulate_border_segment(const uint8_t* row, const int32_t* labels,
                                                  int32_t row_base, int32_t y, int32_t x0,
                                                  int32_t x1, BorderStats* stats) {
  int32_t run_slot = -1;
  int32_t run_first = 0;
  int32_t run_last = 0;
  int32_t run_count = 0;
  auto flush = [&]() {
    if (run_count == 0) return;
    BorderStats& s = stats[run_slot];
    Mem::atomic_add(&s.area, run_count);
    Mem::atomic_min(&s.min_x, run_first);
    Mem::atomic_max(&s.max_x, run_last);
    Mem::atomic_min(&s.min_y, y);
    Mem::atomic_max(&s.max_y, y);
  };
  for (int32_t x = x0; x < x1; ++x) {
    if (!is_ink(row[x])) continue;
    const int32_t slot = slot_of_payload(root_payload<Mem>(labels, row_base + x));
    if (slot < 0) continue;
    if (slot != run_slot) {
      flush();
      run_slot = slot;
      run_first = x;
      run_count = 0;
    }
    run_last = x;
    ++run_count;
  }
  flush();
}

/// Border removal's decision for an edge-touching component: it is a border
/// when its bounding box spans a large part of the page in either direction,
/// or when it is a solid dark region (ink fills at least fill_q16 of its
/// bounding box) whose shorter side is at least min_solid_side. Text touching
/// the margin fails both: letters are small and bold strokes are thin.
PAGEPREP_HD PAGEPREP_FORCEINLINE bool is_border(const BorderStats& s, const BorderThresholds& t) {
  const int32_t span_x = s.max_x - s.min_x + 1;
  const int32_t span_y = s.max_y - s.min_y + 1;
  if (span_x >= t.min_span_x || span_y >= t.min_span_y) return true;
  const int32_t short_side = span_x < span_y ? span_x : span_y;
  if (short_side < t.min_solid_side) return false;
  return (static_cast<int64_t>(s.area) << 16) >= static_cast<int64_t>(t.fill_q16) * span_x * span_y;
}

/// Erases border components' pixels in row segment [x0, x1); returns how many.
template <class Mem>
PAGEPREP_HD inline int32_t border_remove_segment(uint8_t* row, const int32_t* labels,
                                                 int32_t row_base, int32_t x0, int32_t x1,
                                                 const BorderStats* stats,
                                                 const BorderThresholds& t) {
  int32_t removed = 0;
  int32_t last_slot = -1;
  bool last_remove = false;
  for (int32_t x = x0; x < x1; ++x) {
    if (!is_ink(row[x])) continue;
    const int32_t slot = slot_of_payload(root_payload<Mem>(labels, row_base + x));
    if (slot < 0) continue;
    if (slot != last_slot) {
      last_slot = slot;
      last_remove = is_border(stats[slot], t);
    }
    if (last_remove) {
      row[x] = kPaper;
      ++removed;
    }
  }
  return removed;
}

}  // namespace pageprep::kernels::ops
