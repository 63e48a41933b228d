/// \file run_options.hpp
/// \brief `pageprep run`'s command line: the usage text and the parser that
/// turns arguments into a RunConfig.
#pragma once

#include <string>
#include <vector>

#include "pipeline/run_config.hpp"

namespace pageprep::cli {

/// The text of `pageprep --help`.
extern const char* const kUsage;

/// A command line that cannot run; main() prints it and exits with kExitUsage.
struct UsageError {
  std::string message;
};

/// Parses the arguments after `run`. Throws UsageError.
host::RunConfig parse_run(const std::vector<std::string>& args);

}  // namespace pageprep::cli
