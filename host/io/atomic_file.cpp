// write_file_atomic: temporary in the same folder, fsync, rename, fsync folder.
#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace pageprep::host {
namespace {

std::atomic<uint64_t> g_temp_counter{0};

}  // namespace

bool write_all(int fd, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

PageError write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes,
                            std::string* message, const std::string& temp_dir) {
  return write_file_atomic_with(
      path, [&](int fd) { return write_all(fd, bytes.data(), bytes.size()); }, message, temp_dir);
}

PageError write_file_atomic_with(const std::string& path,
                                 const std::function<bool(int fd)>& produce, std::string* message,
                                 const std::string& temp_dir) {
  auto fail = [&](const std::string& step, int err) {
    if (message) *message = path + ": " + step + ": " + std::strerror(err);
    return PageError::kWriteFailed;
  };
  if (path.empty()) return fail("empty output path", EINVAL);
  const size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  if (base.empty()) return fail("output path names a folder", EISDIR);
  const std::string beside = slash == std::string::npos ? std::string() : path.substr(0, slash + 1);

  // O_EXCL with a fresh name per attempt; mode 0666 lets the umask decide, as
  // for any newly created file.
  auto create = [&](const std::string& prefix, std::string* temp) {
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
      *temp = prefix + std::to_string(::getpid()) + "." + std::to_string(g_temp_counter++) + ".tmp";
      fd = ::open(temp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
      if (fd < 0 && errno != EEXIST && errno != EINTR) return -1;
    }
    if (fd < 0) errno = EEXIST;
    return fd;
  };
  auto write_temp = [&](int fd, const std::string& temp, std::string* step) {
    bool ok = produce(fd);
    if (!ok) *step = "write";
    if (ok && ::fsync(fd) != 0) {
      ok = false;
      *step = "fsync";
    }
    const int err = errno;
    if (::close(fd) != 0 && ok) {
      ok = false;
      *step = "close";
    } else {
      errno = err;
    }
    if (!ok) {
      const int e = errno;
      ::unlink(temp.c_str());
      errno = e;
    }
    return ok;
  };

  std::string temp, step;
  bool renamed = false;
  if (!temp_dir.empty()) {
    const int fd = create(temp_dir + "/", &temp);
    if (fd < 0) return fail("create temporary file in " + temp_dir, errno);
    if (!write_temp(fd, temp, &step)) return fail(step, errno);
    if (::rename(temp.c_str(), path.c_str()) == 0) {
      renamed = true;
    } else {
      const int err = errno;
      ::unlink(temp.c_str());
      if (err != EXDEV) return fail("rename", err);
    }
  }
  if (!renamed) {
    const int fd = create(beside + ".pageprep.", &temp);
    if (fd < 0) return fail("create temporary file", errno);
    if (!write_temp(fd, temp, &step)) return fail(step, errno);
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      ::unlink(temp.c_str());
      return fail("rename", err);
    }
  }

  // Make the rename itself durable. A folder that cannot be opened or synced
  // (some network file systems) does not undo a completed write.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  if (message) message->clear();
  return PageError::kNone;
}

}  // namespace pageprep::host
