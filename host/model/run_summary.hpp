/// \file run_summary.hpp
/// \brief What a run reports about itself: its exit codes, the threads it was
/// given, each document it assembled and the summary counts. Plain data in the
/// model floor, so that the reports (report/) and the pipeline that fills them
/// (pipeline/) both read it without including each other.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pageprep::host {

/// Resolved thread counts for a run (see scheduler.hpp for the core budget).
struct ThreadBudget {
  int cores = 1;
  std::string cores_source = "machine";  ///< --jobs, affinity, cgroup or machine
  int decode_threads = 1;
  int preprocess_threads = 1;  ///< the CPU executor's pool
  int finish_threads = 1;      ///< OCR workers, or image writers with --ocr none
};

/// Process exit codes of `pageprep run` (also documented in README.md).
enum ExitCode : int {
  kExitOk = 0,             ///< every page succeeded (or was already done)
  kExitFatal = 1,          ///< the run could not start or could not finish its reports
  kExitUsage = 2,          ///< bad command line
  kExitPagesFailed = 3,    ///< the run finished, but at least one page failed
  kExitInterrupted = 130,  ///< stopped by SIGINT/SIGTERM; finished pages are journaled
};

/// One document's outputs (B.pdf, B.txt) as assembled by this run.
struct DocumentResult {
  std::string input;
  bool ok = true;
  std::string message;  ///< the error, or pages left out / without text
  std::vector<std::pair<std::string, std::string>> outputs;  ///< (kind, path)
  int32_t pages_without_text = 0;
};

/// CPU seconds by thread role, and the finish threads' steps (run_stats.hpp's
/// CpuSplit), for `pageprep bench --device null`.
struct CpuSplitSeconds {
  double decode_threads = 0, executor = 0, finish_threads = 0, journal = 0;
  double unpack = 0, encode = 0, write = 0;  ///< parts of finish_threads
};

struct RunSummary {
  int64_t pages_total = 0;
  int64_t documents_ok = 0;      ///< documents assembled (or found up to date)
  int64_t documents_failed = 0;  ///< documents whose PDF or text could not be written
  int64_t pages_ok = 0;
  int64_t pages_failed = 0;
  int64_t pages_resumed = 0;  ///< already done by an earlier run with the same parameters
  double wall_s = 0;
  /// CPU time the decode threads spent in the decoders (CLOCK_THREAD_CPUTIME_ID).
  double decode_cpu_s = 0;
  CpuSplitSeconds cpu_split;
  int exit_code = kExitOk;
};

}  // namespace pageprep::host
