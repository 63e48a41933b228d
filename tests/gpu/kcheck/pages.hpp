/// \file pages.hpp
/// \brief Plain C++ generated pages for the kernels-only device check: no
/// OpenCV, no fonts. Text-like strokes in lines and columns, skew, paper
/// gradient, noise, specks and an optional dark scanner border; deterministic
/// for a seed.
#pragma once

#include <cstdint>
#include <vector>

#include "pageprep/kernels/image_view.hpp"

namespace pageprep::kcheck {

/// A host page with a padded pitch (rows do not start at multiples of the
/// width, as the real decoders' pages do not).
struct HostPage {
  int32_t width = 0;
  int32_t height = 0;
  int32_t bpp = 1;  ///< bytes per pixel
  int64_t pitch = 0;
  std::vector<uint8_t> bytes;

  HostPage() = default;
  HostPage(int32_t w, int32_t h, int32_t bytes_per_pixel, uint8_t fill);
  kernels::GrayView view() { return {bytes.data(), width, height, pitch}; }
  kernels::ConstGrayView cview() const { return {bytes.data(), width, height, pitch}; }
  uint8_t* row(int32_t y) { return bytes.data() + y * pitch; }
  const uint8_t* row(int32_t y) const { return bytes.data() + y * pitch; }
  /// Same width, height and pixel bytes (padding ignored).
  bool same_pixels(const HostPage& o) const;
  /// First differing pixel (x, y) or false.
  bool first_difference(const HostPage& o, int32_t* x, int32_t* y) const;
};

struct PageSpec {
  int32_t width = 2480;
  int32_t height = 3508;
  float dpi = 300.f;
  float skew_deg = 0.f;
  float noise = 6.f;    ///< amplitude of the paper noise, gray levels
  int32_t specks = 40;  ///< isolated 1-2 px dots
  bool text = true;     ///< false: a blank page
  bool border = false;  ///< a dark band along the left edge (scanner lid)
  int32_t columns = 1;
  uint64_t seed = 1;
};

/// A gray page following `spec`.
HostPage make_page(const PageSpec& spec);

/// An interleaved colour copy of a gray page (3 or 4 bytes a pixel), tinted
/// per channel so the gray conversion has work to do.
HostPage to_colour(const HostPage& gray, int32_t bytes_per_pixel, uint64_t seed);

/// The parity set: var-shape pages at 150 and 300 dpi, skewed, a blank page,
/// a bordered page, odd and tiny shapes. `small` keeps every page under
/// 1 Mpx (for the sanitizers).
std::vector<PageSpec> parity_specs(bool small);

}  // namespace pageprep::kcheck
