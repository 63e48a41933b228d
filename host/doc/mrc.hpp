/// \file mrc.hpp
/// \brief Mixed raster content (--pdf-image mrc): a page as a 1-bit text mask
/// at the master's resolution over a reduced-resolution background image.
///
/// Contract:
/// - The mask is the master binarized with the run's own Sauvola (kernels/,
///   the same math as the cleaned page), on the master's own pixel grid, so
///   it lies exactly over the background and the text layer. Ink components
///   larger than kMaxGlyphInches on both sides (halftone areas, photos, dark
///   surrounds) are left to the background, so pictures keep their tone, and
///   so are specks under kMinMarkPixelsAt300.
/// - The mask is CCITT G4 (PDF /CCITTFaxDecode, /K -1), drawn as a stencil
///   (/ImageMask) in black. The background is the master (colour kept) with
///   the mask's pixels filled from the paper around them, reduced to about
///   kBackgroundDpi and JPEG-coded at kBackgroundQuality.
/// - Deterministic: the same master gives the same bytes.
/// - Errors: make_mrc_layers() throws std::runtime_error (the document
///   assembly turns it into a document error).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace pageprep::host {

constexpr double kBackgroundDpi = 100.0;
constexpr int kBackgroundQuality = 50;
constexpr double kMaxGlyphInches = 0.4;
/// Ink components smaller than this many pixels at 300 dpi (scaled with the
/// square of the resolution) are specks, left to the background.
constexpr double kMinMarkPixelsAt300 = 6.0;

struct MrcLayers {
  int32_t width = 0, height = 0;  ///< the mask's (the master's) size
  std::vector<uint8_t> mask_g4;   ///< raw CCITT G4 data, 0 = white, black = ink
  int32_t bg_width = 0, bg_height = 0;
  int32_t bg_channels = 1;       ///< 1 gray, 3 RGB
  std::vector<uint8_t> bg_jpeg;  ///< JFIF
};

/// `master`: the decoded master, CV_8UC1 gray or CV_8UC3 BGR.
MrcLayers make_mrc_layers(const cv::Mat& master, double dpi);

/// The strip data of a one-strip TIFF (as tiff_encode writes bilevel pages):
/// the raw G4 stream a PDF can hold. Throws when the TIFF is not one strip.
std::vector<uint8_t> single_strip_of_tiff(const std::vector<uint8_t>& tiff);

}  // namespace pageprep::host
