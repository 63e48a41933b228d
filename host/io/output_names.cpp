#include "io/output_names.hpp"

#include <cstdio>
#include <filesystem>

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

// A component that fits kMaxNameComponent, cut at a UTF-8 character boundary,
// with a hash of the whole so two long names that share a prefix differ.
std::string fit_component(const std::string& c) {
  if (c.size() <= kMaxNameComponent) return c;
  size_t cut = kMaxNameComponent - 9;
  while (cut > 0 && (static_cast<unsigned char>(c[cut]) & 0xC0) == 0x80) --cut;
  char hash[10];
  std::snprintf(hash, sizeof hash, "~%08x", static_cast<uint32_t>(fnv1a64(c)));
  return c.substr(0, cut) + hash;
}

std::string fit_components(const std::string& path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    if (!out.empty()) out += '/';
    out += fit_component(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

const std::vector<std::string>& output_suffixes() {
  static const std::vector<std::string> kSuffixes = {".tif",      ".png",      ".pbm", ".pgm",
                                                     ".gray.png", ".gray.pgm", ".txt", ".hocr",
                                                     ".xml",      ".tsv",      ".pdf", ".json"};
  return kSuffixes;
}

std::string file_stem(const std::string& filename) {
  const size_t dot = filename.find_last_of('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == filename.size()) return filename;
  return filename.substr(0, dot);
}

bool SiblingIndex::stem_is_shared(const std::string& folder, const std::string& filename) {
  auto it = stems_.find(folder);
  if (it == stems_.end()) {
    std::map<std::string, int> counts;
    std::error_code ec;
    for (fs::directory_iterator d(folder.empty() ? "." : folder, ec), end; !ec && d != end;
         d.increment(ec)) {
      const std::string name = d->path().filename().string();
      std::error_code fec;
      if (d->is_directory(fec))
        ++counts[name];
      else if (has_image_extension(name))
        ++counts[file_stem(name)];
    }
    it = stems_.emplace(folder, std::move(counts)).first;
  }
  const auto c = it->second.find(file_stem(filename));
  // The input itself counts once when it has a page extension.
  const int self = has_image_extension(filename) ? 1 : 0;
  return c != it->second.end() && c->second > self;
}

std::string document_base(const InputFile& input, SiblingIndex& siblings) {
  const fs::path name(input.name.empty() ? fs::path(input.path).filename() : fs::path(input.name));
  const std::string file = name.filename().string();
  const std::string stem = file_stem(file);
  const fs::path folder = fs::path(input.path).parent_path();
  const bool keep_extension = stem != file && siblings.stem_is_shared(folder.string(), file);
  const fs::path base = name.parent_path() / (keep_extension ? file : stem);
  std::string b = base.generic_string();
  if (b.empty()) b = "page";
  return fit_components(b);
}

std::string page_stem(const std::string& base, int32_t page, int32_t pages) {
  if (pages <= 1) return base;
  char buf[16];
  std::snprintf(buf, sizeof buf, "/p%04d", page + 1);
  return base + buf;
}

std::string half_stem(const std::string& base, int32_t page, bool left) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "/p%04d%c", page + 1, left ? 'L' : 'R');
  return base + buf;
}

}  // namespace pageprep::host
