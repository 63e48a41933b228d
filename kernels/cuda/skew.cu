// CUDA schedule of skew estimation. Every step is a kernel over a chunk of
// pages (blockIdx.z or blockIdx.y = page) calling the shared ops in
// ops/skew_ops.hpp; the search stages and the argmax between them run on the
// device. enqueue() puts all of it, and the copies of the scores (a few KiB)
// and of the strip profiles at the best angle (the text-line evidence) to
// pinned memory, on the caller's stream and records an event; wait() waits
// for that event and calls detail::finalize_skew on them exactly as the CPU
// schedule does. The host never waits inside enqueue(), so two streams'
// estimations overlap.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <string>
#include <vector>

#include "block_reduce.cuh"
#include "cuda_check.hpp"
#include "page_table.cuh"
#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/deskew.hpp"

namespace pageprep::kernels::cuda {
namespace {

/// Launch shapes. Measured: not yet (no device on the development machine);
/// chosen so one block of the ink kernel is one 16 x 16 tile, and the stage
/// kernel's 256 threads stride over rows by warp.
struct SkewPolicy {
  static constexpr int kCellBlockX = 32, kCellBlockY = 8;
  static constexpr int kStageThreads = 256;
  static constexpr int kRowThreads = 128;
};
static_assert(ops::kSkewTile == 16, "the ink kernel maps one 16 x 16 block to one tile");

/// A page of a chunk: its view and its reduced geometry (zero for an empty
/// page: every kernel skips it).
struct SkewPage {
  ConstGrayView in;
  ops::SkewGeometry g;
};
using SkewTable = LaunchTable<SkewPage>;
/// Pages per chunk: one launch table (the device workspace has this many slots at most).
constexpr int32_t kPagesPerChunk = pages_per_launch<SkewPage>();

/// Device workspace: one slot per page of a chunk, each array at slot * stride.
struct DeviceWs {
  uint8_t* reduced;
  uint8_t* kept;
  int64_t cell_stride;
  int32_t* row_ink;
  int32_t* kept1;  // kept cells per fine row
  int32_t row_stride;
  int32_t* tile_ink;
  uint8_t* tile_masked;
  int32_t tile_stride;
  ops::SkewPrefix* prefix1;  // column-major prefix tables (skew_ops.hpp)
  int64_t prefix1_stride;
  ops::SkewPrefix* prefix2;
  int64_t prefix2_stride;
  uint32_t* hist256;   // 256 per page
  int32_t* threshold;  // 1 per page
  int64_t* scores;
  int32_t score_stride;
  int32_t* centers;  // kSkewStages per page
  int64_t* kept_total;
  int32_t* best_index;      // the last stage's best angle-grid index, 1 per page
  int32_t* strip_profiles;  // kSkewStrips x profile_stride per page
  int32_t profile_stride;
  const int32_t* tan_q16;
  int32_t table_half;
};

__device__ ops::SkewInkView ink_view(const DeviceWs& ws, const ops::SkewGeometry& g, int32_t p) {
  ops::SkewInkView v;
  v.reduced = ConstGrayView{ws.reduced + p * ws.cell_stride, g.w1, g.h1, g.w1};
  v.threshold = ws.threshold[p];
  v.row_ink = ws.row_ink + p * ws.row_stride;
  v.tile_masked = ws.tile_masked + p * ws.tile_stride;
  v.tiles_x = g.tiles_x;
  return v;
}

__global__ void reduce_kernel(SkewTable geo, DeviceWs ws) {
  __shared__ uint32_t h[256];
  const int32_t p = blockIdx.z;
  const int32_t t = threadIdx.y * blockDim.x + threadIdx.x;
  for (int32_t i = t; i < 256; i += blockDim.x * blockDim.y) h[i] = 0;
  __syncthreads();
  const ops::SkewGeometry& g = geo.pages[p].g;
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x < g.w1 && y < g.h1) {
    const uint8_t v = ops::reduce_min_cell(geo.pages[p].in, g.s, x, y);
    ws.reduced[p * ws.cell_stride + static_cast<int64_t>(y) * g.w1 + x] = v;
    if (ops::in_threshold_sample(x, y)) atomicAdd(&h[v], 1u);
  }
  __syncthreads();
  for (int32_t i = t; i < 256; i += blockDim.x * blockDim.y)
    if (h[i]) atomicAdd(&ws.hist256[p * 256 + i], h[i]);
}

/// One block per page: Otsu's threshold in parallel (block_reduce.cuh), then
/// the paper-contrast rule of ops::skew_ink_threshold.
__global__ void __launch_bounds__(kOtsuBlock) threshold_kernel(DeviceWs ws) {
  __shared__ BlockOtsuStorage sm;
  const int32_t p = blockIdx.x;
  const int32_t t = block_otsu_threshold(ws.hist256 + p * 256, sm);
  if (threadIdx.x == 0) ws.threshold[p] = ops::skew_ink_threshold_given(ws.hist256 + p * 256, t);
}

/// One 16 x 16 block per tile: the tile's ink count, and its rows' counts.
__global__ void ink_count_kernel(SkewTable geo, DeviceWs ws) {
  __shared__ int32_t rows[ops::kSkewTile];
  __shared__ int32_t total;
  const int32_t p = blockIdx.z;
  const ops::SkewGeometry& g = geo.pages[p].g;
  if (blockIdx.x >= g.tiles_x || blockIdx.y >= g.tiles_y) return;
  if (threadIdx.x == 0) rows[threadIdx.y] = 0;
  if (threadIdx.x == 0 && threadIdx.y == 0) total = 0;
  __syncthreads();
  const int32_t x = blockIdx.x * ops::kSkewTile + threadIdx.x;
  const int32_t y = blockIdx.y * ops::kSkewTile + threadIdx.y;
  if (x < g.w1 && y < g.h1) {
    const uint8_t v = ws.reduced[p * ws.cell_stride + static_cast<int64_t>(y) * g.w1 + x];
    if (v <= ws.threshold[p]) {
      atomicAdd(&rows[threadIdx.y], 1);
      atomicAdd(&total, 1);
    }
  }
  __syncthreads();
  if (threadIdx.x == 0 && y < g.h1 && rows[threadIdx.y])
    atomicAdd(&ws.row_ink[p * ws.row_stride + y], rows[threadIdx.y]);
  if (threadIdx.x == 0 && threadIdx.y == 0)
    ws.tile_ink[p * ws.tile_stride + blockIdx.y * g.tiles_x + blockIdx.x] = total;
}

__device__ bool tile_solid_at(const DeviceWs& ws, const ops::SkewGeometry& g, int32_t p, int32_t tx,
                              int32_t ty) {
  const int32_t area = (min(g.w1, (tx + 1) * ops::kSkewTile) - tx * ops::kSkewTile) *
                       (min(g.h1, (ty + 1) * ops::kSkewTile) - ty * ops::kSkewTile);
  return ops::tile_is_solid(ws.tile_ink[p * ws.tile_stride + ty * g.tiles_x + tx], area);
}

__global__ void mask_kernel(SkewTable geo, DeviceWs ws) {
  const int32_t p = blockIdx.y;
  const ops::SkewGeometry& g = geo.pages[p].g;
  const int32_t t = blockIdx.x * blockDim.x + threadIdx.x;
  if (t >= g.tiles_x * g.tiles_y) return;
  const int32_t tx = t % g.tiles_x, ty = t / g.tiles_x;
  uint8_t m = 0;
  for (int32_t dy = -1; dy <= 1; ++dy)
    for (int32_t dx = -1; dx <= 1; ++dx) {
      const int32_t x = tx + dx, y = ty + dy;
      if (x >= 0 && y >= 0 && x < g.tiles_x && y < g.tiles_y && tile_solid_at(ws, g, p, x, y))
        m = 1;
    }
  ws.tile_masked[p * ws.tile_stride + t] = m;
}

__global__ void keep_kernel(SkewTable geo, DeviceWs ws) {
  const int32_t p = blockIdx.z;
  const ops::SkewGeometry& g = geo.pages[p].g;
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= g.w1 || y >= g.h1) return;
  const ops::SkewInkView v = ink_view(ws, g, p);
  ws.kept[p * ws.cell_stride + static_cast<int64_t>(y) * g.w1 + x] =
      ops::keep_cell(v, x, y) ? 1 : 0;
}

