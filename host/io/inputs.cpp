// expand_inputs: arguments, folders and list files to the ordered input list.
#include "io/inputs.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <system_error>
#include <utility>

#include "io/codec.hpp"
#include "io/file_read.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

/// Lists larger than this are refused (a list of paths is text: 256 MiB is
/// millions of lines).
constexpr int64_t kMaxListBytes = int64_t{256} << 20;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string extension_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
  return lower(path.substr(dot));
}

bool is_list_file(const std::string& path) {
  const std::string ext = extension_of(path);
  return ext == ".txt" || ext == ".lst";
}

std::string trim(const std::string& s) {
  const char* space = " \t\r\n\f\v";
  const size_t b = s.find_first_not_of(space);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(space) - b + 1);
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

// "a/./b/../c" -> "a/c"; leading "/", "./" and "../" components dropped.
std::string clean_name(const std::string& path) {
  std::string out;
  for (const auto& part : fs::path(path).lexically_normal()) {
    const std::string c = part.string();
    if (c.empty() || c == "/" || c == "." || c == "..") continue;
    out += out.empty() ? c : "/" + c;
  }
  return out;
}

// The name a folder argument gives its files: the folder's own name.
std::string folder_name(const std::string& folder) {
  std::error_code ec;
  fs::path abs = fs::absolute(folder, ec).lexically_normal();
  if (!abs.has_filename()) abs = abs.parent_path();  // "dir/" -> "dir"
  const std::string n = abs.filename().string();
  return n.empty() || n == "/" ? "root" : n;
}

std::string join_name(const std::string& a, const std::string& b) {
  return a.empty() ? b : b.empty() ? a : a + "/" + b;
}

