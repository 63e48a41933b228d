// CUDA schedule of connected-component labelling (see components.cuh).
#include <cstring>

#include "components.cuh"

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

__global__ void border_merge_kernel(CclTable table, int32_t* labels) {
  constexpr int kW = Policy::kTileW;
  constexpr int kH = Policy::kTileH;
  const CclPage& page = table.pages[blockIdx.z];
  const ConstGrayView img = as_const(page.image);
  const int32_t tx = threadIdx.x, ty = threadIdx.y;
  // Only tile-edge pixels have prior neighbours in other tiles.
  const uint32_t cross = ops::cross_tile_links(tx, ty, kW);
  if (cross == 0) return;
  const int32_t x = blockIdx.x * kW + tx, y = blockIdx.y * kH + ty;
  if (x >= img.width || y >= img.height) return;
  const uint8_t* cur = img.row(y);
  if (!ops::is_ink(cur[x])) return;
  const uint32_t links =
      cross & ops::ink_prior_neighbours(cur, y > 0 ? img.row(y - 1) : nullptr, x, img.width);
  int32_t* page_labels = labels + page.label_offset;
  const int32_t i = y * img.width + x;
  for (uint32_t link = ops::kLinkW; link <= ops::kLinkNE; link <<= 1)
    if (links & link)
      ops::union_sets<GlobalLabels>(page_labels, i, ops::prior_neighbour(i, link, img.width));
}

__global__ void __launch_bounds__(Policy::kSegmentBlock)
    resolve_kernel(CclTable table, int32_t* labels) {
  const CclPage& page = table.pages[blockIdx.z];
  const ConstGrayView img = as_const(page.image);
  const int32_t y = blockIdx.y;
  const int32_t x0 = (blockIdx.x * blockDim.x + threadIdx.x) * Policy::kSegment;
  if (y >= img.height || x0 >= img.width) return;
  const int32_t x1 = min(x0 + Policy::kSegment, img.width);
  ops::resolve_segment<GlobalLabels>(img.row(y), labels + page.label_offset, y * img.width, x0, x1);
}

}  // namespace

Status launch_label_components(Stream stream, const CclTable& table, int32_t* labels) {
  if (table.count == 0 || table.max_width == 0 || table.max_height == 0) return Status::ok();
  const dim3 block(Policy::kTileW, Policy::kTileH);
  const dim3 grid((table.max_width + Policy::kTileW - 1) / Policy::kTileW,
                  (table.max_height + Policy::kTileH - 1) / Policy::kTileH, table.count);
  local_merge_kernel<<<grid, block, 0, stream>>>(table, labels);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  border_merge_kernel<<<grid, block, 0, stream>>>(table, labels);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  resolve_kernel<<<segment_grid(table), Policy::kSegmentBlock, 0, stream>>>(table, labels);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  return Status::ok();
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
