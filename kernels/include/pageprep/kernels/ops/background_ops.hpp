/// \file background_ops.hpp
/// \brief Shared math of background normalization, used by the CPU and CUDA
/// schedules. Integer arithmetic only, so both give the same bits.
///
/// The pipeline (Leptonica's pixBackgroundNorm idea, with a quantile instead of
/// a fixed ink threshold and bilinear instead of blocky application):
/// 1. tile_background16(): each T x T tile's paper level is the mean of its
///    brightest quarter of pixels (dark ink is ignored as long as it covers
///    less than three quarters of the tile), in 1/16 gray levels.
/// 2. map_filter_at(): a 3x3 closing of the tile map (max, then min) fills dark
///    holes up to two tiles wide (large ink areas), then a 3x3 mean smooths it.
///    Neighbourhoods are clamped to the map.
/// 3. gain_q12(): the map becomes a gain target / background in 1/4096 units;
///    backgrounds are clamped to at least kMinBackground so nearly black tiles
///    get at most ~8x gain.
/// 4. interpolate_gain() / normalize_pixel(): the gain is interpolated
///    bilinearly between tile centres (vertical, then horizontal, each rounded)
///    and applied: out = min(255, round(v * gain)).
#pragma once

#include <cstdint>

#include "pageprep/kernels/hd.hpp"

namespace pageprep::kernels::ops {

constexpr int32_t kBackgroundFrac = 16;  ///< tile background fixed point: 1/16 gray
constexpr int32_t kGainShift = 12;       ///< gain fixed point: 1/4096
constexpr int32_t kMinBackground = 32;   ///< backgrounds below this many grays are clamped
constexpr int32_t kWeightShift = 8;      ///< bilinear weights in 1/256

/// Tiles along a side of `size` pixels: ceil(size / tile), at least 1.
PAGEPREP_HD inline int32_t tile_count(int32_t size, int32_t tile) {
  return size <= 0 ? 1 : (size + tile - 1) / tile;
}

/// Mean of the brightest ceil(count/4) pixels of a tile from its histogram, in
/// 1/16 gray levels, rounded. `count` > 0.
PAGEPREP_HD inline int32_t tile_background16(const uint32_t* hist, uint32_t count) {
  const uint32_t want = (count + 3) / 4;
  uint32_t taken = 0;
  uint64_t sum = 0;
  for (int32_t g = 255; g >= 0 && taken < want; --g) {
    const uint32_t take = hist[g] < want - taken ? hist[g] : want - taken;
    taken += take;
    sum += static_cast<uint64_t>(take) * static_cast<uint64_t>(g);
  }
  return static_cast<int32_t>((sum * kBackgroundFrac + want / 2) / want);
}

/// Operations of the map filter, applied in this order.
enum class MapFilter : int32_t { kMax3x3, kMin3x3, kMean3x3 };

/// Filters tile (i, j) of a tiles_x by tiles_y map (row-major, no padding).
template <MapFilter F>
PAGEPREP_HD inline int32_t map_filter_at(const int32_t* map, int32_t tiles_x, int32_t tiles_y,
                                         int32_t i, int32_t j) {
  const int32_t i0 = i > 0 ? i - 1 : 0, i1 = i + 1 < tiles_x ? i + 1 : tiles_x - 1;
  const int32_t j0 = j > 0 ? j - 1 : 0, j1 = j + 1 < tiles_y ? j + 1 : tiles_y - 1;
  int32_t acc = F == MapFilter::kMin3x3 ? 0x7fffffff : (F == MapFilter::kMax3x3 ? -1 : 0);
  for (int32_t y = j0; y <= j1; ++y)
    for (int32_t x = i0; x <= i1; ++x) {
      const int32_t v = map[y * tiles_x + x];
      if constexpr (F == MapFilter::kMax3x3) {
        acc = v > acc ? v : acc;
      } else if constexpr (F == MapFilter::kMin3x3) {
        acc = v < acc ? v : acc;
      } else {
        acc += v;
      }
    }
  if constexpr (F == MapFilter::kMean3x3) {
    const int32_t n = (i1 - i0 + 1) * (j1 - j0 + 1);
    acc = (acc + n / 2) / n;
  }
  return acc;
}

/// Gain target / background in 1/4096 units, background in 1/16 levels,
/// clamped to >= kMinBackground. At most 255 * 4096 / 32 < 2^15.
PAGEPREP_HD inline int32_t gain_q12(int32_t background16, int32_t target) {
  const int32_t bg = background16 < kMinBackground * kBackgroundFrac
                         ? kMinBackground * kBackgroundFrac
                         : background16;
  return (target * (kBackgroundFrac << kGainShift) + bg / 2) / bg;
}

/// Bilinear tap along one axis: tile centres sit at c_i = i*T + (T-1)/2. Pixel
/// p lies between centres i0 and i1 = min(i0+1, n-1) with weight w/256 on i1;
/// before the first centre and after the last the nearest centre is used.
struct Tap {
  int32_t i0;
  int32_t i1;
  int32_t w;
};

PAGEPREP_HD inline Tap bilinear_tap(int32_t p, int32_t tile, int32_t tiles) {
  // In half-pixel units: 2p - (T-1) relative to centre 0, one tile = 2T.
  const int32_t num = 2 * p - (tile - 1);
  if (num <= 0) return {0, 0, 0};
  const int32_t i0 = num / (2 * tile);
  if (i0 >= tiles - 1) return {tiles - 1, tiles - 1, 0};
  const int32_t rem = num - i0 * 2 * tile;
  return {i0, i0 + 1, (rem << kWeightShift) / (2 * tile)};
}

/// (a (256 - w) + b w) / 256, rounded; a, b < 2^15.
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t lerp_q8(int32_t a, int32_t b, int32_t w) {
  return (a * ((1 << kWeightShift) - w) + b * w + (1 << (kWeightShift - 1))) >> kWeightShift;
}

/// The gain at a pixel: vertical interpolation between tile rows, then
/// horizontal. The CPU schedule hoists the vertical step per row; this order is
/// the definition.
PAGEPREP_HD inline int32_t interpolate_gain(const int32_t* gain, int32_t tiles_x, const Tap& tx,
                                            const Tap& ty) {
  const int32_t* r0 = gain + ty.i0 * tiles_x;
  const int32_t* r1 = gain + ty.i1 * tiles_x;
  const int32_t g0 = lerp_q8(r0[tx.i0], r1[tx.i0], ty.w);
  const int32_t g1 = lerp_q8(r0[tx.i1], r1[tx.i1], ty.w);
  return lerp_q8(g0, g1, tx.w);
}

/// min(255, round(v * gain / 4096)).
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t normalize_pixel(uint32_t v, int32_t gain) {
  const uint32_t o = (v * static_cast<uint32_t>(gain) + (1u << (kGainShift - 1))) >> kGainShift;
  return static_cast<uint8_t>(o > 255u ? 255u : o);
}

}  // namespace pageprep::kernels::ops
