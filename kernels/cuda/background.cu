// CUDA schedule of background normalization, the shared math of
// ops/background_ops.hpp in four stages per slice of pages:
//   tile_background_kernel   one block per tile: shared-memory histogram, then
//                            ops::tile_background16 (integer atomics: exact)
//   map_filter_kernel x3     one thread per tile: closing (max, min), then the
//                            mean fused with the gain
//   normalize_kernel         one thread per pixel: bilinear gain, apply
// Workspace: two int32 tile maps per page slot, sized at create() for the
// largest page at the smallest tile the parameters allow.
#include <algorithm>

#include "cuda_check.hpp"
#include "page_table.cuh"
#include "pageprep/kernels/background.hpp"
#include "pageprep/kernels/batch_check.hpp"

namespace pageprep::kernels::cuda {
namespace {

/// Tile histograms: 256 threads stride over a tile's rows (a 32 px tile row is
/// one coalesced segment per warp group). Not yet tuned on hardware.
struct TilePolicy {
  static constexpr int kThreads = 256;
};
/// Map filters: one thread per tile; maps are a few thousand tiles.
struct MapPolicy {
  static constexpr int kThreads = 256;
};
/// Per-pixel normalization: one warp per row segment.
struct PixelPolicy {
  static constexpr int kBlockX = 32;
  static constexpr int kBlockY = 8;
};

/// A page of a launch: its views and its tile side.
struct BackgroundPage {
  ConstGrayView in;
  GrayView out;
  int32_t tile;
};
using BackgroundTable = LaunchTable<BackgroundPage>;
constexpr int32_t kSlots = pages_per_launch<BackgroundPage>();

/// Per-launch constants (a kernel parameter).
struct BackgroundLaunch {
  int32_t target;
  int64_t map_stride;  ///< int32 entries per page slot
};

__global__ void tile_background_kernel(BackgroundTable t, BackgroundLaunch launch, int32_t* map) {
  __shared__ uint32_t hist[256];
  const int32_t page = blockIdx.z;
  const ConstGrayView src = t.pages[page].in;
  const int32_t tile = t.pages[page].tile;
  const int32_t tx = ops::tile_count(src.width, tile), ty = ops::tile_count(src.height, tile);
  const int32_t i = blockIdx.x, j = blockIdx.y;
  if (src.empty() || i >= tx || j >= ty) return;  // uniform over the block
  for (int k = threadIdx.x; k < 256; k += blockDim.x) hist[k] = 0;
  __syncthreads();
  const int32_t x0 = i * tile, x1 = min(src.width, x0 + tile);
  const int32_t y0 = j * tile, y1 = min(src.height, y0 + tile);
  const int32_t w = x1 - x0;
  const int32_t pixels = w * (y1 - y0);
  for (int32_t k = threadIdx.x; k < pixels; k += blockDim.x) {
    const int32_t y = y0 + k / w, x = x0 + k % w;
    atomicAdd(&hist[src.row(y)[x]], 1u);
  }
  __syncthreads();
  if (threadIdx.x == 0)
    map[page * launch.map_stride + j * tx + i] =
        ops::tile_background16(hist, static_cast<uint32_t>(pixels));
}

template <ops::MapFilter F>
__global__ void map_filter_kernel(BackgroundTable t, BackgroundLaunch launch,
                                  const int32_t* src_map, int32_t* dst_map) {
  const int32_t page = blockIdx.z;
  const ConstGrayView src = t.pages[page].in;
  if (src.empty()) return;
  const int32_t tile = t.pages[page].tile;
  const int32_t tx = ops::tile_count(src.width, tile), ty = ops::tile_count(src.height, tile);
  const int32_t k = blockIdx.x * blockDim.x + threadIdx.x;
  if (k >= tx * ty) return;
  const int32_t* s = src_map + page * launch.map_stride;
  int32_t v = ops::map_filter_at<F>(s, tx, ty, k % tx, k / tx);
  if constexpr (F == ops::MapFilter::kMean3x3) v = ops::gain_q12(v, launch.target);
  dst_map[page * launch.map_stride + k] = v;
}

__global__ void normalize_kernel(BackgroundTable t, BackgroundLaunch launch,
                                 const int32_t* gain_map) {
  const int32_t page = blockIdx.z;
  const ConstGrayView src = t.pages[page].in;
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= src.width || y >= src.height) return;
  const int32_t tile = t.pages[page].tile;
  const int32_t tx = ops::tile_count(src.width, tile), ty = ops::tile_count(src.height, tile);
  const int32_t g =
      ops::interpolate_gain(gain_map + page * launch.map_stride, tx, ops::bilinear_tap(x, tile, tx),
                            ops::bilinear_tap(y, tile, ty));
  t.pages[page].out.row(y)[x] = ops::normalize_pixel(src.row(y)[x], g);
}

}  // namespace

