// CUDA schedule of connected-component labelling (see components.cuh).
#include <algorithm>
#include <cstring>

#include "components.cuh"
#include "pageprep/kernels/batch_check.hpp"

namespace pageprep::kernels::cuda {
namespace {

using Policy = CudaComponentsPolicy;

/// Shared-memory union-find inside one tile.
struct SharedLabels {
  static constexpr bool kHalving = false;
  __device__ __forceinline__ static int32_t load(const int32_t* p) {
    return *static_cast<const volatile int32_t*>(p);
  }
  __device__ __forceinline__ static int32_t atomic_min(int32_t* p, int32_t v) {
    return atomicMin(p, v);
  }
};

__global__ void __launch_bounds__(Policy::kTileW* Policy::kTileH)
    local_merge_kernel(CclTable table, int32_t* labels) {
  constexpr int kW = Policy::kTileW;
  constexpr int kH = Policy::kTileH;
  const CclPage& page = table.pages[blockIdx.z];
  const ConstGrayView img = as_const(page.image);
  const int32_t tile_x = blockIdx.x * kW;
  const int32_t tile_y = blockIdx.y * kH;
  if (tile_x >= img.width || tile_y >= img.height) return;  // uniform per block

  __shared__ int32_t s_labels[kW * kH];
  __shared__ uint8_t s_ink[kW * kH];
  const int32_t tx = threadIdx.x, ty = threadIdx.y;
  const int32_t x = tile_x + tx, y = tile_y + ty;
  const int32_t li = ty * kW + tx;
  const bool ink = x < img.width && y < img.height && ops::is_ink(img.row(y)[x]);
  s_ink[li] = ink ? 1 : 0;
  s_labels[li] = li;
  __syncthreads();

  if (ink) {
    const bool w = tx > 0 && s_ink[li - 1];
    const bool nw = tx > 0 && ty > 0 && s_ink[li - kW - 1];
    const bool n = ty > 0 && s_ink[li - kW];
    const bool ne = tx + 1 < kW && ty > 0 && s_ink[li - kW + 1];
    const uint32_t links = ops::prior_links(w, nw, n, ne);
    if (links & ops::kLinkW) ops::union_sets<SharedLabels>(s_labels, li, li - 1);
    if (links & ops::kLinkNW) ops::union_sets<SharedLabels>(s_labels, li, li - kW - 1);
    if (links & ops::kLinkN) ops::union_sets<SharedLabels>(s_labels, li, li - kW);
    if (links & ops::kLinkNE) ops::union_sets<SharedLabels>(s_labels, li, li - kW + 1);
  }
  __syncthreads();

  if (ink) {
    const int32_t root = ops::find_root<SharedLabels>(s_labels, li);
    const int32_t rx = tile_x + root % kW, ry = tile_y + root / kW;
    labels[page.label_offset + static_cast<int64_t>(y) * img.width + x] = ry * img.width + rx;
  }
}

/// Tile-edge pixel k of a tile (0 <= k < kEdgePixels): the first row, then the
/// first column and the last column below it. Only these have prior
/// neighbours in other tiles (ops::cross_tile_links).
constexpr int kEdgePixels = Policy::kTileW + 2 * (Policy::kTileH - 1);
constexpr int kMergeThreadsPerTile = 64;
static_assert(kEdgePixels <= kMergeThreadsPerTile, "one thread per tile-edge pixel");

__device__ __forceinline__ bool tile_edge_pixel(int32_t k, int32_t* tx, int32_t* ty) {
  constexpr int kW = Policy::kTileW;
  constexpr int kH = Policy::kTileH;
  if (k < kW) {
    *tx = k;
    *ty = 0;
  } else if (k < kW + kH - 1) {
    *tx = 0;
    *ty = k - kW + 1;
  } else if (k < kEdgePixels) {
    *tx = kW - 1;
    *ty = k - (kW + kH - 1) + 1;
  } else {
    return false;
  }
  return true;
}

/// Block: kMergeTilesPerBlock tiles side by side, kMergeThreadsPerTile
/// threads each; grid y = tile rows (strided past kMaxGridY), z = page.
__global__ void border_merge_kernel(CclTable table, int32_t* labels) {
  constexpr int kW = Policy::kTileW;
  constexpr int kH = Policy::kTileH;
  const CclPage& page = table.pages[blockIdx.z];
  const ConstGrayView img = as_const(page.image);
  const int32_t tile_col =
      blockIdx.x * Policy::kMergeTilesPerBlock + threadIdx.x / kMergeThreadsPerTile;
  int32_t tx, ty;
  if (!tile_edge_pixel(threadIdx.x % kMergeThreadsPerTile, &tx, &ty)) return;
  const uint32_t cross = ops::cross_tile_links(tx, ty, kW);
  const int32_t x = tile_col * kW + tx;
  if (x >= img.width) return;
  int32_t* page_labels = labels + page.label_offset;
  for (int32_t tile_row = blockIdx.y; tile_row * kH < img.height; tile_row += gridDim.y) {
    const int32_t y = tile_row * kH + ty;
    if (y >= img.height) continue;
    const uint8_t* cur = img.row(y);
    if (!ops::is_ink(cur[x])) continue;
    const uint32_t links =
        cross & ops::ink_prior_neighbours(cur, y > 0 ? img.row(y - 1) : nullptr, x, img.width);
    const int32_t i = y * img.width + x;
    for (uint32_t link = ops::kLinkW; link <= ops::kLinkNE; link <<= 1)
      if (links & link)
        ops::union_sets<GlobalLabels>(page_labels, i, ops::prior_neighbour(i, link, img.width));
  }
}

__global__ void __launch_bounds__(Policy::kSegmentBlock)
    resolve_kernel(CclTable table, int32_t* labels) {
  const CclPage& page = table.pages[blockIdx.z];
  const ConstGrayView img = as_const(page.image);
  for_each_row_segment(page.image, [&](int32_t y, int32_t x0, int32_t x1) {
    ops::resolve_segment<GlobalLabels>(img.row(y), labels + page.label_offset, y * img.width, x0,
                                       x1);
  });
}

__global__ void __launch_bounds__(Policy::kSegmentBlock)
    reset_roots_kernel(CclTable table, int32_t* labels) {
  const CclPage& page = table.pages[blockIdx.z];
  const ConstGrayView img = as_const(page.image);
  for_each_row_segment(page.image, [&](int32_t y, int32_t x0, int32_t x1) {
    ops::reset_root_segment<GlobalLabels>(img.row(y), labels + page.label_offset, y * img.width, x0,
                                          x1);
  });
}

}  // namespace

Status launch_label_components(Stream stream, const CclTable& table, int32_t* labels) {
  if (table.count == 0 || table.max_width == 0 || table.max_height == 0) return Status::ok();
  const uint32_t tiles_x = (table.max_width + Policy::kTileW - 1) / Policy::kTileW;
  const uint32_t tiles_y = (table.max_height + Policy::kTileH - 1) / Policy::kTileH;
  // Tiles rows stay far below kMaxGridY for every page side the operations
  // accept (kMaxPageSide / kTileH = 1024).
  const dim3 block(Policy::kTileW, Policy::kTileH);
  local_merge_kernel<<<dim3(tiles_x, tiles_y, table.count), block, 0, stream>>>(table, labels);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  const dim3 merge_grid((tiles_x + Policy::kMergeTilesPerBlock - 1) / Policy::kMergeTilesPerBlock,
                        grid_rows(tiles_y), table.count);
  border_merge_kernel<<<merge_grid, Policy::kMergeTilesPerBlock * kMergeThreadsPerTile, 0,
                        stream>>>(table, labels);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  resolve_kernel<<<segment_grid(table), Policy::kSegmentBlock, 0, stream>>>(table, labels);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  return Status::ok();
}

Status launch_reset_roots(Stream stream, const CclTable& table, int32_t* labels) {
  if (table.count == 0 || table.max_width == 0 || table.max_height == 0) return Status::ok();
  reset_roots_kernel<<<segment_grid(table), Policy::kSegmentBlock, 0, stream>>>(table, labels);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  return Status::ok();
}

// ---------------------------------------------------------------------------
// ComponentLabels
// ---------------------------------------------------------------------------

int64_t component_label_capacity(const BatchLimits& limits) {
  const int64_t page = static_cast<int64_t>(limits.max_width) * limits.max_height;
  const int64_t batch =
      limits.max_batch_pixels > 0
          ? limits.max_batch_pixels
          : page * std::max(1, std::min(limits.max_batch, Policy::kResidentPages));
  return std::max(page, batch);
}

ComponentLabels::Impl::~Impl() {
  if (last_use != nullptr) {
    cudaEventSynchronize(last_use);
    cudaEventDestroy(last_use);
  }
  if (labels != nullptr) cudaFree(labels);
}

Status ComponentLabels::Impl::init(const BatchLimits& limits) {
  capacity = component_label_capacity(limits);
  PAGEPREP_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&labels),
                                 sizeof(int32_t) * static_cast<size_t>(capacity)));
  PAGEPREP_CUDA_CHECK(cudaEventCreateWithFlags(&last_use, cudaEventDisableTiming));
  return Status::ok();
}

