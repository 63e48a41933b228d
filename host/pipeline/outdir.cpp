#include "pipeline/outdir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "io/output_names.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

std::string holder_description() {
  char host[256] = "?";
  ::gethostname(host, sizeof host - 1);
  char when[32] = "?";
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (::gmtime_r(&now, &tm)) std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return "pid " + std::to_string(::getpid()) + " on " + host + " since " + when;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s.empty() ? "holder unknown" : s;
}

// Records who holds a lock, inside the lock file (read by whoever is refused).
void describe_holder(int fd) {
  const std::string d = holder_description() + "\n";
  if (::ftruncate(fd, 0) == 0) {
    const ssize_t n = ::pwrite(fd, d.data(), d.size(), 0);
    (void)n;
  }
}

int open_lock(const std::string& path, std::string* error) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) *error = "cannot open lock file " + path + ": " + std::strerror(errno);
  return fd;
}

bool try_flock(int fd, int op) {
  int r;
  do {
    r = ::flock(fd, op | LOCK_NB);
  } while (r != 0 && errno == EINTR);
  return r == 0;
}

bool same_input(const InputIdentity& a, const InputIdentity& b) {
  if (a.path == b.path) return true;
  return a.size >= 0 && a.size == b.size && a.mtime_ns >= 0 && a.mtime_ns == b.mtime_ns;
}

// Names present in OUTDIR's folders, each folder listed once.
class FolderNames {
 public:
  explicit FolderNames(std::string root) : root_(std::move(root)) {}
  bool exists(const std::string& rel) {
    const fs::path p(rel);
    const std::string folder = p.parent_path().generic_string();
    auto it = names_.find(folder);
    if (it == names_.end()) {
      std::set<std::string> names;
      std::error_code ec;
      for (fs::directory_iterator d(fs::path(root_) / folder, ec), end; !ec && d != end;
           d.increment(ec))
        names.insert(d->path().filename().string());
      it = names_.emplace(folder, std::move(names)).first;
    }
    return it->second.count(p.filename().string()) > 0;
  }

 private:
  std::string root_;
  std::map<std::string, std::set<std::string>> names_;
};

}  // namespace

InputIdentity identify_input(const std::string& path) {
  InputIdentity id;
  std::error_code ec;
  id.path = fs::absolute(path, ec).lexically_normal().string();
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    id.size = static_cast<int64_t>(st.st_size);
    id.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }
  return id;
}

