#include "ocr/text_layout.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace pageprep::host {
namespace {

/// Accumulates the lines of one profile (ink per row of one vertical strip)
/// into `t` and the core/line row counters.
void add_profile_lines(const std::vector<int32_t>& row, int dpi, TextLayout* t, int64_t* core_rows,
                       int64_t* line_rows, int64_t* line_ink, int64_t* valley_ink,
                       int64_t* peak_ink) {
  const int h = static_cast<int>(row.size());
  std::vector<int32_t> inked;
  for (int32_t v : row)
    if (v > 0) inked.push_back(v);
  if (inked.size() < 3) return;
  // Blocks of rows at >= 20% of the 90th percentile of the inked rows: each
  // holds one line's core (as in the skew evidence, deskew.hpp).
  const size_t k90 = inked.size() * 9 / 10;
  std::nth_element(inked.begin(), inked.begin() + static_cast<long>(k90), inked.end());
  const int32_t level = std::max(2, inked[k90] / 5);
  std::vector<std::pair<int, int>> blocks;  // rows [first, second)
  for (int y = 0; y < h;) {
    if (row[static_cast<size_t>(y)] < level) {
      ++y;
      continue;
    }
    const int a = y;
    while (y < h && row[static_cast<size_t>(y)] >= level) ++y;
    blocks.emplace_back(a, y);
  }
  const int core_min = std::max(3, static_cast<int>(std::lround(0.03 * dpi)));
  const int core_max = static_cast<int>(std::lround(0.5 * dpi));
  auto valley = [&](int from, int to) {  // the emptiest row of [from, to)
    int best = from;
    for (int y = from; y < to; ++y)
      if (row[static_cast<size_t>(y)] < row[static_cast<size_t>(best)]) best = y;
    return best;
  };
  for (size_t i = 0; i < blocks.size(); ++i) {
    // The line reaches to the emptiest row between it and its neighbours.
    const int top = i > 0 ? valley(blocks[i - 1].second, blocks[i].first)
                          : std::max(0, blocks[i].first - core_max);
    const int bottom = i + 1 < blocks.size() ? valley(blocks[i].second, blocks[i + 1].first)
                                             : std::min(h, blocks[i].second + core_max);
    int peak = blocks[i].first;
    for (int y = blocks[i].first; y < blocks[i].second; ++y)
      if (row[static_cast<size_t>(y)] > row[static_cast<size_t>(peak)]) peak = y;
    // The core: the rows around the densest one with at least a third of its ink.
    const int32_t third = (row[static_cast<size_t>(peak)] + 2) / 3;
    int c0 = peak, c1 = peak + 1;
    while (c0 > top && row[static_cast<size_t>(c0 - 1)] >= third) --c0;
    while (c1 < bottom && row[static_cast<size_t>(c1)] >= third) ++c1;
    if (c1 - c0 < core_min || c1 - c0 > core_max) continue;
    int64_t above = 0, below = 0, in_line = 0;
    for (int y = top; y < bottom; ++y) {
      const int32_t v = row[static_cast<size_t>(y)];
      in_line += v;
      if (y < c0) above += v;
      if (y >= c1) below += v;
    }
    int first = top, last = bottom;  // rows with ink only
    while (first < c0 && row[static_cast<size_t>(first)] == 0) ++first;
    while (last > c1 && row[static_cast<size_t>(last - 1)] == 0) --last;
    ++t->lines;
    t->ascender_ink += static_cast<double>(above);
    t->descender_ink += static_cast<double>(below);
    *core_rows += c1 - c0;
    *line_rows += last - first;
    *line_ink += in_line;
    // How empty the rows between this line and the next are, against its peak.
    if (i + 1 < blocks.size()) {
      *valley_ink += row[static_cast<size_t>(bottom)];
      *peak_ink += row[static_cast<size_t>(peak)];
    }
  }
}

}  // namespace

TextLayout measure_text_layout(const cv::Mat& page, int dpi) {
  TextLayout t;
  if (page.empty() || page.type() != CV_8UC1) return t;
  if (dpi <= 0) dpi = 300;
  // A 0/255 page is its own ink map; a gray page is thresholded (Otsu).
  bool binary = true;
  for (int y = 0; y < page.rows && binary; y += std::max(1, page.rows / 16)) {
    const uint8_t* r = page.ptr<uint8_t>(y);
    for (int x = 0; x < page.cols; ++x)
      if (r[x] != 0 && r[x] != 255) {
        binary = false;
        break;
      }
  }
  cv::Mat ink = page;
  if (!binary) cv::threshold(page, ink, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  // Ink per row of each of kLayoutStrips vertical strips: lines are only
  // lines within one column (the columns of a newspaper do not line up).
  constexpr int kLayoutStrips = 8;
  const int h = ink.rows, w = ink.cols;
  std::vector<std::vector<int32_t>> rows(kLayoutStrips,
                                         std::vector<int32_t>(static_cast<size_t>(h)));
  int64_t total = 0;
  for (int y = 0; y < h; ++y) {
    const uint8_t* r = ink.ptr<uint8_t>(y);
    for (int s = 0; s < kLayoutStrips; ++s) {
      const int x0 = w * s / kLayoutStrips, x1 = w * (s + 1) / kLayoutStrips;
      int32_t n = 0;
      for (int x = x0; x < x1; ++x) n += r[x] == 0;
      // A row of a strip more than 3/4 ink is a border, a rule or a black
      // bar, not text: it counts as empty (so it neither forms a line nor
      // lends its ink to a neighbour's ascenders), as the skew search drops them.
      rows[static_cast<size_t>(s)][static_cast<size_t>(y)] = 4 * n > 3 * (x1 - x0) ? 0 : n;
      total += n;
    }
  }
  if (total == 0) return t;
  int64_t core_rows = 0, line_rows = 0, line_ink = 0, valley_ink = 0, peak_ink = 0;
  for (const auto& r : rows)
    add_profile_lines(r, dpi, &t, &core_rows, &line_rows, &line_ink, &valley_ink, &peak_ink);
  t.valley_share =
      peak_ink > 0 ? static_cast<double>(valley_ink) / static_cast<double>(peak_ink) : 1.0;
  t.core_share =
      line_rows > 0 ? static_cast<double>(core_rows) / static_cast<double>(line_rows) : 0;
  t.line_ink_share = static_cast<double>(line_ink) / static_cast<double>(total);
  return t;
}

TextLayout measure_column_layout(const cv::Mat& page, int dpi) {
  if (page.empty()) return {};
  cv::Mat columns;
  cv::transpose(page, columns);
  return measure_text_layout(columns, dpi);
}

}  // namespace pageprep::host
