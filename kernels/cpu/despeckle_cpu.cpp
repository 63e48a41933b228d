// CPU schedule of despeckle: label the page's ink (components_cpu.hpp), count
// each component's area into its root, erase the components at or below the
// page's area limit. Pages run one after another, rows (bands) across the pool.
#include <atomic>
#include <cmath>
#include <cstring>
#include <new>
#include <string>

#include "components_cpu.hpp"
#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/denoise.hpp"

namespace pageprep::kernels {

int32_t despeckle_max_area(const DespeckleParams& params, float dpi) {
  if (!(dpi > 0.0f) || !std::isfinite(dpi)) return -1;
  if (params.max_area > 0) return params.max_area;
  const double scale = static_cast<double>(dpi) / 300.0;
  const double area = std::round(4.0 * scale * scale);
  if (area >= 1e9) return 1000000000;
  return area < 1.0 ? 1 : static_cast<int32_t>(area);
}

Status validate_despeckle(const DespeckleParams& params, const BatchLimits& limits) {
  if (params.max_area < 0)
    return {StatusCode::kInvalidArgument, "despeckle: max_area must be >= 0"};
  PAGEPREP_RETURN_IF_ERROR(validate_limits("despeckle", limits));
  if (static_cast<int64_t>(limits.max_width) * limits.max_height > INT32_MAX)
    return {StatusCode::kInvalidArgument, "despeckle: max_width * max_height must be < 2^31"};
  return Status::ok();
}

namespace cpu {
namespace {

using detail::RelaxedLabels;

/// Run-based labelling for despeckle. Each ink run of a row is one union-find
/// node; run k of row y has id y * R + k with R = (width + 1) / 2 (the most runs
/// a row can hold), so ids follow raster order like pixel indices do and the
/// root of a component is its first run, whatever the schedule. Runs are not
/// stored: every pass rescans the rows (all-paper words are skipped), so the
/// per-run state is two int32 (parent, area) instead of one int32 per pixel,
/// and passes touch a few cache lines per row. Band height and the merge order
/// are fixed, so the result is the same for every thread count.
struct RunWorkspace {
  static size_t row_slots(int32_t width) { return (static_cast<size_t>(width) + 1) / 2; }
  static size_t bands(int32_t height) {
    return (static_cast<size_t>(height) + detail::kBandRows - 1) / detail::kBandRows;
  }
  /// int32 entries for pages up to max_width x max_height: parent and area per
  /// run slot, then per band two rows of run bounds (x0, x1).
  static size_t entries(int32_t max_width, int32_t max_height) {
    const size_t r = row_slots(max_width);
    return 2 * r * static_cast<size_t>(max_height) + bands(max_height) * 4 * r;
  }
  RunWorkspace(int32_t* base, int32_t width, int32_t height)
      : r(static_cast<int32_t>(row_slots(width))),
        parent(base),
        area(base + static_cast<size_t>(r) * height),
        scratch(base + 2 * static_cast<size_t>(r) * height) {}
  /// Two rows of run bounds for band b.
  int32_t* band_rows(int32_t b) const { return scratch + static_cast<size_t>(b) * 4 * r; }
  int32_t r;
  int32_t* parent;
  int32_t* area;
  int32_t* scratch;
};

/// Writes the runs of row into xs as (x0, x1) pairs; returns how many.
inline int32_t collect_runs(const uint8_t* row, int32_t width, int32_t* xs) {
  int32_t n = 0;
  detail::for_each_ink_run(row, width, [&](int32_t a, int32_t b) {
    xs[2 * n] = a;
    xs[2 * n + 1] = b;
    ++n;
  });
  return n;
}

/// Unites each run of the current row (ids cur_id0 + k, bounds cur) with every
/// run of the previous row it touches (ops::run_touch_range). When `adopt`, a
/// run's first link copies the neighbour's parent (the run is fresh).
template <bool Adopt>
void link_rows(int32_t* parent, const int32_t* prev, int32_t n_prev, int32_t prev_id0,
               const int32_t* cur, int32_t n_cur, int32_t cur_id0, int32_t width) {
  int32_t p = 0;
  for (int32_t k = 0; k < n_cur; ++k) {
    int32_t lo, hi;
    ops::run_touch_range(cur[2 * k], cur[2 * k + 1], width, &lo, &hi);
    while (p < n_prev && prev[2 * p + 1] - 1 < lo) ++p;  // ends left of the range
    bool linked = false;
    for (int32_t q = p; q < n_prev && prev[2 * q] <= hi; ++q) {
      if (Adopt && !linked) {
        parent[cur_id0 + k] = parent[prev_id0 + q];
      } else {
        ops::union_sets<ops::SerialLabels>(parent, cur_id0 + k, prev_id0 + q);
      }
      linked = true;
    }
  }
}

int64_t despeckle_page(ThreadPool& pool, GrayView page, int32_t* workspace, int32_t max_area) {
  const int32_t w = page.width;
  const RunWorkspace ws(workspace, w, page.height);
  int32_t* parent = ws.parent;
  int32_t* area = ws.area;
  // 1. Bands: unions inside the band, then flatten to band roots.
  detail::for_each_band(pool, page.height, [&](int32_t y0, int32_t y1) {
    int32_t* rows = ws.band_rows(y0 / detail::kBandRows);
    int32_t* prev = rows;
    int32_t* cur = rows + 2 * ws.r;
    int32_t n_prev = 0;
    for (int32_t y = y0; y < y1; ++y) {
      const int32_t id0 = y * ws.r;
      const int32_t n = collect_runs(page.row(y), w, cur);
      for (int32_t k = 0; k < n; ++k) {
        parent[id0 + k] = id0 + k;
        area[id0 + k] = 0;
      }
      if (y > y0) link_rows<true>(parent, prev, n_prev, id0 - ws.r, cur, n, id0, w);
      // Parents precede children, so this leaves every run at its band root.
      for (int32_t k = 0; k < n; ++k) {
        const int32_t q = parent[id0 + k];
        parent[id0 + k] = q == id0 + k ? q : parent[q];
      }
      int32_t* t = prev;
      prev = cur;
      cur = t;
      n_prev = n;
    }
  });
  // 2. One thread: unions across band borders, top to bottom.
  {
    int32_t* prev = ws.band_rows(0);
    int32_t* cur = prev + 2 * ws.r;
    for (int32_t y = detail::kBandRows; y < page.height; y += detail::kBandRows) {
      const int32_t n_prev = collect_runs(page.row(y - 1), w, prev);
      const int32_t n = collect_runs(page.row(y), w, cur);
      link_rows<false>(parent, prev, n_prev, (y - 1) * ws.r, cur, n, y * ws.r, w);
    }
  }
  // 3. Bands: resolve every run to its root and add its length to the root's
  // area (relaxed atomics: roots are shared between bands).
  detail::for_each_band(pool, page.height, [&](int32_t y0, int32_t y1) {
    for (int32_t y = y0; y < y1; ++y) {
      int32_t k = y * ws.r;
      detail::for_each_ink_run(page.row(y), w, [&](int32_t a, int32_t b) {
        const int32_t root = ops::find_root<RelaxedLabels>(parent, k);
        RelaxedLabels::store(parent + k, root);
        RelaxedLabels::atomic_add(area + root, b - a);
        ++k;
      });
    }
  });
  // 4. Bands: erase the specks' runs; each speck is counted at its root run.
  std::atomic<int64_t> count{0};
  detail::for_each_band(pool, page.height, [&](int32_t y0, int32_t y1) {
    int64_t local = 0;
    for (int32_t y = y0; y < y1; ++y) {
      uint8_t* row = page.row(y);
      int32_t k = y * ws.r;
      detail::for_each_ink_run(row, w, [&](int32_t a, int32_t b) {
        const int32_t root = parent[k];
        if (ops::is_speck(area[root], max_area)) {
          std::memset(row + a, ops::kPaper, static_cast<size_t>(b - a));
          local += root == k ? 1 : 0;
        }
        ++k;
      });
    }
    count.fetch_add(local, std::memory_order_relaxed);
  });
  return count.load();
}

}  // namespace

Despeckle::Despeckle(const DespeckleParams& params, const BatchLimits& limits)
    : params_(params), limits_(limits) {}
Despeckle::~Despeckle() = default;

Status Despeckle::create(const DespeckleParams& params, const BatchLimits& limits,
                         std::unique_ptr<Despeckle>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate_despeckle(params, limits));
  std::unique_ptr<Despeckle> op(new (std::nothrow) Despeckle(params, limits));
  if (op == nullptr) return {StatusCode::kOutOfMemory, "despeckle: object"};
  const size_t n = RunWorkspace::entries(limits.max_width, limits.max_height);
  op->labels_.reset(new (std::nothrow) int32_t[n]);
  if (op->labels_ == nullptr)
    return {StatusCode::kOutOfMemory,
            "despeckle: label workspace of " + std::to_string(n * 4) + " bytes"};
  *out = std::move(op);
  return Status::ok();
}

Status Despeckle::run(ThreadPool& pool, GrayBatch pages, const float* page_dpi, int64_t* removed) {
  PAGEPREP_RETURN_IF_ERROR(validate_batch(pages, {"despeckle", &limits_}));
  for (int32_t i = 0; i < pages.count; ++i) {
    if (despeckle_max_area(params_, page_dpi != nullptr ? page_dpi[i] : 300.0f) < 0)
      return {StatusCode::kInvalidArgument,
              "despeckle: page " + std::to_string(i) + " has an invalid dpi"};
  }
  for (int32_t i = 0; i < pages.count; ++i) {
    const GrayView page = pages[i];
    if (removed != nullptr) removed[i] = 0;
    if (page.empty()) continue;
    const int32_t max_area =
        despeckle_max_area(params_, page_dpi != nullptr ? page_dpi[i] : 300.0f);
    const int64_t count = despeckle_page(pool, page, labels_.get(), max_area);
    if (removed != nullptr) removed[i] = count;
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
