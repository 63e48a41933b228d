// CUDA schedule of binarization. Every decision is the shared math of
// ops/threshold_ops.hpp, so the output equals the CPU schedule bit for bit.
//
// Otsu: histogram_kernel (shared-memory atomics per block, then integer
// atomics into a per-page global histogram: order-independent, exact),
// otsu_threshold_kernel (one thread per page runs ops::otsu_threshold), then
// threshold_apply_kernel.
//
// Sauvola / Wolf: no integral images. A full-batch pair of 64-bit integral
// images would need max_batch * (W+1)(H+1) * 16 bytes (8.9 GB for 16 A4 pages
// at 600 dpi). Instead local_kernel gives each block a tile of kTileW x kTileH
// output pixels and its halo of columns; each thread keeps the vertical window
// sums (sum, sum of squares) of kItems columns and slides them down the tile,
// one row at a time. Per row a block-wide scan over the columns yields prefix
// sums in shared memory, and each thread reads its window as a difference of
// two prefixes. uint32 arithmetic is exact: a window's sum of squares is below
// 255^2 * 255^2 < 2^32 and prefix differences are taken modulo 2^32. Columns
// outside the page contribute zero and rows outside are never added, which is
// exactly the clamp-to-page border rule. The workspace is a few KiB per page:
// the Otsu histograms, the thresholds and Wolf's per-page statistics.
#include <cub/block/block_scan.cuh>

#include <algorithm>

#include "block_reduce.cuh"
#include "cuda_check.hpp"
#include "page_table.cuh"
#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/binarize.hpp"

