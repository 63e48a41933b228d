/// \file journal.hpp
/// \brief The append-only journals that make runs resumable and let several
/// processes (shards) share one OUTDIR.
///
/// OUTDIR/.pageprep/ holds one journal per writer: journal.jsonl for a whole
/// run, journal.shard-K-of-N.jsonl for shard K of N (outdir.hpp). Each line is
///   {"key":K,"ok":B,"doc":D,"src":S,"page":P,"part":H,"t":MS,"record":R}
/// with K the page key, D the document base (output_names.hpp), S the input's
/// path (absolute, lexically normal: identify_input), P the page index, MS the
/// time in ms since the epoch and R the page's pages.jsonl object. H is "L" or
/// "R" for a half of a split spread (--split auto) and absent for a whole page. (Journals
/// written before "src" existed lack it; their lines are keyed by D instead.) A line is appended
/// (and fsync'ed) only after every output of that page has been written atomically, so a line means
/// the outputs are durable. A line cut short by a crash has no trailing newline and is ignored on
/// load; the writer cuts its own torn tail before appending.
///
/// The key names the document base, the page index, the input's size and mtime
/// and a hash of every option that changes outputs, so re-running with other
/// parameters or on a changed file redoes the page, and the key is the same on
/// every machine of a cluster. Failed pages are journaled too (for the report)
/// but are always retried on the next run.
///
/// Every writer loads every journal: a page done by any earlier run or shard
/// counts as done. Records stay on disk; memory holds a small entry per page.
///
/// Threading: append() is called from one thread (the pipeline's journal
/// stage); open() before the run starts. Other processes may append to their
/// own journals meanwhile: their incomplete last lines are ignored.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/output_names.hpp"  // fnv1a64

namespace pageprep::host {

struct JournalEntry {
  bool ok = false;  ///< status was ok
  int64_t time_ms = 0;
  std::string doc;     ///< document base
  std::string source;  ///< the input's absolute path ("" in old journals)
  int32_t page = 0;
  std::string part;                  ///< "L"/"R": a half of a split spread; "" whole
  std::vector<std::string> outputs;  ///< output paths relative to OUTDIR
  int32_t file = 0;                  ///< which journal file holds the record
  int64_t offset = 0;                ///< where its record starts in that file
  int64_t length = 0;
};

/// One finished page, as the journal stage appends it.
struct JournalLine {
  std::string key;
  bool ok = false;
  std::string doc;
  int32_t page = 0;
  std::string record_json;  ///< the page's pages.jsonl object
  std::string source;       ///< the input's absolute path (identify_input)
  std::string part;         ///< "L"/"R" for a half of a split spread, "" whole
};

class Journal {
 public:
  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Loads every journal*.jsonl in `state_dir` (OUTDIR/.pageprep) and, unless
  /// `own_name` is empty (read-only use, e.g. `pageprep report`), opens
  /// state_dir/own_name for appending.
  bool open(const std::string& state_dir, const std::string& own_name, std::string* error);

  /// The latest entry recorded for `key` by any journal, or nullptr.
  const JournalEntry* find(const std::string& key) const;

  /// Appends lines and makes them durable with one fsync (group commit).
  /// Returns false with *error on I/O failure.
  bool append(const std::vector<JournalLine>& lines, std::string* error);
  bool append(const JournalLine& line, std::string* error) {
    return append(std::vector<JournalLine>{line}, error);
  }

  /// The record (pages.jsonl object) of an entry, read back from its file.
  std::string record(const JournalEntry& e) const;

  /// The merged view behind pages.jsonl, sorted by document base (bytewise),
  /// page, then input: the latest entry of every (input, page) in all
  /// journals, so an input refused with output_conflict keeps its own failed
  /// record beside the ok record of the input that owns the name. Of the ok
  /// entries that share one (document, page), only the latest is kept: it
  /// wrote the outputs they share (a moved input, redone). The halves of a
  /// split page ("part") are pages of their own; of a page's whole entry and
  /// its halves, only the later kind is kept (a run with --split after one
  /// without, or the other way round). Of the entries of one (input, page,
  /// part) under different document bases (a same-stem file appeared beside
  /// the input and its base changed), only the latest is kept.
  std::vector<const JournalEntry*> latest_pages() const;

  /// Every key's latest entry.
  const std::unordered_map<std::string, JournalEntry>& entries() const { return entries_; }

  /// The journal files loaded, in the order of JournalEntry::file.
  const std::vector<std::string>& files() const { return files_; }

  size_t size() const { return entries_.size(); }
  int64_t ignored_lines() const { return ignored_lines_; }

 private:
  void load_file(int32_t index, bool own);

  std::vector<std::string> files_;
  std::unordered_map<std::string, JournalEntry> entries_;
  std::FILE* file_ = nullptr;  ///< own journal, open for appending
  int32_t own_index_ = -1;
  int64_t own_size_ = 0;
  int64_t ignored_lines_ = 0;
};

}  // namespace pageprep::host
