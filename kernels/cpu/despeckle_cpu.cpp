// CPU schedule of despeckle: label the page's ink (components_cpu.hpp), count
// each component's area into its root, erase the components at or below the
// page's area limit. Pages run one after another, rows (bands) across the pool.
#include <atomic>
#include <cmath>
#include <new>
#include <string>

#include "components_cpu.hpp"
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
  if (limits.max_batch < 0 || limits.max_width <= 0 || limits.max_height <= 0)
    return {StatusCode::kInvalidArgument, "despeckle: limits must be positive"};
  if (static_cast<int64_t>(limits.max_width) * limits.max_height > INT32_MAX)
    return {StatusCode::kInvalidArgument, "despeckle: max_width * max_height must be < 2^31"};
  return Status::ok();
}

namespace cpu {

Despeckle::Despeckle(const DespeckleParams& params, const BatchLimits& limits)
    : params_(params), limits_(limits) {}
Despeckle::~Despeckle() = default;

Status Despeckle::create(const DespeckleParams& params, const BatchLimits& limits,
                         std::unique_ptr<Despeckle>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate_despeckle(params, limits));
  std::unique_ptr<Despeckle> op(new (std::nothrow) Despeckle(params, limits));
  if (op == nullptr) return {StatusCode::kOutOfMemory, "despeckle: object"};
  const size_t n = static_cast<size_t>(limits.max_width) * static_cast<size_t>(limits.max_height);
  op->labels_.reset(new (std::nothrow) int32_t[n]);
  if (op->labels_ == nullptr)
    return {StatusCode::kOutOfMemory,
            "despeckle: label workspace of " + std::to_string(n * 4) + " bytes"};
  *out = std::move(op);
  return Status::ok();
}

Status Despeckle::run(ThreadPool& pool, GrayBatch pages, const float* page_dpi, int64_t* removed) {
  if (pages.count < 0) return {StatusCode::kInvalidArgument, "despeckle: negative batch size"};
  if (pages.count > limits_.max_batch)
    return {StatusCode::kOutOfRange,
            "despeckle: batch of " + std::to_string(pages.count) + " pages exceeds max_batch"};
  for (int32_t i = 0; i < pages.count; ++i) {
    if (pages[i].width < 0 || pages[i].height < 0)
      return {StatusCode::kInvalidArgument, "despeckle: negative page size"};
    if (pages[i].width > limits_.max_width || pages[i].height > limits_.max_height)
      return {StatusCode::kOutOfRange,
              "despeckle: page " + std::to_string(i) + " exceeds the size limits"};
    if (despeckle_max_area(params_, page_dpi != nullptr ? page_dpi[i] : 300.0f) < 0)
      return {StatusCode::kInvalidArgument,
              "despeckle: page " + std::to_string(i) + " has an invalid dpi"};
  }
  int32_t* labels = labels_.get();
  for (int32_t i = 0; i < pages.count; ++i) {
    const GrayView page = pages[i];
    if (removed != nullptr) removed[i] = 0;
    if (page.empty()) continue;
    const int32_t max_area =
        despeckle_max_area(params_, page_dpi != nullptr ? page_dpi[i] : 300.0f);
    const int32_t w = page.width;
    detail::label_components(pool, as_const(page), labels);
    detail::for_each_band(pool, page.height, [&](int32_t y0, int32_t y1) {
      for (int32_t y = y0; y < y1; ++y) {
        const uint8_t* row = page.row(y);
        detail::for_each_ink_span(row, w, [&](int32_t xa, int32_t xb) {
          ops::accumulate_area_segment<detail::RelaxedLabels>(row, labels, y * w, xa, xb);
        });
      }
    });
    std::atomic<int64_t> count{0};
    detail::for_each_band(pool, page.height, [&](int32_t y0, int32_t y1) {
      int64_t local = 0;
      for (int32_t y = y0; y < y1; ++y) {
        uint8_t* row = page.row(y);
        detail::for_each_ink_span(row, w, [&](int32_t xa, int32_t xb) {
          // Labels are read-only here: plain loads.
          local += ops::despeckle_segment<ops::SerialLabels>(row, labels, y * w, xa, xb, max_area);
        });
      }
      count.fetch_add(local, std::memory_order_relaxed);
    });
    if (removed != nullptr) removed[i] = count.load();
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
