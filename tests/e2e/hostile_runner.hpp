/// \file hostile_runner.hpp
/// \brief The hostile corpus's runner (issue 20's done-when): runs the CLI as
/// a child in its own process group with a hang limit, takes its rusage from
/// wait4, and checks an OUTDIR against a case's HostileExpect. Checks return
/// failures as text (not gtest assertions) so that a case on the
/// expected-to-fail list can be reported without failing the suite.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <functional>
#include <set>

#include "e2e/cli_harness.hpp"
#include "support/hostile_pdfs.hpp"

namespace pageprep::e2e {

using testsupport::HostileExpect;

constexpr double kHangLimitS = 120;  // issue 20: a case that runs longer is a hang
constexpr double kMaxRssMib = 1536;  // issue 20: RSS < 1.5 GiB per case
constexpr double kReadShare = 0.7;   // share of must_read words a text must hold

struct ChildResult {
  int exit_code = -1;          ///< -1 when signalled or hung
  int signal = 0;              ///< the signal that ended it, 0 if none
  bool hung = false;           ///< ran past the hang limit and was killed
  bool left_children = false;  ///< something of its process group outlived it
  double seconds = 0, rss_mib = 0;
  std::string err;  ///< stderr
};

struct ChildOptions {
  double limit_s = kHangLimitS;
  long long file_size_limit = 0;  ///< > 0: RLIMIT_FSIZE (a full disk), SIGXFSZ ignored
  /// Called once the child runs (its pid); returns when the child may go on.
  std::function<void(pid_t)> while_running;
  std::vector<pid_t> known_children;  ///< the test's own helpers, not strays
};

inline int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

/// A /proc file's text, or "" when it cannot be read. A process may exit while
/// its file is read; std::ifstream then throws (ESRCH from underflow), so this
/// reads with read(2) and treats any error as "gone".
inline std::string read_proc(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      out.clear();
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

/// This process's children by /proc (with PR_SET_CHILD_SUBREAPER set by the
/// test, a grandchild orphaned by the CLI, e.g. pdftoppm, becomes one); each
/// found is killed and reaped.
inline std::vector<pid_t> stray_children(const std::vector<pid_t>& known = {}) {
  std::vector<pid_t> out;
  const std::string me = std::to_string(::getpid());
  std::error_code ec;
  for (const auto& d : fs::directory_iterator("/proc", ec)) {
    const std::string n = d.path().filename().string();
    if (n.empty() || !std::isdigit(static_cast<unsigned char>(n[0]))) continue;
    const std::string stat = read_proc(d.path() / "stat");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream in(stat.substr(paren + 2));
    std::string state, ppid;
    in >> state >> ppid;
    const pid_t pid = static_cast<pid_t>(std::stoi(n));
    if (ppid == me && std::find(known.begin(), known.end(), pid) == known.end()) out.push_back(pid);
  }
  for (const pid_t p : out) {
    ::kill(p, SIGKILL);
    ::waitpid(p, nullptr, 0);
  }
  return out;
}

/// Runs argv[0] with argv as a child in a new process group, stdout to
/// /dev/null, stderr captured. Past the limit the group is killed (hung).
/// Whatever of the group is alive after the child's end is reported and killed.
inline ChildResult run_child(const std::vector<std::string>& argv, const ChildOptions& o = {}) {
  const fs::path err_file =
      fs::temp_directory_path() / ("pageprep_hostile_err_" + std::to_string(::getpid()));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    const int null = ::open("/dev/null", O_WRONLY);
    const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(null, 1);
    ::dup2(err, 2);
    if (o.file_size_limit > 0) {
      ::signal(SIGXFSZ, SIG_IGN);  // writes fail with EFBIG, as on a full disk
      const rlimit r{static_cast<rlim_t>(o.file_size_limit),
                     static_cast<rlim_t>(o.file_size_limit)};
      ::setrlimit(RLIMIT_FSIZE, &r);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ChildResult r;
  if (pid < 0) return r;
  ::setpgid(pid, pid);  // both sides, so the group exists before any signal
  if (o.while_running) o.while_running(pid);
  const int fd = pidfd_open(pid);
  pollfd p{fd, POLLIN, 0};
  const double left =
      o.limit_s - std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (fd < 0 || ::poll(&p, 1, static_cast<int>(std::max(0.0, left) * 1000)) == 0) {
    r.hung = fd >= 0;
    ::kill(-pid, SIGKILL);
  }
  if (fd >= 0) ::close(fd);
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.rss_mib = static_cast<double>(ru.ru_maxrss) / 1024.0;  // the child and its waited children
  if (WIFEXITED(status) && !r.hung) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  if (::kill(-pid, 0) == 0) {
    r.left_children = true;
    ::kill(-pid, SIGKILL);
  }
  if (!stray_children(o.known_children).empty()) r.left_children = true;
  r.err = read_file(err_file);
  fs::remove(err_file);
  return r;
}

/// Rules every run shares: it ended by itself, without a signal, within
/// the hang limit and the memory limit, with no process left behind, and
/// with an exit code in `codes`.
inline void check_process(const ChildResult& r, const std::set<int>& codes,
                          std::vector<std::string>* fail) {
  if (r.hung) fail->push_back("hang: killed after " + std::to_string(int(kHangLimitS)) + " s");
  if (r.signal && !r.hung) fail->push_back("crash: signal " + std::to_string(r.signal));
  if (r.rss_mib >= kMaxRssMib) fail->push_back("RSS " + std::to_string(int(r.rss_mib)) + " MiB");
  if (r.left_children) fail->push_back("a child process outlived the run");
  if (!r.hung && !r.signal && !codes.count(r.exit_code))
    fail->push_back("exit " + std::to_string(r.exit_code) + ": " + r.err.substr(0, 300));
}

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

inline std::string stdout_of(const std::string& cmd) {
  const fs::path o =
      fs::temp_directory_path() / ("pageprep_hostile_out_" + std::to_string(::getpid()));
  const int rc = std::system((cmd + " >" + o.string() + " 2>/dev/null").c_str());
  std::string s = rc == 0 ? read_file(o) : "";
  fs::remove(o);
  return s;
}

/// The relative output paths of one pages.jsonl record ("outputs":{...}).
inline std::vector<std::string> record_outputs(const PageLine& p) {
  std::vector<std::string> out;
  const size_t at = p.raw.find("\"outputs\":{");
  if (at == std::string::npos) return out;
  const std::string obj = p.raw.substr(at + 11, p.raw.find('}', at) - at - 11);
  static const std::regex kValue(R"re(":"((?:[^"\\]|\\.)*)")re");
  for (std::sregex_iterator it(obj.begin(), obj.end(), kValue), end; it != end; ++it) {
    // JSON escapes back to the name's bytes: \udc80..\udcff are single
    // bytes (README: names that are not UTF-8), \" and \\ themselves.
    const std::string v = (*it)[1];
    std::string name;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && v.compare(i, 4, "\\udc") == 0 && i + 6 <= v.size()) {
        name += static_cast<char>(std::stoi(v.substr(i + 2, 4), nullptr, 16) - 0xdc00);
        i += 5;
      } else if (v[i] == '\\' && i + 1 < v.size()) {
        name += v[++i];
      } else {
        name += v[i];
      }
    }
    out.push_back(name);
  }
  return out;
}

