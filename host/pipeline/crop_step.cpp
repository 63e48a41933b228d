#include "pipeline/crop_step.hpp"

#include "pageprep/kernels/page_box.hpp"

namespace pageprep::host {

void crop_to_page(PageWork& w, kernels::cpu::ThreadPool& pool, cv::MatAllocator* allocator) {
  cv::Mat& src = w.decoded.gray;
  if (!w.ok() || src.empty()) return;
  const kernels::ConstGrayView view{src.data, src.cols, src.rows,
                                    static_cast<int64_t>(src.step[0])};
  kernels::PageBox box;
  const kernels::Status st = kernels::cpu::find_page_box(pool, view, &box);
  if (!st.is_ok()) {
    w.fail(PageError::kPreprocessFailed, "crop: " + st.message());
    return;
  }
  if (!box.found) {
    w.crop_note = box.note;
    return;
  }
  cv::Mat out;
  out.allocator = allocator;
  src(cv::Rect(box.x, box.y, box.width, box.height)).copyTo(out);
  src = out;
  w.cropped = true;
  w.crop_x = box.x;
  w.crop_y = box.y;
  w.crop_w = box.width;
  w.crop_h = box.height;
}

}  // namespace pageprep::host
