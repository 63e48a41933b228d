// Rendering a PDF page with poppler's pdftoppm, run as a separate program
// (GPL code stays out of pageprep's binary): fork/exec with stdout and stderr
// on pipes, a bounded read (the PGM cannot be larger than the size we asked
// for), and limits: the child runs in its own process group, dies with the
// thread that started it (PR_SET_PDEATHSIG, so a `kill -9` of pageprep takes
// it along), has an address-space and a CPU-time limit, and is killed (its
// whole group) at the wall-clock limit or as soon as a stop is requested.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <opencv2/core.hpp>

#include "io/codec_internal.hpp"
#include "io/file_read.hpp"
#include "io/pdf_document.hpp"
#include "io/pdf_internal.hpp"

extern char** environ;

namespace pageprep::host::detail {
namespace {

using kernels::cpu::ThreadPool;

struct ChildResult {
  bool started = false;
  bool timed_out = false;
  bool interrupted = false;  ///< a stop was requested (SIGINT/SIGTERM)
  int status = 0;
  std::string out, err, spawn_error;
};

struct ChildLimits {
  int wall_s = kPdfRenderTimeoutS;
  int64_t address_space = 0;  ///< bytes, 0: none
};

ChildResult run_child(const std::vector<std::string>& argv, size_t max_out,
                      const ChildLimits& lim) {
  ChildResult r;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    r.spawn_error = std::strerror(errno);
    return r;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.spawn_error = std::strerror(errno);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return r;
  }
  // Everything the child needs is prepared before fork(): between fork and
  // exec it makes only async-signal-safe system calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t parent = ::getpid();
  const rlim_t cpu_s = static_cast<rlim_t>(lim.wall_s) + 5;
  const pid_t pid = ::fork();
  if (pid < 0) {
    r.spawn_error = std::strerror(errno);
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    return r;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    if (lim.address_space > 0) {
      const rlimit as{static_cast<rlim_t>(lim.address_space),
                      static_cast<rlim_t>(lim.address_space)};
      ::setrlimit(RLIMIT_AS, &as);
    }
    const rlimit cpu{cpu_s, cpu_s};
    ::setrlimit(RLIMIT_CPU, &cpu);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(out_pipe[1], 1) < 0 ||
        ::dup2(err_pipe[1], 2) < 0)
      ::_exit(127);
    ::execve(args[0], args.data(), environ);
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also from here, so the group exists before any kill
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  r.started = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(lim.wall_s);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[1 << 16];
  while (open_fds > 0) {
    if (io_stop_requested()) {
      r.interrupted = true;
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      r.timed_out = true;
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, kStopPollMs)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t k = ::read(fds[i].fd, buf, sizeof buf);
      if (k > 0) {
        std::string& to = i == 0 ? r.out : r.err;
        const size_t cap = i == 0 ? max_out : 4096;
        if (to.size() < cap)
          to.append(buf, std::min<size_t>(static_cast<size_t>(k), cap - to.size()));
      } else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  // The whole group goes: pdftoppm and anything it may have started. Harmless
  // when it has already exited (it is a zombie until waitpid, so its pid and
  // group cannot have been reused).
  if (r.timed_out || r.interrupted || open_fds > 0) ::kill(-pid, SIGKILL);
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  while (::waitpid(pid, &r.status, 0) < 0 && errno == EINTR) {
  }
  return r;
}

std::string first_line(const std::string& s) {
  std::string l = s.substr(0, s.find('\n'));
  return l.size() > 300 ? l.substr(0, 300) : l;
}

}  // namespace

DecodeResult pdf_render_page(const std::string& path, int32_t page, int64_t width, int64_t height,
                             bool quarter_turn, const std::string& name, const DecodeLimits& limits,
                             ThreadPool& pool) {
  const std::string exe = find_pdftoppm();
  if (exe.empty())
    return decode_error(PageError::kUnsupportedFormat, name,
                        "this page is not a single scanned image and must be rendered, which "
                        "needs pdftoppm (Debian: apt-get install poppler-utils); it was not "
                        "found on PATH (or at $PAGEPREP_PDFTOPPM)");
  const std::string p = std::to_string(page + 1);
  // -cropbox: the visible page; -scale-to-x/-y: exactly the size we checked
  // against the limits; -gray: PGM on stdout (no output root given).
  // pdftoppm scales the unturned page to -scale-to-x/-y and turns it after:
  // for a quarter turn it must be asked for the unturned size.
  const int64_t ask_w = quarter_turn ? height : width, ask_h = quarter_turn ? width : height;
  // Without -q, so poppler's complaints about damaged content reach us.
  const std::vector<std::string> argv = {exe,
                                         "-f",
                                         p,
                                         "-l",
                                         p,
                                         "-gray",
                                         "-cropbox",
                                         "-scale-to-x",
                                         std::to_string(ask_w),
                                         "-scale-to-y",
                                         std::to_string(ask_h),
                                         "-singlefile",
                                         path};
  const size_t max_out = static_cast<size_t>(width * height) + 4096;
  ChildLimits lim;
  // Poppler's own buffers are a few times the page; what a hostile image
  // claims beyond that fails inside the child, not in pageprep.
  lim.address_space = std::min<int64_t>(
      kPdfRenderMaxAddressSpace, kPdfRenderBaseAddressSpace + 4 * static_cast<int64_t>(max_out));
  ChildResult c = run_child(argv, max_out, lim);
  if (!c.started)
    return decode_error(PageError::kInternal, name, "cannot run " + exe + ": " + c.spawn_error);
  if (c.interrupted)
    return decode_error(PageError::kInterrupted, name,
                        "stopped (SIGINT/SIGTERM) while pdftoppm rendered the page");
  const std::string err_text = c.err.empty() ? std::string() : ": " + first_line(c.err);
  if (c.timed_out || (WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGXCPU))
    return decode_error(
        PageError::kTimeLimit, name,
        "rendering took longer than " + std::to_string(kPdfRenderTimeoutS) + " s and was stopped");
  const bool no_memory = c.err.find("Out of memory") != std::string::npos ||
                         c.err.find("bad_alloc") != std::string::npos ||
                         c.err.find("memory") != std::string::npos;
  if ((!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0 || c.out.empty()) && no_memory)
    return decode_error(PageError::kMemoryLimit, name,
                        "pdftoppm ran out of its " + std::to_string(lim.address_space >> 20) +
                            " MiB memory limit" + err_text);
  if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0 || c.out.empty())
    return decode_error(PageError::kCorrupt, name,
                        "pdftoppm could not render the page" +
                            (WIFSIGNALED(c.status)
                                 ? " (killed by signal " + std::to_string(WTERMSIG(c.status)) + ")"
                                 : std::string()) +
                            err_text);
  const auto* d = reinterpret_cast<const uint8_t*>(c.out.data());
  const PnmHeader pnm = parse_pnm(d, c.out.size());
  if (!pnm.h.error.empty() || pnm.kind != 5)
    return decode_error(PageError::kCorrupt, name, "pdftoppm returned no gray image");
  std::string what;
  const PageError size_error = check_dimensions(pnm.h.width, pnm.h.height, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);
  DecodeResult r = decode_pnm(d, c.out.size(), pnm, name, pool);
  if (r.error != PageError::kNone) return r;
  // pdftoppm draws nothing for content it cannot decode (a broken JBIG2
  // stream, an image claiming 100000 x 100000) and still exits 0. A page that
  // came out uniform while poppler reported errors is that case, not a blank
  // page: it is an error, never "ok".
  if (!c.err.empty() && c.err.find("Error") != std::string::npos) {
    double lo = 0, hi = 0;
    cv::minMaxLoc(r.page.gray, &lo, &hi);
    if (lo == hi)
      return decode_error(PageError::kCorrupt, name,
                          "pdftoppm rendered nothing but reported errors" + err_text);
  }
  r.page.source_channels = 1;
  r.page.source_depth_bits = 8;
  return r;
}

}  // namespace pageprep::host::detail
