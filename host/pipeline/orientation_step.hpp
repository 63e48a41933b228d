/// \file orientation_step.hpp
/// \brief Orientation and script of a preprocessed page, and the quarter-turn
/// correction: shared by `pageprep run`'s finish stage and the library's
/// Engine, so both turn the same pages and preprocess them again the same way.
#pragma once

#include <memory>

#include "ocr/orientation.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/page_work.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {

/// Runs `osd` (initialized) on the page's binary image, or its gray one when it
/// has none, and records orientation and script in `w`. When the page is
/// turned a quarter (a known orientation other than 0) and `w.decoded.gray`
/// is still held, the source is turned upright and preprocessed again on
/// `redo`, a one-thread CPU executor of `steps` created on first use; its
/// executor then ends with " + cpu (after orientation)". A failure is
/// recorded in `w`. Never throws on bad pages (may on a bug).
void correct_orientation(PageWork& w, OrientationDetector& osd, const StepConfig& steps,
                         std::unique_ptr<Executor>& redo);

}  // namespace pageprep::host