OutputDir::~OutputDir() {
  if (shard_fd_ >= 0) ::close(shard_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::string OutputDir::state_dir() const {
  return (fs::path(outdir_) / ".pageprep").string();
}

std::string OutputDir::temp_dir() const {
  return (fs::path(state_dir()) / "tmp" / shard_.role()).string();
}

std::string OutputDir::journal_name() const {
  return shard_.sharded() ? "journal." + shard_.role() + ".jsonl" : "journal.jsonl";
}

bool OutputDir::open(const std::string& outdir, const ShardSpec& shard, std::string* error) {
  outdir_ = outdir;
  shard_ = shard;
  std::error_code ec;
  fs::create_directories(outdir, ec);
  if (ec || !fs::is_directory(outdir)) {
    *error = "cannot create output folder '" + outdir +
             "': " + (ec ? ec.message() : "exists and is not a folder");
    return false;
  }
  fs::create_directories(state_dir(), ec);
  if (ec) {
    *error = "output folder '" + outdir + "' is not writable: cannot create " + state_dir() + ": " +
             ec.message();
    return false;
  }
  const std::string lock_path = (fs::path(state_dir()) / "lock").string();
  lock_fd_ = open_lock(lock_path, error);
  if (lock_fd_ < 0) return false;
  if (!shard.sharded()) {
    if (!try_flock(lock_fd_, LOCK_EX)) {
      *error = "output folder '" + outdir + "' is in use by another pageprep run (" +
               read_text(lock_path) +
               "); one run writes an output folder at a time: wait for it, or use another -o";
      return false;
    }
    describe_holder(lock_fd_);
  } else {
    if (!try_flock(lock_fd_, LOCK_SH)) {
      *error = "output folder '" + outdir + "' is in use by a pageprep run that is not a shard (" +
               read_text(lock_path) + "); wait for it, or use another -o";
      return false;
    }
    // Shards of another count would split the pages differently.
    const std::string suffix = "-of-" + std::to_string(shard.count) + ".lock";
    for (fs::directory_iterator d(state_dir(), ec), end; !ec && d != end; d.increment(ec)) {
      const std::string n = d->path().filename().string();
      if (n.rfind("shard-", 0) != 0 || n.size() < 5 || n.compare(n.size() - 5, 5, ".lock") != 0 ||
          (n.size() >= suffix.size() &&
           n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0))
        continue;
      const int fd = ::open(d->path().c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) continue;
      const bool free = try_flock(fd, LOCK_EX);
      ::close(fd);
      if (!free) {
        *error = "output folder '" + outdir + "' is being written by shards of another count (" +
                 n.substr(0, n.size() - 5) +
                 " is running): every shard of an array must use the same N";
        return false;
      }
    }
    const std::string shard_path = (fs::path(state_dir()) / (shard.role() + ".lock")).string();
    shard_fd_ = open_lock(shard_path, error);
    if (shard_fd_ < 0) return false;
    if (!try_flock(shard_fd_, LOCK_EX)) {
      *error = "shard " + std::to_string(shard.index + 1) + "/" + std::to_string(shard.count) +
               " is already running on output folder '" + outdir + "' (" + read_text(shard_path) +
               ")";
      return false;
    }
    describe_holder(shard_fd_);
  }
  // Under the lock, nobody else writes these temporaries: a crashed run's
  // leftovers go. A whole run owns every role's folder.
  fs::remove_all(shard.sharded() ? fs::path(temp_dir()) : fs::path(state_dir()) / "tmp", ec);
  fs::create_directories(temp_dir(), ec);
  if (ec) {
    *error = "output folder '" + outdir + "' is not writable: cannot create " + temp_dir() + ": " +
             ec.message();
    return false;
  }
  // A probe write in OUTDIR itself catches read-only folders before any page.
  const std::string probe =
      (fs::path(outdir) / (".pageprep-write-test." + std::to_string(::getpid()))).string();
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "output folder '" + outdir + "' is not writable: " + std::strerror(errno);
    return false;
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return true;
}

std::vector<std::string> OutputDir::claim(const std::vector<ClaimRequest>& docs,
                                          std::string* error) {
  std::vector<std::string> verdicts(docs.size());
  const std::string path = (fs::path(state_dir()) / "claims.jsonl").string();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return {};
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }  // also releases the flock
  } closer{fd};
  int r;
  do {
    r = ::flock(fd, LOCK_EX);  // other shards claim briefly too
  } while (r != 0 && errno == EINTR);

  std::map<std::string, InputIdentity> claims;
  std::string lines;
  {
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A line torn by a crash must not swallow the next claim.
    if (!text.empty() && text.back() != '\n') lines = "\n";
    std::istringstream all(text);
    std::string line;
    while (std::getline(all, line)) {
      const auto v = JsonValue::parse(line);
      if (!v || !v->is_object()) continue;  // a torn line: its claim is made again
      InputIdentity id;
      id.path = v->str("input");
      id.size = static_cast<int64_t>(v->num("size", -1));
      // A string: nanoseconds since the epoch do not fit a double exactly.
      id.mtime_ns = std::strtoll(v->str("mtime_ns", "-1").c_str(), nullptr, 10);
      claims.emplace(v->str("base"), std::move(id));
    }
  }
  FolderNames existing(outdir_);
  const size_t preamble = lines.size();
  for (size_t i = 0; i < docs.size(); ++i) {
    const ClaimRequest& d = docs[i];
    const auto it = claims.find(d.base);
    if (it != claims.end()) {
      if (!same_input(it->second, d.input))
        verdicts[i] = "output name '" + d.base + "' already belongs to " + it->second.path +
                      " in this output folder; use another -o for this input";
      continue;
    }
    // The base itself becomes a folder only for an N-page document (a file of
    // that name may be another claim's output, e.g. a.tif of base "a").
    std::string foreign;
    if (d.pages > 1 && existing.exists(d.base)) foreign = d.base;
    for (const auto& s : output_suffixes()) {
      if (!foreign.empty()) break;
      if (existing.exists(d.base + s)) foreign = d.base + s;
    }
    if (!foreign.empty()) {
      verdicts[i] = "the output folder already holds '" + foreign +
                    "', which pageprep did not write for this input; it is left untouched";
      continue;
    }
    claims.emplace(d.base, d.input);
    JsonWriter w;
    w.begin_object().str("base", d.base).str("input", d.input.path);
    w.num("size", d.input.size).str("mtime_ns", std::to_string(d.input.mtime_ns)).end_object();
    lines += w.take() + "\n";
  }
  if (lines.size() > preamble) {
    size_t done = 0;
    while (done < lines.size()) {
      const ssize_t n = ::write(fd, lines.data() + done, lines.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        *error = "cannot write " + path + ": " + std::strerror(errno);
        return {};
      }
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
      *error = "cannot sync " + path + ": " + std::strerror(errno);
      return {};
    }
  }
  return verdicts;
}

}  // namespace pageprep::host

