// CUDA schedule of despeckle: label the batch's ink (components.cuh), count
// component areas into their roots with run-aggregated atomics, erase the
// components at or below each page's area limit. Pages pack into passes that
// fit the label workspace; when the whole batch fits one pass, the labels
// stay valid for a BorderRemove sharing the workspace (denoise.hpp).
#include <algorithm>
#include <string>

#include "components.cuh"
#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/denoise.hpp"

namespace pageprep::kernels::cuda {

struct Despeckle::Impl {
  DespeckleParams params;
  BatchLimits limits;
  std::shared_ptr<ComponentLabels> labels;
  CountsChannel counts;
};

namespace {

using Policy = CudaComponentsPolicy;

__global__ void __launch_bounds__(Policy::kSegmentBlock)
    area_kernel(CclTable table, int32_t* labels) {
  const CclPage& page = table.pages[blockIdx.z];
  const GrayView img = page.image;
  for_each_row_segment(img, [&](int32_t y, int32_t x0, int32_t x1) {
    ops::accumulate_area_segment<GlobalLabels>(img.row(y), labels + page.label_offset,
                                               y * img.width, x0, x1);
  });
}

__global__ void __launch_bounds__(Policy::kSegmentBlock)
    despeckle_remove_kernel(CclTable table, const int32_t* labels, int32_t first_page,
                            unsigned long long* removed) {
  const CclPage& page = table.pages[blockIdx.z];
  const GrayView img = page.image;
  int32_t n = 0;
  for_each_row_segment(img, [&](int32_t y, int32_t x0, int32_t x1) {
    n += ops::despeckle_segment<GlobalLabels>(img.row(y), labels + page.label_offset, y * img.width,
                                              x0, x1, page.max_area);
  });
  if (n > 0) atomicAdd(removed + first_page + blockIdx.z, static_cast<unsigned long long>(n));
}

}  // namespace

Despeckle::Despeckle(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Despeckle::~Despeckle() = default;

Status Despeckle::create(const DespeckleParams& params, const BatchLimits& limits,
                         std::unique_ptr<Despeckle>* out, std::shared_ptr<ComponentLabels> labels) {
  PAGEPREP_RETURN_IF_ERROR(validate_despeckle(params, limits));
  auto impl = std::make_unique<Impl>();
  impl->params = params;
  impl->limits = limits;
  if (labels == nullptr) PAGEPREP_RETURN_IF_ERROR(ComponentLabels::create(limits, &labels));
  if (labels->capacity() < static_cast<int64_t>(limits.max_width) * limits.max_height)
    return {StatusCode::kInvalidArgument, "despeckle: shared labels smaller than one page"};
  impl->labels = std::move(labels);
  PAGEPREP_RETURN_IF_ERROR(impl->counts.init(limits.max_batch));
  out->reset(new Despeckle(std::move(impl)));
  return Status::ok();
}

Status Despeckle::run(Stream stream, GrayBatch pages, const float* page_dpi, int64_t* removed) {
  Impl& m = *impl_;
  PAGEPREP_RETURN_IF_ERROR(validate_batch(pages, {"despeckle", &m.limits}));
  for (int32_t i = 0; i < pages.count; ++i) {
    if (despeckle_max_area(m.params, page_dpi != nullptr ? page_dpi[i] : 300.0f) < 0)
      return {StatusCode::kInvalidArgument,
              "despeckle: page " + std::to_string(i) + " has an invalid dpi"};
  }
  ComponentLabels::Impl& labels = m.labels->impl();
  labels.reusable.clear();
  PAGEPREP_RETURN_IF_ERROR(labels.begin(stream));
  PAGEPREP_RETURN_IF_ERROR(m.counts.begin(stream));
  PAGEPREP_RETURN_IF_ERROR(m.counts.zero_counts(stream, pages.count));
  int32_t passes = 0;
  PAGEPREP_RETURN_IF_ERROR(for_each_ccl_pass(
      pages, labels.capacity, [&](int32_t first, int32_t n, CclTable t) -> Status {
        ++passes;
        if (t.max_width == 0 || t.max_height == 0) return Status::ok();
        for (int32_t k = 0; k < n; ++k)
          t.pages[k].max_area =
              despeckle_max_area(m.params, page_dpi != nullptr ? page_dpi[first + k] : 300.0f);
        PAGEPREP_RETURN_IF_ERROR(launch_label_components(stream, t, labels.labels));
        const dim3 grid = segment_grid(t);
        area_kernel<<<grid, Policy::kSegmentBlock, 0, stream>>>(t, labels.labels);
        PAGEPREP_CUDA_CHECK_LAUNCH(stream);
        despeckle_remove_kernel<<<grid, Policy::kSegmentBlock, 0, stream>>>(
            t, labels.labels, first, m.counts.device_counts());
        PAGEPREP_CUDA_CHECK_LAUNCH(stream);
        return Status::ok();
      }));
  // One pass: the workspace holds every page's labels, still valid for the
  // ink that remains (only whole components were erased).
  if (passes == 1) labels.reusable.assign(pages.pages, pages.pages + pages.count);
  PAGEPREP_RETURN_IF_ERROR(m.counts.end(stream, pages.count, removed));
  return labels.end(stream);
}

}  // namespace pageprep::kernels::cuda
