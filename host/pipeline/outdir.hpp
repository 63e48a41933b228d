/// \file outdir.hpp
/// \brief OUTDIR's own state in OUTDIR/.pageprep: the lock that lets one run
/// (or the shards of one array) write there at a time, this process's folder of
/// temporary files and journal, and the claims that bind output names to inputs.
///
/// Locking (flock; on NFS v4 Linux maps it to byte-range locks):
/// - a whole run holds .pageprep/lock exclusively;
/// - shard K of N holds .pageprep/lock shared, and .pageprep/shard-K-of-N.lock
///   exclusively, so shards of one array run side by side, the same shard
///   cannot run twice, and no whole run can start while any shard runs. Shards
///   of a different N refuse to join a running array.
/// A refused lock is a fatal error naming the holder (pid, host, start time).
/// Locks die with their process: a run killed with kill -9 leaves nothing to
/// clean up by hand.
///
/// Temporary files: each process writes them in its own folder
/// .pageprep/tmp/<role> (role "run" or "shard-K-of-N") and empties that folder
/// when it starts, under its lock. pageprep never deletes files outside
/// .pageprep.
///
/// Claims (.pageprep/claims.jsonl, appended under an exclusive flock): one line
/// per document base {"base":B,"input":ABSPATH,"size":S,"mtime_ns":"T"}. A base
/// claimed by one input is never written for another: the other input's pages
/// fail with output_conflict. An input is the same input when its absolute
/// path matches, or its size and mtime do (the same file seen through another
/// mount point, as on another node of a cluster). Before a new base is claimed,
/// pageprep checks that OUTDIR holds no file of that name it did not write.
///
/// Threading: used by the main thread before the stages start.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline/shard.hpp"

namespace pageprep::host {

/// An input's identity as claims compare it.
struct InputIdentity {
  std::string path;  ///< absolute, lexically normal
  int64_t size = -1;
  int64_t mtime_ns = -1;
};
InputIdentity identify_input(const std::string& path);

struct ClaimRequest {
  std::string base;
  InputIdentity input;
  int32_t pages = 1;
};

/// One document's output names in this run: its base and every page's stem.
struct DocumentNames {
  std::string input;
  std::string base;
  std::vector<std::string> stems;
};

/// Output names that two inputs of one run would share (claims see only
/// bases, but `d/book.pdf`'s page book/p0001 and `d/x/book/p0001.png` share
/// the stem book/p0001). Per document, in order: "" when none of its names
/// (base and stems) belongs to an earlier document of another input, else why
/// its pages must fail with output_conflict. The first input keeps its names.
std::vector<std::string> conflicts_within_run(const std::vector<DocumentNames>& docs);

class OutputDir {
 public:
  OutputDir() = default;
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;

  /// Creates OUTDIR and its state folder, takes the lock for `shard`, empties
  /// this process's temporary folder and checks that OUTDIR is writable.
  bool open(const std::string& outdir, const ShardSpec& shard, std::string* error);

  const std::string& path() const { return outdir_; }
  std::string state_dir() const;  ///< OUTDIR/.pageprep
  std::string temp_dir() const;   ///< this process's temporary folder
  std::string journal_name() const;

  /// Claims the bases of `docs` for their inputs. Returns, per request, "" when
  /// the base is this input's (newly or already claimed), else why it is not.
  std::vector<std::string> claim(const std::vector<ClaimRequest>& docs, std::string* error);

 private:
  std::string outdir_;
  ShardSpec shard_;
  int lock_fd_ = -1;
  int shard_fd_ = -1;
};

}  // namespace pageprep::host

namespace pageprep::host {

/// Refuses command lines whose outputs could land on their inputs: an OUTDIR
/// that is an input folder, and input files in OUTDIR or below it. (An OUTDIR
/// below an input folder is fine: listing skips it, see inputs.hpp.) Returns
/// "" or the reason, for a usage error.
std::string check_inputs_against_outdir(const std::vector<std::string>& args,
                                        const std::vector<std::string>& input_paths,
                                        const std::string& outdir);

}  // namespace pageprep::host
