// Curled book pages with a known displacement field (page_curl.hpp).
#include "support/page_curl.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace pageprep::testsupport {

double curl_displacement(const CurlSpec& spec, int width, int height, double x, double y) {
  if (width <= 1 || height <= 1) return 0;
  const double u = spec.binding_right ? x / (width - 1) : 1.0 - x / (width - 1);
  const double f = std::clamp(spec.flat_fraction, 0.0, 0.999);
  const double s = std::clamp((u - f) / (1.0 - f), 0.0, 1.0);
  const double g = (1.0 - spec.spread) + 2.0 * spec.spread * std::clamp(y / (height - 1), 0.0, 1.0);
  return spec.depth_px * s * s * g;
}

double curl_truth_v(const CurlSpec& spec, int width, int height, double x, double y) {
  double v = curl_displacement(spec, width, height, x, y);
  for (int k = 0; k < 8; ++k) v = curl_displacement(spec, width, height, x, y + v);
  return v;
}

cv::Mat curl_page(const cv::Mat& flat, const CurlSpec& spec) {
  if (flat.empty() || (flat.type() != CV_8UC1 && flat.type() != CV_8UC3) || !(spec.depth_px >= 0) ||
      !(spec.spread >= 0 && spec.spread <= 1) ||
      !(spec.flat_fraction >= 0 && spec.flat_fraction <= 1) ||
      !(spec.shadow_depth >= 0 && spec.shadow_depth <= 1) || !(spec.shadow_width_px > 0))
    return {};
  const int w = flat.cols, h = flat.rows;
  cv::Mat map_x(h, w, CV_32F), map_y(h, w, CV_32F);
  for (int y = 0; y < h; ++y) {
    float* mx = map_x.ptr<float>(y);
    float* my = map_y.ptr<float>(y);
    for (int x = 0; x < w; ++x) {
      mx[x] = static_cast<float>(x);
      my[x] = static_cast<float>(y - curl_displacement(spec, w, h, x, y));
    }
  }
  cv::Mat gray = flat;
  if (flat.channels() == 3) cv::cvtColor(flat, gray, cv::COLOR_BGR2GRAY);
  double lo = 0, hi = 0;
  cv::minMaxLoc(gray, &lo, &hi);
  cv::Mat out;
  cv::remap(flat, out, map_x, map_y, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(hi));
  if (spec.shadow_depth > 0) {
    for (int y = 0; y < h; ++y) {
      uint8_t* r = out.ptr<uint8_t>(y);
      for (int x = 0; x < w; ++x) {
        const double dist = spec.binding_right ? (w - 1 - x) : x;
        const double q = dist / spec.shadow_width_px;
        const double k = 1.0 - spec.shadow_depth * std::exp(-q * q);
        for (int c = 0; c < out.channels(); ++c) {
          uint8_t& p = r[x * out.channels() + c];
          p = cv::saturate_cast<uint8_t>(p * k);
        }
      }
    }
  }
  return out;
}

}  // namespace pageprep::testsupport
