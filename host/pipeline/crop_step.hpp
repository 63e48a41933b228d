/// \file crop_step.hpp
/// \brief `--crop page`: crops a decoded page to the page lying on a darker
/// scanner bed (kernels/page_box.hpp), before preprocessing, so every executor
/// and output sees the cropped page.
///
/// Runs in the decode threads (the crop changes the page's size, so it must come
/// before batching). A confident box replaces decoded.gray with a copy of the box
/// (allocated where the executor reads pages) and sets crop_* (master pixels); a
/// box that is not confident leaves the page as it is and sets crop_note. OCR
/// boxes stay on the master: FinishStage::geometry_of adds the crop offset.
#pragma once

#include <opencv2/core/mat.hpp>

#include "model/page_work.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"

namespace pageprep::host {

/// Crops w.decoded.gray to the page box when one is found with confidence.
/// A failure of the detector itself fails the page (clear per-page error).
void crop_to_page(PageWork& w, kernels::cpu::ThreadPool& pool, cv::MatAllocator* allocator);

}  // namespace pageprep::host
