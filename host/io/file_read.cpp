// Non-blocking reads of files, FIFOs and stdin, interruptible by request_io_stop().
#include "io/file_read.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

namespace pageprep::host {

namespace {

std::atomic<bool> g_io_stop{false};

const char* kind_of(mode_t m) {
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  return "not a regular file";
}

ReadResult fail(ReadResult r, const std::string& name, PageError e, const std::string& what) {
  r.error = e;
  r.message = name + ": " + what;
  r.bytes.clear();
  r.bytes.shrink_to_fit();
  return r;
}

// Reads a pipe (or anything poll() works on) to EOF, `max_bytes` + 1 at most.
// `first_byte_wait_ms` < 0 waits for the first byte until a stop request.
ReadResult read_stream(int fd, const std::string& name, int64_t max_bytes, int first_byte_wait_ms) {
  ReadResult r;
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t cap = max_bytes + 1;
  std::vector<uint8_t> chunk(1 << 16);
  bool any = false;
  for (;;) {
    // A stop request is an interruption, not a fault of the input: the page
    // gets kInterrupted (not journaled), so a rerun reads the pipe again.
    if (io_stop_requested())
      return fail(std::move(r), name, PageError::kInterrupted,
                  "stopped (SIGINT/SIGTERM) while reading a pipe");
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, kStopPollMs);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return fail(std::move(r), name, PageError::kUnreadable,
                  std::string("poll: ") + std::strerror(errno));
    }
    if (ready == 0) {
      if (!any && first_byte_wait_ms >= 0 &&
          std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(first_byte_wait_ms))
        return fail(std::move(r), name, PageError::kUnreadable,
                    "no data from the pipe within " + std::to_string(first_byte_wait_ms / 1000) +
                        " s (a FIFO with no writer?)");
      continue;
    }
    const ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      if (errno == EISDIR)
        return fail(std::move(r), name, PageError::kUnreadable, "is a directory");
      return fail(std::move(r), name, PageError::kUnreadable,
                  std::string("read error: ") + std::strerror(errno));
    }
    if (n == 0) break;  // poll reported the writer gone: EOF
    any = true;
    const int64_t room = cap - static_cast<int64_t>(r.bytes.size());
    r.bytes.insert(r.bytes.end(), chunk.begin(), chunk.begin() + std::min<int64_t>(n, room));
    if (static_cast<int64_t>(r.bytes.size()) > max_bytes)
      return fail(std::move(r), name, PageError::kTooLarge,
                  "stream exceeds the limit of " + std::to_string(max_bytes) + " bytes");
  }
  if (r.bytes.empty()) return fail(std::move(r), name, PageError::kEmptyFile, "empty (0 bytes)");
  return r;
}

}  // namespace

void request_io_stop() {
  g_io_stop.store(true, std::memory_order_relaxed);
}
bool io_stop_requested() {
  return g_io_stop.load(std::memory_order_relaxed);
}
void reset_io_stop() {
  g_io_stop.store(false, std::memory_order_relaxed);
}

ReadResult read_fd(int fd, const std::string& name, int64_t max_bytes, int first_byte_wait_ms) {
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    // A regular file redirected to stdin: plain reads, no waiting.
    ReadResult r;
    r.regular = true;
    std::vector<uint8_t> chunk(1 << 16);
    for (;;) {
      const ssize_t n = ::read(fd, chunk.data(), chunk.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(std::move(r), name, PageError::kUnreadable,
                    std::string("read error: ") + std::strerror(errno));
      }
      if (n == 0) break;
      r.bytes.insert(r.bytes.end(), chunk.begin(), chunk.begin() + n);
      if (static_cast<int64_t>(r.bytes.size()) > max_bytes)
        return fail(std::move(r), name, PageError::kTooLarge,
                    "more than " + std::to_string(max_bytes) + " bytes");
    }
    if (r.bytes.empty()) return fail(std::move(r), name, PageError::kEmptyFile, "empty (0 bytes)");
    return r;
  }
  return read_stream(fd, name, max_bytes, first_byte_wait_ms);
}

ReadResult read_path(const std::string& path, int64_t max_bytes, int64_t max_read,
                     int pipe_wait_ms) {
  ReadResult r;
  // Look before opening: opening a device can have effects of its own, and a
  // socket cannot be opened at all.
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return fail(std::move(r), path, PageError::kNotFound, "no such file");
    if (err == EACCES || err == EPERM)
      return fail(std::move(r), path, PageError::kUnreadable, "permission denied");
    if (err == ELOOP) return fail(std::move(r), path, PageError::kNotFound, "symbolic link loop");
    return fail(std::move(r), path, PageError::kUnreadable,
                std::string("cannot stat: ") + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode))
    return fail(std::move(r), path, PageError::kUnreadable, "is a directory, not a file");
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
    return fail(std::move(r), path, PageError::kUnreadable,
                std::string("not a regular file (") + kind_of(st.st_mode) + ")");
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR)
      return fail(std::move(r), path, PageError::kNotFound, "no such file");
    if (err == EACCES || err == EPERM)
      return fail(std::move(r), path, PageError::kUnreadable, "permission denied");
    return fail(std::move(r), path, PageError::kUnreadable,
                std::string("cannot open: ") + std::strerror(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &st) != 0)
    return fail(std::move(r), path, PageError::kUnreadable,
                std::string("cannot stat: ") + std::strerror(errno));
  if (S_ISFIFO(st.st_mode)) return read_stream(fd, path, max_bytes, pipe_wait_ms);
  if (!S_ISREG(st.st_mode))  // replaced between stat and open
    return fail(std::move(r), path, PageError::kUnreadable,
                std::string("not a regular file (") + kind_of(st.st_mode) + ")");
  r.regular = true;
  r.file_size = st.st_size;
  if (st.st_size == 0)
    return fail(std::move(r), path, PageError::kEmptyFile, "empty file (0 bytes)");
  if (st.st_size > max_bytes)
    return fail(std::move(r), path, PageError::kTooLarge,
                "file is " + std::to_string(st.st_size) + " bytes; the limit is " +
                    std::to_string(max_bytes));
  const int64_t want = std::min<int64_t>(st.st_size, max_read);
  r.bytes.resize(static_cast<size_t>(want));
  size_t got = 0;
  while (static_cast<int64_t>(got) < want) {
    const ssize_t n = ::read(fd, r.bytes.data() + got, r.bytes.size() - got);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      const int err = errno;
      if (err == EISDIR)
        return fail(std::move(r), path, PageError::kUnreadable, "is a directory, not a file");
      return fail(std::move(r), path, PageError::kUnreadable,
                  std::string("read error: ") + std::strerror(err));
    }
    if (n == 0) break;  // the file shrank under us
    got += static_cast<size_t>(n);
  }
  r.bytes.resize(got);
  if (got == 0) return fail(std::move(r), path, PageError::kEmptyFile, "empty file (0 bytes)");
  return r;
}

}  // namespace pageprep::host
