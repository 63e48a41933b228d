/// \file engine_options.hpp
/// \brief The public Options in the pipeline's own terms: the step
/// configuration and executor choice that `pageprep run` builds from its
/// command line, so make_executor() sees the same inputs from both.
#pragma once

#include <string>

#include "pageprep/engine.hpp"
#include "pipeline/executor_factory.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {

/// The steps Options asks for. Options{} maps to RunConfig{}.steps
/// (test_engine.cpp checks it), so the engine's defaults are the CLI's.
StepConfig step_config(const Options& options);

/// The device choice; `cores` stands in for Options::threads == 0.
ExecutorChoice executor_choice(const Options& options, int cores);

/// "" when every field is in range, else the first problem found.
std::string validate_options(const Options& options);

}  // namespace pageprep::host