/// One thread per fine row: its prefix counts, column-major (a warp writes 32
/// consecutive rows of one column), and its kept total.
__global__ void fine_prefix_kernel(SkewTable geo, DeviceWs ws) {
  const int32_t p = blockIdx.y;
  const ops::SkewGeometry& g = geo.pages[p].g;
  const int32_t y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y >= g.h1) return;
  const int32_t pitch = ops::prefix_pitch(g.h1);
  const uint8_t* k = ws.kept + p * ws.cell_stride + static_cast<int64_t>(y) * g.w1;
  ops::SkewPrefix* out = ws.prefix1 + p * ws.prefix1_stride + y;
  int32_t acc = 0;
  out[0] = 0;
  for (int32_t x = 0; x < g.w1; ++x) {
    acc += k[x];
    out[static_cast<int64_t>(x + 1) * pitch] = static_cast<ops::SkewPrefix>(acc);
  }
  ws.kept1[p * ws.row_stride + y] = acc;
  // The page's kept total (integer atomics: order-independent), read by the
  // search stages to skip pages the CPU schedule does not search either.
  if (acc)
    atomicAdd(reinterpret_cast<unsigned long long*>(ws.kept_total + p),
              static_cast<unsigned long long>(acc));
}

/// Pages with too little ink are not searched (CPU: estimate() returns before
/// the search); finalize_skew reports them as blank from kept_total alone.
__device__ bool too_little_ink(const DeviceWs& ws, int32_t p) {
  return ws.kept_total[p] < ops::kSkewMinInkCells;
}

