#include "ocr/orientation.hpp"

#include <tesseract/baseapi.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

namespace pageprep::host {
namespace {

// Tesseract's OSD works best near 300 dpi; finer pages only cost time.
constexpr int kOsdMaxDpi = 400;
constexpr int kOsdTargetDpi = 300;
// Gray levels by which ink must be darker than the paper (the median) to count.
constexpr int kGlyphMinContrast = 40;

int normalized_quarter(int32_t deg) {
  int d = deg % 360;
  if (d < 0) d += 360;
  return d;
}

}  // namespace

int32_t count_glyph_components(const cv::Mat& page, int dpi) {
  if (page.empty() || page.type() != CV_8UC1) return 0;
  if (dpi <= 0) dpi = 300;
  // Ink must be Otsu-dark *and* clearly darker than the paper: on a blank but
  // noisy page Otsu alone splits the noise and every grain becomes a "glyph".
  int hist[256] = {};
  for (int y = 0; y < page.rows; ++y) {
    const uint8_t* row = page.ptr<uint8_t>(y);
    for (int x = 0; x < page.cols; ++x) ++hist[row[x]];
  }
  int64_t acc = 0;
  int paper = 0;
  for (; paper < 255; ++paper) {
    acc += hist[paper];
    if (2 * acc > static_cast<int64_t>(page.total())) break;
  }
  cv::Mat ink;
  const double otsu = cv::threshold(page, ink, 0, 255, cv::THRESH_BINARY_INV | cv::THRESH_OTSU);
  const double limit = std::min(otsu, static_cast<double>(paper - kGlyphMinContrast));
  if (limit < 0) return 0;
  cv::threshold(page, ink, limit, 255, cv::THRESH_BINARY_INV);
  // A page of one gray level (blank) thresholds into nothing or everything.
  const double ink_share = cv::countNonZero(ink) / static_cast<double>(page.total());
  if (ink_share <= 0.0 || ink_share > 0.6) return 0;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  // Characters of ~5-40 pt: the larger box side between ~40% of a 5 pt em
  // (a lowercase letter) and a 40 pt em; thin strokes allowed, lines not.
  const double px_per_pt = dpi / 72.0;
  const int min_side = std::max(3, static_cast<int>(std::lround(0.4 * 5 * px_per_pt)));
  const int max_side = static_cast<int>(std::lround(40 * px_per_pt));
  int32_t glyphs = 0;
  for (int i = 1; i < n; ++i) {
    const int w = stats.at<int>(i, cv::CC_STAT_WIDTH);
    const int h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    const int big = std::max(w, h), small = std::min(w, h);
    if (big < min_side || big > max_side || small < 2) continue;
    if (big > 12 * small) continue;  // rules, underlines, border slivers
    const double fill = area / static_cast<double>(w * h);
    if (fill < 0.08 || fill > 0.95) continue;  // frames; solid blocks
    ++glyphs;
  }
  return glyphs;
}

cv::Mat rotate_quarter_turns(const cv::Mat& page, int32_t rotation_deg_to_apply) {
  if (rotation_deg_to_apply % 90 != 0) return cv::Mat();
  cv::Mat out;
  switch (normalized_quarter(rotation_deg_to_apply)) {
    case 0:
      out = page.clone();
      break;
    case 90:
      cv::rotate(page, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    case 180:
      cv::rotate(page, out, cv::ROTATE_180);
      break;
    default:
      cv::rotate(page, out, cv::ROTATE_90_CLOCKWISE);
      break;
  }
  return out;
}

OrientationDetector::OrientationDetector() : api_(std::make_unique<tesseract::TessBaseAPI>()) {}

OrientationDetector::~OrientationDetector() {
  if (api_) api_->End();
}

bool OrientationDetector::init(std::string* error) {
  if (api_->Init(nullptr, "osd", tesseract::OEM_TESSERACT_ONLY) != 0) {
    if (error) *error = "tesseract could not load 'osd' (is tesseract-ocr-osd installed?)";
    return false;
  }
  api_->SetPageSegMode(tesseract::PSM_OSD_ONLY);
  // "Too few characters. Skipping this page" and friends go to debug_file.
  api_->SetVariable("debug_file", "/dev/null");
  ready_ = true;
  return true;
}

OrientationResult OrientationDetector::detect(const cv::Mat& page, int dpi) {
  OrientationResult r;
  if (!ready_) {
    r.reason = "orientation detector not initialized";
    return r;
  }
  if (page.empty() || page.type() != CV_8UC1) {
    r.reason = "not an 8-bit gray page";
    return r;
  }
  if (dpi <= 0) dpi = 300;
  cv::Mat work = page;
  int work_dpi = dpi;
  if (dpi > kOsdMaxDpi) {
    const double s = static_cast<double>(kOsdTargetDpi) / dpi;
    cv::resize(page, work, cv::Size(), s, s, cv::INTER_AREA);
    work_dpi = kOsdTargetDpi;
  }
  if (!work.isContinuous()) work = work.clone();
  r.glyphs = count_glyph_components(work, work_dpi);

  int orient_deg = 0;
  float orient_conf = 0.f, script_conf = 0.f;
  const char* script_name = nullptr;
  api_->SetImage(work.data, work.cols, work.rows, 1, static_cast<int>(work.step[0]));
  api_->SetSourceResolution(work_dpi);
  const bool ok =
      api_->DetectOrientationScript(&orient_deg, &orient_conf, &script_name, &script_conf);
  api_->Clear();
  if (ok) {
    r.orientation_confidence = orient_conf;
    r.script = script_name ? script_name : "";
    r.script_confidence = script_conf;
    // Tesseract reports the clockwise rotation the *image* has undergone;
    // content turned counter-clockwise by d has undergone 360 - d clockwise.
    r.raw_rotation_deg = normalized_quarter(360 - orient_deg);
  }
  if (!ok) {
    r.reason = "tesseract OSD found too few characters";
  } else if (r.glyphs < kOrientationMinGlyphs) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "too few glyphs (%d < %d)", r.glyphs, kOrientationMinGlyphs);
    r.reason = buf;
  } else {
    if (orient_conf < kOrientationMinConfidence) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "low orientation confidence (%.2f < %.2f)", orient_conf,
                    kOrientationMinConfidence);
      r.reason = buf;
    } else {
      r.rotation_deg = r.raw_rotation_deg;
      r.known = true;
      // A script from an OSD that cannot place the page is not trusted: on
      // the real scans wyom.jpg (English) came out Arabic and cavalerie.11.jpg
      // (French) Japanese, both at orientation confidence below the gate.
      r.script_known = !r.script.empty() && script_conf >= kScriptMinConfidence;
    }
  }
  return r;
}

}  // namespace pageprep::host