bool is_pageprep_output_folder(const std::string& dir) {
  struct stat st {};
  return ::stat(join_path(dir, ".pageprep").c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

struct FileId {
  dev_t dev;
  ino_t ino;
  bool operator<(const FileId& o) const { return dev != o.dev ? dev < o.dev : ino < o.ino; }
  bool operator==(const FileId& o) const { return dev == o.dev && ino == o.ino; }
};

class Expander {
 public:
  InputList result;

  std::vector<FileId> skip;  ///< folders never entered (the OUTDIR)

  // A file or a folder (never a list), named `name` (see InputFile::name).
  void add_path(const std::string& path, const std::string& name) {
    if (stopped()) return;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      const size_t before = page_files_seen_;
      const size_t skipped_before = result.skipped.size();
      walk(path, name);
      if (page_files_seen_ == before && !stopped()) {
        std::string what = "folder holds no page files (" + extensions_text() + ")";
        const size_t n = result.skipped.size() - skipped_before;
        if (n > 0) what += "; " + std::to_string(n) + " other entries skipped, listed above";
        add_error(path, name, PageError::kNoPages, what);
      }
      return;
    }
    add_file(path, name);  // existing or not: the pipeline reports it
  }

  // The lines of a list; `base` is the folder relative entries are resolved against.
  void add_list_text(const std::string& text, const fs::path& base, const std::string& name) {
    const ListParse list = parse_list(text);
    if (!list.error.empty()) {
      add_error(name, clean_name(name), PageError::kUnsupportedFormat, list.error);
      return;
    }
    const size_t before = result.files.size();
    for (const std::string& entry : list.entries) {
      if (stopped()) break;
      const fs::path p(entry);
      add_path(p.is_absolute() || base.empty() ? entry : (base / p).string(), clean_name(entry));
    }
    if (result.files.size() == before && !stopped())
      add_error(name, clean_name(name), PageError::kNoPages,
                "the list names no page (empty, or only comments)");
  }

  void add_list_file(const std::string& list) {
    ReadResult r = read_path(list, kMaxListBytes, kMaxListBytes);
    if (r.error != PageError::kNone) {
      if (r.error == PageError::kEmptyFile) {
        add_error(list, clean_name(list), PageError::kNoPages, "the list is empty");
      } else {
        result.warnings.push_back("cannot read list file " + list);
        add_error(list, clean_name(list), r.error, r.message.substr(r.message.find(": ") + 2));
      }
      return;
    }
    add_list_text(std::string(r.bytes.begin(), r.bytes.end()), fs::path(list).parent_path(), list);
  }

  bool stopped() {
    if (!result.stopped && io_stop_requested()) result.stopped = true;
    return result.stopped;
  }

 private:
  std::map<FileId, std::string> seen_ids_;
  std::map<std::string, std::string> seen_paths_;
  size_t page_files_seen_ = 0;

  static std::string extensions_text() {
    std::string s;
    for (const auto& e : kPageExtensions) s += (s.empty() ? "" : " ") + e;
    return s;
  }

  void add_error(const std::string& path, const std::string& name, PageError e,
                 const std::string& what) {
    InputFile f;
    f.path = path;
    f.name = name.empty() ? "input" : name;
    f.error = e;
    f.message = path + ": " + what;
    result.files.push_back(std::move(f));
  }

  void add_file(const std::string& path, const std::string& name) {
    ++page_files_seen_;  // duplicates included: a folder of them is not empty
    std::error_code ec;
    const std::string norm = fs::absolute(path, ec).lexically_normal().string();
    struct stat st {};
    const bool exists = ::stat(path.c_str(), &st) == 0;
    std::string first;
    if (auto it = seen_paths_.find(norm); it != seen_paths_.end()) first = it->second;
    if (first.empty() && exists) {
      if (auto it = seen_ids_.find({st.st_dev, st.st_ino}); it != seen_ids_.end())
        first = it->second;
    }
    if (!first.empty()) {
      result.warnings.push_back(path + " is the same file as " + first +
                                " (given twice); processed once");
      result.skipped.push_back({path, SkipReason::kDuplicate});
      return;
    }
    seen_paths_.emplace(norm, path);
    if (exists) seen_ids_.emplace(FileId{st.st_dev, st.st_ino}, path);
    result.files.push_back({path, name, PageError::kNone, {}});
  }

  // Depth first, entries sorted bytewise within each folder: the same order
  // as sorting the full paths component by component.
  void walk(const std::string& dir, const std::string& name_of_dir) {
    if (stopped()) return;
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      add_error(dir, name_of_dir, PageError::kUnreadable,
                std::string("cannot list folder: ") + std::strerror(errno));
      return;
    }
    std::vector<std::string> names;
    int read_errno = 0;
    for (;;) {
      errno = 0;
      const dirent* e = ::readdir(d);
      if (!e) {
        read_errno = errno;
        break;
      }
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
    if (read_errno != 0) {
      add_error(dir, name_of_dir, PageError::kUnreadable,
                std::string("error while listing folder: ") + std::strerror(read_errno));
      return;
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
      if (stopped()) return;
      const std::string path = join_path(dir, name);
      const std::string entry_name = join_name(name_of_dir, name);
      if (name[0] == '.') {
        result.skipped.push_back({path, SkipReason::kHidden});
        continue;
      }
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) continue;  // removed while we looked: nothing to report
        add_error(path, entry_name, PageError::kUnreadable,
                  std::string("cannot stat: ") + std::strerror(errno));
        continue;
      }
      if (S_ISLNK(st.st_mode)) {
        if (::stat(path.c_str(), &st) != 0) {
          const int err = errno;
          if (err == ELOOP)
            result.skipped.push_back({path, SkipReason::kSymlinkLoop});
          else if (err == ENOENT || err == ENOTDIR)
            result.skipped.push_back({path, SkipReason::kDanglingLink});
          else
            add_error(path, entry_name, PageError::kUnreadable,
                      std::string("cannot follow link: ") + std::strerror(err));
          continue;
        }
        if (S_ISDIR(st.st_mode)) {
          result.skipped.push_back({path, SkipReason::kLinkToFolder});
          continue;
        }
      }
      if (S_ISDIR(st.st_mode)) {
        // The OUTDIR, or another run's output folder: outputs never become inputs.
        if (std::find(skip.begin(), skip.end(), FileId{st.st_dev, st.st_ino}) != skip.end() ||
            is_pageprep_output_folder(path)) {
          result.skipped.push_back({path, SkipReason::kOutputFolder});
          continue;
        }
        walk(path, entry_name);
      } else if (S_ISREG(st.st_mode)) {
        if (has_image_extension(name))
          add_file(path, entry_name);
        else
          result.skipped.push_back({path, SkipReason::kNotAPage});
      } else {
        result.skipped.push_back({path, SkipReason::kSpecial});
      }
    }
  }
};

