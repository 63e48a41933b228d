/// \file merged_report.hpp
/// \brief pages.jsonl and the merged run.json of an OUTDIR written by any
/// number of runs and shards: `pageprep report OUTDIR`, which may run at any
/// time, during the run too (it takes no lock and only reads the journals).
#pragma once

#include <iosfwd>
#include <string>

#include "report/journal.hpp"

namespace pageprep::host {

/// Streams the latest record of every page in `journal` (all journals of
/// OUTDIR), sorted by document and page, to OUTDIR/pages.jsonl, atomically.
bool write_pages_jsonl(const Journal& journal, const std::string& outdir,
                       const std::string& temp_dir, std::string* error);

/// Exit codes of `pageprep report`.
enum ReportExit : int {
  kReportComplete = 0,  ///< every page the latest run or shard array set out to do is ok
  kReportFatal = 1,     ///< not a pageprep output folder, or reports could not be written
  kReportFailures =
      3,  ///< finished pages include failures, or shards of the array ran with other options
  kReportIncomplete = 4,  ///< pages are still to do (running, or a shard did not finish)
};

/// Merges OUTDIR's journals into pages.jsonl and run.json (totals, failures,
/// per-shard throughput), prints a summary on `out`, and returns a ReportExit.
int report_outdir(const std::string& outdir, std::ostream& out, std::ostream& err);

}  // namespace pageprep::host
