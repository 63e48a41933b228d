#include "pipeline/split_step.hpp"

#include <utility>

#include "io/output_names.hpp"

namespace pageprep::host {

std::string half_key(const std::string& page_key, bool left) {
  return page_key + (left ? "|L" : "|R");
}

namespace {

// A copy of w with its images left behind: the fields a half shares with its page.
std::unique_ptr<PageWork> half_of(const PageWork& w, const cv::Rect& r, bool left,
                                  const std::string& base, double confidence,
                                  cv::MatAllocator* allocator) {
  auto h = std::make_unique<PageWork>();
  h->id = w.id;
  h->doc_stem = w.doc_stem;
  h->doc_pages = w.doc_pages;
  h->stem = half_stem(base, w.id.page, left);
  h->key = half_key(w.key, left);
  h->width = w.width;
  h->height = w.height;
  h->times = w.times;
  // Everything the decoder said about the master (DPI, format, PDF
  // placement), then only the half's pixels.
  h->decoded = w.decoded;
  h->decoded.gray = cv::Mat();
  h->decoded.gray.allocator = allocator;
  w.decoded.gray(r).copyTo(h->decoded.gray);
  h->split.part = left ? "left" : "right";
  h->split.parts = 2;
  h->split.x = r.x;
  h->split.y = r.y;
  h->split.w = r.width;
  h->split.h = r.height;
  h->split.confidence = confidence;
  return h;
}

}  // namespace

std::vector<std::unique_ptr<PageWork>> apply_split(std::unique_ptr<PageWork>& w,
                                                   const kernels::Gutter& g,
                                                   const std::string& base, bool right_to_left,
                                                   cv::MatAllocator* allocator) {
  std::vector<std::unique_ptr<PageWork>> out;
  const cv::Mat& src = w->decoded.gray;
  if (!g.spread_candidate) {
    out.push_back(std::move(w));
    return out;
  }
  if (w->decoded.format == "pdf") {
    w->split.note = "a page of a PDF is not split (its PDF page is kept whole)";
    out.push_back(std::move(w));
    return out;
  }
  if (!g.found || g.x <= 0 || g.x >= src.cols) {
    w->split.note = g.note.empty() ? "no confident gutter" : g.note;
    w->split.confidence = g.confidence;
    out.push_back(std::move(w));
    return out;
  }
  auto left = half_of(*w, cv::Rect(0, 0, g.x, src.rows), true, base, g.confidence, allocator);
  auto right =
      half_of(*w, cv::Rect(g.x, 0, src.cols - g.x, src.rows), false, base, g.confidence, allocator);
  if (right_to_left) std::swap(left, right);
  out.push_back(std::move(left));
  out.push_back(std::move(right));
  w.reset();  // the master's pixels now live in the halves
  return out;
}

std::vector<std::unique_ptr<PageWork>> split_spread(std::unique_ptr<PageWork>& w,
                                                    const std::string& base, bool right_to_left,
                                                    kernels::cpu::ThreadPool& pool,
                                                    cv::MatAllocator* allocator) {
  const cv::Mat& src = w->decoded.gray;
  if (!w->ok() || src.empty()) {
    std::vector<std::unique_ptr<PageWork>> out;
    out.push_back(std::move(w));
    return out;
  }
  const kernels::ConstGrayView view{src.data, src.cols, src.rows,
                                    static_cast<int64_t>(src.step[0])};
  kernels::Gutter g;
  const kernels::Status st = kernels::cpu::find_gutter(pool, view, &g);
  if (!st.is_ok()) {
    w->fail(PageError::kPreprocessFailed, "split: " + st.message());
    std::vector<std::unique_ptr<PageWork>> out;
    out.push_back(std::move(w));
    return out;
  }
  return apply_split(w, g, base, right_to_left, allocator);
}

}  // namespace pageprep::host
