// Picture zones: the CPU schedule of the cell sums (cell rows across the pool)
// and the host decision shared by both schedules (picture_zones.hpp: local
// paper level, page ink level, picture cells, closing, groups, boxes).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "pageprep/kernels/picture_zones.hpp"

namespace pageprep::kernels {
namespace {

/// Max filter of radius r along rows (step 1) or columns (step w) of a w x h grid.
std::vector<int32_t> max_filter(const std::vector<int32_t>& in, int32_t w, int32_t h, int32_t r,
                                bool along_rows) {
  std::vector<int32_t> out(in.size());
  const int32_t len = along_rows ? w : h, lines = along_rows ? h : w;
  std::vector<int32_t> dq;  // monotone deque of indices along the line
  for (int32_t l = 0; l < lines; ++l) {
    auto at = [&](int32_t i) -> size_t {
      return along_rows ? static_cast<size_t>(l) * w + i : static_cast<size_t>(i) * w + l;
    };
    dq.clear();
    size_t head = 0;
    int32_t next = 0;  // next index to push
    for (int32_t i = 0; i < len; ++i) {
      for (; next < len && next <= i + r; ++next) {
        while (dq.size() > head && in[at(dq.back())] <= in[at(next)]) dq.pop_back();
        dq.push_back(next);
      }
      while (dq[head] < i - r) ++head;
      out[at(i)] = in[at(dq[head])];
    }
  }
  return out;
}

/// Clears the bands along the page sides (scanner borders, a book's gutter,
/// the bed around a page): from each side inwards, up to `depth` lines of
/// cells, each line at least 90% picture cells, until the first that is not.
void peel_side_bands(std::vector<uint8_t>* grid, int32_t w, int32_t h, int32_t depth) {
  std::vector<uint8_t>& g = *grid;
  auto at = [&](int32_t x, int32_t y) -> uint8_t& { return g[static_cast<size_t>(y) * w + x]; };
  for (int round = 0; round < 2; ++round)  // a side peeled can complete another's band
    for (int side = 0; side < 4; ++side) {
      const bool vertical = side < 2;  // a column (left/right side) or a row (top/bottom)
      const int32_t lines = vertical ? w : h, len = vertical ? h : w;
      for (int32_t k = 0; k < std::min(depth, lines); ++k) {
        const int32_t line = (side % 2 == 0) ? k : lines - 1 - k;
        int32_t set = 0;
        for (int32_t i = 0; i < len; ++i) set += vertical ? at(line, i) : at(i, line);
        if (10 * set < 9 * len) break;
        for (int32_t i = 0; i < len; ++i) (vertical ? at(line, i) : at(i, line)) = 0;
      }
    }
}

/// Sets every unset cell that no path of unset cells joins to the grid's edge.
void fill_holes(std::vector<uint8_t>* grid, int32_t w, int32_t h) {
  std::vector<uint8_t>& g = *grid;
  std::vector<uint8_t> outside(g.size(), 0);
  std::vector<int32_t> stack;
  auto push = [&](int32_t x, int32_t y) {
    const size_t i = static_cast<size_t>(y) * w + x;
    if (!g[i] && !outside[i]) {
      outside[i] = 1;
      stack.push_back(static_cast<int32_t>(i));
    }
  };
  for (int32_t x = 0; x < w; ++x) push(x, 0), push(x, h - 1);
  for (int32_t y = 0; y < h; ++y) push(0, y), push(w - 1, y);
  while (!stack.empty()) {
    const int32_t i = stack.back();
    stack.pop_back();
    const int32_t x = i % w, y = i / w;
    if (x > 0) push(x - 1, y);
    if (x + 1 < w) push(x + 1, y);
    if (y > 0) push(x, y - 1);
    if (y + 1 < h) push(x, y + 1);
  }
  for (size_t i = 0; i < g.size(); ++i)
    if (!g[i] && !outside[i]) g[i] = 1;
}

struct Box {
  int32_t x0, y0, x1, y1;  // cells, inclusive
};

bool overlaps(const Box& a, const Box& b) {
  return a.x0 <= b.x1 && b.x0 <= a.x1 && a.y0 <= b.y1 && b.y0 <= a.y1;
}

/// Whether group `id` ends in a step: along its 4-connected boundary, the
/// cells two out are brighter than the boundary cells by at least
/// kPictureZoneMinEdge of the paper-to-ink range on average. A photo or a
/// halftone meets paper (or a frame) there; a darkening by uneven light fades
/// out with no step.
bool has_edge(const std::vector<int32_t>& label, const std::vector<int32_t>& mean, int32_t id,
              const Box& b, int32_t cw, int32_t ch, int32_t range) {
  int64_t step = 0, n = 0;
  const int32_t dirs[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
  for (int32_t cy = b.y0; cy <= b.y1; ++cy)
    for (int32_t cx = b.x0; cx <= b.x1; ++cx) {
      const size_t i = static_cast<size_t>(cy) * cw + cx;
      if (label[i] != id) continue;
      for (const auto& d : dirs) {
        const int32_t x1 = cx + d[0], y1 = cy + d[1], x2 = cx + 2 * d[0], y2 = cy + 2 * d[1];
        if (x1 < 0 || y1 < 0 || x1 >= cw || y1 >= ch) continue;
        if (label[static_cast<size_t>(y1) * cw + x1] == id) continue;
        const bool far_ok = x2 >= 0 && y2 >= 0 && x2 < cw && y2 < ch &&
                            label[static_cast<size_t>(y2) * cw + x2] != id;
        const size_t o =
            far_ok ? static_cast<size_t>(y2) * cw + x2 : static_cast<size_t>(y1) * cw + x1;
        step += mean[o] - mean[i];
        ++n;
      }
    }
  if (n == 0) return false;  // the whole page: nothing to stand out from
  return step * 100 >= n * static_cast<int64_t>(range) * kPictureZoneMinEdgePercent;
}

/// Whether cell i is textured: its standard deviation is at least
/// kPictureZoneTexturePercent of the paper-to-ink range (engraving lines,
/// halftone dots, photo detail; shading and uneven light are far below).
bool textured_cell(const ops::ZoneCell& c, uint32_t area, int32_t range) {
  if (area == 0) return false;
  const int64_t n = area, s = c.sum;
  const int64_t var_n2 = n * static_cast<int64_t>(c.sum_sq) - s * s;
  const int64_t t = static_cast<int64_t>(kPictureZoneTexturePercent) * range * n;
  return var_n2 * 10000 >= t * t;
}

/// The box shrunk from each side while less than kPictureZoneTrimPercent of
/// its outer line of cells pass `tex(cx, cy)` (textured picture cells).
template <class TexFn>
Box trim_smooth_margins(Box b, TexFn tex) {
  auto line_ok = [&](bool vertical, int32_t at) {
    int64_t n = 0, t = 0;
    const int32_t lo = vertical ? b.y0 : b.x0, hi = vertical ? b.y1 : b.x1;
    for (int32_t k = lo; k <= hi; ++k) {
      const int32_t cx = vertical ? at : k, cy = vertical ? k : at;
      ++n;
      t += tex(cx, cy);
    }
    return n > 0 && t * 100 >= n * kPictureZoneTrimPercent;
  };
  for (bool moved = true; moved && b.x0 < b.x1 && b.y0 < b.y1;) {
    moved = false;
    if (!line_ok(true, b.x0)) ++b.x0, moved = true;
    if (b.x1 > b.x0 && !line_ok(true, b.x1)) --b.x1, moved = true;
    if (!line_ok(false, b.y0)) ++b.y0, moved = true;
    if (b.y1 > b.y0 && !line_ok(false, b.y1)) --b.y1, moved = true;
  }
  return b;
}

/// Whether a box holds lines of text: its row profile (mean gray of each
/// pixel row across the box) has a bright peak (an interline gap) standing at
/// least kPictureZoneGapPercent of the range above the darkest rows within
/// 0.1 inch on both sides (half the line pitch of 12-point type), at least kPictureZoneGapsPerInch
/// times per inch of its height. Photos, halftones and engravings average out across the box.
bool looks_like_text(ConstGrayView page, const Box& b, int32_t cell, float dpi, int32_t range) {
  const int32_t x0 = b.x0 * cell, x1 = std::min(page.width, (b.x1 + 1) * cell);
  const int32_t y0 = b.y0 * cell, y1 = std::min(page.height, (b.y1 + 1) * cell);
  const int32_t rows = y1 - y0, cols = x1 - x0;
  if (rows <= 2 || cols <= 0) return false;
  std::vector<int32_t> m(static_cast<size_t>(rows));
  for (int32_t y = y0; y < y1; ++y) {
    const uint8_t* r = page.row(y);
    int64_t s = 0;
    for (int32_t x = x0; x < x1; ++x) s += r[x];
    m[static_cast<size_t>(y - y0)] = static_cast<int32_t>(s / cols);
  }
  // Smoothed over 0.03 inch (twice) first: a halftone screen's rows alternate
  // at its period (1/50 inch and finer), an interline gap is wider than that.
  const int32_t half = std::max(1, static_cast<int32_t>(std::lround(0.015 * dpi)));
  for (int pass = 0; pass < 2; ++pass) {  // twice: a triangle filter, ripple under 5%
    std::vector<int64_t> acc(static_cast<size_t>(rows) + 1, 0);
    for (int32_t y = 0; y < rows; ++y)
      acc[static_cast<size_t>(y) + 1] = acc[static_cast<size_t>(y)] + m[static_cast<size_t>(y)];
    for (int32_t y = 0; y < rows; ++y) {
      const int32_t a = std::max(0, y - half), z = std::min(rows, y + half + 1);
      m[static_cast<size_t>(y)] = static_cast<int32_t>(
          (acc[static_cast<size_t>(z)] - acc[static_cast<size_t>(a)]) / (z - a));
    }
  }
  const int32_t w = std::max(2, static_cast<int32_t>(std::lround(0.1 * dpi)));
  const int32_t need = std::max(1, range * kPictureZoneGapPercent / 100);
  int32_t peaks = 0;
  for (int32_t y = 0; y < rows;) {
    int32_t lo_a = m[static_cast<size_t>(y)], lo_b = lo_a, hi = lo_a;
    for (int32_t k = std::max(0, y - w); k <= std::min(rows - 1, y + w); ++k) {
      hi = std::max(hi, m[static_cast<size_t>(k)]);
      if (k < y) lo_a = std::min(lo_a, m[static_cast<size_t>(k)]);
      if (k > y) lo_b = std::min(lo_b, m[static_cast<size_t>(k)]);
    }
    const int32_t v = m[static_cast<size_t>(y)];
    if (v == hi && v - lo_a >= need && v - lo_b >= need) {
      ++peaks;
      y += w;  // gaps are a line pitch apart
    } else {
      ++y;
    }
  }
  return static_cast<double>(peaks) * dpi >= kPictureZoneGapsPerInch * rows;
}

}  // namespace

std::vector<PictureZone> find_picture_zones(const std::vector<ops::ZoneCell>& cells,
                                            ConstGrayView page, float dpi,
                                            PictureZoneStats* stats) {
  std::vector<PictureZone> zones;
  if (stats) *stats = PictureZoneStats{};
  const int32_t width = page.width, height = page.height;
  if (width <= 0 || height <= 0 || page.data == nullptr || !(dpi > 0)) return zones;
  const int32_t cell = ops::picture_zone_cell_px(dpi);
  const int32_t cw = ops::picture_zone_cells(width, cell),
                ch = ops::picture_zone_cells(height, cell);
  if (cells.size() != static_cast<size_t>(cw) * ch) return zones;
  std::vector<int32_t> mean(cells.size());
  std::array<int64_t, 256> min_hist{};
  int32_t page_paper = 0;
  for (int32_t cy = 0; cy < ch; ++cy)
    for (int32_t cx = 0; cx < cw; ++cx) {
      const size_t i = static_cast<size_t>(cy) * cw + cx;
      mean[i] = ops::zone_cell_mean(cells[i], ops::zone_cell_area(width, height, cell, cx, cy));
      page_paper = std::max(page_paper, mean[i]);
      ++min_hist[std::min<uint32_t>(cells[i].min, 255)];
    }
  // The ink level: the 5th percentile of the cell minima.
  const int64_t rank = static_cast<int64_t>(cells.size()) / 20;
  int64_t seen = 0;
  int32_t ink = 0;
  for (int32_t v = 0; v < 256; ++v) {
    seen += min_hist[static_cast<size_t>(v)];
    if (seen > rank) {
      ink = v;
      break;
    }
  }
  if (stats) {
    stats->paper = page_paper;
    stats->ink = ink;
  }
  if (page_paper - ink < kPictureZoneMinRange) return zones;  // no ink on this page
  const int32_t r =
      std::max(1, static_cast<int32_t>(std::lround(kPictureZonePaperInches * dpi / cell)));
  const std::vector<int32_t> paper =
      max_filter(max_filter(mean, cw, ch, r, true), cw, ch, r, false);
  const int32_t r_near =
      std::max(1, static_cast<int32_t>(std::lround(kPictureZoneNearPaperInches * dpi / cell)));
  const std::vector<int32_t> near =
      max_filter(max_filter(mean, cw, ch, r_near, true), cw, ch, r_near, false);
  std::vector<uint8_t> pic(cells.size());
  int64_t n_pic = 0;
  for (int32_t cy = 0; cy < ch; ++cy)
    for (int32_t cx = 0; cx < cw; ++cx) {
      const size_t i = static_cast<size_t>(cy) * cw + cx;
      const int32_t p = std::max(paper[i], ink + kPictureZoneMinRange / 2);
      // The tone test's paper: at most the nearby brightest cell plus a
      // margin, so a page darkened by uneven light is not a tone.
      const int32_t tone_p = std::min(p, near[i] + (p - ink) * kPictureZoneToneMarginPercent / 100);
      pic[i] = ops::is_picture_cell(cells[i], ops::zone_cell_area(width, height, cell, cx, cy), p,
                                    tone_p, ink)
                   ? 1
                   : 0;
      n_pic += pic[i];
    }
  if (stats) stats->picture_cells = n_pic;
  if (n_pic == 0) return zones;
  std::vector<uint8_t> closed = pic;
  peel_side_bands(
      &closed, cw, ch,
      std::max(1, static_cast<int32_t>(std::lround(kPictureZoneBandInches * dpi / cell))));
  fill_holes(&closed, cw, ch);  // flat tones deep inside a photo
  // 8-connected groups of the closed picture cells.
  const int32_t min_cells =
      std::max(2, static_cast<int32_t>(std::ceil(kPictureZoneMinInches * dpi / cell)));
  std::vector<int32_t> label(cells.size(), -1);
  std::vector<int32_t> stack;
  std::vector<Box> boxes;
  int32_t next = 0;
  for (size_t s = 0; s < closed.size(); ++s) {
    if (!closed[s] || label[s] >= 0) continue;
    const int32_t id = next++;
    Box b{cw, ch, -1, -1};
    int64_t count = 0;
    stack.assign(1, static_cast<int32_t>(s));
    label[s] = id;
    while (!stack.empty()) {
      const int32_t i = stack.back();
      stack.pop_back();
      const int32_t cx = i % cw, cy = i / cw;
      ++count;
      b.x0 = std::min(b.x0, cx), b.x1 = std::max(b.x1, cx);
      b.y0 = std::min(b.y0, cy), b.y1 = std::max(b.y1, cy);
      for (int32_t dy = -1; dy <= 1; ++dy)
        for (int32_t dx = -1; dx <= 1; ++dx) {
          const int32_t nx = cx + dx, ny = cy + dy;
          if (nx < 0 || ny < 0 || nx >= cw || ny >= ch) continue;
          const size_t j = static_cast<size_t>(ny) * cw + nx;
          if (closed[j] && label[j] < 0) {
            label[j] = id;
            stack.push_back(static_cast<int32_t>(j));
          }
        }
    }
    const int64_t bw = b.x1 - b.x0 + 1, bh = b.y1 - b.y0 + 1;
    if (bw < min_cells || bh < min_cells || 2 * count < bw * bh) continue;
    // A band along a page side (a scanner border, a bed shadow) is no picture.
    if ((b.x0 == 0 || b.x1 == cw - 1) && 10 * bh >= 9 * ch) continue;
    if ((b.y0 == 0 || b.y1 == ch - 1) && 10 * bw >= 9 * cw) continue;
    const int32_t range =
        std::max(1, paper[static_cast<size_t>((b.y0 + b.y1) / 2) * cw + (b.x0 + b.x1) / 2] - ink);
    const auto tex = [&](int32_t cx, int32_t cy) {
      return textured_cell(cells[static_cast<size_t>(cy) * cw + cx],
                           ops::zone_cell_area(width, height, cell, cx, cy), range);
    };
    if (!has_edge(label, mean, id, b, cw, ch, range)) {
      // No step around it: uneven light, unless it runs off the page and is
      // textured (a plate joined to a dark gutter or bed): then it is kept,
      // its smooth margins trimmed.
      const bool at_side = b.x0 == 0 || b.y0 == 0 || b.x1 == cw - 1 || b.y1 == ch - 1;
      if (!at_side) continue;
      int64_t n_tex = 0;
      for (int32_t cy = b.y0; cy <= b.y1; ++cy)
        for (int32_t cx = b.x0; cx <= b.x1; ++cx)
          if (label[static_cast<size_t>(cy) * cw + cx] == id) n_tex += tex(cx, cy);
      if (n_tex * 100 < count * kPictureZoneTexturedPercent) continue;
      // Trimmed to its textured picture cells: a caption or text line along
      // the plate has textured cells, but few picture (dense) ones.
      b = trim_smooth_margins(b, [&](int32_t cx, int32_t cy) {
        return pic[static_cast<size_t>(cy) * cw + cx] && tex(cx, cy);
      });
      if (b.x1 - b.x0 + 1 < min_cells || b.y1 - b.y0 + 1 < min_cells) continue;
    }
    if (looks_like_text(page, b, cell, dpi, range)) continue;  // lines of text
    boxes.push_back(b);
  }
  // Merge overlapping boxes until none overlap.
  for (bool merged = true; merged;) {
    merged = false;
    for (size_t i = 0; i < boxes.size() && !merged; ++i)
      for (size_t j = i + 1; j < boxes.size(); ++j)
        if (overlaps(boxes[i], boxes[j])) {
          boxes[i] = {std::min(boxes[i].x0, boxes[j].x0), std::min(boxes[i].y0, boxes[j].y0),
                      std::max(boxes[i].x1, boxes[j].x1), std::max(boxes[i].y1, boxes[j].y1)};
          boxes.erase(boxes.begin() + static_cast<std::ptrdiff_t>(j));
          merged = true;
          break;
        }
  }
  std::sort(boxes.begin(), boxes.end(),
            [](const Box& a, const Box& b) { return a.y0 != b.y0 ? a.y0 < b.y0 : a.x0 < b.x0; });
  for (const Box& b : boxes) {
    PictureZone z;
    z.x = b.x0 * cell;
    z.y = b.y0 * cell;
    z.width = std::min(width, (b.x1 + 1) * cell) - z.x;
    z.height = std::min(height, (b.y1 + 1) * cell) - z.y;
    zones.push_back(z);
  }
  return zones;
}

namespace cpu {

Status picture_zone_cells(ThreadPool& pool, ConstGrayView page, float dpi,
                          std::vector<ops::ZoneCell>* cells) {
  if (page.width <= 0 || page.height <= 0 || page.data == nullptr || cells == nullptr)
    return {StatusCode::kInvalidArgument, "picture zones: empty page"};
  if (!(dpi > 0)) return {StatusCode::kInvalidArgument, "picture zones: dpi must be positive"};
  const int32_t cell = ops::picture_zone_cell_px(dpi);
  const int32_t cw = ops::picture_zone_cells(page.width, cell);
  const int32_t ch = ops::picture_zone_cells(page.height, cell);
  cells->assign(static_cast<size_t>(cw) * ch, ops::ZoneCell{});
  ops::ZoneCell* out = cells->data();
  const auto row = [&](int32_t y) { return page.row(y); };
  pool.parallel_for(ch, 4, [&](int64_t c0, int64_t c1) {
    for (int64_t cy = c0; cy < c1; ++cy)
      for (int32_t cx = 0; cx < cw; ++cx)
        out[cy * cw + cx] =
            ops::zone_cell_stats(row, page.width, page.height, cell, cx, static_cast<int32_t>(cy));
  });
  return Status::ok();
}

Status find_picture_zones(ThreadPool& pool, ConstGrayView page, float dpi,
                          std::vector<PictureZone>* zones) {
  std::vector<ops::ZoneCell> cells;
  PAGEPREP_RETURN_IF_ERROR(picture_zone_cells(pool, page, dpi, &cells));
  *zones = kernels::find_picture_zones(cells, page, dpi);
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
