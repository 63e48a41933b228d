/// \file page_geometry.hpp
/// \brief How the cleaned page Tesseract read maps back onto the master image
/// the user gave, so every output's coordinates refer to the master.
///
/// The pipeline turns the master by a quarter turn when OSD found it sideways
/// (rotate_quarter_turns), then rotates it by the deskew angle about the page
/// centre onto a canvas of the same size (or a grown one with --expand), as
/// kernels/include/pageprep/kernels/ops/rotate_ops.hpp describes. The map from
/// the processed page back to the master undoes both, in pixel-edge
/// coordinates: (0, 0) is the top-left corner of the top-left pixel, so a box
/// [x0, x1) x [y0, y1) maps by its corners.
///
/// The rotation uses the exact angle; the kernels round cos and sin to Q16
/// (relative error under 1e-5, a hundredth of a pixel across an A3 page).
#pragma once

#include <cstdint>

#include "io/affine.hpp"

namespace pageprep::host {

struct PageGeometry {
  int32_t master_w = 0, master_h = 0;        ///< the decoded master
  int32_t processed_w = 0, processed_h = 0;  ///< the page Tesseract read
  /// The master was turned this many degrees counter-clockwise before
  /// preprocessing (0, 90, 180, 270): rotate_quarter_turns(master, turn_deg).
  int32_t turn_deg = 0;
  /// The deskew rotation applied to the turned page (counter-clockwise
  /// positive, i.e. minus the measured skew), 0 when the page was not rotated.
  double rotation_deg = 0;
  Affine processed_to_master;  ///< pixel edges to pixel edges
  Affine processed_to_turned;  ///< the same without undoing the quarter turn
};

/// The geometry of one page (see the file comment).
PageGeometry make_page_geometry(int32_t master_w, int32_t master_h, int32_t turn_deg,
                                double rotation_deg, int32_t processed_w, int32_t processed_h);

/// The geometry of a page processed from the box [x, x + w) x [y, y + h) of
/// a master of master_w x master_h (a split half, a crop, or both): as
/// make_page_geometry of a w x h master, then moved by (x, y) onto the master.
PageGeometry make_region_geometry(int32_t master_w, int32_t master_h, int32_t x, int32_t y,
                                  int32_t w, int32_t h, int32_t turn_deg, double rotation_deg,
                                  int32_t processed_w, int32_t processed_h);

/// An integer box, pixel edges: [x0, x1) x [y0, y1).
struct PixelBox {
  int32_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

/// The smallest integer box holding the image of `b` under `m`, clipped to
/// [0, w) x [0, h).
PixelBox map_box(const Affine& m, double x0, double y0, double x1, double y1, int32_t w, int32_t h);

}  // namespace pageprep::host