std::string describe_skip(SkipReason r, size_t n) {
  const bool one = n == 1;
  switch (r) {
    case SkipReason::kHidden:
      return one ? "hidden file or folder" : "hidden files or folders";
    case SkipReason::kNotAPage:
      return one ? "file that is not a page" : "files that are not pages";
    case SkipReason::kDanglingLink:
      return one ? "dangling symbolic link" : "dangling symbolic links";
    case SkipReason::kSymlinkLoop:
      return one ? "symbolic-link loop" : "symbolic-link loops";
    case SkipReason::kLinkToFolder:
      return one ? "link to a folder (not followed)" : "links to folders (not followed)";
    case SkipReason::kSpecial:
      return one ? "FIFO, socket or device" : "FIFOs, sockets or devices";
    case SkipReason::kDuplicate:
      return one ? "input given twice" : "inputs given twice";
    case SkipReason::kOutputFolder:
      return one ? "output folder (outputs are never inputs)"
                 : "output folders (outputs are never inputs)";
  }
  return "entries";
}

constexpr SkipReason kAllReasons[] = {SkipReason::kHidden,       SkipReason::kNotAPage,
                                      SkipReason::kDanglingLink, SkipReason::kSymlinkLoop,
                                      SkipReason::kLinkToFolder, SkipReason::kSpecial,
                                      SkipReason::kDuplicate,    SkipReason::kOutputFolder};

