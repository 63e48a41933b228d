/// \file random_image.hpp
/// \brief Owned test images with optional row padding, filled from a seed.
///
/// Tests use these to build odd shapes (1x1, 1xN, Nx1, padded pitch) and to
/// poison outputs (0xFA) so unwritten pixels show up (house style §6).
#pragma once

#include <cstdint>
#include <vector>

#include "pageprep/kernels/batch.hpp"

namespace pageprep::testsupport {

constexpr uint8_t kPoison = 0xFA;

/// A host image that owns its bytes; `pad` extra bytes per row.
struct OwnedImage {
  std::vector<uint8_t> bytes;
  int32_t width = 0;
  int32_t height = 0;
  int64_t pitch = 0;
  int32_t bpp = 1;  ///< bytes per pixel

  OwnedImage() = default;
  OwnedImage(int32_t w, int32_t h, int32_t bytes_per_pixel = 1, int32_t pad = 0, uint8_t fill = 0);

  kernels::GrayView view() { return {bytes.data(), width, height, pitch}; }
  kernels::ConstGrayView cview() const { return {bytes.data(), width, height, pitch}; }
  uint8_t& at(int32_t x, int32_t y, int32_t c = 0) { return bytes[y * pitch + x * bpp + c]; }
  uint8_t at(int32_t x, int32_t y, int32_t c = 0) const { return bytes[y * pitch + x * bpp + c]; }
  /// Pixels equal, padding ignored.
  bool same_pixels(const OwnedImage& o) const;
};

/// Uniform random bytes.
OwnedImage random_image(int32_t w, int32_t h, uint64_t seed, int32_t bpp = 1, int32_t pad = 0);

/// Dark "ink" blobs and strokes on a light, slowly varying background: closer to
/// a page than uniform noise, so thresholds and components are exercised.
OwnedImage random_document(int32_t w, int32_t h, uint64_t seed, int32_t pad = 0);

/// The shapes every operation is tested on: 1x1, 1xN, Nx1, odd sizes, and a
/// small page-like size. Pair each with pad 0 and pad 13.
std::vector<std::pair<int32_t, int32_t>> odd_shapes();

/// Batch views over a set of owned images (the vectors must outlive the views).
template <typename T>
kernels::BatchView<T> batch_of(const std::vector<kernels::ImageView<T>>& views) {
  return {views.data(), static_cast<int32_t>(views.size())};
}

}  // namespace pageprep::testsupport
