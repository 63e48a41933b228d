#include "pipeline/orientation_step.hpp"

#include <cmath>
#include <string>
#include <vector>

namespace pageprep::host {

void correct_orientation(PageWork& w, OrientationDetector& osd, const StepConfig& steps,
                         std::unique_ptr<Executor>& redo) {
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  const OrientationResult o = osd.detect(w.binary.empty() ? w.gray : w.binary, dpi);
  w.orientation_checked = true;
  w.orientation_known = o.known;
  w.orientation_deg = o.known ? o.rotation_deg : 0;
  w.orientation_confidence = o.orientation_confidence;
  w.script = o.script_known ? o.script : "";
  w.script_confidence = o.script_confidence;
  if (!o.known || o.rotation_deg == 0 || w.decoded.gray.empty()) return;
  // A page turned a quarter was deskewed sideways: turn the source upright
  // and preprocess it again, so deskew and binarization see real text lines.
  if (!redo) {
    std::string error;
    redo = make_cpu_executor(steps, 1, &error);
    if (!redo) {
      w.fail(PageError::kPreprocessFailed, error);
      return;
    }
  }
  w.decoded.gray = rotate_quarter_turns(w.decoded.gray, -o.rotation_deg);
  w.upright_turn_deg = -o.rotation_deg;
  w.gray.release();
  w.binary.release();
  const double decode_ms = w.times.decode_ms, pre_ms = w.times.preprocess_ms;
  std::vector<PageWork*> one{&w};
  redo->process(one);
  w.times.decode_ms = decode_ms;
  w.times.preprocess_ms += pre_ms;
  w.executor += " + cpu (after orientation)";
}

}  // namespace pageprep::host