/// One thread per coarse row: ops::coarse_kept cells, then prefix counts.
__global__ void coarse_prefix_kernel(SkewTable geo, DeviceWs ws) {
  const int32_t p = blockIdx.y;
  const ops::SkewGeometry& g = geo.pages[p].g;
  const int32_t y = blockIdx.x * blockDim.x + threadIdx.x;
  if (y >= g.h2) return;
  const int32_t pitch = ops::prefix_pitch(g.h2);
  const uint8_t* kept = ws.kept + p * ws.cell_stride;
  ops::SkewPrefix* out = ws.prefix2 + p * ws.prefix2_stride + y;
  int32_t acc = 0;
  out[0] = 0;
  for (int32_t x = 0; x < g.w2; ++x) {
    acc += ops::coarse_kept(kept, g.w1, g.h1, x, y);
    out[static_cast<int64_t>(x + 1) * pitch] = static_cast<ops::SkewPrefix>(acc);
  }
}

/// One block per (candidate angle, page): the angle's column segments and the
/// sheared histogram in shared memory (one thread per bin summing its
/// segments: no atomics, exact), then its int64 score. Shared memory:
/// `bins_cap` histogram entries, then cols + 1 segment starts.
__global__ void stage_kernel(SkewTable geo, DeviceWs ws, ops::SkewStage st, int32_t stage,
                             int32_t score_offset, int32_t bins_cap) {
  extern __shared__ int32_t smem[];
  __shared__ long long partial[SkewPolicy::kStageThreads / 32];
  int32_t* hist = smem;
  int32_t* starts = smem + bins_cap;
  const int32_t p = blockIdx.y;
  const int32_t j = blockIdx.x;
  const ops::SkewGeometry& g = geo.pages[p].g;
  const bool coarse = st.level == 2;
  const int32_t rows = coarse ? g.h2 : g.h1, cols = coarse ? g.w2 : g.w1;
  const int32_t off = coarse ? g.off2 : g.off1, bins = coarse ? g.bins2 : g.bins1;
  int64_t* score = ws.scores + p * ws.score_stride + score_offset + j;
  if (cols == 0 || too_little_ink(ws, p)) {  // empty or blank page (uniform over the block)
    if (threadIdx.x == 0) *score = 0;
    return;
  }
  const int32_t pitch = ops::prefix_pitch(rows);
  const ops::SkewPrefix* prefix =
      coarse ? ws.prefix2 + p * ws.prefix2_stride : ws.prefix1 + p * ws.prefix1_stride;
  const int32_t center = ws.centers[p * ops::kSkewStages + stage];
  const int32_t tq =
      ws.tan_q16[ops::stage_angle_index(st, center, j, ws.table_half) + ws.table_half];
  for (int32_t x = threadIdx.x; x < cols; x += blockDim.x)
    if (ops::opens_segment(x, tq)) starts[ops::shear_segment(x, tq)] = x;
  const int32_t n = ops::shear_segment_count(cols, tq);
  if (threadIdx.x == 0) {
    starts[0] = 0;
    starts[n] = cols;
  }
  __syncthreads();
  for (int32_t b = threadIdx.x; b < bins; b += blockDim.x)
    hist[b] = ops::sheared_bin_count(prefix, pitch, rows, starts, n, tq, off, b);
  __syncthreads();
  const int32_t warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int32_t warps = blockDim.x / 32;
  long long s = ops::profile_score_part(hist, bins, threadIdx.x, blockDim.x);
  for (int32_t o = 16; o > 0; o /= 2) s += __shfl_down_sync(0xffffffffu, s, o);
  if (lane == 0) partial[warp] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    long long total = 0;
    for (int32_t w = 0; w < warps; ++w) total += partial[w];
    *score = total;
  }
}

