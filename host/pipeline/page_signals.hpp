/// \file page_signals.hpp
/// \brief Cheap measurements of a raw page that decide, per page, what
/// Tesseract is handed (docs/QUALITY.md has the numbers behind the rule).
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>

namespace pageprep::host {

struct PageSignals {
  /// Uneven illumination: (p90 - p30) / p90 of per-tile paper levels (95th
  /// percentile of each quarter-inch tile). 0 on evenly lit pages; measured
  /// 0.000-0.004 on every generated class without uneven light and
  /// 0.087-0.177 with it.
  double background_spread = 0;
  /// Gaussian noise in gray levels, from the median absolute difference of
  /// horizontal neighbours on paper pixels (robust to ink edges).
  double noise_sigma = 0;
};

PageSignals measure_page_signals(const cv::Mat& gray, double dpi);

/// Thresholds of the per-page OCR-input rule (choose_binary_for_ocr).
constexpr double kUnevenLightSpread = 0.08;
constexpr double kSpecksPerMegapixel = 20.0;
/// The estimate reads low on near-white paper (clipping at 255): measured
/// 0.5 on clean pages, 6.8 and 8.9 on generated sigma 15 and 25 noise.
constexpr double kNoisySigma = 5.0;

/// True when Tesseract should read the binarized, despeckled page rather than
/// the deskewed gray one: on unevenly lit pages (Tesseract drops darkened text
/// from gray input), and on speckled pages (many specks removed) that are not
/// merely noisy (Gaussian noise also yields specks in the binary, but there
/// the gray page reads better).
bool choose_binary_for_ocr(const PageSignals& s, int64_t specks_removed, int64_t pixels);

/// The gray page Tesseract reads when the rule picks gray. A deskewed page
/// was resampled (bilinear), which low-passes it; a page whose angle rounds
/// to zero is no longer resampled (executor.hpp, should_deskew), and without
/// that low-pass Tesseract read the unskewed classes of the quality corpus a
/// little worse (docs/QUALITY.md). So a page that was not resampled gets a
/// 3x3 Gaussian (binomial) low-pass for OCR only: `into` receives it and is
/// returned; a resampled page is returned as it is. A few ms per A4 page.
const cv::Mat& gray_for_ocr(const cv::Mat& gray, bool resampled, cv::Mat* into);

}  // namespace pageprep::host