Status ComponentLabels::Impl::begin(Stream stream) {
  // Never recorded yet: waiting on a fresh event returns at once.
  PAGEPREP_CUDA_CHECK(cudaStreamWaitEvent(stream, last_use, 0));
  return Status::ok();
}

Status ComponentLabels::Impl::end(Stream stream) {
  PAGEPREP_CUDA_CHECK(cudaEventRecord(last_use, stream));
  return Status::ok();
}

bool ComponentLabels::Impl::labels_valid_for(GrayBatch pages) const {
  if (pages.count == 0 || static_cast<int32_t>(reusable.size()) != pages.count) return false;
  for (int32_t i = 0; i < pages.count; ++i) {
    const GrayView& a = reusable[static_cast<size_t>(i)];
    const GrayView& b = pages[i];
    if (a.data != b.data || a.width != b.width || a.height != b.height || a.pitch != b.pitch)
      return false;
  }
  return true;
}

ComponentLabels::ComponentLabels(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ComponentLabels::~ComponentLabels() = default;

Status ComponentLabels::create(const BatchLimits& limits, std::shared_ptr<ComponentLabels>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate_limits("components", limits));
  auto impl = std::make_unique<Impl>();
  PAGEPREP_RETURN_IF_ERROR(impl->init(limits));
  out->reset(new ComponentLabels(std::move(impl)));
  return Status::ok();
}