/// One block per (strip, page): the fine-level profile of one vertical strip
/// at the page's best angle (ops::sheared_bin_count_in, as the CPU computes
/// it), the evidence finalize_skew reads. Shared memory: cols + 1 segment starts.
__global__ void strip_profile_kernel(SkewTable geo, DeviceWs ws) {
  extern __shared__ int32_t starts[];
  const int32_t strip = blockIdx.x, p = blockIdx.y;
  const ops::SkewGeometry& g = geo.pages[p].g;
  // Empty or blank page (uniform over the block): finalize_skew reads no profile.
  if (g.w1 == 0 || too_little_ink(ws, p)) return;
  const int32_t tq = ws.tan_q16[ws.best_index[p] + ws.table_half];
  for (int32_t x = threadIdx.x; x < g.w1; x += blockDim.x)
    if (ops::opens_segment(x, tq)) starts[ops::shear_segment(x, tq)] = x;
  const int32_t n = ops::shear_segment_count(g.w1, tq);
  if (threadIdx.x == 0) {
    starts[0] = 0;
    starts[n] = g.w1;
  }
  __syncthreads();
  int32_t xa = 0, xb = 0;
  ops::skew_strip_columns(g.w1, strip, &xa, &xb);
  const ops::SkewPrefix* prefix = ws.prefix1 + p * ws.prefix1_stride;
  const int32_t pitch = ops::prefix_pitch(g.h1);
  int32_t* out =
      ws.strip_profiles + static_cast<int64_t>(p * ops::kSkewStrips + strip) * ws.profile_stride;
  for (int32_t b = threadIdx.x; b < g.bins1; b += blockDim.x)
    out[b] = ops::sheared_bin_count_in(prefix, pitch, g.h1, starts, n, tq, g.off1, b, xa, xb);
}

/// After stage k, one warp per page, the argmax reduced across the warp
/// (block_reduce.cuh): the next stage's centre (kept inside the range), or
/// after the last stage the best angle-grid index (where the strip profiles
/// are taken).
__global__ void argmax_kernel(DeviceWs ws, ops::SkewStage st, int32_t stage, int32_t score_offset) {
  const int32_t p = blockIdx.x;
  if (too_little_ink(ws, p)) return;  // uniform per block
  const int32_t n = 2 * st.half + 1;
  const int32_t best = warp_argmax(ws.scores + p * ws.score_stride + score_offset, n);
  if (threadIdx.x == 0) {
    const int32_t center = ws.centers[p * ops::kSkewStages + stage];
    const int32_t index = ops::stage_angle_index(st, center, best, ws.table_half);
    if (stage + 1 < ops::kSkewStages)
      ws.centers[p * ops::kSkewStages + stage + 1] = index;
    else
      ws.best_index[p] = index;
  }
}

}  // namespace

