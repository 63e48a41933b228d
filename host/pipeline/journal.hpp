/// \file journal.hpp
/// \brief The append-only run journal that makes runs resumable.
///
/// OUTDIR/.pageprep/journal.jsonl holds one line per finished page:
///   {"key":"<page key>","record":<the page's pages.jsonl object>}
/// A line is appended (and fsync'ed) only after every output of that page has
/// been written atomically (temporary file, fsync, rename), so a line in the
/// journal means the outputs are durable. A line cut short by a crash has no
/// trailing newline and is ignored on load; its page is simply redone.
///
/// The key names the input (path, size, mtime), the page index and a hash of
/// every option that changes outputs, so re-running with other parameters
/// redoes the page. Failed pages are journaled too (for the report) but are
/// always retried on the next run.
///
/// Threading: append() is called from one thread (the pipeline's journal
/// stage); load() before the run starts.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_map>

namespace pageprep::host {

struct JournalEntry {
  std::string record;  ///< serialized pages.jsonl object
  bool ok = false;     ///< status was ok
};

class Journal {
 public:
  Journal() = default;
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Loads the existing journal (if any) and opens it for appending.
  bool open(const std::string& outdir, std::string* error);

  /// The last entry recorded for `key`, or nullptr.
  const JournalEntry* find(const std::string& key) const;

  /// Appends one line and makes it durable. Returns false with *error on I/O failure.
  bool append(const std::string& key, const std::string& record_json, bool ok, std::string* error);

  size_t size() const { return entries_.size(); }
  int64_t ignored_lines() const { return ignored_lines_; }

 private:
  std::unordered_map<std::string, JournalEntry> entries_;
  std::FILE* file_ = nullptr;
  int64_t ignored_lines_ = 0;
};

/// 64-bit FNV-1a, for the parameter hash in page keys.
uint64_t fnv1a64(const std::string& s);

}  // namespace pageprep::host
