#include "report/version.hpp"

#include <tesseract/baseapi.h>

#include <opencv2/core/version.hpp>
#include <string>

#include "pageprep/kernels/device.hpp"

namespace pageprep::host {

std::string version_string() {
  std::string s = std::string("pageprep ") + PAGEPREP_VERSION + "\n";
  s += std::string("  tesseract ") + tesseract::TessBaseAPI::Version() + "\n";
  s += std::string("  opencv ") + CV_VERSION + "\n";
  s += std::string("  cuda schedules: ") + (kernels::cuda_built() ? "built" : "not built");
  if (kernels::cuda_built()) {
    const int n = kernels::cuda_device_count();
    s += ", " + std::to_string(n) + " device(s)";
    if (n > 0) s += ": " + kernels::cuda_device_description(0);
  }
  return s + "\n";
}

}  // namespace pageprep::host
