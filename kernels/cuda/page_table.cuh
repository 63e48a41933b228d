/// \file page_table.cuh
/// \brief Var-shape page tables passed to kernels by value.
///
/// A batch's per-page views travel as a kernel parameter (up to 4 KiB on every
/// architecture we build for), so launching needs no staging buffer, no copy and
/// no synchronization. `blockIdx.z` indexes the table. Batches larger than
/// kMaxPagesPerLaunch are split into several launches by for_each_launch().
#pragma once

#include <algorithm>

#include "pageprep/kernels/batch.hpp"

namespace pageprep::kernels::cuda {

/// Two tables (in and out) of 24-byte views fit the 4 KiB parameter space.
constexpr int32_t kMaxPagesPerLaunch = 64;

template <typename T>
struct PageTable {
  ImageView<T> pages[kMaxPagesPerLaunch];
  int32_t count;
  int32_t max_width;
  int32_t max_height;
};

/// Fills a table from pages [first, first + n) of a batch.
template <typename T>
PageTable<T> make_page_table(const BatchView<T>& b, int32_t first, int32_t n) {
  PageTable<T> t{};
  t.count = n;
  for (int32_t i = 0; i < n; ++i) {
    t.pages[i] = b.pages[first + i];
    t.max_width = std::max(t.max_width, t.pages[i].width);
    t.max_height = std::max(t.max_height, t.pages[i].height);
  }
  return t;
}

/// Calls fn(first, n) for consecutive slices of at most kMaxPagesPerLaunch pages.
template <typename Fn>
Status for_each_launch(int32_t count, Fn&& fn) {
  for (int32_t first = 0; first < count; first += kMaxPagesPerLaunch) {
    PAGEPREP_RETURN_IF_ERROR(fn(first, std::min(kMaxPagesPerLaunch, count - first)));
  }
  return Status::ok();
}

}  // namespace pageprep::kernels::cuda
