/// \file manifest.hpp
/// \brief What one run or shard set out to do: OUTDIR/.pageprep/manifest.<role>.json,
/// written by the run at start (scheduler.cpp) and read by `pageprep report`
/// (merged_report.cpp) and by later shards. One type for both sides.
///
/// A shard array is the manifests of one shard count N. Its shards must also
/// share the output-affecting options (`options`, array_parameters_hash() in
/// run_config.hpp): a shard whose options differ from another shard of the
/// same N in OUTDIR is refused at start (unless --force starts a new array),
/// and `report` flags an array whose manifests disagree.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pageprep::host {

struct Manifest {
  std::string role;  ///< "run" or "shard-K-of-N"
  int64_t shard = 1, shards = 1;
  int64_t pages = 0;    ///< pages assigned to this writer
  int64_t resumed = 0;  ///< of those, done by an earlier run at start
  int64_t started_ms = 0;
  int64_t pid = 0;
  std::string options;  ///< array_parameters_hash() of the run ("" in old manifests)
};

/// The manifest's file name for a role.
std::string manifest_file_name(const std::string& role);
std::string manifest_json(const Manifest& m);
/// Every manifest in `state_dir` (OUTDIR/.pageprep); unreadable ones are skipped.
std::vector<Manifest> read_manifests(const std::string& state_dir);

}  // namespace pageprep::host
