/// \file executor_factory.hpp
/// \brief The one place that turns a device choice and a step configuration
/// into an executor. `pageprep run` (scheduler.cpp) and the library's Engine
/// (host/api/engine.cpp) both call make_executor(), so the two choose devices,
/// fall back and apply steps identically.
///
/// Device rule (the CLI's --device): kCpu is the CPU executor; kCuda is the
/// CUDA executor and fails when no device is usable; kAuto is CUDA when a
/// device is present, else the CPU. A CUDA executor always carries a CPU
/// executor of the same steps as its fallback (a batch that fails on the GPU
/// is redone there, and each page's `executor` says so).
#pragma once

#include <memory>
#include <string>

#include "pipeline/executor.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {

struct ExecutorChoice {
  DeviceChoice device = DeviceChoice::kAuto;
  int cuda_device = 0;
  int max_batch = 8;    ///< the CUDA executor is sized for batches of this many pages
  int cpu_threads = 1;  ///< the CPU executor's pool (also the CUDA executor's fallback)
};

/// The choice `pageprep run` makes for a run's options and thread budget.
ExecutorChoice executor_choice(const RunConfig& cfg, const ThreadBudget& budget);

/// Builds the executor for `steps` on the chosen device; nullptr with *error
/// set when it cannot (kCuda without a device, an operation that rejects its
/// parameters). Never throws.
std::unique_ptr<Executor> make_executor(const StepConfig& steps, const ExecutorChoice& choice,
                                        std::string* error);

}  // namespace pageprep::host
