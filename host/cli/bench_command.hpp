/// \file bench_command.hpp
/// \brief `pageprep bench`: throughput of this machine, stage by stage, on the
/// CPU and on each CUDA device, for users who size a run and for
/// tests/gpu/device_check.sh (whose figures go into docs/PERFORMANCE.md, so
/// the documented numbers and a user's come from the same code).
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace pageprep::cli {

extern const char* const kBenchUsage;

/// Runs `pageprep bench ARGS...`; prints the table (or, with --json, one JSON
/// record) to `out` and problems to `err`. Returns the process exit code.
int run_bench(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pageprep::cli
