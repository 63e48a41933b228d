/// \file denoise_reference.hpp
/// \brief Test-only: binary test pages and a plain breadth-first-search
/// reference of 8-connected ink components, for the despeckle and border tests
/// (unit and parity).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "pageprep/kernels/denoise.hpp"
#include "support/random_image.hpp"

namespace pageprep::testsupport {

/// 0/255 page: each pixel is ink with probability `density`, then `rects`
/// random ink rectangles of side up to `max_rect` (some at the edges).
inline OwnedImage random_binary(int32_t w, int32_t h, uint64_t seed, double density,
                                int32_t pad = 0, int32_t rects = 0, int32_t max_rect = 1) {
  OwnedImage img(w, h, 1, pad, kPoison);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int32_t y = 0; y < h; ++y)
    for (int32_t x = 0; x < w; ++x) img.at(x, y) = u(rng) < density ? 0 : 255;
  for (int32_t r = 0; r < rects; ++r) {
    const int32_t rw = 1 + static_cast<int32_t>(u(rng) * max_rect);
    const int32_t rh = 1 + static_cast<int32_t>(u(rng) * max_rect);
    int32_t x0 = static_cast<int32_t>(u(rng) * w) - rw / 2;
    int32_t y0 = static_cast<int32_t>(u(rng) * h) - rh / 2;
    if (u(rng) < 0.3) x0 = u(rng) < 0.5 ? 0 : w - rw;  // glued to an edge
    for (int32_t y = std::max(0, y0); y < std::min(h, y0 + rh); ++y)
      for (int32_t x = std::max(0, x0); x < std::min(w, x0 + rw); ++x) img.at(x, y) = 0;
  }
  return img;
}

/// Sets the rectangle [x0, x0 + w) x [y0, y0 + h) to `value`.
inline void fill_rect(OwnedImage* img, int32_t x0, int32_t y0, int32_t w, int32_t h,
                      uint8_t value) {
  for (int32_t y = y0; y < y0 + h; ++y)
    for (int32_t x = x0; x < x0 + w; ++x) img->at(x, y) = value;
}

struct RefComponent {
  int64_t area = 0;
  int32_t min_x = 0, max_x = 0, min_y = 0, max_y = 0;
  bool touches_edge = false;
};

/// 8-connected components of ink (value < 128) by breadth-first search.
struct RefComponents {
  std::vector<int32_t> id;  ///< per pixel (y * w + x), -1 for paper
  std::vector<RefComponent> comps;
};

inline RefComponents reference_components(const OwnedImage& img) {
  const int32_t w = img.width, h = img.height;
  RefComponents r;
  r.id.assign(static_cast<size_t>(w) * h, -1);
  std::deque<std::pair<int32_t, int32_t>> queue;
  for (int32_t sy = 0; sy < h; ++sy)
    for (int32_t sx = 0; sx < w; ++sx) {
      if (img.at(sx, sy) >= 128 || r.id[sy * w + sx] >= 0) continue;
      const int32_t c = static_cast<int32_t>(r.comps.size());
      RefComponent comp;
      comp.min_x = comp.max_x = sx;
      comp.min_y = comp.max_y = sy;
      r.id[sy * w + sx] = c;
      queue.push_back({sx, sy});
      while (!queue.empty()) {
        const auto [x, y] = queue.front();
        queue.pop_front();
        ++comp.area;
        comp.min_x = std::min(comp.min_x, x);
        comp.max_x = std::max(comp.max_x, x);
        comp.min_y = std::min(comp.min_y, y);
        comp.max_y = std::max(comp.max_y, y);
        comp.touches_edge |= x == 0 || y == 0 || x == w - 1 || y == h - 1;
        for (int32_t dy = -1; dy <= 1; ++dy)
          for (int32_t dx = -1; dx <= 1; ++dx) {
            const int32_t nx = x + dx, ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            if (img.at(nx, ny) >= 128 || r.id[ny * w + nx] >= 0) continue;
            r.id[ny * w + nx] = c;
            queue.push_back({nx, ny});
          }
      }
      r.comps.push_back(comp);
    }
  return r;
}

/// The documented despeckle result: components of area <= max_area erased.
inline OwnedImage reference_despeckle(const OwnedImage& img, int64_t max_area, int64_t* removed) {
  const RefComponents rc = reference_components(img);
  OwnedImage out = img;
  *removed = 0;
  for (const auto& c : rc.comps) *removed += c.area <= max_area;
  for (int32_t y = 0; y < img.height; ++y)
    for (int32_t x = 0; x < img.width; ++x) {
      const int32_t c = rc.id[y * img.width + x];
      if (c >= 0 && rc.comps[c].area <= max_area) out.at(x, y) = 255;
    }
  return out;
}

/// The documented border rule, evaluated in double precision (the fill ratio
/// with the documented 16.16 rounding of min_fill).
inline bool reference_is_border(const RefComponent& c, const kernels::BorderParams& p, int32_t w,
                                int32_t h) {
  if (!c.touches_edge) return false;
  const double span_x = c.max_x - c.min_x + 1.0, span_y = c.max_y - c.min_y + 1.0;
  if (span_x >= static_cast<double>(p.min_span_fraction) * w) return true;
  if (span_y >= static_cast<double>(p.min_span_fraction) * h) return true;
  if (std::min(span_x, span_y) < static_cast<double>(p.min_solid_fraction) * std::min(w, h))
    return false;
  const double fill_q16 = std::round(static_cast<double>(p.min_fill) * 65536.0);
  return static_cast<double>(c.area) * 65536.0 >= fill_q16 * span_x * span_y;
}

inline OwnedImage reference_border(const OwnedImage& img, const kernels::BorderParams& p,
                                   int64_t* removed_pixels) {
  const RefComponents rc = reference_components(img);
  OwnedImage out = img;
  *removed_pixels = 0;
  std::vector<bool> border(rc.comps.size());
  for (size_t c = 0; c < rc.comps.size(); ++c)
    border[c] = reference_is_border(rc.comps[c], p, img.width, img.height);
  for (int32_t y = 0; y < img.height; ++y)
    for (int32_t x = 0; x < img.width; ++x) {
      const int32_t c = rc.id[y * img.width + x];
      if (c >= 0 && border[c]) {
        out.at(x, y) = 255;
        ++*removed_pixels;
      }
    }
  return out;
}

inline int64_t count_ink(const OwnedImage& img) {
  int64_t n = 0;
  for (int32_t y = 0; y < img.height; ++y)
    for (int32_t x = 0; x < img.width; ++x) n += img.at(x, y) < 128;
  return n;
}

/// Shapes for component tests: odd_shapes() plus pages taller than several
/// CPU bands and wider than several CUDA tiles.
inline std::vector<std::pair<int32_t, int32_t>> component_shapes() {
  auto s = odd_shapes();
  s.push_back({1, 100});
  s.push_back({100, 1});
  s.push_back({33, 97});
  s.push_back({301, 263});
  return s;
}

}  // namespace pageprep::testsupport
