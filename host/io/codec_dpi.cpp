// The DPI rule (codec.hpp): when a page's own resolution is trusted, and what
// replaces it when it is not.
#include <algorithm>
#include <cmath>

#include "io/codec.hpp"

namespace pageprep::host {

bool dpi_is_plausible(double dpi_x, double dpi_y, int64_t width, int64_t height) {
  auto in_range = [](double v) {
    return std::isfinite(v) && v >= kMinPlausibleDpi && v <= kMaxPlausibleDpi;
  };
  if (!in_range(dpi_x) || !in_range(dpi_y) || width <= 0 || height <= 0) return false;
  const double w_in = static_cast<double>(width) / dpi_x;
  const double h_in = static_cast<double>(height) / dpi_y;
  if (w_in > kMaxPageInches || h_in > kMaxPageInches) return false;
  if (std::max(dpi_x, dpi_y) > kHighDpi && std::max(w_in, h_in) < kMinHighDpiPageInches)
    return false;
  return true;
}

double estimate_dpi_from_size(int64_t width, int64_t height) {
  const double longer = static_cast<double>(std::max(width, height));
  if (!(longer > 0)) return 0;
  // Letter (11 in) and A4 (11.69 in) are the pages most scans are of.
  const double letter = longer / 11.0, a4 = longer / 11.69;
  static const double kCommon[] = {100, 150, 200, 240, 300, 400, 600, 1200};
  double best = 0, best_err = 0.03;
  for (const double c : kCommon) {
    for (const double e : {letter, a4}) {
      const double err = std::fabs(e - c) / c;
      if (err <= best_err) {
        best = c;
        best_err = err;
      }
    }
  }
  if (best == 0) best = std::round(longer / 11.35);
  if (best < kMinPlausibleDpi || best > 1200) return 0;
  return best;
}

void resolve_dpi(DecodedPage* page, double image_dpi) {
  const int64_t w = page->gray.cols, h = page->gray.rows;
  double fx = page->file_dpi_x, fy = page->file_dpi_y;
  if (!(fy > 0)) fy = fx;
  if (fx > 0 && dpi_is_plausible(fx, fy, w, h)) {
    page->dpi_x = fx;
    page->dpi_y = fy;
    page->dpi_source = DpiSource::kFile;
  } else if (image_dpi > 0) {
    page->dpi_x = page->dpi_y = image_dpi;
    page->dpi_source = DpiSource::kOption;
  } else if (const double est = estimate_dpi_from_size(w, h); est > 0) {
    page->dpi_x = page->dpi_y = est;
    page->dpi_source = DpiSource::kEstimated;
  } else {
    page->dpi_x = page->dpi_y = kDefaultDpi;
    page->dpi_source = DpiSource::kDefault;
  }
  page->dpi_from_file = page->dpi_source == DpiSource::kFile;
}

}  // namespace pageprep::host
