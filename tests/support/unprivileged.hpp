/// \file unprivileged.hpp
/// \brief Runs a piece of a test as an unprivileged user, so that permission
/// tests mean something when the suite runs as root (CI does): root reads a
/// chmod 000 file and writes into a chmod 555 folder.
///
/// run_unprivileged(fn) forks; the child drops to `nobody` (uid/gid 65534,
/// no supplementary groups) and runs fn, whose string result comes back
/// through a pipe. When the test already runs unprivileged, fn runs in a
/// child all the same (the same code path everywhere). Returns nullopt only
/// when the drop is impossible (no CAP_SETUID, e.g. in a user namespace that
/// maps nothing else): the caller then skips with that reason.
///
/// Paths that fn touches must be reachable by `nobody`: make the test's
/// folder 0755 (allow_others()).
#pragma once

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <string>

namespace pageprep::test {

constexpr uid_t kNobodyUid = 65534;
constexpr gid_t kNobodyGid = 65534;

/// chmod 0755 `path` (a test's mkdtemp folder is 0700).
inline void allow_others(const std::string& path) {
  ::chmod(path.c_str(), 0755);
}

inline std::optional<std::string> run_unprivileged(const std::function<std::string()>& fn) {
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    ::close(fds[0]);
    if (::geteuid() == 0) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(kNobodyGid) != 0 || ::setuid(kNobodyUid) != 0)
        ::_exit(77);
    }
    if (::geteuid() == 0) ::_exit(77);  // the drop did not take
    const std::string out = fn();
    size_t off = 0;
    while (off < out.size()) {
      const ssize_t n = ::write(fds[1], out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

}  // namespace pageprep::test
