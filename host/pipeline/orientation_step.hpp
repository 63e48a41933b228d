/// \file orientation_step.hpp
/// \brief The quarter-turn correction of a preprocessed page, and orientation
/// and script by Tesseract's OSD: shared by `pageprep run`'s finish stage
/// (its page reader calls turn_upright; --ocr none calls correct_orientation)
/// and the library's Engine, so all of them turn the same pages and
/// preprocess them again the same way.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "model/page_work.hpp"
#include "ocr/orientation.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {

/// A page turned a quarter was deskewed sideways: turns the held source
/// (`w.decoded.gray`) by -rotation_deg and preprocesses it again on `redo`, a
/// one-thread CPU executor of `steps` created on first use, so deskew and
/// binarization see real text lines. The executor then ends with
/// " + cpu (after orientation)". False with *error set when the source is no
/// longer held, the executor cannot be made, or preprocessing fails.
bool turn_upright(PageWork& w, int32_t rotation_deg, const StepConfig& steps,
                  std::unique_ptr<Executor>& redo, std::string* error);

/// Runs `osd` (initialized) on the page's binary image, or its gray one when it
/// has none, and records orientation and script in `w` (detected_by "osd").
/// A known quarter turn is corrected by turn_upright when `w.decoded.gray` is
/// still held (a caller that does not want pages turned releases it first).
/// A failure is recorded in `w`. Never throws on bad pages (may on a bug).
void correct_orientation(PageWork& w, OrientationDetector& osd, const StepConfig& steps,
                         std::unique_ptr<Executor>& redo);

}  // namespace pageprep::host
