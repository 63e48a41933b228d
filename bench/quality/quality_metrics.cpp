#include "quality_metrics.hpp"

#include "pipeline/page_signals.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace pageprep::quality {

BinaryScore score_binary(const cv::Mat& ours, const cv::Mat& truth) {
  BinaryScore s;
  if (ours.size() != truth.size() || ours.type() != CV_8UC1 || truth.type() != CV_8UC1) return s;
  int64_t tp = 0, fp = 0, fn = 0;
  for (int y = 0; y < truth.rows; ++y) {
    const uint8_t* a = ours.ptr<uint8_t>(y);
    const uint8_t* b = truth.ptr<uint8_t>(y);
    for (int x = 0; x < truth.cols; ++x) {
      const bool oi = a[x] < 128, ti = b[x] < 128;
      tp += oi && ti;
      fp += oi && !ti;
      fn += !oi && ti;
    }
  }
  if (tp + fn > 0) {
    const double p = tp + fp > 0 ? static_cast<double>(tp) / static_cast<double>(tp + fp) : 0.0;
    const double r = static_cast<double>(tp) / static_cast<double>(tp + fn);
    s.fmeasure = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
  }
  const double diff = static_cast<double>(fp + fn) / static_cast<double>(truth.total());
  s.psnr = diff > 0 ? std::min(60.0, -10.0 * std::log10(diff)) : 60.0;
  return s;
}

double background_spread(const cv::Mat& gray, int dpi) {
  return host::measure_page_signals(gray, dpi).background_spread;
}

}  // namespace pageprep::quality
