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

bool write_all(int fd, const uint8_t* p, size_t n) {
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

}  // namespace

PageError write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes,
                            std::string* message) {
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

  // O_EXCL with a fresh name per attempt; mode 0666 lets the umask decide, as
  // for any newly created file.
  std::string temp;
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp = (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + "." + base +
           "." + std::to_string(::getpid()) + "." + std::to_string(g_temp_counter++) + ".tmp";
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST && errno != EINTR) return fail("create temporary file", errno);
  }
  if (fd < 0) return fail("create temporary file", EEXIST);

  auto abandon = [&](const std::string& step) {
    const int err = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    return fail(step, err);
  };
  if (!write_all(fd, bytes.data(), bytes.size())) return abandon("write");
  if (::fsync(fd) != 0) return abandon("fsync");
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) return abandon("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) return abandon("rename");

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

bool is_atomic_temp_name(const std::string& filename) {
  return filename.size() > 5 && filename[0] == '.' &&
         filename.compare(filename.size() - 4, 4, ".tmp") == 0;
}

}  // namespace pageprep::host
