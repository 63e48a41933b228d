// CUDA schedule of dark-border removal: label the batch's ink
// (components.cuh) or, right after a despeckle of the same pages on a shared
// workspace, reuse its labels with their roots reset; let edge pixels claim
// stats slots for their components (atomicCAS on the root), gather area and
// bounding box with run-aggregated atomics, erase the components
// ops::is_border accepts.
#include <algorithm>
#include <string>

#include "components.cuh"
#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/denoise.hpp"

namespace pageprep::kernels::cuda {

struct BorderRemove::Impl {
  BorderParams params;
  BatchLimits limits;
  std::shared_ptr<ComponentLabels> labels;
  ops::BorderStats* stats = nullptr;  ///< kPagesPerPass pages' perimeter slots
  CountsChannel counts;
  ~Impl() {
    if (stats != nullptr) cudaFree(stats);
  }
};

namespace {

using Policy = CudaComponentsPolicy;
constexpr int kSlotBlock = 256;

/// One thread per edge slot: reset the slot's stats and claim it for the
/// component under it (a claim writes only the root's label, never stats, so
/// both fit in one launch; accumulation starts with the next launch).
__global__ void claim_kernel(CclTable table, int32_t* labels, ops::BorderStats* stats) {
  const CclPage& page = table.pages[blockIdx.y];
  const ConstGrayView img = as_const(page.image);
  const int32_t s = blockIdx.x * blockDim.x + threadIdx.x;
  if (img.empty() || s >= ops::perimeter_slots(img.width, img.height)) return;
  stats[page.stats_offset + s] = ops::empty_border_stats();
  int32_t x, y;
  ops::perimeter_pixel(s, img.width, img.height, &x, &y);
  if (ops::is_ink(img.row(y)[x]))
    ops::claim_edge_slot<GlobalLabels>(labels + page.label_offset, y * img.width + x, s);
}

__global__ void __launch_bounds__(Policy::kSegmentBlock)
    stats_kernel(CclTable table, const int32_t* labels, ops::BorderStats* stats) {
  const CclPage& page = table.pages[blockIdx.z];
  const ConstGrayView img = as_const(page.image);
  for_each_row_segment(page.image, [&](int32_t y, int32_t x0, int32_t x1) {
    ops::accumulate_border_segment<GlobalLabels>(img.row(y), labels + page.label_offset,
                                                 y * img.width, y, x0, x1,
                                                 stats + page.stats_offset);
  });
}

__global__ void __launch_bounds__(Policy::kSegmentBlock)
    border_remove_kernel(CclTable table, const int32_t* labels, const ops::BorderStats* stats,
                         int32_t first_page, unsigned long long* removed) {
  const CclPage& page = table.pages[blockIdx.z];
  const GrayView img = page.image;
  int32_t n = 0;
  for_each_row_segment(img, [&](int32_t y, int32_t x0, int32_t x1) {
    n += ops::border_remove_segment<GlobalLabels>(img.row(y), labels + page.label_offset,
                                                  y * img.width, x0, x1, stats + page.stats_offset,
                                                  page.thresholds);
  });
  if (n > 0) atomicAdd(removed + first_page + blockIdx.z, static_cast<unsigned long long>(n));
}

}  // namespace

BorderRemove::BorderRemove(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BorderRemove::~BorderRemove() = default;

Status BorderRemove::create(const BorderParams& params, const BatchLimits& limits,
                            std::unique_ptr<BorderRemove>* out,
                            std::shared_ptr<ComponentLabels> labels) {
  PAGEPREP_RETURN_IF_ERROR(validate_border(params, limits));
  auto impl = std::make_unique<Impl>();
  impl->params = params;
  impl->limits = limits;
  if (labels == nullptr) PAGEPREP_RETURN_IF_ERROR(ComponentLabels::create(limits, &labels));
  if (labels->capacity() < static_cast<int64_t>(limits.max_width) * limits.max_height)
    return {StatusCode::kInvalidArgument, "border: shared labels smaller than one page"};
  impl->labels = std::move(labels);
  const int64_t slots = static_cast<int64_t>(kPagesPerPass) *
                        ops::perimeter_slots(limits.max_width, limits.max_height);
  PAGEPREP_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&impl->stats),
                                 sizeof(ops::BorderStats) * static_cast<size_t>(slots)));
  PAGEPREP_RETURN_IF_ERROR(impl->counts.init(limits.max_batch));
  out->reset(new BorderRemove(std::move(impl)));
  return Status::ok();
}

Status BorderRemove::run(Stream stream, GrayBatch pages, int64_t* removed_pixels) {
  Impl& m = *impl_;
  PAGEPREP_RETURN_IF_ERROR(validate_batch(pages, {"border", &m.limits}));
  ComponentLabels::Impl& labels = m.labels->impl();
  const bool reuse = labels.labels_valid_for(pages);
  labels.reusable.clear();  // claims overwrite the roots' payloads
  PAGEPREP_RETURN_IF_ERROR(labels.begin(stream));
  PAGEPREP_RETURN_IF_ERROR(m.counts.begin(stream));
  PAGEPREP_RETURN_IF_ERROR(m.counts.zero_counts(stream, pages.count));
  PAGEPREP_RETURN_IF_ERROR(for_each_ccl_pass(
      pages, labels.capacity, [&](int32_t first, int32_t n, CclTable t) -> Status {
        if (t.max_width == 0 || t.max_height == 0) return Status::ok();
        int32_t stats_offset = 0;
        int32_t max_slots = 0;
        for (int32_t k = 0; k < n; ++k) {
          const GrayView& p = t.pages[k].image;
          t.pages[k].thresholds = border_thresholds(m.params, p.width, p.height);
          t.pages[k].stats_offset = stats_offset;
          const int32_t slots = p.empty() ? 0 : ops::perimeter_slots(p.width, p.height);
          stats_offset += slots;
          max_slots = std::max(max_slots, slots);
        }
        // Reuse happens only when the whole batch is this one pass (the same
        // packing despeckle made), so the label offsets are despeckle's.
        if (reuse && first == 0 && n == pages.count)
          PAGEPREP_RETURN_IF_ERROR(launch_reset_roots(stream, t, labels.labels));
        else
          PAGEPREP_RETURN_IF_ERROR(launch_label_components(stream, t, labels.labels));
        const dim3 claim_grid((max_slots + kSlotBlock - 1) / kSlotBlock, n);
        claim_kernel<<<claim_grid, kSlotBlock, 0, stream>>>(t, labels.labels, m.stats);
        PAGEPREP_CUDA_CHECK_LAUNCH(stream);
        const dim3 grid = segment_grid(t);
        stats_kernel<<<grid, Policy::kSegmentBlock, 0, stream>>>(t, labels.labels, m.stats);
        PAGEPREP_CUDA_CHECK_LAUNCH(stream);
        border_remove_kernel<<<grid, Policy::kSegmentBlock, 0, stream>>>(
            t, labels.labels, m.stats, first, m.counts.device_counts());
        PAGEPREP_CUDA_CHECK_LAUNCH(stream);
        return Status::ok();
      }));
  PAGEPREP_RETURN_IF_ERROR(m.counts.end(stream, pages.count, removed_pixels));
  return labels.end(stream);
}

}  // namespace pageprep::kernels::cuda
