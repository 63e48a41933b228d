/// \file components.cuh
/// \brief CUDA schedule of connected-component labelling, shared by despeckle
/// and border removal (private to kernels/cuda). The math is
/// ops/components_ops.hpp.
///
/// Block-based union-find (Playne and Hawick; Allegretti et al.'s BUF):
///  1. local_merge_kernel: one 32x16 tile per block; ops::prior_links inside
///     the tile, unions with shared-memory atomicMin, then each pixel stores
///     the global index of its tile root;
///  2. border_merge_kernel: one thread per tile-edge pixel (the first row and
///     the first and last columns of each tile: 62 of its 512 pixels) unites
///     it with every ink prior neighbour in another tile (global atomicMin
///     unions, with path halving);
///  3. resolve_kernel: ops::resolve_segment, roots get kRootMark.
/// Pages are var-shape: blockIdx.z indexes a CclTable (the LaunchTable of
/// page_table.cuh), and each page's labels start at its own offset in the
/// label workspace (cuda::ComponentLabels, denoise.hpp), which despeckle and
/// border removal may share.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "cuda_check.hpp"
#include "page_table.cuh"
#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/ops/components_ops.hpp"

namespace pageprep::kernels::cuda {

/// Launch shapes and residency; tuning notes say where they were measured.
struct CudaComponentsPolicy {
  /// Tile of the local merge: 32 x 16 = 512 threads, a warp per tile row so
  /// page rows load coalesced. (Not yet tuned on hardware.)
  static constexpr int kTileW = 32;
  static constexpr int kTileH = 16;
  /// Pixels per thread in the segment kernels (area, stats, removal): runs of
  /// the same component share one atomic.
  static constexpr int kSegment = 16;
  static constexpr int kSegmentBlock = 128;
  /// Without BatchLimits::max_batch_pixels, the label workspace holds this
  /// many pages of the largest size (fewer when max_batch is smaller);
  /// smaller pages pack more per pass.
  static constexpr int kResidentPages = 4;
  /// Tiles per block of the border merge (64 threads per tile, 62 busy).
  static constexpr int kMergeTilesPerBlock = 4;
};

/// Per-page data of one pass.
struct CclPage {
  GrayView image;
  int64_t label_offset;              ///< into the label workspace
  int32_t max_area;                  ///< despeckle
  int32_t stats_offset;              ///< border: first BorderStats slot of the page
  ops::BorderThresholds thresholds;  ///< border
};

using CclTable = LaunchTable<CclPage>;
constexpr int32_t kPagesPerPass = pages_per_launch<CclPage>();

/// Device-side memory policies for the shared union-find. Path halving is
/// safe concurrently: it only ever rewrites a non-root entry with one of its
/// ancestors, and roots change only through atomic_min.
struct GlobalLabels {
  static constexpr bool kHalving = true;
  // L2 loads: other blocks' atomics land in L2, L1 could hold stale parents.
  __device__ __forceinline__ static int32_t load(const int32_t* p) { return __ldcg(p); }
  __device__ __forceinline__ static void store(int32_t* p, int32_t v) { __stcg(p, v); }
  __device__ __forceinline__ static int32_t atomic_min(int32_t* p, int32_t v) {
    return atomicMin(p, v);
  }
  __device__ __forceinline__ static int32_t atomic_max(int32_t* p, int32_t v) {
    return atomicMax(p, v);
  }
  __device__ __forceinline__ static int32_t atomic_add(int32_t* p, int32_t v) {
    return atomicAdd(p, v);
  }
  __device__ __forceinline__ static int32_t compare_exchange(int32_t* p, int32_t e, int32_t d) {
    return atomicCAS(p, e, d);
  }
};

/// Greedy packing of a batch into passes that fit the label workspace.
/// Calls fn(first, n, table_without_op_fields) for each pass; the table has
/// image, label_offset, count and maxima filled in. Every page must fit the
/// workspace on its own (ComponentLabels is sized so for its limits).
template <typename Fn>
Status for_each_ccl_pass(GrayBatch pages, int64_t label_capacity, Fn&& fn) {
  int32_t first = 0;
  while (first < pages.count) {
    CclTable t{};
    int64_t used = 0;
    int32_t n = 0;
    while (first + n < pages.count && n < kPagesPerPass) {
      const GrayView& p = pages[first + n];
      const int64_t area = static_cast<int64_t>(p.width) * p.height;
      if (area > label_capacity)
        return {StatusCode::kOutOfRange, "components: a page exceeds the label workspace"};
      if (used + area > label_capacity) break;
      t.pages[n] = CclPage{};
      t.pages[n].image = p;
      t.pages[n].label_offset = used;
      t.max_width = t.max_width > p.width ? t.max_width : p.width;
      t.max_height = t.max_height > p.height ? t.max_height : p.height;
      used += area;
      ++n;
    }
    t.count = n;
    PAGEPREP_RETURN_IF_ERROR(fn(first, n, t));
    first += n;
  }
  return Status::ok();
}

/// Enqueues steps 1-3 for the pages of `table` on `stream`.
Status launch_label_components(Stream stream, const CclTable& table, int32_t* labels);

/// Enqueues ops::reset_root_segment over the pages of `table`: resolved roots
/// get kRootMark again, so another operation can decide on the same labels.
Status launch_reset_roots(Stream stream, const CclTable& table, int32_t* labels);

/// The label workspace behind cuda::ComponentLabels (denoise.hpp).
struct ComponentLabels::Impl {
  int32_t* labels = nullptr;
  int64_t capacity = 0;            ///< int32 entries
  cudaEvent_t last_use = nullptr;  ///< recorded at the end of every run that used it
  /// The pages of the last labelling when it covered the whole batch in one
  /// pass and only whole components were removed since (despeckle): their
  /// labels are still those of the remaining ink.
  std::vector<GrayView> reusable;

