// Rendering a PDF page with poppler's pdftoppm, run as a separate program
// (GPL code stays out of pageprep's binary): posix_spawn with stdout and
// stderr on pipes, a bounded read (the PGM cannot be larger than the size we
// asked for), and a time limit after which the child is killed.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "io/codec_internal.hpp"
#include "io/pdf_document.hpp"
#include "io/pdf_internal.hpp"

extern char** environ;

namespace pageprep::host::detail {
namespace {

using kernels::cpu::ThreadPool;

/// A page that takes longer than this to render is reported, not waited for.
constexpr int kRenderTimeoutS = 300;

struct ChildResult {
  bool started = false;
  bool timed_out = false;
  int status = 0;
  std::string out, err, spawn_error;
};

ChildResult run_child(const std::vector<std::string>& argv, size_t max_out) {
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
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    r.spawn_error = std::strerror(rc);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return r;
  }
  r.started = true;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kRenderTimeoutS);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[1 << 16];
  while (open_fds > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno != EINTR) break;
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
                             const std::string& name, const DecodeLimits& limits,
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
  const std::vector<std::string> argv = {exe,           "-q",
                                         "-f",          p,
                                         "-l",          p,
                                         "-gray",       "-cropbox",
                                         "-scale-to-x", std::to_string(width),
                                         "-scale-to-y", std::to_string(height),
                                         "-singlefile", path};
  const size_t max_out = static_cast<size_t>(width * height) + 4096;
  ChildResult c = run_child(argv, max_out);
  if (!c.started)
    return decode_error(PageError::kInternal, name, "cannot run " + exe + ": " + c.spawn_error);
  if (c.timed_out)
    return decode_error(
        PageError::kCorrupt, name,
        "rendering took longer than " + std::to_string(kRenderTimeoutS) + " s and was stopped");
  if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0 || c.out.empty())
    return decode_error(PageError::kCorrupt, name,
                        "pdftoppm could not render the page" +
                            (c.err.empty() ? std::string() : ": " + first_line(c.err)));
  const auto* d = reinterpret_cast<const uint8_t*>(c.out.data());
  const PnmHeader pnm = parse_pnm(d, c.out.size());
  if (!pnm.h.error.empty() || pnm.kind != 5)
    return decode_error(PageError::kCorrupt, name, "pdftoppm returned no gray image");
  std::string what;
  const PageError size_error = check_dimensions(pnm.h.width, pnm.h.height, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);
  DecodeResult r = decode_pnm(d, c.out.size(), pnm, name, pool);
  if (r.error == PageError::kNone) {
    r.page.source_channels = 1;
    r.page.source_depth_bits = 8;
  }
  return r;
}

}  // namespace pageprep::host::detail
