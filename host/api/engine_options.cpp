#include "api/engine_options.hpp"

#include <cmath>

namespace pageprep::host {

StepConfig step_config(const Options& o) {
  StepConfig s;
  s.background_norm = o.background_norm;
  s.deskew = o.deskew;
  s.max_skew_deg = o.max_skew_deg;
  s.skew_min_confidence = o.skew_min_confidence;
  s.expand_canvas = o.expand_canvas;
  s.median = o.median;
  s.binarize = o.binarize != Binarization::kNone;
  switch (o.binarize) {
    case Binarization::kOtsu:
      s.binarize_params.method = kernels::BinarizeMethod::kOtsu;
      break;
    case Binarization::kWolf:
      s.binarize_params.method = kernels::BinarizeMethod::kWolf;
      break;
    case Binarization::kSauvola:
    case Binarization::kNone:
      s.binarize_params.method = kernels::BinarizeMethod::kSauvola;
      break;
  }
  s.binarize_params.window = o.binarize_window;
  s.binarize_params.k = o.binarize_k;
  s.despeckle = o.despeckle;
  s.despeckle_max_area = o.despeckle_max_area;
  s.remove_border = o.remove_border;
  return s;
}

RunConfig run_config(const Options& o) {
  RunConfig c;
  c.steps = step_config(o);
  switch (o.device) {
    case Device::kAuto:
      c.device = DeviceChoice::kAuto;
      break;
    case Device::kCpu:
      c.device = DeviceChoice::kCpu;
      break;
    case Device::kCuda:
      c.device = DeviceChoice::kCuda;
      break;
  }
  c.cuda_device = o.cuda_device;
  c.batch_pages = o.max_batch;
  c.ocr = OcrMode::kNone;
  c.save_gray = true;  // PageResult::gray: the CUDA executor downloads it
  return c;
}

int cpu_threads(const Options& o, int cores) {
  return o.threads > 0 ? o.threads : (cores > 0 ? cores : 1);
}

std::string validate_options(const Options& o) {
  if (o.max_batch < 1 || o.max_batch > 1024) return "max_batch must be in 1..1024";
  if (o.threads < 0 || o.threads > 1024) return "threads must be in 0..1024";
  if (o.cuda_device < 0) return "cuda_device must be >= 0";
  if (!(o.max_skew_deg > 0.f && o.max_skew_deg <= 45.f)) return "max_skew_deg must be in (0, 45]";
  if (std::isnan(o.skew_min_confidence) || o.skew_min_confidence > 1.f)
    return "skew_min_confidence must be <= 1 (< 0: default)";
  if (o.binarize_window != 0 &&
      (o.binarize_window < 3 || o.binarize_window > 255 || o.binarize_window % 2 == 0))
    return "binarize_window must be 0 or odd in 3..255";
  if (std::isnan(o.binarize_k) || o.binarize_k > 1.f)
    return "binarize_k must be <= 1 (< 0: default)";
  if (o.despeckle_max_area < 0) return "despeckle_max_area must be >= 0";
  return "";
}

}  // namespace pageprep::host
