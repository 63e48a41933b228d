/// \file page_table.cuh
/// \brief The one page-table scheme of every CUDA schedule: var-shape launch
/// tables passed to kernels by value.
///
/// A launch carries a LaunchTable<Page>: one `Page` record per page (the
/// page's views plus whatever per-page values the operation needs: a window,
/// a tile size, a rotation map, a label offset), the page count and the
/// largest extent (for the grid). `blockIdx.z` indexes the table. The table
/// travels as a kernel parameter, so launching needs no staging buffer, no
/// copy and no synchronization. Kernel parameters are limited to 4 KiB on
/// every architecture we build for; a table takes at most kLaunchTableBytes of
/// them, so the number of pages per launch follows from the record's size
/// (pages_per_launch<Page>()). Batches with more pages run as several
/// launches, sliced by for_each_launch<Page>().
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels::cuda {

/// Parameter bytes a table may use; the rest of the 4 KiB holds the kernel's
/// other parameters (a few pointers and scalars).
constexpr size_t kLaunchTableBytes = 3584;
/// Never more pages per launch than this, however small the record.
constexpr int32_t kMaxPagesPerLaunch = 64;

/// Pages one launch carries for records of type Page.
template <typename Page>
constexpr int32_t pages_per_launch() {
  constexpr size_t fit = (kLaunchTableBytes - 3 * sizeof(int32_t)) / sizeof(Page);
  return fit < static_cast<size_t>(kMaxPagesPerLaunch) ? static_cast<int32_t>(fit)
                                                       : kMaxPagesPerLaunch;
}

template <typename Page>
struct LaunchTable {
  static constexpr int32_t kCapacity = pages_per_launch<Page>();
  Page pages[kCapacity];
  int32_t count;
  int32_t max_width;  ///< largest extent of the launch's pages: sizes the grid
  int32_t max_height;
};

/// The record of operations that read one page and write one page.
struct PagePair {
  ConstGrayView in;
  GrayView out;
};

/// The record of operations on one page in place or read-only.
struct PageOne {
  GrayView page;
};

/// Fills a table from pages [first, first + n): fill(index, &record) sets the
/// record of batch page `index` and returns its extent as {width, height}.
template <typename Page, typename Fill>
LaunchTable<Page> make_launch_table(int32_t first, int32_t n, Fill&& fill) {
  static_assert(sizeof(LaunchTable<Page>) <= kLaunchTableBytes, "launch table too large");
  LaunchTable<Page> t{};
  t.count = n;
  for (int32_t i = 0; i < n; ++i) {
    const auto extent = fill(first + i, &t.pages[i]);
    t.max_width = std::max(t.max_width, extent.first);
    t.max_height = std::max(t.max_height, extent.second);
  }
  return t;
}

/// In/out table of a gray-to-gray operation; the extent is the input's, or
/// the output's when `extent_from_out` (unpacking, whose input is packed).
inline LaunchTable<PagePair> make_pair_table(ConstGrayBatch in, GrayBatch out, int32_t first,
                                             int32_t n, bool extent_from_out = false) {
  return make_launch_table<PagePair>(first, n, [&](int32_t i, PagePair* p) {
    p->in = in[i];
    p->out = out[i];
    const auto& e = extent_from_out ? as_const(p->out) : p->in;
    return std::pair<int32_t, int32_t>{e.width, e.height};
  });
}

/// Table of pages processed in place.
inline LaunchTable<PageOne> make_one_table(GrayBatch pages, int32_t first, int32_t n) {
  return make_launch_table<PageOne>(first, n, [&](int32_t i, PageOne* p) {
    p->page = pages[i];
    return std::pair<int32_t, int32_t>{p->page.width, p->page.height};
  });
}

/// Calls fn(first, n) for consecutive slices of at most pages_per_launch<Page>() pages.
template <typename Page, typename Fn>
Status for_each_launch(int32_t count, Fn&& fn) {
  constexpr int32_t kStep = pages_per_launch<Page>();
  for (int32_t first = 0; first < count; first += kStep) {
    PAGEPREP_RETURN_IF_ERROR(fn(first, std::min(kStep, count - first)));
  }
  return Status::ok();
}

/// Grid rows: a grid's y dimension is at most 65535, so kernels whose y
/// index is a page row (or a block of rows) stride by gridDim.y past it.
constexpr uint32_t kMaxGridY = 65535;
inline uint32_t grid_rows(int64_t rows) {
  return static_cast<uint32_t>(std::max<int64_t>(1, std::min<int64_t>(rows, kMaxGridY)));
}

}  // namespace pageprep::kernels::cuda
