/// \file image_view.hpp
/// \brief Non-owning views of pitched 2-D images, usable on host and device.
///
/// `pitch` is in bytes and may exceed `width * sizeof(T)` (padded rows). A view
/// with width or height 0 is empty and valid. Views never own memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "pageprep/kernels/hd.hpp"

namespace pageprep::kernels {

template <typename T>
struct ImageView {
  T* data = nullptr;
  int32_t width = 0;
  int32_t height = 0;
  int64_t pitch = 0;  ///< bytes between row starts

  PAGEPREP_HD T* row(int32_t y) const {
    using Byte = std::conditional_t<std::is_const_v<T>, const unsigned char, unsigned char>;
    return reinterpret_cast<T*>(reinterpret_cast<Byte*>(data) + static_cast<int64_t>(y) * pitch);
  }
  PAGEPREP_HD T& at(int32_t x, int32_t y) const { return row(y)[x]; }
  PAGEPREP_HD bool empty() const { return width <= 0 || height <= 0; }
  PAGEPREP_HD bool contains(int32_t x, int32_t y) const {
    return x >= 0 && y >= 0 && x < width && y < height;
  }
};

using GrayView = ImageView<uint8_t>;
using ConstGrayView = ImageView<const uint8_t>;

/// A const view of the same pixels.
template <typename T>
PAGEPREP_HD inline ImageView<const T> as_const(const ImageView<T>& v) {
  return {v.data, v.width, v.height, v.pitch};
}

/// Clamp-to-edge read, the border rule of every window operation in pageprep.
template <typename T>
PAGEPREP_HD inline T read_clamped(const ImageView<T>& img, int32_t x, int32_t y) {
  x = x < 0 ? 0 : (x >= img.width ? img.width - 1 : x);
  y = y < 0 ? 0 : (y >= img.height ? img.height - 1 : y);
  return img.row(y)[x];
}

}  // namespace pageprep::kernels