  ~Impl();
  Status init(const BatchLimits& limits);
  /// Start of a run on `stream`: waits for the previous run that used the labels.
  Status begin(Stream stream);
  /// End of a run: records the ordering event.
  Status end(Stream stream);
  bool labels_valid_for(GrayBatch pages) const;
};

/// Grid of the segment kernels for a table: x over row segments, y rows (at
/// most kMaxGridY: the kernels stride over the rest), z pages.
inline dim3 segment_grid(const CclTable& t) {
  const int32_t segs =
      (t.max_width + CudaComponentsPolicy::kSegment - 1) / CudaComponentsPolicy::kSegment;
  return dim3(
      (segs + CudaComponentsPolicy::kSegmentBlock - 1) / CudaComponentsPolicy::kSegmentBlock,
      grid_rows(t.max_height), t.count);
}

/// Calls fn(y, x0, x1) for the row segments of this thread in a segment-grid
/// kernel (rows stride by gridDim.y, so any page height works).
template <typename Fn>
__device__ __forceinline__ void for_each_row_segment(const GrayView& img, Fn&& fn) {
  const int32_t x0 = (blockIdx.x * blockDim.x + threadIdx.x) * CudaComponentsPolicy::kSegment;
  if (x0 >= img.width) return;
  const int32_t x1 = min(x0 + CudaComponentsPolicy::kSegment, img.width);
  for (int32_t y = blockIdx.y; y < img.height; y += gridDim.y) fn(y, x0, x1);
}

/// Runs of one operation object are ordered after each other (an event), and
/// per-page counts reach host arrays through pinned staging and a host
/// callback. Holds the device count array too.
class CountsChannel {
 public:
  static constexpr int kMaxRunsInFlight = 4;

  CountsChannel() = default;
  CountsChannel(const CountsChannel&) = delete;
  CountsChannel& operator=(const CountsChannel&) = delete;
  ~CountsChannel();

  /// Allocates the device counts (max_batch) and kMaxRunsInFlight pinned slots.
  Status init(int32_t max_batch);
  /// At the start of run(): the stream waits for the previous run's work.
  Status begin(Stream stream);
  /// Device array of `count` zeroed counters for this run (stream-ordered).
  unsigned long long* device_counts() const { return d_counts_; }
  Status zero_counts(Stream stream, int32_t count);
  /// At the end of run(): copies counts into `host` (if not null) once the
  /// stream gets there, and records the ordering event.
  Status end(Stream stream, int32_t count, int64_t* host);

 private:
  struct Slot {
    unsigned long long* pinned = nullptr;
    int64_t* dst = nullptr;
    int32_t count = 0;
    cudaEvent_t done = nullptr;
    bool used = false;
  };
  static void CUDART_CB deliver(void* slot);

  int32_t max_batch_ = 0;
  unsigned long long* d_counts_ = nullptr;
  Slot slots_[kMaxRunsInFlight];
  int next_slot_ = 0;
  cudaEvent_t last_run_ = nullptr;
};

}  // namespace pageprep::kernels::cuda
