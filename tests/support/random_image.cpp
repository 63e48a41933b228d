#include "support/random_image.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace pageprep::testsupport {

OwnedImage::OwnedImage(int32_t w, int32_t h, int32_t bytes_per_pixel, int32_t pad, uint8_t fill)
    : width(w),
      height(h),
      pitch(static_cast<int64_t>(w) * bytes_per_pixel + pad),
      bpp(bytes_per_pixel) {
  bytes.assign(static_cast<size_t>(std::max<int64_t>(1, pitch * h)), fill);
}

bool OwnedImage::same_pixels(const OwnedImage& o) const {
  if (o.width != width || o.height != height || o.bpp != bpp) return false;
  for (int32_t y = 0; y < height; ++y)
    if (!std::equal(bytes.begin() + y * pitch, bytes.begin() + y * pitch + width * bpp,
                    o.bytes.begin() + y * o.pitch))
      return false;
  return true;
}

OwnedImage random_image(int32_t w, int32_t h, uint64_t seed, int32_t bpp, int32_t pad) {
  OwnedImage img(w, h, bpp, pad, kPoison);
  std::mt19937_64 rng(seed);
  for (int32_t y = 0; y < h; ++y)
    for (int32_t x = 0; x < w * bpp; ++x)
      img.bytes[y * img.pitch + x] = static_cast<uint8_t>(rng());
  return img;
}

OwnedImage random_document(int32_t w, int32_t h, uint64_t seed, int32_t pad) {
  OwnedImage img(w, h, 1, pad, kPoison);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double phase = u(rng) * 6.28;
  for (int32_t y = 0; y < h; ++y)
    for (int32_t x = 0; x < w; ++x) {
      const double bg = 200.0 + 30.0 * std::sin(phase + 0.01 * x + 0.007 * y);
      img.at(x, y) = static_cast<uint8_t>(std::clamp(bg + 8.0 * (u(rng) - 0.5), 0.0, 255.0));
    }
  const int blobs = std::max(1, w * h / 400);
  for (int b = 0; b < blobs; ++b) {
    const int32_t cx = static_cast<int32_t>(u(rng) * w), cy = static_cast<int32_t>(u(rng) * h);
    const int32_t rw = 1 + static_cast<int32_t>(u(rng) * 6),
                  rh = 1 + static_cast<int32_t>(u(rng) * 6);
    const uint8_t ink = static_cast<uint8_t>(20 + u(rng) * 60);
    for (int32_t y = cy; y < std::min(h, cy + rh); ++y)
      for (int32_t x = cx; x < std::min(w, cx + rw); ++x) img.at(x, y) = ink;
  }
  return img;
}

std::vector<std::pair<int32_t, int32_t>> odd_shapes() {
  return {{1, 1}, {1, 37}, {53, 1}, {2, 2}, {3, 5}, {31, 17}, {64, 64}, {127, 129}, {257, 191}};
}

}  // namespace pageprep::testsupport
