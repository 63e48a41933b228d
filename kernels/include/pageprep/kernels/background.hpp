/// \file background.hpp
/// \brief Background normalization: flattens uneven illumination and yellowed
/// or low-contrast paper before binarization (Leptonica pixBackgroundNorm in
/// spirit).
///
/// Contract:
/// - Input: 8-bit gray pages; output: pages of the same sizes (no aliasing).
/// - The paper level is estimated per T x T tile (mean of the tile's brightest
///   quarter, so ink is ignored), closed (3x3 max then min over tiles: fills
///   dark areas up to two tiles wide, e.g. bold headings), smoothed (3x3 mean),
///   and each pixel is multiplied by target / background, the gain interpolated
///   bilinearly between tile centres. Paper then sits at about `target`; ink
///   keeps its contrast ratio to the paper, so it stays dark. Backgrounds darker
///   than 32 are treated as 32 (gain at most target/32). Details and fixed
///   point: ops/background_ops.hpp. CPU and CUDA give identical bits.
/// - `page_dpi`: optional host array of `count` resolutions (nullptr or a
///   non-positive entry: 300 dpi); it sets T when BackgroundParams::tile is 0.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/ops/background_ops.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

struct BackgroundParams {
  /// Tile side in pixels, 8..1024. 0 scales with resolution:
  /// 2 * round(16 * dpi / 300), i.e. 32 at 300 dpi, 64 at 600 dpi, clamped to
  /// kMinAutoBackgroundTile..256 (background_tile()).
  int32_t tile = 0;
  /// Gray level the paper is mapped to, 32..255; 230..250 suits OCR (paper
  /// texture stays below 255 instead of clipping).
  uint8_t target = 240;
};

constexpr int32_t kMinAutoBackgroundTile = 16;

Status validate(const BackgroundParams& params);

/// The tile side used for a page of `dpi`.
int32_t background_tile(const BackgroundParams& params, float dpi);

/// Tiles along a side of `size` pixels: ceil(size / tile), at least 1.
inline int32_t background_tiles(int32_t size, int32_t tile) {
  return ops::tile_count(size, tile);
}

/// Same count and sizes, pages within `limits`.
Status validate_background_batch(ConstGrayBatch in, GrayBatch out, const BatchLimits& limits);

namespace cpu {

/// CPU background normalization; tiles and rows spread over the pool. The
/// workspace (tile maps for the largest page at the smallest tile) is sized at
/// create().
class BackgroundNormalize {
 public:
  static Status create(const BackgroundParams& params, const BatchLimits& limits,
                       std::unique_ptr<BackgroundNormalize>* out);

  Status run(ThreadPool& pool, ConstGrayBatch in, GrayBatch out, const float* page_dpi = nullptr);

  const BackgroundParams& params() const { return params_; }

 private:
  BackgroundNormalize(const BackgroundParams& params, const BatchLimits& limits);
  void run_page(ThreadPool& pool, ConstGrayView in, GrayView out, int32_t tile);

  BackgroundParams params_;
  BatchLimits limits_;
  std::vector<int32_t> map_a_, map_b_;  // tile maps, ping-pong
  std::vector<int32_t> column_weight_;  // horizontal bilinear weight per column
  std::vector<int32_t> segment_start_;  // first column of each run sharing a tap pair
  std::vector<ops::Tap> segment_tap_;   // that run's tap pair
  std::vector<int32_t> row_gain_;       // kMaxChunks slices of tiles_x vertical gains
  int32_t max_tiles_x_ = 0;
};

}  // namespace cpu

namespace cuda {

/// CUDA background normalization, stream-ordered; `in`/`out` hold device
/// pointers, `page_dpi` is a host array. Workspace: two int32 tile maps per
/// page slot (one launch's pages at most, reused across slices), sized
/// at create() for the largest page at the smallest tile: about 0.5 MiB per
/// page slot for A4 at 600 dpi with 16 px tiles.
class BackgroundNormalize {
 public:
  static Status create(const BackgroundParams& params, const BatchLimits& limits,
                       std::unique_ptr<BackgroundNormalize>* out);
  ~BackgroundNormalize();
  BackgroundNormalize(const BackgroundNormalize&) = delete;
  BackgroundNormalize& operator=(const BackgroundNormalize&) = delete;

  Status run(Stream stream, ConstGrayBatch in, GrayBatch out, const float* page_dpi = nullptr);

  const BackgroundParams& params() const { return params_; }

 private:
  BackgroundNormalize(const BackgroundParams& params, const BatchLimits& limits);

  BackgroundParams params_;
  BatchLimits limits_;
  int64_t map_stride_ = 0;    // int32 entries per page slot
  int32_t* map_a_ = nullptr;  // device
  int32_t* map_b_ = nullptr;  // device
};

}  // namespace cuda
}  // namespace pageprep::kernels