namespace pageprep::host {

std::string check_inputs_against_outdir(const std::vector<std::string>& args,
                                        const std::vector<std::string>& input_paths,
                                        const std::string& outdir) {
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(fs::absolute(outdir, ec), ec);
  const std::string out_prefix = out.string() == "/" ? "/" : out.string() + "/";
  for (const auto& a : args) {
    if (a == "-" || (a.size() > 1 && a[0] == '@')) continue;
    std::error_code aec;
    if (fs::is_directory(a, aec) && fs::weakly_canonical(fs::absolute(a, aec), aec) == out)
      return "the output folder '" + outdir + "' is the input folder '" + a +
             "': outputs would sit among (and could replace) the inputs; choose another -o";
  }
  // Each input's folder, resolved once (symlinks included).
  std::map<std::string, bool> inside;
  for (const auto& p : input_paths) {
    const std::string parent = fs::absolute(p, ec).lexically_normal().parent_path().string();
    auto it = inside.find(parent);
    if (it == inside.end()) {
      std::error_code pec;
      const std::string real = fs::weakly_canonical(parent, pec).string();
      const bool in = real == out.string() || real.rfind(out_prefix, 0) == 0;
      it = inside.emplace(parent, in).first;
    }
    if (it->second)
      return "input '" + p + "' is inside the output folder '" + outdir +
             "': pageprep never reads from the folder it writes; choose another -o";
  }
  return "";
}

std::vector<std::string> conflicts_within_run(const std::vector<DocumentNames>& docs) {
  std::vector<std::string> why(docs.size());
  std::map<std::string, size_t> owner;  // output name -> the document that has it
  for (size_t d = 0; d < docs.size(); ++d) {
    std::vector<std::string> names = docs[d].stems;
    names.push_back(docs[d].base);
    for (const auto& n : names) {
      const auto it = owner.find(n);
      if (it == owner.end() || docs[it->second].input == docs[d].input) continue;
      why[d] = "output name '" + n + "' is also the output of " + docs[it->second].input +
               " in this run; use another -o for one of them";
      break;
    }
    if (!why[d].empty()) continue;  // a refused document takes no names
    for (const auto& n : names) owner.emplace(n, d);
  }
  return why;
}

}  // namespace pageprep::host
