// Spread gutter: the CPU schedule of the cell ranges (cell rows across the
// pool) and the host decision shared by both schedules (gutter.hpp's steps).
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "pageprep/kernels/gutter.hpp"
#include "pageprep/kernels/ops/gutter_ops.hpp"
#include "pageprep/kernels/ops/threshold_ops.hpp"
#include "pageprep/kernels/page_box.hpp"

namespace pageprep::kernels {
namespace {

/// Columns [x0, x1) and rows [y0, y1) of cells.
struct CellArea {
  int32_t x0 = 0, x1 = 0, y0 = 0, y1 = 0;
};

/// Step 1: the paper area (the whole image unless a darker bed surrounds it).
CellArea paper_area(const std::vector<uint16_t>& r, int32_t cw, int32_t ch) {
  CellArea a{0, cw, 0, ch};
  std::array<uint32_t, 256> hist{};
  for (uint16_t v : r) ++hist[static_cast<size_t>(ops::cell_max(v))];
  const int32_t t = ops::otsu_threshold(hist.data());
  if (t < 0) return a;
  uint64_t n0 = 0, s0 = 0, n1 = 0, s1 = 0;
  for (int32_t i = 0; i < 256; ++i) {
    auto& n = i <= t ? n0 : n1;
    auto& s = i <= t ? s0 : s1;
    n += hist[static_cast<size_t>(i)];
    s += static_cast<uint64_t>(hist[static_cast<size_t>(i)]) * static_cast<uint64_t>(i);
  }
  if (n0 == 0 || n1 == 0 || n0 * 50 < r.size()) return a;
  if (static_cast<int64_t>(s1 / n1) - static_cast<int64_t>(s0 / n0) < kPageBoxMinContrast) return a;
  const auto bright = [&](int32_t cx, int32_t cy) {
    return ops::cell_max(r[static_cast<size_t>(cy) * cw + cx]) > t;
  };
  std::vector<int32_t> col_bright(static_cast<size_t>(cw), 0);
  for (int32_t cy = 0; cy < ch; ++cy)
    for (int32_t cx = 0; cx < cw; ++cx) col_bright[static_cast<size_t>(cx)] += bright(cx, cy);
  int32_t x0 = cw, x1 = -1;
  for (int32_t cx = 0; cx < cw; ++cx)
    if (col_bright[static_cast<size_t>(cx)] * 2 >= ch) x0 = std::min(x0, cx), x1 = cx;
  if (x1 < 0) return a;
  int32_t y0 = ch, y1 = -1;
  for (int32_t cy = 0; cy < ch; ++cy) {
    int32_t n = 0;
    for (int32_t cx = x0; cx <= x1; ++cx) n += bright(cx, cy);
    if (n * 2 >= x1 - x0 + 1) y0 = std::min(y0, cy), y1 = cy;
  }
  if (y1 < 0) return a;
  // The edge cells hold the page's edge (inky): one in on each side.
  if (x1 - x0 >= 4) ++x0, --x1;
  if (y1 - y0 >= 4) ++y0, --y1;
  return {x0, x1 + 1, y0, y1 + 1};
}

struct Run {
  int32_t x0 = 0, x1 = 0;  ///< cells [x0, x1)
  int32_t width() const { return x1 - x0; }
};

}  // namespace

Gutter find_gutter(const std::vector<uint16_t>& ranges, int32_t width, int32_t height) {
  Gutter g;
  const int32_t cw = ops::gutter_cells_w(width), ch = ops::gutter_cells_h(height);
  if (width <= 0 || height <= 0 || ranges.size() != static_cast<size_t>(cw) * ch) {
    g.note = "no cell ranges for this page";
    return g;
  }
  const CellArea a = paper_area(ranges, cw, ch);
  g.area_x = a.x0 * ops::kGutterCellW;
  g.area_y = a.y0 * ops::kGutterCellH;
  g.area_w = std::min(width, a.x1 * ops::kGutterCellW) - g.area_x;
  g.area_h = std::min(height, a.y1 * ops::kGutterCellH) - g.area_y;
  if (static_cast<double>(g.area_w) < kGutterMinAspect * static_cast<double>(g.area_h)) {
    g.note = "not a spread (not landscape)";
    return g;
  }
  g.spread_candidate = true;
  // Step 3: per column, inky cells and the median paper level.
  const int32_t n = a.x1 - a.x0, rows = a.y1 - a.y0;
  std::vector<int32_t> ink(static_cast<size_t>(n), 0), paper(static_cast<size_t>(n), 0);
  std::array<uint32_t, 256> hist{};
  for (int32_t i = 0; i < n; ++i) {
    hist.fill(0);
    for (int32_t cy = a.y0; cy < a.y1; ++cy) {
      const uint16_t v = ranges[static_cast<size_t>(cy) * cw + a.x0 + i];
      ink[static_cast<size_t>(i)] += ops::cell_is_inky(v);
      ++hist[static_cast<size_t>(ops::cell_max(v))];
    }
    uint32_t seen = 0;
    for (int32_t l = 0; l < 256; ++l) {
      seen += hist[static_cast<size_t>(l)];
      if (seen * 2 >= static_cast<uint32_t>(rows)) {
        paper[static_cast<size_t>(i)] = l;
        break;
      }
    }
  }
  const auto ink_free = [&](int32_t i) { return ink[static_cast<size_t>(i)] * 100 <= rows * 3; };
  const auto text = [&](int32_t i) { return ink[static_cast<size_t>(i)] * 10 >= rows; };
  // Step 4: interior valleys.
  std::vector<Run> valleys;
  for (int32_t i = 0; i < n;) {
    if (!ink_free(i)) {
      ++i;
      continue;
    }
    int32_t j = i;
    while (j < n && ink_free(j)) ++j;
    if (i > 0 && j < n) valleys.push_back({i, j});
    i = j;
  }
  // Step 5: the widest valley centred in the middle.
  const double mid = 0.5 * n, reach = kGutterMiddle * n;
  int32_t best = -1;
  for (size_t v = 0; v < valleys.size(); ++v) {
    const double c = 0.5 * (valleys[v].x0 + valleys[v].x1);
    if (std::fabs(c - mid) > reach) continue;
    if (best < 0 || valleys[v].width() > valleys[static_cast<size_t>(best)].width())
      best = static_cast<int32_t>(v);
  }
  if (best < 0) {
    g.note = "no ink-free valley near the middle: left whole";
    return g;
  }
  const Run gv = valleys[static_cast<size_t>(best)];
  g.valley_x = g.area_x + gv.x0 * ops::kGutterCellW;
  g.valley_w = gv.width() * ops::kGutterCellW;
  int32_t second = 0;
  for (size_t v = 0; v < valleys.size(); ++v)
    if (static_cast<int32_t>(v) != best) second = std::max(second, valleys[v].width());
  g.confidence = 1.0 - static_cast<double>(second) / gv.width();
  if (gv.width() < kGutterMinValley * n) {
    g.note = "the valley near the middle is too narrow for a gutter (" +
             std::to_string(g.valley_w) + " px): left whole";
    return g;
  }
  if (static_cast<int32_t>(valleys.size()) - 1 > kGutterMaxValleys) {
    g.note = "too many ink-free valleys (" + std::to_string(valleys.size()) +
             "; a turned page?): left whole";
    return g;
  }
  int32_t text_left = 0, text_right = 0;
  for (int32_t i = 0; i < gv.x0; ++i) text_left += text(i);
  for (int32_t i = gv.x1; i < n; ++i) text_right += text(i);
  if (text_left * 4 < gv.x0 || text_right * 4 < n - gv.x1) {
    g.note = std::string("no text on the ") + (text_left * 4 < gv.x0 ? "left" : "right") +
             " of the valley: left whole";
    return g;
  }
  if (g.confidence < kGutterMinConfidence) {
    g.note = "another valley is nearly as wide as the one near the middle (confidence " +
             std::to_string(g.confidence).substr(0, 4) + "): left whole";
    return g;
  }
  // Step 7: the gutter line, in pixels from the image's left edge.
  std::vector<int32_t> text_paper;
  for (int32_t i = 0; i < n; ++i)
    if (text(i)) text_paper.push_back(paper[static_cast<size_t>(i)]);
  std::nth_element(text_paper.begin(), text_paper.begin() + text_paper.size() / 2,
                   text_paper.end());
  const int32_t bg = text_paper[text_paper.size() / 2];
  int32_t lo = gv.x0;
  for (int32_t i = gv.x0; i < gv.x1; ++i)
    if (paper[static_cast<size_t>(i)] < paper[static_cast<size_t>(lo)]) lo = i;
  // Column i's centre in pixel coordinates (pixel x spans [x - 0.5, x + 0.5]).
  const auto centre_px = [&](double i) {
    return g.area_x + i * ops::kGutterCellW + 0.5 * (ops::kGutterCellW - 1);
  };
  double line = 0.5 * (centre_px(gv.x0) + centre_px(gv.x1 - 1));
  const int32_t depth = bg - paper[static_cast<size_t>(lo)];
  if (depth >= kGutterMinShadow) {
    // Half-depth crossings on both sides of the deepest column, interpolated
    // between column centres; the shadow may reach past the valley.
    const double half = paper[static_cast<size_t>(lo)] + 0.5 * depth;
    const auto p = [&](int32_t i) { return static_cast<double>(paper[static_cast<size_t>(i)]); };
    int32_t l = lo, r = lo;
    while (l > 0 && p(l - 1) <= half) --l;
    while (r < n - 1 && p(r + 1) <= half) ++r;
    if (l > 0 && r < n - 1) {
      const double xl = (l - 1) + (p(l - 1) - half) / std::max(1e-9, p(l - 1) - p(l));
      const double xr = (r + 1) - (p(r + 1) - half) / std::max(1e-9, p(r + 1) - p(r));
      line = 0.5 * (centre_px(xl) + centre_px(xr));
      g.shadow = true;
    }
  }
  // The line lies between two pixel columns (x - 0.5): x is the right page's first.
  g.x = static_cast<int32_t>(std::lround(line + 0.5));
  g.x = std::clamp(g.x, 1, width - 1);
  g.found = true;
  return g;
}

namespace cpu {

Status gutter_cell_ranges(ThreadPool& pool, ConstGrayView page, std::vector<uint16_t>* ranges) {
  if (page.width <= 0 || page.height <= 0 || page.data == nullptr)
    return {StatusCode::kInvalidArgument, "gutter: empty page"};
  const int32_t cw = ops::gutter_cells_w(page.width), ch = ops::gutter_cells_h(page.height);
  ranges->assign(static_cast<size_t>(cw) * ch, 0);
  uint16_t* out = ranges->data();
  const auto row = [&](int32_t y) { return page.row(y); };
  pool.parallel_for(ch, 8, [&](int64_t c0, int64_t c1) {
    for (int64_t cy = c0; cy < c1; ++cy)
      for (int32_t cx = 0; cx < cw; ++cx)
        out[cy * cw + cx] =
            ops::cell_range(row, page.width, page.height, cx, static_cast<int32_t>(cy));
  });
  return Status::ok();
}

Status find_gutter(ThreadPool& pool, ConstGrayView page, Gutter* gutter) {
  std::vector<uint16_t> ranges;
  PAGEPREP_RETURN_IF_ERROR(gutter_cell_ranges(pool, page, &ranges));
  *gutter = kernels::find_gutter(ranges, page.width, page.height);
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
