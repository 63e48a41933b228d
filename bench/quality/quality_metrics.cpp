#include "quality_metrics.hpp"

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
  if (gray.empty() || gray.type() != CV_8UC1) return 0;
  const int tile = std::max(8, dpi / 4);
  std::vector<int> levels;
  for (int ty = 0; ty + tile <= gray.rows; ty += tile) {
    for (int tx = 0; tx + tile <= gray.cols; tx += tile) {
      int hist[256] = {};
      for (int y = ty; y < ty + tile; ++y) {
        const uint8_t* row = gray.ptr<uint8_t>(y);
        for (int x = tx; x < tx + tile; ++x) ++hist[row[x]];
      }
      const int rank = (tile * tile * 95) / 100;
      int acc = 0, v = 0;
      for (; v < 255; ++v) {
        acc += hist[v];
        if (acc > rank) break;
      }
      levels.push_back(v);
    }
  }
  if (levels.empty()) return 0;
  std::sort(levels.begin(), levels.end());
  const auto at = [&](double q) {
    return levels[static_cast<size_t>(q * static_cast<double>(levels.size() - 1))];
  };
  const double p90 = at(0.9), p30 = at(0.3);
  return p90 > 0 ? (p90 - p30) / p90 : 0.0;
}

}  // namespace pageprep::quality