struct SkewEstimator::Impl {
  detail::SkewPlan plan;
  BatchLimits limits;
  int32_t chunk = 1;
  int32_t bins_max = 0;
  DeviceWs ws{};
  void* device_block = nullptr;
  // Pinned host copies of the results of up to max_batch pages (every chunk
  // of one enqueue() has its own rows), and the host side of that enqueue().
  int64_t* h_scores = nullptr;
  int32_t* h_centers = nullptr;
  int64_t* h_kept = nullptr;
  int32_t* h_profiles = nullptr;
  cudaEvent_t done = nullptr;
  std::vector<uint8_t> empty;  ///< per page of the pending enqueue()
  std::vector<int32_t> bins1;  ///< per page of the pending enqueue(): its fine profile's bins
  std::vector<float> cells_per_inch;  ///< per page of the pending enqueue()
  int32_t pending = -1;               ///< pages of the pending enqueue(); -1: none

  ~Impl() {
    if (done) {
      cudaEventSynchronize(done);  // the copies into pinned memory must land first
      cudaEventDestroy(done);
    }
    if (device_block) cudaFree(device_block);
    if (h_scores) cudaFreeHost(h_scores);
    if (h_centers) cudaFreeHost(h_centers);
    if (h_kept) cudaFreeHost(h_kept);
    if (h_profiles) cudaFreeHost(h_profiles);
  }

  Status enqueue_chunk(Stream stream, ConstGrayBatch in, int32_t first, int32_t n,
                       const float* dpi);
};

SkewEstimator::SkewEstimator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SkewEstimator::~SkewEstimator() = default;
const SkewParams& SkewEstimator::params() const {
  return impl_->plan.params;
}

