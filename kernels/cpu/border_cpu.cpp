// CPU schedule of dark-border removal: label the page's ink
// (components_cpu.hpp), let the edge pixels claim stats slots for their
// components, gather each claimed component's area and bounding box, erase
// the components ops::is_border accepts.
#include <atomic>
#include <cmath>
#include <new>
#include <string>

#include "components_cpu.hpp"
#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/denoise.hpp"

namespace pageprep::kernels {

Status validate_border(const BorderParams& params, const BatchLimits& limits) {
  if (!(params.min_span_fraction > 0.0f && params.min_span_fraction <= 1.0f))
    return {StatusCode::kInvalidArgument, "border: min_span_fraction must be in (0, 1]"};
  if (!(params.min_fill > 0.0f && params.min_fill <= 1.0f))
    return {StatusCode::kInvalidArgument, "border: min_fill must be in (0, 1]"};
  if (!(params.min_solid_fraction >= 0.0f && params.min_solid_fraction <= 1.0f))
    return {StatusCode::kInvalidArgument, "border: min_solid_fraction must be in [0, 1]"};
  PAGEPREP_RETURN_IF_ERROR(validate_limits("border", limits));
  if (static_cast<int64_t>(limits.max_width) * limits.max_height > INT32_MAX ||
      static_cast<int64_t>(limits.max_width) + limits.max_height > INT32_MAX / 4)
    return {StatusCode::kInvalidArgument, "border: max_width * max_height must be < 2^31"};
  return Status::ok();
}

ops::BorderThresholds border_thresholds(const BorderParams& params, int32_t w, int32_t h) {
  auto at_least_one = [](double v) {
    const double c = std::ceil(v);
    return c < 1.0 ? 1 : static_cast<int32_t>(c);
  };
  ops::BorderThresholds t{};
  t.min_span_x = at_least_one(static_cast<double>(params.min_span_fraction) * w);
  t.min_span_y = at_least_one(static_cast<double>(params.min_span_fraction) * h);
  t.min_solid_side = at_least_one(static_cast<double>(params.min_solid_fraction) * (w < h ? w : h));
  t.fill_q16 = static_cast<int32_t>(std::lround(static_cast<double>(params.min_fill) * 65536.0));
  return t;
}

namespace cpu {

BorderRemove::BorderRemove(const BorderParams& params, const BatchLimits& limits)
    : params_(params), limits_(limits) {}
BorderRemove::~BorderRemove() = default;

Status BorderRemove::create(const BorderParams& params, const BatchLimits& limits,
                            std::unique_ptr<BorderRemove>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate_border(params, limits));
  std::unique_ptr<BorderRemove> op(new (std::nothrow) BorderRemove(params, limits));
  if (op == nullptr) return {StatusCode::kOutOfMemory, "border: object"};
  const size_t n = static_cast<size_t>(limits.max_width) * static_cast<size_t>(limits.max_height);
  op->labels_.reset(new (std::nothrow) int32_t[n]);
  op->stats_.reset(new (std::nothrow)
                       ops::BorderStats[ops::perimeter_slots(limits.max_width, limits.max_height)]);
  if (op->labels_ == nullptr || op->stats_ == nullptr)
    return {StatusCode::kOutOfMemory,
            "border: label workspace of " + std::to_string(n * 4) + " bytes"};
  *out = std::move(op);
  return Status::ok();
}

Status BorderRemove::run(ThreadPool& pool, GrayBatch pages, int64_t* removed_pixels) {
  PAGEPREP_RETURN_IF_ERROR(validate_batch(pages, {"border", &limits_}));
  int32_t* labels = labels_.get();
  ops::BorderStats* stats = stats_.get();
  for (int32_t i = 0; i < pages.count; ++i) {
    const GrayView page = pages[i];
    if (removed_pixels != nullptr) removed_pixels[i] = 0;
    if (page.empty()) continue;
    const int32_t w = page.width;
    const int32_t h = page.height;
    const ops::BorderThresholds thresholds = border_thresholds(params_, w, h);
    detail::label_components(pool, as_const(page), labels);
    // Edge slots: few (2 * (w + h)), claimed in order by one thread.
    const int32_t slots = ops::perimeter_slots(w, h);
    for (int32_t s = 0; s < slots; ++s) {
      stats[s] = ops::empty_border_stats();
      int32_t x, y;
      ops::perimeter_pixel(s, w, h, &x, &y);
      if (ops::is_ink(page.row(y)[x]))
        ops::claim_edge_slot<ops::SerialLabels>(labels, y * w + x, s);
    }
    detail::for_each_band(pool, h, [&](int32_t y0, int32_t y1) {
      for (int32_t y = y0; y < y1; ++y) {
        const uint8_t* row = page.row(y);
        detail::for_each_ink_span(row, w, [&](int32_t xa, int32_t xb) {
          ops::accumulate_border_segment<detail::RelaxedLabels>(row, labels, y * w, y, xa, xb,
                                                                stats);
        });
      }
    });
    std::atomic<int64_t> count{0};
    detail::for_each_band(pool, h, [&](int32_t y0, int32_t y1) {
      int64_t local = 0;
      for (int32_t y = y0; y < y1; ++y) {
        uint8_t* row = page.row(y);
        detail::for_each_ink_span(row, w, [&](int32_t xa, int32_t xb) {
          local += ops::border_remove_segment<ops::SerialLabels>(row, labels, y * w, xa, xb, stats,
                                                                 thresholds);
        });
      }
      count.fetch_add(local, std::memory_order_relaxed);
    });
    if (removed_pixels != nullptr) removed_pixels[i] = count.load();
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
