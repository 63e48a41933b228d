/// \file engine_options.hpp
/// \brief The public Options in the pipeline's own terms: the RunConfig that
/// `pageprep run` builds from its command line, so choose_executor()
/// (pipeline/executor.hpp) sees the same inputs from both.
#pragma once

#include <string>

#include "pageprep/engine.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {

/// The steps Options asks for. Options{} maps to RunConfig{}.steps
/// (test_engine.cpp checks it), so the engine's defaults are the CLI's.
StepConfig step_config(const Options& options);

/// The run configuration the engine's executor is chosen for: the steps, the
/// device, the CUDA device and the batch size; no OCR, and the gray page kept
/// (the engine returns it). Options{} gives RunConfig{}'s values for all of them.
RunConfig run_config(const Options& options);

/// The CPU executor's threads: Options::threads, or `cores` for 0.
int cpu_threads(const Options& options, int cores);

/// "" when every field is in range, else the first problem found.
std::string validate_options(const Options& options);

}  // namespace pageprep::host