Status SkewEstimator::create(const SkewParams& params, const BatchLimits& limits,
                             std::unique_ptr<SkewEstimator>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate_limits("skew", limits));
  auto impl = std::make_unique<Impl>();
  PAGEPREP_RETURN_IF_ERROR(detail::make_skew_plan(params, &impl->plan));
  impl->limits = limits;
  impl->chunk = std::min(limits.max_batch, kPagesPerChunk);
  // The same extents the CPU schedule allocates (one function for both).
  const detail::SkewWorkspaceSize wsz = detail::skew_workspace_size(impl->plan, limits);
  impl->bins_max = wsz.bins;
  const int32_t n_scores = impl->plan.stage_offset[ops::kSkewStages];
  const int32_t table = static_cast<int32_t>(impl->plan.tan_q16.size());

  // One allocation, carved into 256-byte-aligned arrays.
  const int64_t pages = impl->chunk;
  size_t total = 0;
  auto carve = [&](size_t bytes) {
    const size_t at = total;
    total += (bytes + 255) / 256 * 256;
    return at;
  };
  DeviceWs& ws = impl->ws;
  ws.cell_stride = static_cast<int64_t>(wsz.w1) * wsz.h1;
  ws.row_stride = wsz.h1;
  ws.tile_stride = wsz.tiles;
  ws.prefix1_stride = wsz.prefix1;
  ws.prefix2_stride = wsz.prefix2;
  ws.score_stride = n_scores;
  ws.table_half = impl->plan.table_half;
  ws.profile_stride = wsz.bins;
  const size_t o_red = carve(pages * ws.cell_stride), o_kept = carve(pages * ws.cell_stride);
  const size_t o_row = carve(pages * wsz.h1 * 4), o_k1 = carve(pages * wsz.h1 * 4);
  const size_t o_tile = carve(pages * wsz.tiles * 4), o_mask = carve(pages * wsz.tiles);
  const size_t o_p1 = carve(pages * ws.prefix1_stride * sizeof(ops::SkewPrefix)),
               o_p2 = carve(pages * ws.prefix2_stride * sizeof(ops::SkewPrefix));
  const size_t o_hist = carve(pages * 256 * 4), o_thr = carve(pages * 4);
  const size_t o_scores = carve(pages * n_scores * 8),
               o_centers = carve(pages * ops::kSkewStages * 4);
  const size_t o_kt = carve(pages * 8), o_tan = carve(static_cast<size_t>(table) * 4);
  const size_t profile_bytes = static_cast<size_t>(ops::kSkewStrips) * ws.profile_stride * 4;
  const size_t o_best = carve(pages * 4), o_prof = carve(pages * profile_bytes);
  PAGEPREP_CUDA_CHECK(cudaMalloc(&impl->device_block, total));
  auto* base = static_cast<uint8_t*>(impl->device_block);
  ws.reduced = base + o_red;
  ws.kept = base + o_kept;
  ws.row_ink = reinterpret_cast<int32_t*>(base + o_row);
  ws.kept1 = reinterpret_cast<int32_t*>(base + o_k1);
  ws.tile_ink = reinterpret_cast<int32_t*>(base + o_tile);
  ws.tile_masked = base + o_mask;
  ws.prefix1 = reinterpret_cast<ops::SkewPrefix*>(base + o_p1);
  ws.prefix2 = reinterpret_cast<ops::SkewPrefix*>(base + o_p2);
  ws.hist256 = reinterpret_cast<uint32_t*>(base + o_hist);
  ws.threshold = reinterpret_cast<int32_t*>(base + o_thr);
  ws.scores = reinterpret_cast<int64_t*>(base + o_scores);
  ws.centers = reinterpret_cast<int32_t*>(base + o_centers);
  ws.kept_total = reinterpret_cast<int64_t*>(base + o_kt);
  ws.best_index = reinterpret_cast<int32_t*>(base + o_best);
  ws.strip_profiles = reinterpret_cast<int32_t*>(base + o_prof);
  int32_t* tan = reinterpret_cast<int32_t*>(base + o_tan);
  ws.tan_q16 = tan;
  PAGEPREP_CUDA_CHECK(cudaMemcpy(tan, impl->plan.tan_q16.data(), static_cast<size_t>(table) * 4,
                                 cudaMemcpyHostToDevice));
  const size_t batch = static_cast<size_t>(limits.max_batch);
  PAGEPREP_CUDA_CHECK(
      cudaMallocHost(reinterpret_cast<void**>(&impl->h_scores), batch * n_scores * 8));
  PAGEPREP_CUDA_CHECK(
      cudaMallocHost(reinterpret_cast<void**>(&impl->h_centers), batch * ops::kSkewStages * 4));
  PAGEPREP_CUDA_CHECK(cudaMallocHost(reinterpret_cast<void**>(&impl->h_kept), batch * 8));
  PAGEPREP_CUDA_CHECK(
      cudaMallocHost(reinterpret_cast<void**>(&impl->h_profiles), batch * profile_bytes));
  PAGEPREP_CUDA_CHECK(cudaEventCreateWithFlags(&impl->done, cudaEventDisableTiming));
  impl->empty.assign(batch, 0);
  impl->bins1.assign(batch, 0);
  impl->cells_per_inch.assign(batch, 0.f);
  out->reset(new SkewEstimator(std::move(impl)));
  return Status::ok();
}