/// Files below `dir` (not in .pageprep) whose name ends in `ext`.
inline std::vector<fs::path> outputs_with(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::end(it); it.increment(ec)) {
    if (it->path().filename() == ".pageprep") {
      it.disable_recursion_pending();
      continue;
    }
    const std::string n = it->path().filename().string();
    if (it->is_regular_file() && n.size() >= ext.size() &&
        n.compare(n.size() - ext.size(), ext.size(), ext) == 0)
      out.push_back(it->path());
  }
  return out;
}

/// Share of `words` found in `text` (lower case).
inline double read_share(const std::vector<std::string>& words, const std::string& text) {
  if (words.empty()) return 1;
  const std::string t = lower(text);
  size_t found = 0;
  for (const auto& w : words) found += t.find(w) != std::string::npos;
  return static_cast<double>(found) / static_cast<double>(words.size());
}

/// Checks an OUTDIR against `e`; appends failures. `codes` gets the error
/// codes seen (for the table).
inline void check_outdir(const fs::path& out, const HostileExpect& e,
                         std::vector<std::string>* fail, std::string* codes) {
  const auto recs = read_pages(out);
  if (e.pages >= 0 && static_cast<int>(recs.size()) != e.pages)
    fail->push_back(std::to_string(recs.size()) + " page records, expected " +
                    std::to_string(e.pages));
  int ok = 0;
  std::map<std::string, std::string> owner;  // output path -> input#page
  std::set<std::string> seen_codes;
  for (const auto& p : recs) {
    const std::string who = p.str.count("input") ? p.str.at("input") : "?";
    const std::string id = who + "#" + std::to_string(p.num.count("page") ? p.num.at("page") : -1);
    for (const auto& o : record_outputs(p)) {
      if (owner.count(o) && owner[o] != id)
        fail->push_back("output " + o + " shared by " + owner[o] + " and " + id);
      owner[o] = id;
    }
    const std::string status = p.str.count("status") ? p.str.at("status") : "";
    if (status != "ok") {
      const std::string code = p.str.count("error_code") ? p.str.at("error_code") : "";
      seen_codes.insert(code);
      if (code.empty() || !p.str.count("error") || p.str.at("error").empty())
        fail->push_back("error without its code and message: " + p.raw.substr(0, 200));
      else if (!e.errors.count(code))
        fail->push_back("unexpected " + code + ": " + p.str.at("error").substr(0, 200));
      continue;
    }
    ++ok;
    const double w = p.num.count("width") ? p.num.at("width") : 0;
    const double h = p.num.count("height") ? p.num.at("height") : 0;
    if (w <= 1 || h <= 1)
      fail->push_back("ok page of " + std::to_string(int(w)) + "x" + std::to_string(int(h)));
    if (e.width > 0 && static_cast<int>(w) != e.width)
      fail->push_back("ok page " + std::to_string(int(w)) + " px wide, expected " +
                      std::to_string(e.width));
    for (const auto& o : record_outputs(p)) {
      if (o.size() < 4 || o.compare(o.size() - 4, 4, ".tif") != 0) continue;
      const cv::Mat m = cv::imread((out / o).string(), cv::IMREAD_GRAYSCALE);
      const double ink = m.empty() ? -1 : cv::countNonZero(m < 128) / double(m.total());
      if (m.empty())
        fail->push_back("ok page without a readable image: " + o);
      else if (!e.blank_ok && (ink < 0.0005 || ink > 0.5))
        fail->push_back("ok page " + o + " is blank or black (ink " + std::to_string(ink) + ")");
    }
  }
  for (const auto& c : seen_codes) *codes += (codes->empty() ? "" : ",") + c;
  const int want_ok = e.ok_pages == -2 ? (e.pages >= 0 ? e.pages : 1) : e.ok_pages;
  if (want_ok >= 0 && ok != want_ok)
    fail->push_back(std::to_string(ok) + " ok pages, expected " + std::to_string(want_ok));
  std::string pdf_text;
  for (const auto& pdf : outputs_with(out, ".pdf")) {
    if (run("qpdf --check " + q(pdf)).exit_code != 0)
      fail->push_back("qpdf --check fails on " + pdf.filename().string());
    if (e.keeps_restrictions) {
      const std::string enc = stdout_of("qpdf --show-encryption " + q(pdf));
      if (enc.find("extract for any purpose: not allowed") == std::string::npos ||
          enc.find("modify other: not allowed") == std::string::npos)
        fail->push_back("output PDF " + pdf.filename().string() +
                        " dropped the owner-password restrictions");
    }
    pdf_text += stdout_of("pdftotext " + q(pdf) + " -");
  }
  std::string txt;
  for (const auto& t : outputs_with(out, ".txt")) txt += read_file(t) + "\n";
  if (ok > 0 && !e.must_read.empty()) {
    const double s_txt = read_share(e.must_read, txt), s_pdf = read_share(e.must_read, pdf_text);
    if (s_txt < kReadShare)
      fail->push_back("text outputs hold " + std::to_string(int(s_txt * 100)) + "% of its words");
    if (!outputs_with(out, ".pdf").empty() && s_pdf < kReadShare)
      fail->push_back("output PDF's text holds " + std::to_string(int(s_pdf * 100)) +
                      "% of its words");
  }
  for (const auto& w : e.must_not_read)
    if (lower(txt + pdf_text).find(w) != std::string::npos)
      fail->push_back("hidden word '" + w + "' was read");
  if (e.check_xml)
    for (const std::string ext : {".xml", ".hocr"})
      for (const auto& f : outputs_with(out, ext))
        if (run("xmllint --noout " + q(f)).exit_code != 0)
          fail->push_back("xmllint rejects " + ext);
}

}  // namespace pageprep::e2e
