/// \file device.hpp
/// \brief What CUDA support this build and this machine have. Callable from
/// plain C++ whether or not the CUDA schedules were built.
#pragma once

#include <string>

namespace pageprep::kernels {

/// True when the CUDA schedules were compiled into this build.
bool cuda_built();

/// Number of usable CUDA devices; 0 when none, when the driver is missing, or
/// when the build has no CUDA schedules. Never throws, never aborts.
int cuda_device_count();

/// "NVIDIA H200 (sm_90, 139 GiB)" or why there is none.
std::string cuda_device_description(int device);

}  // namespace pageprep::kernels