InputList expand(const std::vector<std::string>& args,
                 const std::function<ReadResult()>& read_stdin,
                 const std::vector<std::string>& skip_folders) {
  Expander x;
  for (const auto& f : skip_folders) {
    struct stat st {};
    if (::stat(f.c_str(), &st) == 0) x.skip.push_back({st.st_dev, st.st_ino});
  }
  bool stdin_used = false;
  for (const std::string& arg : args) {
    if (x.stopped()) break;
    if (arg == "-") {
      if (stdin_used) {
        x.result.warnings.push_back("'-' given more than once; stdin is read once");
        continue;
      }
      stdin_used = true;
      ReadResult r = read_stdin();
      if (r.error == PageError::kEmptyFile) {
        x.add_list_text("", fs::path(), "-");  // reported as a list with no page
      } else if (r.error != PageError::kNone) {
        if (!x.stopped()) {
          InputFile f{"-", "stdin", r.error, r.message};
          x.result.files.push_back(std::move(f));
        }
      } else {
        x.add_list_text(std::string(r.bytes.begin(), r.bytes.end()), fs::path(), "-");
      }
    } else if (arg.size() > 1 && arg[0] == '@') {
      x.add_list_file(arg.substr(1));
    } else if (is_list_file(arg)) {
      struct stat st {};
      if (::stat(arg.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        x.add_path(arg, folder_name(arg));
      else
        x.add_list_file(arg);
    } else {
      struct stat st {};
      const std::string file = fs::path(arg).filename().string();
      const bool dir = ::stat(arg.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      x.add_path(arg, dir ? folder_name(arg) : file.empty() ? clean_name(arg) : file);
    }
  }
  return std::move(x.result);
}

}  // namespace

const char* skip_reason_name(SkipReason r) {
  switch (r) {
    case SkipReason::kHidden:
      return "hidden";
    case SkipReason::kNotAPage:
      return "not_a_page";
    case SkipReason::kDanglingLink:
      return "dangling_link";
    case SkipReason::kSymlinkLoop:
      return "symlink_loop";
    case SkipReason::kLinkToFolder:
      return "link_to_folder";
    case SkipReason::kSpecial:
      return "special";
    case SkipReason::kDuplicate:
      return "duplicate";
    case SkipReason::kOutputFolder:
      return "output_folder";
  }
  return "other";
}

std::map<std::string, int64_t> InputList::skipped_counts() const {
  std::map<std::string, int64_t> counts;
  for (const SkipReason r : kAllReasons) counts[skip_reason_name(r)] = 0;
  for (const auto& s : skipped) ++counts[skip_reason_name(s.reason)];
  return counts;
}

std::vector<std::string> InputList::skip_summary(size_t max_names) const {
  std::vector<std::string> lines;
  for (const SkipReason r : kAllReasons) {
    std::vector<const std::string*> names;
    for (const auto& s : skipped)
      if (s.reason == r) names.push_back(&s.path);
    if (names.empty()) continue;
    std::string line =
        "skipped " + std::to_string(names.size()) + " " + describe_skip(r, names.size()) + ": ";
    for (size_t i = 0; i < names.size() && i < max_names; ++i) line += (i ? ", " : "") + *names[i];
    if (names.size() > max_names)
      line += " and " + std::to_string(names.size() - max_names) + " more";
    lines.push_back(std::move(line));
  }
  return lines;
}

bool has_image_extension(const std::string& path) {
  const std::string ext = extension_of(path);
  return std::find(kPageExtensions.begin(), kPageExtensions.end(), ext) != kPageExtensions.end();
}

std::string why_not_a_list(const std::string& text) {
  if (text.empty()) return "";
  const std::string format =
      sniff_format(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  if (!format.empty()) return "the data is a " + format + " image";
  const size_t nul = text.find('\0');
  if (nul != std::string::npos) return "binary data: a NUL byte at offset " + std::to_string(nul);
  size_t control = 0;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t' && u != '\n' && u != '\r' && u != '\f' && u != '\v') || u == 0x7F)
      ++control;
  }
  // Paths may hold any byte but NUL and '/' separators; real lists have no
  // control characters, a binary file has many.
  if (control > 0 && control * 100 >= text.size())
    return "binary data: " + std::to_string(control) + " control characters";
  return "";
}

ListParse parse_list(const std::string& text) {
  ListParse out;
  const std::string why = why_not_a_list(text);
  if (!why.empty()) {
    out.error = "not a list of paths (" + why + "); a list is text, one path per line";
    return out;
  }
  size_t b = 0;
  while (b < text.size()) {
    size_t e = text.find('\n', b);
    if (e == std::string::npos) e = text.size();
    std::string entry = trim(text.substr(b, e - b));
    b = e + 1;
    if (entry.empty() || entry[0] == '#') continue;
    out.entries.push_back(std::move(entry));
  }
  return out;
}

InputList expand_inputs(const std::vector<std::string>& args, std::istream& stdin_stream,
                        const std::vector<std::string>& skip_folders) {
  return expand(
      args,
      [&] {
        ReadResult r;
        std::string all((std::istreambuf_iterator<char>(stdin_stream)),
                        std::istreambuf_iterator<char>());
        r.bytes.assign(all.begin(), all.end());
        if (r.bytes.empty()) {
          r.error = PageError::kEmptyFile;
          r.message = "-: empty (0 bytes)";
        }
        return r;
      },
      skip_folders);
}

InputList expand_inputs(const std::vector<std::string>& args,
                        const std::vector<std::string>& skip_folders) {
  return expand(
      args, [] { return read_fd(0, "stdin", kMaxListBytes); }, skip_folders);
}

}  // namespace pageprep::host