int64_t ComponentLabels::capacity() const {
  return impl_->capacity;
}

// ---------------------------------------------------------------------------
// CountsChannel
// ---------------------------------------------------------------------------

CountsChannel::~CountsChannel() {
  // Pending callbacks write into slots: wait for them before freeing.
  for (auto& s : slots_) {
    if (s.done != nullptr) {
      cudaEventSynchronize(s.done);
      cudaEventDestroy(s.done);
    }
    if (s.pinned != nullptr) cudaFreeHost(s.pinned);
  }
  if (last_run_ != nullptr) {
    cudaEventSynchronize(last_run_);
    cudaEventDestroy(last_run_);
  }
  if (d_counts_ != nullptr) cudaFree(d_counts_);
}

Status CountsChannel::init(int32_t max_batch) {
  max_batch_ = max_batch;
  const size_t bytes =
      sizeof(unsigned long long) * static_cast<size_t>(max_batch > 0 ? max_batch : 1);
  PAGEPREP_CUDA_CHECK(cudaMalloc(reinterpret_cast<void**>(&d_counts_), bytes));
  for (auto& s : slots_) {
    PAGEPREP_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&s.pinned), bytes));
    PAGEPREP_CUDA_CHECK(cudaEventCreateWithFlags(&s.done, cudaEventDisableTiming));
  }
  PAGEPREP_CUDA_CHECK(cudaEventCreateWithFlags(&last_run_, cudaEventDisableTiming));
  return Status::ok();
}

Status CountsChannel::begin(Stream stream) {
  // Never recorded yet: waiting on a fresh event returns at once.
  PAGEPREP_CUDA_CHECK(cudaStreamWaitEvent(stream, last_run_, 0));
  return Status::ok();
}

Status CountsChannel::zero_counts(Stream stream, int32_t count) {
  if (count <= 0) return Status::ok();
  PAGEPREP_CUDA_CHECK(cudaMemsetAsync(
      d_counts_, 0, sizeof(unsigned long long) * static_cast<size_t>(count), stream));
  return Status::ok();
}

void CUDART_CB CountsChannel::deliver(void* p) {
  Slot* s = static_cast<Slot*>(p);
  for (int32_t i = 0; i < s->count; ++i) s->dst[i] = static_cast<int64_t>(s->pinned[i]);
}

Status CountsChannel::end(Stream stream, int32_t count, int64_t* host) {
  if (host != nullptr && count > 0) {
    Slot& s = slots_[next_slot_];
    next_slot_ = (next_slot_ + 1) % kMaxRunsInFlight;
    // Back-pressure: the slot's previous callback must have run before it is
    // refilled (only when kMaxRunsInFlight runs are still pending).
    if (s.used) PAGEPREP_CUDA_CHECK(cudaEventSynchronize(s.done));
    s.dst = host;
    s.count = count;
    s.used = true;
    PAGEPREP_CUDA_CHECK(cudaMemcpyAsync(s.pinned, d_counts_,
                                        sizeof(unsigned long long) * static_cast<size_t>(count),
                                        cudaMemcpyDeviceToHost, stream));
    PAGEPREP_CUDA_CHECK(cudaLaunchHostFunc(stream, &CountsChannel::deliver, &s));
    PAGEPREP_CUDA_CHECK(cudaEventRecord(s.done, stream));
  }
  PAGEPREP_CUDA_CHECK(cudaEventRecord(last_run_, stream));
  return Status::ok();
}

}  // namespace pageprep::kernels::cuda
