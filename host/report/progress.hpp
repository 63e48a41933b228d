/// \file progress.hpp
/// \brief Progress on stderr: a redrawn bar on a terminal, a plain line every
/// few seconds otherwise, nothing with --quiet.
///
/// Threading: page_done() and tick() are called by the journal thread only;
/// writers to the same stream hold the shared mutex, and call clear_line()
/// before printing so a bar is never left half-overwritten.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>

namespace pageprep::host {

class Progress {
 public:
  /// `terminal`: draw a bar (redrawn at most every 0.2 s) rather than a line
  /// every `interval_s`; by default, whether stderr is a terminal.
  Progress(std::ostream& out, std::mutex& mutex, int64_t total, bool quiet, int interval_s,
           std::optional<bool> terminal = std::nullopt);
  void page_done(bool ok);
  void tick();
  void clear_line();  ///< caller holds the mutex
  void finish();

 private:
  void draw(bool force);
  std::ostream& out_;
  std::mutex& mutex_;
  int64_t total_;
  int64_t done_ = 0;
  int64_t failed_ = 0;
  bool quiet_;
  bool tty_;
  int interval_s_;
  bool bar_visible_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace pageprep::host
