/// \file quality_metrics.hpp
/// \brief Image-side measurements of the quality harness: binarization
/// accuracy against the generator's clean binary, and a page signal for
/// uneven illumination.
#pragma once

#include <opencv2/core/mat.hpp>

namespace pageprep::quality {

/// Binarization accuracy of `ours` against `truth` (both CV_8UC1 of one size;
/// a value < 128 is ink). F-measure of the ink class (2PR / (P + R); -1 when
/// the truth has no ink), and PSNR in dB with 0/255 pixels: -10 log10(share
/// of differing pixels), capped at 60 dB for identical pages.
struct BinaryScore {
  double fmeasure = -1;
  double psnr = 0;
};

BinaryScore score_binary(const cv::Mat& ours, const cv::Mat& truth);

/// Uneven-illumination signal of a raw gray page, as `pageprep run` measures
/// it (host::measure_page_signals): the paper level of each quarter-inch tile
/// (its 95th percentile, so ink is ignored), then (P90 - P30) / P90 over the tiles. Uniform paper
/// (any colour): ~0; a page darkening towards one corner: 0.1-0.5. P30 rather than the minimum so a
/// photo or dark borders covering under ~30% of the page do not count.
double background_spread(const cv::Mat& gray, int dpi);

}  // namespace pageprep::quality
