#include "doc/mixed_page.hpp"

#include <algorithm>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace pageprep::host {

namespace {

cv::Rect clipped(const ZoneBox& z, int32_t w, int32_t h) {
  return cv::Rect(z[0], z[1], z[2], z[3]) & cv::Rect(0, 0, w, h);
}

}  // namespace

std::vector<ZoneBox> zones_on_master(const std::vector<ZoneBox>& processed, const PageGeometry& g) {
  std::vector<ZoneBox> out;
  for (const ZoneBox& z : processed) {
    const PixelBox b = map_box(g.processed_to_master, z[0], z[1], z[0] + z[2], z[1] + z[3],
                               g.master_w, g.master_h);
    if (b.x1 > b.x0 && b.y1 > b.y0) out.push_back({b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0});
  }
  return out;
}

cv::Mat compose_mixed_page(const cv::Mat& binary, const cv::Mat& gray, const cv::Mat& colour,
                           const std::vector<ZoneBox>& zones) {
  CV_Assert(binary.type() == CV_8UC1 && gray.type() == CV_8UC1 && binary.size() == gray.size());
  cv::Mat out;
  if (colour.empty()) {
    out = binary.clone();
    for (const ZoneBox& z : zones) {
      const cv::Rect r = clipped(z, out.cols, out.rows);
      if (!r.empty()) gray(r).copyTo(out(r));
    }
    return out;
  }
  CV_Assert(colour.type() == CV_8UC3 && colour.size() == gray.size());
  cv::cvtColor(binary, out, cv::COLOR_GRAY2BGR);
  for (const ZoneBox& z : zones) {
    const cv::Rect r = clipped(z, out.cols, out.rows);
    if (!r.empty()) colour(r).copyTo(out(r));
  }
  return out;
}

cv::Mat colour_zones_on_processed(const cv::Mat& master_bgr, const PageGeometry& g,
                                  const std::vector<ZoneBox>& zones) {
  CV_Assert(master_bgr.type() == CV_8UC3);
  cv::Mat out(g.processed_h, g.processed_w, CV_8UC3, cv::Scalar::all(255));
  const Affine& m = g.processed_to_master;  // pixel edges: x' = a x + c y + e
  for (const ZoneBox& z : zones) {
    const cv::Rect r = clipped(z, out.cols, out.rows);
    if (r.empty()) continue;
    // Destination pixel (u, v) of the zone's ROI is processed pixel centre
    // (u + r.x + 0.5, v + r.y + 0.5); its source, in master pixel-centre
    // coordinates, is processed_to_master of that minus 0.5.
    const double ox = r.x + 0.5, oy = r.y + 0.5;
    const cv::Matx23d inv(m.a, m.c, m.a * ox + m.c * oy + m.e - 0.5,  //
                          m.b, m.d, m.b * ox + m.d * oy + m.f - 0.5);
    cv::Mat roi = out(r);
    cv::warpAffine(master_bgr, roi, inv, r.size(), cv::INTER_LINEAR | cv::WARP_INVERSE_MAP,
                   cv::BORDER_CONSTANT, cv::Scalar::all(255));
  }
  return out;
}

cv::Mat read_colour_master(const std::string& path, int32_t page, int32_t width, int32_t height) {
  cv::Mat m;
  std::vector<cv::Mat> pages;
  if (cv::imreadmulti(path, pages, page, 1, cv::IMREAD_COLOR) && !pages.empty())
    m = pages[0];
  else if (page == 0)
    m = cv::imread(path, cv::IMREAD_COLOR);
  if (m.empty() || m.type() != CV_8UC3 || m.cols != width || m.rows != height) return cv::Mat();
  return m;
}

}  // namespace pageprep::host
