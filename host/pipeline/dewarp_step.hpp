/// \file dewarp_step.hpp
/// \brief `--dewarp auto`: flattens a curled page (kernels/dewarp.hpp) after
/// deskew, before median and binarization, in the CPU executor.
///
/// The model is fitted on the deskewed gray page; when it is confident and the
/// page is not flat (DewarpModel::apply), *gray is replaced by the remapped
/// page (a new image from make_page_image) and page.dewarp records the model's
/// confidence and largest displacement; otherwise the page is left as it is and
/// page.dewarp.note says why. A failure of the model or the remap fails the page
/// (a clear per-page error), and the run goes on.
///
/// Geometry: the remap moves pixels by at most dewarp.max_px vertically, and
/// OCR boxes are mapped to the master by the page's affine transform only
/// (FinishStage::geometry_of), so on a dewarped page the boxes in hOCR, ALTO,
/// TSV and the PDF text layer may be off by up to max_px rows.
#pragma once

#include <opencv2/core/mat.hpp>

#include "model/page_work.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"

namespace pageprep::host {

/// Models and (when confident) flattens *gray; `fill` is the value of rows
/// pulled in from beyond the page's edge. Returns false when the page failed.
bool dewarp_page(PageWork& page, kernels::cpu::ThreadPool& pool, uint8_t fill, cv::Mat* gray);

}  // namespace pageprep::host
