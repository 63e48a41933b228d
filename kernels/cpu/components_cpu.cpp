// CPU schedule of connected-component labelling (see components_cpu.hpp).
#include "components_cpu.hpp"

namespace pageprep::kernels::cpu::detail {
namespace {

using ops::SerialLabels;

/// Unites the run starting at label index i0 (whose entry is already set) with
/// every ink run of `prev` (label row prev_base) that it touches; returns
/// whether it touched any. When `adopt`, the first touched run's parent
/// becomes i0's parent instead of a union.
inline bool link_run_to_row_above(int32_t* labels, const uint8_t* prev, int32_t prev_base,
                                  int32_t a, int32_t b, int32_t width, int32_t i0, bool adopt) {
  int32_t lo, hi;
  ops::run_touch_range(a, b, width, &lo, &hi);
  bool linked = false;
  bool in_run = false;
  for (int32_t x = lo; x <= hi; ++x) {
    const bool ink = ops::is_ink(prev[x]);
    if (ink && !in_run) {  // one link per touched run above
      const int32_t j = prev_base + x;
      if (adopt && !linked) {
        labels[i0] = labels[j];
      } else {
        ops::union_sets<SerialLabels>(labels, i0, j);
      }
      linked = true;
    }
    in_run = ink;
  }
  return linked;
}

/// Step 1 for rows [y0, y1): run-based scan with unions inside the band, then
/// a flatten so every pixel points at its band root.
void label_band(ConstGrayView page, int32_t* labels, int32_t y0, int32_t y1) {
  const int32_t w = page.width;
  for (int32_t y = y0; y < y1; ++y) {
    const uint8_t* cur = page.row(y);
    const uint8_t* prev = y > y0 ? page.row(y - 1) : nullptr;
    const int32_t base = y * w;
    for_each_ink_run(cur, w, [&](int32_t a, int32_t b) {
      const int32_t i0 = base + a;
      labels[i0] = i0;
      if (prev != nullptr) link_run_to_row_above(labels, prev, base - w, a, b, w, i0, true);
      // The rest of the run hangs off i0's parent (an ancestor, <= i0).
      const int32_t parent = labels[i0];
      int32_t* l = labels + i0;
      for (int32_t k = 1; k < b - a; ++k) l[k] = parent;
    });
  }
  // Parents precede children in raster order, so one pass in that order
  // leaves every run pointing at its band root.
  for (int32_t y = y0; y < y1; ++y) {
    const int32_t base = y * w;
    for_each_ink_run(page.row(y), w, [&](int32_t a, int32_t b) {
      const int32_t i0 = base + a;
      const int32_t p = labels[i0];
      const int32_t root = p == i0 ? i0 : labels[p];
      int32_t* l = labels + i0;
      for (int32_t k = 0; k < b - a; ++k) l[k] = root;
    });
  }
}

/// Step 2 for the border between row y - 1 (previous band) and row y.
void merge_band_border(ConstGrayView page, int32_t* labels, int32_t y) {
  const int32_t w = page.width;
  const uint8_t* prev = page.row(y - 1);
  const int32_t base = y * w;
  for_each_ink_run(page.row(y), w, [&](int32_t a, int32_t b) {
    link_run_to_row_above(labels, prev, base - w, a, b, w, base + a, false);
  });
}

}  // namespace

void label_components(ThreadPool& pool, ConstGrayView page, int32_t* labels) {
  if (page.empty()) return;
  for_each_band(pool, page.height,
                [&](int32_t y0, int32_t y1) { label_band(page, labels, y0, y1); });
  for (int32_t y = kBandRows; y < page.height; y += kBandRows) merge_band_border(page, labels, y);
  const int32_t w = page.width;
  for_each_band(pool, page.height, [&](int32_t y0, int32_t y1) {
    for (int32_t y = y0; y < y1; ++y) {
      const uint8_t* cur = page.row(y);
      const int32_t base = y * w;
      // Every pixel of a run holds the same parent here, and only run heads
      // are ever parents, so a run resolves with one find: the head's entry
      // is shared (relaxed store), the rest of the run is private to this band.
      int32_t last_parent = -1;
      int32_t last_root = -1;
      for_each_ink_run(cur, w, [&](int32_t a, int32_t b) {
        const int32_t i0 = base + a;
        const int32_t p = RelaxedLabels::load(labels + i0);
        if (p != last_parent) {
          last_parent = p;
          last_root = ops::find_root<RelaxedLabels>(labels, p);
        }
        RelaxedLabels::store(labels + i0, last_root == i0 ? ops::kRootMark : last_root);
        int32_t* l = labels + i0;
        for (int32_t k = 1; k < b - a; ++k) l[k] = last_root;
      });
    }
  });
}

}  // namespace pageprep::kernels::cpu::detail
