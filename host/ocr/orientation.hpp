/// \file orientation.hpp
/// \brief Page orientation (0/90/180/270) and script detection, and routing a
/// script to an installed Tesseract language.
///
/// Contract:
/// - OrientationDetector wraps one Tesseract instance loaded with "osd"
///   (tesseract-ocr-osd). Like OcrEngine it is created once per worker thread
///   and used only by that thread (TessBaseAPI is not thread-safe).
/// - detect() takes an 8-bit gray or 0/255 binary page, upright or turned by a
///   quarter turn, and returns what Tesseract's orientation-and-script
///   detection (PSM_OSD_ONLY) finds, gated so that a wrong answer is rare:
///   the result is `known` only when the page has at least
///   kOrientationMinGlyphs glyph-like components (our own count, see
///   count_glyph_components) and Tesseract's orientation confidence is at
///   least kOrientationMinConfidence. Otherwise rotation_deg is 0 and
///   `reason` says why; the caller must then leave the page as it is.
///   Script and script confidence are filled whenever Tesseract returned
///   them, and are trusted (script_known) only when the orientation is
///   `known` and the script confidence reaches kScriptMinConfidence.
/// - Angle convention: rotation_deg is how far the page content is turned
///   counter-clockwise (the page generator's Degradation::rotate90 convention).
///   To correct it, rotate by -rotation_deg:
///   rotate_quarter_turns(page, -rotation_deg).
/// - The thresholds were chosen by measurement on generated English and
///   Chinese pages and the real scans; the numbers are in docs/QUALITY.md.
/// - Cost: about 0.2-0.6 s per A4 page at 300 dpi on one core (Tesseract's
///   OSD classifies up to a few hundred blobs); detect() hands Tesseract a copy
///   reduced to about 300 dpi when the page is finer.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ocr/script_routing.hpp"

namespace tesseract {
class TessBaseAPI;
}

namespace pageprep::host {

/// Fewer glyph-like components than this: orientation and script "unknown".
constexpr int32_t kOrientationMinGlyphs = 50;
/// Tesseract's orientation confidence below this: orientation "unknown".
constexpr float kOrientationMinConfidence = 5.0f;
/// Tesseract's script confidence below this: script "unknown". Han scored only
/// 0.94-1.43 on correctly identified generated Chinese pages (docs/QUALITY.md).
constexpr float kScriptMinConfidence = 0.5f;

/// A read whose mean word confidence (Tesseract's, 0-100) reaches this
/// settles a page the rows called upright (script_routing.hpp) without OSD.
/// Measured (docs/QUALITY.md): eng on upright English pages 80-96; eng on
/// upside-down English 39, on Chinese 26, on Fraktur 52; chi_sim on upside
/// down Chinese 17.
constexpr float kReadMinConfidence = 75.0f;

struct OrientationResult {
  /// 0/90/180/270: the page content is turned this many degrees
  /// counter-clockwise; to correct, rotate by -rotation_deg. 0 when !known.
  int32_t rotation_deg = 0;
  float orientation_confidence = 0;  ///< Tesseract's (15 is "reasonably confident")
  std::string script;                ///< e.g. "Latin", "Han", "Arabic"; "" if none returned
  float script_confidence = 0;
  bool known = false;         ///< false: too few glyphs or low confidence -> "unknown"
  bool script_known = false;  ///< script passed the glyph rule and kScriptMinConfidence
  int32_t glyphs = 0;         ///< glyph-like connected components counted on the page
  std::string reason;         ///< why unknown ("" when known)
  /// Tesseract's own answer before the glyph and confidence gates (same
  /// convention as rotation_deg; 0 when OSD returned nothing). For tuning and
  /// reports only: act on rotation_deg.
  int32_t raw_rotation_deg = 0;
};

class OrientationDetector {
 public:
  OrientationDetector();
  ~OrientationDetector();
  OrientationDetector(const OrientationDetector&) = delete;
  OrientationDetector& operator=(const OrientationDetector&) = delete;

  /// Loads Tesseract's "osd" model; false with *error set when it is missing.
  bool init(std::string* error);

  /// Orientation and script of an 8-bit gray or 0/255 binary page at `dpi`
  /// (<= 0: 300 assumed). Never throws; an unusable page gives known=false.
  OrientationResult detect(const cv::Mat& gray_or_binary, int dpi);

 private:
  std::unique_ptr<tesseract::TessBaseAPI> api_;
  bool ready_ = false;
};

/// Glyph-like connected components of a page: ink blobs (darker than Otsu's
/// threshold and at least 40 levels below the paper, the page's median)
/// whose size fits characters of about 5-40 pt at `dpi` and that are not
/// lines, rules or solid blocks. Used for the >= kOrientationMinGlyphs rule.
int32_t count_glyph_components(const cv::Mat& gray_or_binary, int dpi);

/// Rotates a page by a multiple of 90 degrees, counter-clockwise positive
/// (-90 == 270), losslessly (a transpose and/or flip). Any angle that is not
/// a multiple of 90 returns an empty Mat. 0 returns a copy.
cv::Mat rotate_quarter_turns(const cv::Mat& page, int32_t rotation_deg_to_apply);

}  // namespace pageprep::host
