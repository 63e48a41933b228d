/// \file bench_command.hpp
/// \brief `pageprep bench`: throughput of this machine, stage by stage, on the
/// CPU and on each CUDA device, for users who size a run and for
/// tests/gpu/device_check.sh (whose figures go into docs/PERFORMANCE.md, so
/// the documented numbers and a user's come from the same code).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace pageprep::bench {

extern const char* const kBenchUsage;

/// Runs `pageprep bench ARGS...`; prints the table (or, with --json, one JSON
/// record) to `out` and problems to `err`. Returns the process exit code.
int run_bench(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// The bench's generated text-like page (skewed, noisy), 8-bit gray.
cv::Mat generate_bench_page(int width, int height, int dpi, uint64_t seed);

/// `v` as an integer in [lo, hi] for option `opt`; std::invalid_argument
/// naming the option otherwise (both bench parsers).
int bench_int_option(const std::string& opt, const std::string& v, int lo, int hi);

/// `pageprep bench --device null ...` (bench_null.cpp): the GPU path's host
/// cost per page, with a device that does no work.
int run_null_bench(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace pageprep::bench
