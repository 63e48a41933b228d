/// \file cuda_check.hpp
/// \brief The one checking macro every CUDA runtime call goes through
/// (house style §3): it records file, line and expression in the Status.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels::cuda {

inline Status cuda_status(cudaError_t err, const char* expr, const char* file, int line) {
  if (err == cudaSuccess) return Status::ok();
  const StatusCode code = err == cudaErrorMemoryAllocation ? StatusCode::kOutOfMemory
                          : (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver)
                              ? StatusCode::kNoDevice
                              : StatusCode::kCudaError;
  return Status(code, std::string(cudaGetErrorName(err)) + " (" + cudaGetErrorString(err) +
                          ") in " + expr + " at " + file + ":" + std::to_string(line));
}

}  // namespace pageprep::kernels::cuda

/// Evaluates a CUDA runtime call; returns a non-ok Status from the enclosing function on failure.
#define PAGEPREP_CUDA_CHECK(expr)                                                   \
  do {                                                                              \
    cudaError_t e_ = (expr);                                                        \
    if (e_ != cudaSuccess)                                                          \
      return ::pageprep::kernels::cuda::cuda_status(e_, #expr, __FILE__, __LINE__); \
  } while (0)

#if defined(PAGEPREP_DEBUG_SYNC)
#define PAGEPREP_CUDA_SYNC_IF_DEBUG(stream) PAGEPREP_CUDA_CHECK(cudaStreamSynchronize(stream))
#else
#define PAGEPREP_CUDA_SYNC_IF_DEBUG(stream) \
  do {                                      \
  } while (0)
#endif

/// After every launch: catches configuration errors; synchronizes in debug builds.
#define PAGEPREP_CUDA_CHECK_LAUNCH(stream)   \
  do {                                       \
    PAGEPREP_CUDA_CHECK(cudaGetLastError()); \
    PAGEPREP_CUDA_SYNC_IF_DEBUG(stream);     \
  } while (0)