BackgroundNormalize::BackgroundNormalize(const BackgroundParams& params, const BatchLimits& limits)
    : params_(params), limits_(limits) {}

BackgroundNormalize::~BackgroundNormalize() {
  cudaFree(map_a_);
  cudaFree(map_b_);
}

Status BackgroundNormalize::create(const BackgroundParams& params, const BatchLimits& limits,
                                   std::unique_ptr<BackgroundNormalize>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate(params));
  PAGEPREP_RETURN_IF_ERROR(validate_limits("background", limits));
  std::unique_ptr<BackgroundNormalize> op(new BackgroundNormalize(params, limits));
  const int32_t min_tile = params.tile > 0 ? params.tile : kMinAutoBackgroundTile;
  op->map_stride_ = static_cast<int64_t>(background_tiles(limits.max_width, min_tile)) *
                    background_tiles(limits.max_height, min_tile);
  const size_t slots = static_cast<size_t>(std::min(std::max(1, limits.max_batch), kSlots));
  const size_t bytes = slots * static_cast<size_t>(op->map_stride_) * sizeof(int32_t);
  PAGEPREP_CUDA_CHECK(cudaMalloc(&op->map_a_, bytes));
  PAGEPREP_CUDA_CHECK(cudaMalloc(&op->map_b_, bytes));
  *out = std::move(op);
  return Status::ok();
}

Status BackgroundNormalize::run(Stream stream, ConstGrayBatch in, GrayBatch out,
                                const float* page_dpi) {
  PAGEPREP_RETURN_IF_ERROR(validate_background_batch(in, out, limits_));
  const int32_t min_tile = params_.tile > 0 ? params_.tile : kMinAutoBackgroundTile;
  return for_each_launch<BackgroundPage>(in.count, [&](int32_t first, int32_t n) -> Status {
    const BackgroundTable t =
        make_launch_table<BackgroundPage>(first, n, [&](int32_t i, BackgroundPage* p) {
          p->in = in[i];
          p->out = out[i];
          p->tile = std::max(min_tile, background_tile(params_, page_dpi ? page_dpi[i] : 300.f));
          return std::pair<int32_t, int32_t>{p->in.width, p->in.height};
        });
    if (t.max_width == 0 || t.max_height == 0) return Status::ok();
    BackgroundLaunch launch{};
    launch.target = params_.target;
    launch.map_stride = map_stride_;
    int32_t max_tx = 1, max_ty = 1;
    for (int32_t i = 0; i < n; ++i) {
      max_tx = std::max(max_tx, background_tiles(t.pages[i].in.width, t.pages[i].tile));
      max_ty = std::max(max_ty, background_tiles(t.pages[i].in.height, t.pages[i].tile));
    }
    tile_background_kernel<<<dim3(max_tx, max_ty, n), TilePolicy::kThreads, 0, stream>>>(t, launch,
                                                                                         map_a_);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    const dim3 mgrid((max_tx * max_ty + MapPolicy::kThreads - 1) / MapPolicy::kThreads, 1, n);
    map_filter_kernel<ops::MapFilter::kMax3x3>
        <<<mgrid, MapPolicy::kThreads, 0, stream>>>(t, launch, map_a_, map_b_);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    map_filter_kernel<ops::MapFilter::kMin3x3>
        <<<mgrid, MapPolicy::kThreads, 0, stream>>>(t, launch, map_b_, map_a_);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    map_filter_kernel<ops::MapFilter::kMean3x3>
        <<<mgrid, MapPolicy::kThreads, 0, stream>>>(t, launch, map_a_, map_b_);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    const dim3 block(PixelPolicy::kBlockX, PixelPolicy::kBlockY);
    const dim3 grid((t.max_width + block.x - 1) / block.x, (t.max_height + block.y - 1) / block.y,
                    n);
    normalize_kernel<<<grid, block, 0, stream>>>(t, launch, map_b_);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    return Status::ok();
  });
}

}  // namespace pageprep::kernels::cuda
