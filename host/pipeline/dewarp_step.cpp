#include "pipeline/dewarp_step.hpp"

#include <chrono>
#include <string>

#include "pageprep/kernels/dewarp.hpp"
#include "pipeline/page_memory.hpp"

namespace pageprep::host {

bool dewarp_page(PageWork& page, kernels::cpu::ThreadPool& pool, uint8_t fill, cv::Mat* gray) {
  const auto t0 = std::chrono::steady_clock::now();
  const kernels::ConstGrayView in{gray->data, gray->cols, gray->rows,
                                  static_cast<int64_t>(gray->step[0])};
  kernels::DewarpModel m;
  kernels::Status st = kernels::cpu::dewarp_model(pool, in, &m);
  if (!st.is_ok()) {
    page.fail(PageError::kPreprocessFailed, "dewarp: " + st.message());
    return false;
  }
  page.dewarp.checked = true;
  page.dewarp.confidence = m.confidence;
  page.dewarp.max_px = m.max_px;
  page.dewarp.note = m.note;
  if (m.apply) {
    cv::Mat out = make_page_image(gray->rows, gray->cols);
    st = kernels::cpu::dewarp(
        pool, in, {out.data, out.cols, out.rows, static_cast<int64_t>(out.step[0])}, m.grid(fill));
    if (!st.is_ok()) {
      page.fail(st.code() == kernels::StatusCode::kOutOfRange ? PageError::kTooLarge
                                                              : PageError::kPreprocessFailed,
                "dewarp: " + st.message());
      return false;
    }
    *gray = out;
    page.dewarp.applied = true;
  }
  page.dewarp.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return true;
}

}  // namespace pageprep::host
