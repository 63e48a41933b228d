/// \file run_report.hpp
/// \brief run.json: what a run did, how fast, with which threads and executor,
/// and every failure.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "model/run_stats.hpp"
#include "model/run_summary.hpp"
#include "report/page_record.hpp"

namespace pageprep::host {

/// Everything run.json is made from; the pointers outlive the call.
struct RunReport {
  RunSummary summary;
  std::string executor;
  std::string cuda_fallback;  ///< --device auto could not use the device: why ("" otherwise)
  ThreadBudget budget;
  bool ocr = false;  ///< OCR workers (else image writers) finished the pages
  int batch_pages = 0;
  const RunStats* stats = nullptr;
  const std::vector<PageRecord>* failures = nullptr;  ///< pages this run failed
  const std::vector<std::string>* input_warnings = nullptr;
  /// Folder entries skipped on purpose, by reason (InputList::skipped_counts()).
  const std::map<std::string, int64_t>* inputs_skipped = nullptr;
  const std::vector<DocumentResult>* documents = nullptr;  ///< assembled by this run
};

/// run.json's text, with a trailing newline.
std::string run_json(const RunReport& r);

}  // namespace pageprep::host
