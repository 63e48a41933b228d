// Page box: the CPU schedule of the cell sums (cell rows across the pool) and
// the host decision shared by both schedules (Otsu on the cell means, the
// largest 4-connected paper region, the confidence rules of page_box.hpp).
#include <algorithm>
#include <array>
#include <string>

#include "pageprep/kernels/ops/page_box_ops.hpp"
#include "pageprep/kernels/page_box.hpp"

namespace pageprep::kernels {
namespace {

/// Otsu's threshold of a 256-bin histogram: the first level of the bright class.
int32_t otsu_threshold(const std::array<int64_t, 256>& hist) {
  int64_t total = 0;
  double sum_all = 0;
  for (int i = 0; i < 256; ++i) {
    total += hist[i];
    sum_all += static_cast<double>(i) * static_cast<double>(hist[i]);
  }
  double best = -1, sum_low = 0;
  int64_t n_low = 0;
  int32_t thr = 128;
  for (int t = 0; t < 255; ++t) {
    n_low += hist[t];
    sum_low += static_cast<double>(t) * static_cast<double>(hist[t]);
    const int64_t n_high = total - n_low;
    if (n_low == 0 || n_high == 0) continue;
    const double m0 = sum_low / static_cast<double>(n_low);
    const double m1 = (sum_all - sum_low) / static_cast<double>(n_high);
    const double between =
        static_cast<double>(n_low) * static_cast<double>(n_high) * (m1 - m0) * (m1 - m0);
    if (between > best) {
      best = between;
      thr = t + 1;
    }
  }
  return thr;
}

}  // namespace

PageBox find_page_box(const std::vector<uint32_t>& sums, int32_t width, int32_t height) {
  PageBox box;
  const int32_t cw = ops::page_box_cells(width), ch = ops::page_box_cells(height);
  if (width <= 0 || height <= 0 || sums.size() != static_cast<size_t>(cw) * ch) {
    box.note = "no cell sums for this page";
    return box;
  }
  std::vector<uint8_t> mean(sums.size());
  std::array<int64_t, 256> hist{};
  for (int32_t cy = 0; cy < ch; ++cy)
    for (int32_t cx = 0; cx < cw; ++cx) {
      const size_t i = static_cast<size_t>(cy) * cw + cx;
      mean[i] = ops::cell_mean(sums[i], ops::cell_area(width, height, cx, cy));
      ++hist[mean[i]];
    }
  const int32_t thr = otsu_threshold(hist);
  // Largest 4-connected region of paper cells (iterative flood fill).
  std::vector<int32_t> label(mean.size(), -1), stack;
  int32_t best_label = -1;
  int64_t best_count = 0;
  int32_t bx0 = 0, by0 = 0, bx1 = 0, by1 = 0;
  int32_t next = 0;
  for (size_t s = 0; s < mean.size(); ++s) {
    if (label[s] >= 0 || !ops::cell_is_paper(mean[s], thr)) continue;
    int64_t count = 0;
    int32_t x0 = cw, y0 = ch, x1 = -1, y1 = -1;
    stack.assign(1, static_cast<int32_t>(s));
    label[s] = next;
    while (!stack.empty()) {
      const int32_t i = stack.back();
      stack.pop_back();
      const int32_t cx = i % cw, cy = i / cw;
      ++count;
      x0 = std::min(x0, cx), x1 = std::max(x1, cx), y0 = std::min(y0, cy), y1 = std::max(y1, cy);
      const int32_t nb[4][2] = {{cx - 1, cy}, {cx + 1, cy}, {cx, cy - 1}, {cx, cy + 1}};
      for (const auto& n : nb) {
        if (n[0] < 0 || n[1] < 0 || n[0] >= cw || n[1] >= ch) continue;
        const int32_t j = n[1] * cw + n[0];
        if (label[j] >= 0 || !ops::cell_is_paper(mean[j], thr)) continue;
        label[j] = next;
        stack.push_back(j);
      }
    }
    if (count > best_count) {
      best_count = count, best_label = next;
      bx0 = x0, by0 = y0, bx1 = x1, by1 = y1;
    }
    ++next;
  }
  if (best_label < 0) {
    box.note = "no paper found";
    return box;
  }
  // Levels: paper = the region's cells, bed = the cells outside its box.
  int64_t paper_sum = 0, bed_sum = 0, bed_n = 0, outside_paper = 0;
  for (int32_t cy = 0; cy < ch; ++cy)
    for (int32_t cx = 0; cx < cw; ++cx) {
      const size_t i = static_cast<size_t>(cy) * cw + cx;
      if (label[i] == best_label) paper_sum += mean[i];
      if (cx >= bx0 && cx <= bx1 && cy >= by0 && cy <= by1) continue;
      ++bed_n;
      bed_sum += mean[i];
      if (ops::cell_is_paper(mean[i], thr)) ++outside_paper;
    }
  box.paper_level = static_cast<int32_t>(paper_sum / best_count);
  box.bed_level = bed_n ? static_cast<int32_t>(bed_sum / bed_n) : 0;
  const int64_t box_cells = static_cast<int64_t>(bx1 - bx0 + 1) * (by1 - by0 + 1);
  if (bed_n == 0) {
    box.note = "page fills the image: not cropped";
    return box;
  }
  if (box.paper_level - box.bed_level < kPageBoxMinContrast) {
    box.note = "no bed darker than the paper (contrast " +
               std::to_string(box.paper_level - box.bed_level) + "): not cropped";
    return box;
  }
  if (best_count * 4 < static_cast<int64_t>(mean.size())) {
    box.note = "largest paper region is under a quarter of the image: not cropped";
    return box;
  }
  if (best_count * 10 < box_cells * 6) {
    box.note = "paper region is not box-like: not cropped";
    return box;
  }
  if (outside_paper * 10 > bed_n) {
    box.note = "the surround is not all bed: not cropped";
    return box;
  }
  // Edge cells only partly on the page fall below the threshold; take in the
  // strip just outside each side when its mean shows some paper (more than 5%
  // of the way from bed to paper), so the box does not cut into the page.
  const auto strip_mean = [&](int32_t x0, int32_t y0, int32_t x1, int32_t y1) {
    int64_t s = 0, k = 0;
    for (int32_t cy = std::max(0, y0); cy <= std::min(ch - 1, y1); ++cy)
      for (int32_t cx = std::max(0, x0); cx <= std::min(cw - 1, x1); ++cx, ++k)
        s += mean[static_cast<size_t>(cy) * cw + cx];
    return k ? static_cast<int32_t>(s / k) : 0;
  };
  const int32_t edge = box.bed_level + (box.paper_level - box.bed_level) * 5 / 100;
  const int32_t left = bx0 > 0 && strip_mean(bx0 - 1, by0, bx0 - 1, by1) > edge ? 1 : 0;
  const int32_t right = bx1 < cw - 1 && strip_mean(bx1 + 1, by0, bx1 + 1, by1) > edge ? 1 : 0;
  const int32_t top = by0 > 0 && strip_mean(bx0, by0 - 1, bx1, by0 - 1) > edge ? 1 : 0;
  const int32_t bottom = by1 < ch - 1 && strip_mean(bx0, by1 + 1, bx1, by1 + 1) > edge ? 1 : 0;
  bx0 -= left, bx1 += right, by0 -= top, by1 += bottom;
  box.found = true;
  box.x = bx0 * ops::kPageBoxCell;
  box.y = by0 * ops::kPageBoxCell;
  box.width = std::min(width, (bx1 + 1) * ops::kPageBoxCell) - box.x;
  box.height = std::min(height, (by1 + 1) * ops::kPageBoxCell) - box.y;
  return box;
}

namespace cpu {

Status page_cell_sums(ThreadPool& pool, ConstGrayView page, std::vector<uint32_t>* sums) {
  if (page.width <= 0 || page.height <= 0 || page.data == nullptr)
    return {StatusCode::kInvalidArgument, "page box: empty page"};
  const int32_t cw = ops::page_box_cells(page.width), ch = ops::page_box_cells(page.height);
  sums->assign(static_cast<size_t>(cw) * ch, 0);
  uint32_t* out = sums->data();
  const auto row = [&](int32_t y) { return page.row(y); };
  pool.parallel_for(ch, 8, [&](int64_t c0, int64_t c1) {
    for (int64_t cy = c0; cy < c1; ++cy)
      for (int32_t cx = 0; cx < cw; ++cx)
        out[cy * cw + cx] =
            ops::cell_sum(row, page.width, page.height, cx, static_cast<int32_t>(cy));
  });
  return Status::ok();
}

Status find_page_box(ThreadPool& pool, ConstGrayView page, PageBox* box) {
  std::vector<uint32_t> sums;
  PAGEPREP_RETURN_IF_ERROR(page_cell_sums(pool, page, &sums));
  *box = kernels::find_page_box(sums, page.width, page.height);
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
