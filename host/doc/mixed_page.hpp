/// \file mixed_page.hpp
/// \brief The mixed cleaned page (--image-format mixed): the text binarized at
/// full contrast, the picture zones kept in tone, in gray or in the master's
/// colour; and the zones' boxes moved onto the master.
///
/// Contract:
/// - zones_on_master maps boxes on the processed page (deskewed, maybe
///   turned or cropped) through PageGeometry::processed_to_master to the
///   smallest master box holding each (a skewed zone's box grows by its
///   corners), clipped to the master; empty boxes are dropped.
/// - compose_mixed_page: outside the zones, the binary page (0/255); inside,
///   the processed gray page, or (when `colour` is given, CV_8UC3 BGR of the
///   processed page's size) the colour. Returns CV_8UC1 without colour,
///   CV_8UC3 with it. Zones are clipped to the page.
/// - colour_zones_on_processed samples the colour master (CV_8UC3) into the
///   processed frame for the zones only (bilinear, the inverse of
///   processed_to_master, pixel centres); pixels outside the zones are white.
/// - read_colour_master decodes the master in colour (OpenCV, as the PDF
///   writer does); an empty Mat when it cannot, or the size differs.
/// - No exceptions beyond OpenCV's own (cv::Exception, std::bad_alloc); the
///   finish stage records them as the page's error.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "doc/page_geometry.hpp"

namespace pageprep::host {

using ZoneBox = std::array<int32_t, 4>;  ///< x, y, width, height

std::vector<ZoneBox> zones_on_master(const std::vector<ZoneBox>& processed, const PageGeometry& g);

cv::Mat compose_mixed_page(const cv::Mat& binary, const cv::Mat& gray, const cv::Mat& colour,
                           const std::vector<ZoneBox>& zones);

cv::Mat colour_zones_on_processed(const cv::Mat& master_bgr, const PageGeometry& g,
                                  const std::vector<ZoneBox>& zones);

cv::Mat read_colour_master(const std::string& path, int32_t page, int32_t width, int32_t height);

}  // namespace pageprep::host
