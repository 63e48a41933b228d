/// \file live_feed.hpp
/// \brief The live feed: a file in OUTDIR that grows by one JSON line (the
/// page's pages.jsonl record) as each page finishes, so an OCR farm can pick
/// pages up during the run (`tail -F`).
///
/// OUTDIR/pages.live.jsonl for a whole run, OUTDIR/pages.live.shard-K-of-N.jsonl
/// for a shard (one file per writer: appends from several hosts to one file
/// are not atomic on network file systems). A line is written and fsynced
/// after the page's outputs are durable and before its journal line, so a
/// crash can repeat a page in the feed when it is redone, but never lose one.
/// Lines are appended across runs; pages a run skips as done are not repeated.
///
/// Threading: used by the pipeline's journal thread only.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace pageprep::host {

class LiveFeed {
 public:
  LiveFeed() = default;
  ~LiveFeed();
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  /// The feed's file name for a writer's role ("run" or "shard-K-of-N").
  static std::string file_name(const std::string& role);

  bool open(const std::string& path, std::string* error);
  /// Appends one line per record and makes them durable.
  bool append(const std::vector<const std::string*>& records, std::string* error);

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace pageprep::host
