// expand_inputs: arguments, folders and list files to the ordered input list.
#include "io/inputs.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

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

bool is_hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

std::string trim(const std::string& s) {
  const char* space = " \t\r\n\f\v";
  const size_t b = s.find_first_not_of(space);
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(space) - b + 1);
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

bool is_pageprep_output_folder(const fs::path& dir) {
  std::error_code ec;
  return fs::is_directory(dir / ".pageprep", ec);
}

class Expander {
 public:
  InputList result;
  std::vector<fs::path> skip;  ///< folders never entered (canonical)

  // A file or a folder (never a list), named `name` (see InputFile::name).
  void add_path(const std::string& path, const std::string& name) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      add_folder(path, name);
    } else {
      result.files.push_back({path, name});  // existing or not: the pipeline reports it
    }
  }

  void add_folder(const std::string& folder, const std::string& name) {
    std::vector<fs::path> found;
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec);
    if (ec) {
      result.warnings.push_back("cannot list folder " + folder + ": " + ec.message());
      return;
    }
    for (const fs::recursive_directory_iterator end; it != end; it.increment(ec)) {
      if (ec) {
        result.warnings.push_back("error while listing " + folder + ": " + ec.message());
        break;
      }
      const fs::directory_entry& e = *it;
      if (is_hidden(e.path())) {
        std::error_code dec;
        if (e.is_directory(dec) && !e.is_symlink(dec)) it.disable_recursion_pending();
        continue;
      }
      std::error_code dec;
      if (e.is_directory(dec) && is_skipped(e.path())) {
        it.disable_recursion_pending();
        result.warnings.push_back("skipped " + e.path().string() + ": it is the output folder");
        continue;
      }
      if (e.is_directory(dec) && is_pageprep_output_folder(e.path())) {
        it.disable_recursion_pending();
        result.warnings.push_back("skipped " + e.path().string() +
                                  ": it is a pageprep output folder");
        continue;
      }
      std::error_code fec;
      if (e.is_regular_file(fec) && has_image_extension(e.path().filename().string()))
        found.push_back(e.path());
    }
    if (found.empty()) {
      result.warnings.push_back("folder " + folder + " holds no image files");
      return;
    }
    std::sort(found.begin(), found.end());
    for (const fs::path& p : found)
      result.files.push_back({p.string(), join_name(name, p.lexically_relative(folder).string())});
  }

  bool is_skipped(const fs::path& dir) const {
    if (skip.empty()) return false;
    std::error_code ec;
    const fs::path c = fs::weakly_canonical(dir, ec);
    return std::find(skip.begin(), skip.end(), c) != skip.end();
  }

  // Lines of a list; `base` is the folder relative entries are resolved against.
  void add_list(std::istream& in, const fs::path& base) {
    std::string line;
    while (std::getline(in, line)) {
      const std::string entry = trim(line);
      if (entry.empty() || entry[0] == '#') continue;
      const fs::path p(entry);
      add_path(p.is_absolute() || base.empty() ? entry : (base / p).string(), clean_name(entry));
    }
  }

  void add_list_file(const std::string& list) {
    std::error_code ec;
    std::ifstream in;
    if (!fs::is_directory(list, ec)) in.open(list);
    if (!in) {
      result.warnings.push_back("cannot read list file " + list);
      result.files.push_back({list, clean_name(list)});  // reported per page by the pipeline
      return;
    }
    add_list(in, fs::path(list).parent_path());
  }
};

}  // namespace

bool has_image_extension(const std::string& path) {
  static const char* const kExtensions[] = {".png", ".jpg", ".jpeg", ".tif", ".tiff",
                                            ".pnm", ".pgm", ".ppm",  ".pbm", ".webp",
                                            ".pdf", ".jp2", ".j2k",  ".jpx"};
  const std::string ext = extension_of(path);
  return std::any_of(std::begin(kExtensions), std::end(kExtensions),
                     [&](const char* e) { return ext == e; });
}

InputList expand_inputs(const std::vector<std::string>& args, std::istream& stdin_stream,
                        const std::vector<std::string>& skip_folders) {
  Expander x;
  for (const auto& f : skip_folders) {
    std::error_code ec;
    x.skip.push_back(fs::weakly_canonical(fs::absolute(f, ec), ec));
  }
  bool stdin_used = false;
  for (const std::string& arg : args) {
    if (arg == "-") {
      if (stdin_used) x.result.warnings.push_back("'-' given more than once; stdin is read once");
      stdin_used = true;
      x.add_list(stdin_stream, fs::path());
    } else if (arg.size() > 1 && arg[0] == '@') {
      x.add_list_file(arg.substr(1));
    } else if (is_list_file(arg)) {
      std::error_code ec;
      if (fs::is_directory(arg, ec))
        x.add_folder(arg, folder_name(arg));
      else
        x.add_list_file(arg);
    } else {
      std::error_code ec;
      const std::string file = fs::path(arg).filename().string();
      x.add_path(arg, fs::is_directory(arg, ec) ? folder_name(arg)
                      : file.empty()            ? clean_name(arg)
                                                : file);
    }
  }
  return std::move(x.result);
}

}  // namespace pageprep::host
