#include "doc/page_geometry.hpp"

#include <algorithm>
#include <cmath>

namespace pageprep::host {

PageGeometry make_region_geometry(int32_t master_w, int32_t master_h, int32_t x, int32_t y,
                                  int32_t w, int32_t h, int32_t turn_deg, double rotation_deg,
                                  int32_t processed_w, int32_t processed_h) {
  PageGeometry g = make_page_geometry(w, h, turn_deg, rotation_deg, processed_w, processed_h);
  if (x != 0 || y != 0 || w != master_w || h != master_h) {
    g.processed_to_master = then(g.processed_to_master, Affine::translate(x, y));
    g.master_w = master_w;
    g.master_h = master_h;
  }
  return g;
}

PageGeometry make_page_geometry(int32_t master_w, int32_t master_h, int32_t turn_deg,
                                double rotation_deg, int32_t processed_w, int32_t processed_h) {
  PageGeometry g;
  g.master_w = master_w;
  g.master_h = master_h;
  g.processed_w = processed_w;
  g.processed_h = processed_h;
  g.turn_deg = ((turn_deg % 360) + 360) % 360;
  g.rotation_deg = rotation_deg;
  const bool sideways = g.turn_deg == 90 || g.turn_deg == 270;
  const double tw = sideways ? master_h : master_w, th = sideways ? master_w : master_h;
  // Processed -> turned: the rotation kernel samples the source at
  // R(-angle) (p - processed centre) + source centre.
  g.processed_to_turned = then(then(Affine::translate(-processed_w / 2.0, -processed_h / 2.0),
                                    Affine::rotate_image_ccw(-rotation_deg)),
                               Affine::translate(tw / 2.0, th / 2.0));
  // Turned -> master: undo rotate_quarter_turns (cv::rotate).
  Affine unturn;
  const double W = master_w, H = master_h;
  switch (g.turn_deg) {
    case 90:  // ROTATE_90_COUNTERCLOCKWISE: master (u, v) -> (v, W - u)
      unturn = {0, 1, -1, 0, W, 0};
      break;
    case 180:
      unturn = {-1, 0, 0, -1, W, H};
      break;
    case 270:  // ROTATE_90_CLOCKWISE: master (u, v) -> (H - v, u)
      unturn = {0, -1, 1, 0, 0, H};
      break;
    default:
      break;
  }
  g.processed_to_master = then(g.processed_to_turned, unturn);
  return g;
}

PixelBox map_box(const Affine& m, double x0, double y0, double x1, double y1, int32_t w,
                 int32_t h) {
  const std::array<double, 2> c[4] = {m.apply(x0, y0), m.apply(x1, y0), m.apply(x0, y1),
                                      m.apply(x1, y1)};
  double lx = c[0][0], hx = c[0][0], ly = c[0][1], hy = c[0][1];
  for (const auto& p : c) {
    lx = std::min(lx, p[0]);
    hx = std::max(hx, p[0]);
    ly = std::min(ly, p[1]);
    hy = std::max(hy, p[1]);
  }
  // A hair of tolerance so exact integer corners do not grow by a pixel.
  constexpr double kEps = 1e-6;
  PixelBox b;
  b.x0 = static_cast<int32_t>(std::clamp(std::floor(lx + kEps), 0.0, static_cast<double>(w)));
  b.y0 = static_cast<int32_t>(std::clamp(std::floor(ly + kEps), 0.0, static_cast<double>(h)));
  b.x1 = static_cast<int32_t>(std::clamp(std::ceil(hx - kEps), 0.0, static_cast<double>(w)));
  b.y1 = static_cast<int32_t>(std::clamp(std::ceil(hy - kEps), 0.0, static_cast<double>(h)));
  if (b.x1 < b.x0) b.x1 = b.x0;
  if (b.y1 < b.y0) b.y1 = b.y0;
  return b;
}

}  // namespace pageprep::host
