#include "pipeline/page_signals.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace pageprep::host {

namespace {

double spread_of(const cv::Mat& gray, double dpi) {
  const int tile = std::max(8, static_cast<int>(dpi) / 4);
  std::vector<int> levels;
  for (int ty = 0; ty + tile <= gray.rows; ty += tile) {
    for (int tx = 0; tx + tile <= gray.cols; tx += tile) {
      int hist[256] = {};
      // Every other row and column: the 95th percentile needs no more.
      for (int y = ty; y < ty + tile; y += 2) {
        const uint8_t* row = gray.ptr<uint8_t>(y);
        for (int x = tx; x < tx + tile; x += 2) ++hist[row[x]];
      }
      const int samples = ((tile + 1) / 2) * ((tile + 1) / 2);
      const int rank = samples * 95 / 100;
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

double noise_of(const cv::Mat& gray) {
  // Paper pixels: brighter than the page median minus a margin, so ink edges
  // do not count as noise. Every 4th row keeps this to a few milliseconds.
  int hist[256] = {};
  for (int y = 0; y < gray.rows; y += 8) {
    const uint8_t* r = gray.ptr<uint8_t>(y);
    for (int x = 0; x < gray.cols; x += 8) ++hist[r[x]];
  }
  int total = 0;
  for (int v : hist) total += v;
  int acc = 0, median = 0;
  for (; median < 255; ++median) {
    acc += hist[median];
    if (2 * acc >= total) break;
  }
  const int floor_level = median - 40;
  int dh[256] = {};
  int n = 0;
  for (int y = 0; y < gray.rows; y += 4) {
    const uint8_t* r = gray.ptr<uint8_t>(y);
    for (int x = 0; x + 1 < gray.cols; x += 2) {
      if (r[x] < floor_level || r[x + 1] < floor_level) continue;
      ++dh[std::abs(int(r[x]) - int(r[x + 1]))];
      ++n;
    }
  }
  if (n == 0) return 0;
  acc = 0;
  int mad = 0;
  for (; mad < 255; ++mad) {
    acc += dh[mad];
    if (2 * acc >= n) break;
  }
  // |a - b| of two N(0, s^2) samples has median 0.954 s; the histogram
  // median is an integer, +0.5 centres it.
  return (mad + 0.5) / 0.954;
}

}  // namespace

PageSignals measure_page_signals(const cv::Mat& gray, double dpi) {
  PageSignals s;
  if (gray.empty() || gray.type() != CV_8UC1) return s;
  s.background_spread = spread_of(gray, dpi > 0 ? dpi : 300);
  s.noise_sigma = noise_of(gray);
  return s;
}

bool choose_binary_for_ocr(const PageSignals& s, int64_t specks_removed, int64_t pixels) {
  if (s.background_spread > kUnevenLightSpread) return true;
  const double per_mpx =
      pixels > 0 ? static_cast<double>(specks_removed) * 1e6 / static_cast<double>(pixels) : 0;
  return per_mpx > kSpecksPerMegapixel && s.noise_sigma < kNoisySigma;
}

const cv::Mat& gray_for_ocr(const cv::Mat& gray, bool resampled, cv::Mat* into) {
  if (resampled || gray.empty()) return gray;
  cv::GaussianBlur(gray, *into, cv::Size(3, 3), 0, 0, cv::BORDER_REPLICATE);
  return *into;
}

}  // namespace pageprep::host
