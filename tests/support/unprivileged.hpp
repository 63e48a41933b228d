/// \file unprivileged.hpp
/// \brief Runs a piece of a test as an unprivileged user, so that permission
/// tests mean something when the suite runs as root (CI does): root reads a
/// chmod 000 file and writes into a chmod 555 folder.
///
/// run_unprivileged(fn) forks; the child drops to `nobody` (uid/gid 65534,
/// no supplementary groups) and runs fn, whose string result comes back
/// through a pipe. When the test already runs unprivileged, fn runs in a
/// child all the same (the same code path everywhere).
///
/// Returns nullopt only when the drop is impossible (no CAP_SETUID, e.g. in a
/// user namespace that maps nothing else): the child then exits with
/// kCannotDropExit (77), the one code that means that, and the caller skips
/// with that reason. Any other end of the child (a signal such as SIGSEGV or
/// an ASan abort's SIGABRT, another exit code, an exception escaping fn)
/// throws std::runtime_error naming the signal or the code, which gtest
/// reports as a failure of the calling test: a crash never passes as a skip.
///
/// Paths that fn touches must be reachable by `nobody`: make the test's
/// folder 0755 (allow_others()).
#pragma once

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

namespace pageprep::test {

constexpr uid_t kNobodyUid = 65534;
constexpr gid_t kNobodyGid = 65534;
/// The child's exit code for "cannot drop privileges here" (and only that).
constexpr int kCannotDropExit = 77;
/// The child's exit code when fn threw (the message goes to stderr).
constexpr int kThrewExit = 70;

/// What a waitpid status says, for a failure message: "killed by signal 11
/// (Segmentation fault)" or "exited with code 70".
inline std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::strsignal(sig);
    return "killed by signal " + std::to_string(sig) + " (" + (name ? name : "?") + ")";
  }
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  return "ended with wait status " + std::to_string(status);
}

/// chmod 0755 `path` (a test's mkdtemp folder is 0700).
inline void allow_others(const std::string& path) {
  ::chmod(path.c_str(), 0755);
}

inline std::optional<std::string> run_unprivileged(const std::function<std::string()>& fn) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("run_unprivileged: pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    throw std::runtime_error("run_unprivileged: fork failed");
  }
  if (pid == 0) {
    ::close(fds[0]);
    if (::geteuid() == 0) {
      if (::setgroups(0, nullptr) != 0 || ::setgid(kNobodyGid) != 0 || ::setuid(kNobodyUid) != 0)
        ::_exit(kCannotDropExit);
    }
    if (::geteuid() == 0) ::_exit(kCannotDropExit);  // the drop did not take
    std::string out;
    try {
      out = fn();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "run_unprivileged: fn threw: %s\n", e.what());
      ::_exit(kThrewExit);
    } catch (...) {
      std::fprintf(stderr, "run_unprivileged: fn threw a non-std exception\n");
      ::_exit(kThrewExit);
    }
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
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("run_unprivileged: waitpid failed");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out;
  if (WIFEXITED(status) && WEXITSTATUS(status) == kCannotDropExit) return std::nullopt;
  throw std::runtime_error("run_unprivileged: the unprivileged child " + describe_exit(status) +
                           " (a crash, not a skip)");
}

}  // namespace pageprep::test
