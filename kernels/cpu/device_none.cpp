// Built only when the CUDA schedules are not: this build has no CUDA devices.
#include "pageprep/kernels/device.hpp"

namespace pageprep::kernels {

bool cuda_built() {
  return false;
}
int cuda_device_count() {
  return 0;
}
std::string cuda_device_description(int) {
  return "built without CUDA (PAGEPREP_CUDA=OFF)";
}

}  // namespace pageprep::kernels