Status SkewEstimator::Impl::enqueue_chunk(Stream stream, ConstGrayBatch in, int32_t first,
                                          int32_t n, const float* dpi) {
  int32_t max_w1 = 0, max_h1 = 0, max_tiles_x = 0, max_tiles_y = 0, max_bins = 0;
  const SkewTable geo = make_launch_table<SkewPage>(first, n, [&](int32_t i, SkewPage* p) {
    p->in = in[i];
    // Empty pages get a zero geometry: every kernel skips them.
    p->g = p->in.empty() ? ops::SkewGeometry{}
                         : ops::skew_geometry(p->in.width, p->in.height, dpi ? dpi[i] : 0.f,
                                              plan.tan_max_q16);
    if (p->in.empty()) p->g.s = 1;
    max_w1 = std::max(max_w1, p->g.w1);
    max_h1 = std::max(max_h1, p->g.h1);
    max_tiles_x = std::max(max_tiles_x, p->g.tiles_x);
    max_tiles_y = std::max(max_tiles_y, p->g.tiles_y);
    max_bins = std::max({max_bins, p->g.bins1, p->g.bins2});
    bins1[static_cast<size_t>(i)] = p->g.bins1;
    cells_per_inch[static_cast<size_t>(i)] =
        p->in.empty() ? 0.f : ops::skew_cells_per_inch(p->g, dpi ? dpi[i] : 0.f);
    return std::pair<int32_t, int32_t>{p->in.width, p->in.height};
  });
  PAGEPREP_CUDA_CHECK(cudaMemsetAsync(ws.hist256, 0, static_cast<size_t>(n) * 256 * 4, stream));
  PAGEPREP_CUDA_CHECK(
      cudaMemsetAsync(ws.row_ink, 0, static_cast<size_t>(n) * ws.row_stride * 4, stream));
  PAGEPREP_CUDA_CHECK(
      cudaMemsetAsync(ws.centers, 0, static_cast<size_t>(n) * ops::kSkewStages * 4, stream));
  PAGEPREP_CUDA_CHECK(cudaMemsetAsync(ws.kept_total, 0, static_cast<size_t>(n) * 8, stream));
  if (max_w1 > 0 && max_h1 > 0) {
    const dim3 cb(SkewPolicy::kCellBlockX, SkewPolicy::kCellBlockY);
    const dim3 cg((max_w1 + cb.x - 1) / cb.x, (max_h1 + cb.y - 1) / cb.y, n);
    reduce_kernel<<<cg, cb, 0, stream>>>(geo, ws);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    threshold_kernel<<<n, kOtsuBlock, 0, stream>>>(ws);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    ink_count_kernel<<<dim3(max_tiles_x, max_tiles_y, n), dim3(ops::kSkewTile, ops::kSkewTile), 0,
                       stream>>>(geo, ws);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    const int32_t tiles = max_tiles_x * max_tiles_y;
    mask_kernel<<<dim3((tiles + 127) / 128, n), 128, 0, stream>>>(geo, ws);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    keep_kernel<<<cg, cb, 0, stream>>>(geo, ws);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    const int rt = SkewPolicy::kRowThreads;
    fine_prefix_kernel<<<dim3((max_h1 + rt - 1) / rt, n), rt, 0, stream>>>(geo, ws);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    coarse_prefix_kernel<<<dim3(((max_h1 + 1) / 2 + rt - 1) / rt, n), rt, 0, stream>>>(geo, ws);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    // Histogram, then the segment starts (at most max_w1 + 1 of them: every
    // planned tangent is within +-1, make_skew_plan).
    const size_t smem = static_cast<size_t>(max_bins + max_w1 + 1) * sizeof(int32_t);
    if (smem > 48 * 1024)
      PAGEPREP_CUDA_CHECK(cudaFuncSetAttribute(
          stage_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
    for (int32_t k = 0; k < ops::kSkewStages; ++k) {
      const ops::SkewStage st = plan.stages[k];
      stage_kernel<<<dim3(2 * st.half + 1, n), SkewPolicy::kStageThreads, smem, stream>>>(
          geo, ws, st, k, plan.stage_offset[k], max_bins);
      PAGEPREP_CUDA_CHECK_LAUNCH(stream);
      argmax_kernel<<<n, 32, 0, stream>>>(ws, st, k, plan.stage_offset[k]);
      PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    }
    strip_profile_kernel<<<dim3(ops::kSkewStrips, n), SkewPolicy::kStageThreads,
                           static_cast<size_t>(max_w1 + 1) * sizeof(int32_t), stream>>>(geo, ws);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  }
  const size_t n_scores = static_cast<size_t>(ws.score_stride);
  PAGEPREP_CUDA_CHECK(cudaMemcpyAsync(h_scores + first * n_scores, ws.scores,
                                      static_cast<size_t>(n) * n_scores * 8, cudaMemcpyDeviceToHost,
                                      stream));
  PAGEPREP_CUDA_CHECK(cudaMemcpyAsync(h_centers + first * ops::kSkewStages, ws.centers,
                                      static_cast<size_t>(n) * ops::kSkewStages * 4,
                                      cudaMemcpyDeviceToHost, stream));
  PAGEPREP_CUDA_CHECK(cudaMemcpyAsync(h_kept + first, ws.kept_total, static_cast<size_t>(n) * 8,
                                      cudaMemcpyDeviceToHost, stream));
  // Only what the profile kernel wrote: bins1 ints of each strip row (the
  // rest of the profile_stride row is never written, and copying it would
  // be an uninitialised read under compute-sanitizer's initcheck).
  const size_t profile_ints = static_cast<size_t>(ops::kSkewStrips) * ws.profile_stride;
  const size_t row_bytes = static_cast<size_t>(ws.profile_stride) * 4;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t bins = bins1[static_cast<size_t>(first + i)];
    if (bins <= 0) continue;  // an empty page: nothing written, nothing read
    PAGEPREP_CUDA_CHECK(cudaMemcpy2DAsync(
        h_profiles + static_cast<size_t>(first + i) * profile_ints, row_bytes,
        ws.strip_profiles + static_cast<size_t>(i) * profile_ints, row_bytes,
        static_cast<size_t>(bins) * 4, ops::kSkewStrips, cudaMemcpyDeviceToHost, stream));
  }
  return Status::ok();
}

Status SkewEstimator::enqueue(Stream stream, ConstGrayBatch in, const float* page_dpi) {
  Impl& m = *impl_;
  if (m.pending >= 0)
    return {StatusCode::kInvalidArgument, "skew: enqueue() before the previous wait()"};
  PAGEPREP_RETURN_IF_ERROR(validate_batch(in, {"skew", &m.limits}));
  // Chunks reuse the device workspace in stream order; each has its own rows
  // of the pinned results.
  for (int32_t first = 0; first < in.count; first += m.chunk)
    PAGEPREP_RETURN_IF_ERROR(
        m.enqueue_chunk(stream, in, first, std::min(m.chunk, in.count - first), page_dpi));
  PAGEPREP_CUDA_CHECK(cudaEventRecord(m.done, stream));
  for (int32_t i = 0; i < in.count; ++i) m.empty[static_cast<size_t>(i)] = in[i].empty();
  m.pending = in.count;
  return Status::ok();
}

bool SkewEstimator::ready() const {
  return impl_->pending < 0 || cudaEventQuery(impl_->done) != cudaErrorNotReady;
}

Status SkewEstimator::wait(SkewResult* results) {
  Impl& m = *impl_;
  if (m.pending < 0) return {StatusCode::kInvalidArgument, "skew: wait() without enqueue()"};
  const int32_t n = m.pending;
  m.pending = -1;
  if (n > 0 && results == nullptr)
    return {StatusCode::kInvalidArgument, "skew: results array is required"};
  PAGEPREP_CUDA_CHECK(cudaEventSynchronize(m.done));
  const size_t n_scores = static_cast<size_t>(m.ws.score_stride);
  const size_t profile_ints = static_cast<size_t>(ops::kSkewStrips) * m.ws.profile_stride;
  for (int32_t i = 0; i < n; ++i) {
    const size_t k = static_cast<size_t>(i);
    results[i] = m.empty[k]
                     ? SkewResult{}
                     : detail::finalize_skew(m.plan, m.h_scores + k * n_scores,
                                             m.h_centers + k * ops::kSkewStages, m.h_kept[k],
                                             m.h_profiles + k * profile_ints, m.ws.profile_stride,
                                             m.bins1[k], m.cells_per_inch[k]);
  }
  return Status::ok();
}

Status SkewEstimator::run(Stream stream, ConstGrayBatch in, SkewResult* results,
                          const float* page_dpi) {
  if (in.count > 0 && results == nullptr)
    return {StatusCode::kInvalidArgument, "skew: results array is required"};
  const int32_t step = impl_->limits.max_batch;
  if (in.count == 0) {
    PAGEPREP_RETURN_IF_ERROR(enqueue(stream, in, page_dpi));
    return wait(results);
  }
  for (int32_t first = 0; first < in.count; first += step) {
    const ConstGrayBatch part{in.pages + first, std::min(step, in.count - first)};
    PAGEPREP_RETURN_IF_ERROR(enqueue(stream, part, page_dpi ? page_dpi + first : nullptr));
    PAGEPREP_RETURN_IF_ERROR(wait(results + first));
  }
  return Status::ok();
}

}  // namespace pageprep::kernels::cuda
