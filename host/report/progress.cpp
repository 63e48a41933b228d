#include "report/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace pageprep::host {

Progress::Progress(std::ostream& out, std::mutex& mutex, int64_t total, bool quiet, int interval_s,
                   std::optional<bool> terminal)
    : out_(out),
      mutex_(mutex),
      total_(total),
      quiet_(quiet),
      tty_(terminal.value_or(::isatty(STDERR_FILENO) == 1)),
      interval_s_(interval_s < 1 ? 1 : interval_s),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void Progress::page_done(bool ok) {
  ++done_;
  if (!ok) ++failed_;
  draw(false);
}

void Progress::tick() {
  draw(false);
}

void Progress::clear_line() {
  if (bar_visible_) {
    out_ << "\r\033[K";
    bar_visible_ = false;
  }
}

void Progress::draw(bool force) {
  if (quiet_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  if (!force && since_draw < (tty_ ? 0.2 : static_cast<double>(interval_s_))) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
  char eta_text[32];
  if (rate > 0)
    std::snprintf(eta_text, sizeof eta_text, "%.0f s", eta);
  else
    std::snprintf(eta_text, sizeof eta_text, "--");
  char line[256];
  std::lock_guard<std::mutex> lock(mutex_);
  if (tty_) {
    constexpr int kWidth = 30;
    const int filled = total_ > 0 ? static_cast<int>(kWidth * done_ / total_) : kWidth;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::snprintf(line, sizeof line,
                  "\r[%s] %lld/%lld pages  %.2f pages/s  ETA %s  failed %lld\033[K", bar.c_str(),
                  static_cast<long long>(done_), static_cast<long long>(total_), rate, eta_text,
                  static_cast<long long>(failed_));
    out_ << line << std::flush;
    bar_visible_ = true;
  } else {
    std::snprintf(line, sizeof line,
                  "pageprep: %lld/%lld pages, %.2f pages/s, ETA %s, %lld failed\n",
                  static_cast<long long>(done_), static_cast<long long>(total_), rate, eta_text,
                  static_cast<long long>(failed_));
    out_ << line << std::flush;
  }
}

void Progress::finish() {
  if (quiet_) return;
  if (tty_) {
    draw(true);
    std::lock_guard<std::mutex> lock(mutex_);
    out_ << "\n";
    bar_visible_ = false;
  }
}

}  // namespace pageprep::host
