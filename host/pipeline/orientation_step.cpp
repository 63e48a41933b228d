#include "pipeline/orientation_step.hpp"

#include <cmath>
#include <vector>

namespace pageprep::host {

bool turn_upright(PageWork& w, int32_t rotation_deg, const StepConfig& steps,
                  std::unique_ptr<Executor>& redo, std::string* error) {
  if (w.decoded.gray.empty()) {
    *error = "the source page is no longer held";
    return false;
  }
  if (!redo) {
    redo = make_cpu_executor(steps, 1, error);
    if (!redo) return false;
  }
  w.decoded.gray = rotate_quarter_turns(w.decoded.gray, -rotation_deg);
  w.upright_turn_deg = -rotation_deg;
  w.gray.release();
  w.binary.release();
  w.skew_note.clear();
  w.rotated = false;
  const double decode_ms = w.times.decode_ms, pre_ms = w.times.preprocess_ms;
  std::vector<PageWork*> one{&w};
  redo->process(one);
  w.times.decode_ms = decode_ms;
  w.times.preprocess_ms += pre_ms;
  w.executor += " + cpu (after orientation)";
  if (!w.ok()) {
    *error = w.message;
    return false;
  }
  return true;
}

void correct_orientation(PageWork& w, OrientationDetector& osd, const StepConfig& steps,
                         std::unique_ptr<Executor>& redo) {
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  const OrientationResult o = osd.detect(w.binary.empty() ? w.gray : w.binary, dpi);
  w.orientation_checked = true;
  w.detected_by = "osd";
  w.orientation_known = o.known;
  w.orientation_deg = o.known ? o.rotation_deg : 0;
  w.orientation_confidence = o.orientation_confidence;
  w.orientation_note = o.reason;
  w.script = o.script_known ? o.script : "";
  w.script_confidence = o.script_confidence;
  if (!o.known || o.rotation_deg == 0 || w.decoded.gray.empty()) return;
  std::string error;
  if (!turn_upright(w, o.rotation_deg, steps, redo, &error))
    w.fail(PageError::kPreprocessFailed, error);
}

}  // namespace pageprep::host
