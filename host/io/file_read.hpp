/// \file file_read.hpp
/// \brief Reading input files and pipes without ever blocking for good, and the
/// process-wide stop request that interrupts every wait.
///
/// Contract:
/// - Nothing here opens a path in blocking mode: a FIFO with no writer, a
///   terminal or a slow pipe is waited on with poll() in slices of at most
///   kStopPollMs, so a stop request (SIGINT/SIGTERM through request_io_stop())
///   ends the wait within that time.
/// - Regular files are read with read(); FIFOs and pipes (stdin, `<(cmd)`) are
///   read until EOF; character and block devices and sockets are refused
///   (kUnreadable), since reading /dev/zero or a tape is never what was meant.
/// - A FIFO whose writer does not send its first byte within `pipe_wait_ms` is
///   an error (kUnreadable), not a hang. A stop request during the wait or the
///   read is kInterrupted (not journaled: a rerun reads the input again).
/// - Thread safety: all functions may be called from any thread; the stop flag
///   is an atomic and request_io_stop() is async-signal-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/page.hpp"

namespace pageprep::host {

/// The longest a wait goes without looking at the stop flag.
constexpr int kStopPollMs = 100;
/// How long a FIFO may take to deliver its first byte, by default.
constexpr int kDefaultPipeWaitMs = 30000;

/// Asks every wait in io/ to give up (async-signal-safe).
void request_io_stop();
/// Whether request_io_stop() was called since the last reset_io_stop().
bool io_stop_requested();
/// Clears the stop request (tests; a library user starting a new run).
void reset_io_stop();

struct ReadResult {
  std::vector<uint8_t> bytes;
  PageError error = PageError::kNone;
  std::string message;    ///< "<path>: <what>" when error != kNone
  bool regular = false;   ///< the path is a regular file (its size is known)
  int64_t file_size = 0;  ///< st_size of a regular file
};

/// Reads at most `max_read` bytes of `path` (all of it when smaller). A regular
/// file over `max_bytes` is kTooLarge unread; a pipe that delivers more than
/// `max_bytes` is kTooLarge. Errors: kNotFound, kUnreadable (permissions, a
/// directory, a device or socket, a silent FIFO, a stop request), kEmptyFile,
/// kTooLarge.
ReadResult read_path(const std::string& path, int64_t max_bytes, int64_t max_read,
                     int pipe_wait_ms = kDefaultPipeWaitMs);

/// Reads an already open descriptor (stdin) to EOF the same way: poll slices,
/// stop flag, `max_bytes`. `name` prefixes messages. The descriptor's blocking
/// mode is left as it was.
ReadResult read_fd(int fd, const std::string& name, int64_t max_bytes, int first_byte_wait_ms = -1);

}  // namespace pageprep::host