namespace pageprep::kernels::cuda {
namespace {

/// Histogram: a block covers kRows rows of a page, each thread 4 consecutive
/// pixels of a row at a time (a warp reads 128 contiguous bytes). A page is
/// mostly paper, so the atomics pile onto a few bins: each warp counts into
/// its own copy of the histogram (kCopies copies in shared memory), and a
/// thread adds runs of equal neighbouring values with one atomic. 16 rows of
/// an A4 300 dpi page is ~40 K pixels per block, enough to amortize the merge
/// of the copies; not yet timed on hardware.
struct HistogramPolicy {
  static constexpr int kThreads = 256;
  static constexpr int kRows = 16;
  static constexpr int kCopies = kThreads / 32;
  static constexpr int kPixels = 4;  ///< consecutive pixels per thread and step
};

/// Per-pixel kernels (threshold apply): one warp per row segment.
struct PixelPolicy {
  static constexpr int kBlockX = 32;
  static constexpr int kBlockY = 8;
};

/// Local thresholds. A block sums kCols = kThreads * kItems columns and
/// outputs every one whose window they hold: kCols - 2 * half columns for
/// the page's window (482 at 300 dpi, 452 at 600 dpi), so the column sums
/// are hardly wasted (a fixed 256-column tile with room for the largest halo
/// summed 512 columns for 256 outputs). kTileH rows are slid per block; the
/// vertical start-up of 2 half + 1 rows costs (kTileH + 2 half) / kTileH
/// (1.12 at 300 dpi, 1.24 at 600 dpi; 1.48 / 1.95 with the former 64 rows).
/// Not yet timed on hardware.
struct LocalPolicy {
  static constexpr int kThreads = 256;
  static constexpr int kItems = 2;
  static constexpr int kCols = kThreads * kItems;
  static constexpr int kTileH = 256;
};
static_assert(LocalPolicy::kCols > 2 * (ops::kMaxWindow / 2),
              "columns per block must hold the largest window and at least one output");

/// Output columns of a block for window half-side `half`.
__host__ __device__ constexpr int32_t local_tile_width(int32_t half) {
  return LocalPolicy::kCols - 2 * half;
}

/// A page of a launch: its views and (local methods) its window half-side.
struct BinarizePage {
  ConstGrayView in;
  GrayView out;
  int32_t half;
};
using BinarizeTable = LaunchTable<BinarizePage>;
constexpr int32_t kSlots = pages_per_launch<BinarizePage>();

/// Per-launch constants of the local kernels (a kernel parameter).
struct LocalLaunch {
  int64_t k_q;
  int64_t r_q;  ///< Sauvola's R; Wolf reads its own from the statistics
  int32_t wolf;
};

/// Wolf statistics per page slot: [0, kSlots) minimum gray (reset to
/// 0xFFFFFFFF), then [kSlots, 2 kSlots) largest std in 1/16 (reset to 0).
constexpr int32_t kWolfMin = 0;
constexpr int32_t kWolfStd = kSlots;

__global__ void __launch_bounds__(HistogramPolicy::kThreads)
    histogram_kernel(BinarizeTable t, uint32_t* hist) {
  using P = HistogramPolicy;
  __shared__ uint32_t h[P::kCopies][256];
  const int32_t page = blockIdx.z;
  const ConstGrayView src = t.pages[page].in;
  const int32_t y0 = blockIdx.y * P::kRows;
  if (y0 >= src.height) return;  // uniform over the block
  for (int i = threadIdx.x; i < P::kCopies * 256; i += blockDim.x) (&h[0][0])[i] = 0;
  __syncthreads();
  uint32_t* mine = h[threadIdx.x / 32];
  const int32_t y1 = min(src.height, y0 + P::kRows);
  for (int32_t y = y0; y < y1; ++y) {
    const uint8_t* row = src.row(y);
    for (int32_t x = threadIdx.x * P::kPixels; x < src.width; x += blockDim.x * P::kPixels) {
      const int32_t end = min(x + P::kPixels, src.width);
      uint32_t run_v = row[x], run_n = 1;
      for (int32_t k = x + 1; k < end; ++k) {
        const uint32_t v = row[k];
        if (v == run_v) {
          ++run_n;
        } else {
          atomicAdd(&mine[run_v], run_n);
          run_v = v;
          run_n = 1;
        }
      }
      atomicAdd(&mine[run_v], run_n);
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < 256; i += blockDim.x) {
    uint32_t sum = 0;
#pragma unroll
    for (int c = 0; c < P::kCopies; ++c) sum += h[c][i];
    if (sum) atomicAdd(&hist[page * 256 + i], sum);
  }
}

/// One block per page: Otsu's 255 candidates scored in parallel
/// (block_reduce.cuh), the same threshold as ops::otsu_threshold.
__global__ void __launch_bounds__(kOtsuBlock)
    otsu_threshold_kernel(const uint32_t* hist, int32_t* thresholds) {
  __shared__ BlockOtsuStorage sm;
  const int32_t t = block_otsu_threshold(hist + blockIdx.x * 256, sm);
  if (threadIdx.x == 0) thresholds[blockIdx.x] = t;
}

__global__ void threshold_apply_kernel(BinarizeTable t, const int32_t* thresholds) {
  const int32_t page = blockIdx.z;
  const ConstGrayView src = t.pages[page].in;
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= src.width || y >= src.height) return;
  t.pages[page].out.row(y)[x] = ops::apply_threshold(src.row(y)[x], thresholds[page]);
}

struct AddPair {
  __device__ uint2 operator()(const uint2& a, const uint2& b) const {
    return make_uint2(a.x + b.x, a.y + b.y);
  }
};

enum class LocalMode { kWolfStats, kDecide };

template <LocalMode M>
__global__ void __launch_bounds__(LocalPolicy::kThreads)
    local_kernel(BinarizeTable tab, LocalLaunch launch, uint32_t* wolf_stats) {
  using Scan = cub::BlockScan<uint2, LocalPolicy::kThreads>;
  constexpr int kCols = LocalPolicy::kCols;
  __shared__ typename Scan::TempStorage scan_storage;
  __shared__ uint32_t prefix_sum[kCols + 1];
  __shared__ uint32_t prefix_sq[kCols + 1];
  __shared__ uint32_t block_min, block_std;

  const int32_t page = blockIdx.z;
  const ConstGrayView src = tab.pages[page].in;
  const int32_t half = tab.pages[page].half;
  const int32_t tile_w = local_tile_width(half);
  const int32_t x0 = blockIdx.x * tile_w;
  const int32_t y0 = blockIdx.y * LocalPolicy::kTileH;
  if (x0 >= src.width || y0 >= src.height) return;  // uniform over the block
  const int32_t cx0 = x0 - half;                    // page column of tile column 0

  ops::LocalThreshold t;
  t.k_q = launch.k_q;
  t.r_q = launch.r_q;
  t.min_gray = 0;
  bool constant_page = false;
  if constexpr (M == LocalMode::kDecide) {
    if (launch.wolf) {
      const int32_t q = static_cast<int32_t>(wolf_stats[kWolfStd + page]);
      constant_page = ops::wolf_page_is_constant(q);
      t.r_q = q;
      t.min_gray = wolf_stats[kWolfMin + page];
    }
  } else {
    if (threadIdx.x == 0) {
      block_min = 255;
      block_std = 0;
    }
  }

  // Vertical window sums of this thread's columns (blocked arrangement).
  uint32_t col_sum[LocalPolicy::kItems], col_sq[LocalPolicy::kItems];
  int32_t gx[LocalPolicy::kItems];
  bool inside[LocalPolicy::kItems];
#pragma unroll
  for (int i = 0; i < LocalPolicy::kItems; ++i) {
    gx[i] = cx0 + static_cast<int32_t>(threadIdx.x) * LocalPolicy::kItems + i;
    inside[i] = gx[i] >= 0 && gx[i] < src.width;
    col_sum[i] = 0;
    col_sq[i] = 0;
  }
  auto add_row = [&](int32_t y, int sign) {
    const uint8_t* row = src.row(y);
#pragma unroll
    for (int i = 0; i < LocalPolicy::kItems; ++i) {
      if (!inside[i]) continue;
      const uint32_t v = row[gx[i]];
      if (sign > 0) {
        col_sum[i] += v;
        col_sq[i] += v * v;
      } else {
        col_sum[i] -= v;
        col_sq[i] -= v * v;
      }
    }
  };
  for (int32_t y = max(0, y0 - half); y <= min(src.height - 1, y0 + half); ++y) add_row(y, +1);

  // This thread's outputs: its own columns c (tile) = x - x0 that lie in the
  // tile and in the page; their windows are tile columns [c, c + 2 half].
  int32_t nx[LocalPolicy::kItems];
  bool out_col[LocalPolicy::kItems];
#pragma unroll
  for (int i = 0; i < LocalPolicy::kItems; ++i) {
    const int32_t c = static_cast<int32_t>(threadIdx.x) * LocalPolicy::kItems + i;
    out_col[i] = c < tile_w && x0 + c < src.width;
    nx[i] = out_col[i] ? ops::clamped_extent(x0 + c, half, src.width) : 0;
  }
  uint32_t my_min = 255, my_std = 0;
  const int32_t y_end = min(src.height, y0 + LocalPolicy::kTileH);
  for (int32_t y = y0; y < y_end; ++y) {
    if (y > y0) {
      if (y + half < src.height) add_row(y + half, +1);
      if (y - half - 1 >= 0) add_row(y - half - 1, -1);
    }
    uint2 items[LocalPolicy::kItems], prefix[LocalPolicy::kItems], total;
#pragma unroll
    for (int i = 0; i < LocalPolicy::kItems; ++i) items[i] = make_uint2(col_sum[i], col_sq[i]);
    Scan(scan_storage).ExclusiveScan(items, prefix, make_uint2(0u, 0u), AddPair(), total);
#pragma unroll
    for (int i = 0; i < LocalPolicy::kItems; ++i) {
      prefix_sum[threadIdx.x * LocalPolicy::kItems + i] = prefix[i].x;
      prefix_sq[threadIdx.x * LocalPolicy::kItems + i] = prefix[i].y;
    }
    if (threadIdx.x == 0) {
      prefix_sum[kCols] = total.x;
      prefix_sq[kCols] = total.y;
    }
    __syncthreads();
    const int32_t ny = ops::clamped_extent(y, half, src.height);
#pragma unroll
    for (int i = 0; i < LocalPolicy::kItems; ++i) {
      if (!out_col[i]) continue;
      const int32_t lo = static_cast<int32_t>(threadIdx.x) * LocalPolicy::kItems + i;
      const int32_t hi = lo + 2 * half + 1;
      const uint32_t sum = prefix_sum[hi] - prefix_sum[lo];
      const uint32_t sq = prefix_sq[hi] - prefix_sq[lo];
      const int32_t n = nx[i] * ny;
      const int32_t x = x0 + lo;
      const uint32_t v = src.row(y)[x];
      if constexpr (M == LocalMode::kWolfStats) {
        my_min = min(my_min, v);
        my_std = max(my_std, static_cast<uint32_t>(ops::wolf_std_q(sum, sq, n)));
      } else {
        tab.pages[page].out.row(y)[x] =
            constant_page ? uint8_t{255} : ops::local_binarize(v, sum, sq, n, t);
      }
    }
    __syncthreads();  // prefixes and scan storage are rewritten next row
  }
  if constexpr (M == LocalMode::kWolfStats) {
    atomicMin(&block_min, my_min);
    atomicMax(&block_std, my_std);
    __syncthreads();
    if (threadIdx.x == 0) {
      atomicMin(&wolf_stats[kWolfMin + page], block_min);
      atomicMax(&wolf_stats[kWolfStd + page], block_std);
    }
  }
}

dim3 pixel_grid(const BinarizeTable& t, dim3 block) {
  return dim3((t.max_width + block.x - 1) / block.x, (t.max_height + block.y - 1) / block.y,
              t.count);
}

}  // namespace

Binarize::Binarize(const BinarizeParams& params, const BatchLimits& limits)
    : params_(params), limits_(limits) {}

Binarize::~Binarize() {
  cudaFree(hist_);
  cudaFree(thresholds_);
  cudaFree(wolf_stats_);
}

Status Binarize::create(const BinarizeParams& params, const BatchLimits& limits,
                        std::unique_ptr<Binarize>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate(params));
  PAGEPREP_RETURN_IF_ERROR(validate_limits("binarize", limits));
  std::unique_ptr<Binarize> op(new Binarize(params, limits));
  const size_t slots = static_cast<size_t>(std::min(std::max(1, limits.max_batch), kSlots));
  if (params.method == BinarizeMethod::kOtsu) {
    PAGEPREP_CUDA_CHECK(cudaMalloc(&op->hist_, slots * 256 * sizeof(uint32_t)));
    PAGEPREP_CUDA_CHECK(
        cudaMalloc(&op->thresholds_, std::max<size_t>(1, limits.max_batch) * sizeof(int32_t)));
  } else if (params.method == BinarizeMethod::kWolf) {
    PAGEPREP_CUDA_CHECK(cudaMalloc(&op->wolf_stats_, 2 * kSlots * sizeof(uint32_t)));
  }
  *out = std::move(op);
  return Status::ok();
}

