/// \file sheet_render.hpp
/// \brief Test helpers for the review sheet: render a page of it with poppler's
/// pdftoppm (not with our code) at 72 dpi, so one pixel is one point, and look
/// for stroke colours where review_layout.hpp says a box lands.
#pragma once

#include <unistd.h>

#include <opencv2/imgcodecs.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "report/review_layout.hpp"

namespace pageprep::testsupport {
namespace review = host::review;

/// Sheet page `page` (0-based) of `pdf` as BGR at 72 dpi (empty on failure).
inline cv::Mat render_sheet_page(const std::string& pdf, int page) {
  const std::string stem =
      (std::filesystem::temp_directory_path() /
       ("pageprep_sheet_" + std::to_string(::getpid()) + "_" + std::to_string(page)))
          .string();
  const std::string cmd = "pdftoppm -r 72 -singlefile -png -f " + std::to_string(page + 1) +
                          " -l " + std::to_string(page + 1) + " '" + pdf + "' '" + stem + "'";
  if (std::system(cmd.c_str()) != 0) return {};
  cv::Mat m = cv::imread(stem + ".png", cv::IMREAD_COLOR);
  std::filesystem::remove(stem + ".png");
  return m;
}

enum class Stroke { kRed, kBlue, kGreen };

inline bool is_stroke(const cv::Vec3b& bgr, Stroke s) {
  const int b = bgr[0], g = bgr[1], r = bgr[2];
  switch (s) {
    case Stroke::kRed:
      return r > 170 && g < 110 && b < 110;
    case Stroke::kBlue:
      return b > 170 && r < 110 && g < 110;
    case Stroke::kGreen:
      return g > 100 && r < 90 && b < 90;
  }
  return false;
}

/// Whether a pixel of colour `s` lies within `tol` pixels of the sheet point
/// (x, y) in points (PDF user space, y up).
inline bool stroke_near(const cv::Mat& img, double x, double y, Stroke s, int tol = 2) {
  const int px = static_cast<int>(x), py = static_cast<int>(review::kPageH - y);
  for (int dy = -tol; dy <= tol; ++dy)
    for (int dx = -tol; dx <= tol; ++dx) {
      const int xx = px + dx, yy = py + dy;
      if (xx < 0 || yy < 0 || xx >= img.cols || yy >= img.rows) continue;
      if (is_stroke(img.at<cv::Vec3b>(yy, xx), s)) return true;
    }
  return false;
}

/// Pixels of colour `s` inside a sheet rectangle (points).
inline int strokes_in(const cv::Mat& img, const review::Rect& r, Stroke s) {
  int n = 0;
  for (int y = static_cast<int>(review::kPageH - r.y - r.h);
       y <= static_cast<int>(review::kPageH - r.y); ++y)
    for (int x = static_cast<int>(r.x); x <= static_cast<int>(r.x + r.w); ++x)
      if (x >= 0 && y >= 0 && x < img.cols && y < img.rows && is_stroke(img.at<cv::Vec3b>(y, x), s))
        ++n;
  return n;
}

/// The colour at a sheet point (points).
inline cv::Vec3b colour_at(const cv::Mat& img, double x, double y) {
  return img.at<cv::Vec3b>(static_cast<int>(review::kPageH - y), static_cast<int>(x));
}

/// What poppler's pdftotext reads from `pdf` (raw order).
inline std::string sheet_text(const std::string& pdf) {
  std::string out;
  FILE* p = ::popen(("pdftotext -raw '" + pdf + "' - 2>/dev/null").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

}  // namespace pageprep::testsupport
