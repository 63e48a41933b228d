/// \file scheduler.hpp
/// \brief The pipeline that runs a whole job: enumerate → decode → batch →
/// preprocess → OCR or write → journal.
///
/// Threading contract (who owns a page when):
///
///   main thread        enumerates inputs into PageTasks (paths and page
///                      indices only), consults the journal, then starts:
///   decode pool        (ThreadBudget::decode_threads) takes a PageTask from
///                      the task queue and creates the page's PageWork; owns it
///                      until it is pushed to the batch queue (or, on a decode
///                      error, straight to the finish queue);
///   executor thread    (one) owns the pages of the batch it is filling and
///                      processing, then pushes each to the finish queue;
///   finish pool        (ThreadBudget::finish_threads) owns one page at a time:
///                      OCR with its own OcrEngine (one TessBaseAPI per
///                      thread, created once), evaluation against ground truth,
///                      encoding and atomic writes of every output; then pushes
///                      a PageRecord (JSON only, images freed) to the journal queue;
///   journal thread     (one) appends records to the journal, counts, and
///                      prints progress; when the last page of a document is
///                      recorded, it queues the document;
///   assembler thread   (one, when document outputs are on) builds each queued
///                      document's B.pdf and B.txt from the master and the pages'
///                      artifacts (doc/assemble.hpp), at lower priority.
///
/// Shared objects: the queues (internally locked), the atomic counters in
/// RunStats, and the Journal (journal thread only after startup). Every queue
/// is bounded, so at most (sum of capacities + threads) pages are decoded at
/// once and peak memory does not grow with the number of pages.
///
/// Core budget: see plan_threads(). Output does not depend on thread counts or
/// batch size: every per-page result is a function of the page alone.
#pragma once

#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/run_config.hpp"

namespace pageprep::host {

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

/// Runs the job. Reports go to cfg.outdir (pages.jsonl, run.json) and to `err`
/// (per-page errors, progress, summary). Never throws.
RunSummary run_pipeline(const RunConfig& cfg, std::ostream& err);

/// Asks a running pipeline to stop taking new pages (signal-safe).
void request_stop();

}  // namespace pageprep::host
