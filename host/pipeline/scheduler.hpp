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

#include "model/run_summary.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {

/// Runs the job. Reports go to cfg.outdir (pages.jsonl, run.json) and to `err`
/// (per-page errors, progress, summary). Never throws.
RunSummary run_pipeline(const RunConfig& cfg, std::ostream& err);

/// Asks a running pipeline to stop taking new pages (signal-safe).
void request_stop();

}  // namespace pageprep::host