const int32_t* Binarize::device_otsu_thresholds() const {
  return thresholds_;
}

Status Binarize::run(Stream stream, ConstGrayBatch in, GrayBatch out, const float* page_dpi) {
  PAGEPREP_RETURN_IF_ERROR(validate_binarize_batch(in, out, limits_));
  const BinarizeMethod method = params_.method;
  return for_each_launch<BinarizePage>(in.count, [&](int32_t first, int32_t n) -> Status {
    const BinarizeTable tab =
        make_launch_table<BinarizePage>(first, n, [&](int32_t i, BinarizePage* p) {
          p->in = in[i];
          p->out = out[i];
          p->half = method == BinarizeMethod::kOtsu
                        ? 0
                        : binarize_window(params_, page_dpi ? page_dpi[i] : 300.f) / 2;
          return std::pair<int32_t, int32_t>{p->in.width, p->in.height};
        });
    if (tab.max_width == 0 || tab.max_height == 0) {
      if (method == BinarizeMethod::kOtsu)  // all pages empty: thresholds -1
        PAGEPREP_CUDA_CHECK(
            cudaMemsetAsync(thresholds_ + first, 0xFF, n * sizeof(int32_t), stream));
      return Status::ok();
    }
    if (method == BinarizeMethod::kOtsu) {
      PAGEPREP_CUDA_CHECK(
          cudaMemsetAsync(hist_, 0, static_cast<size_t>(n) * 256 * sizeof(uint32_t), stream));
      const dim3 hgrid(1, (tab.max_height + HistogramPolicy::kRows - 1) / HistogramPolicy::kRows,
                       n);
      histogram_kernel<<<hgrid, HistogramPolicy::kThreads, 0, stream>>>(tab, hist_);
      PAGEPREP_CUDA_CHECK_LAUNCH(stream);
      otsu_threshold_kernel<<<n, kOtsuBlock, 0, stream>>>(hist_, thresholds_ + first);
      PAGEPREP_CUDA_CHECK_LAUNCH(stream);
      const dim3 block(PixelPolicy::kBlockX, PixelPolicy::kBlockY);
      threshold_apply_kernel<<<pixel_grid(tab, block), block, 0, stream>>>(tab,
                                                                           thresholds_ + first);
      PAGEPREP_CUDA_CHECK_LAUNCH(stream);
      return Status::ok();
    }
    LocalLaunch launch{};
    launch.k_q = ops::quantize_k(binarize_k(params_));
    launch.r_q = ops::quantize_r(params_.r);
    launch.wolf = method == BinarizeMethod::kWolf;
    // Columns per block depend on each page's window: the grid covers the
    // page that needs the most blocks; the others' extra blocks return.
    int32_t blocks_x = 1;
    for (int32_t i = 0; i < n; ++i) {
      const int32_t w = local_tile_width(tab.pages[i].half);
      blocks_x = std::max(blocks_x, (tab.pages[i].in.width + w - 1) / w);
    }
    const dim3 grid(blocks_x, (tab.max_height + LocalPolicy::kTileH - 1) / LocalPolicy::kTileH, n);
    if (launch.wolf) {
      PAGEPREP_CUDA_CHECK(
          cudaMemsetAsync(wolf_stats_ + kWolfMin, 0xFF, kSlots * sizeof(uint32_t), stream));
      PAGEPREP_CUDA_CHECK(
          cudaMemsetAsync(wolf_stats_ + kWolfStd, 0, kSlots * sizeof(uint32_t), stream));
      local_kernel<LocalMode::kWolfStats>
          <<<grid, LocalPolicy::kThreads, 0, stream>>>(tab, launch, wolf_stats_);
      PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    }
    local_kernel<LocalMode::kDecide>
        <<<grid, LocalPolicy::kThreads, 0, stream>>>(tab, launch, wolf_stats_);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    return Status::ok();
  });
}

}  // namespace pageprep::kernels::cuda
