#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "io/file_read.hpp"
#include "pipeline/page_task.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

/// Output stems mirror the inputs' paths below their common folder.
std::vector<std::string> output_stems(const std::vector<std::string>& paths) {
  std::vector<fs::path> abs;
  abs.reserve(paths.size());
  for (const auto& p : paths) abs.push_back(fs::absolute(p).lexically_normal());
  fs::path common;
  if (!abs.empty()) {
    common = abs[0].parent_path();
    for (const auto& p : abs) {
      while (!common.empty() && p.lexically_relative(common).native().rfind("..", 0) == 0)
        common = common.parent_path();
    }
  }
  std::vector<std::string> stems;
  std::set<std::string> used;
  for (const auto& p : abs) {
    fs::path rel = p.lexically_relative(common);
    if (rel.empty() || rel.native().rfind("..", 0) == 0) rel = p.filename();
    std::string stem = (rel.parent_path() / rel.stem()).string();
    if (stem.empty()) stem = "page";
    std::string unique = stem;
    for (int n = 2; used.count(unique); ++n) unique = stem + "-" + std::to_string(n);
    used.insert(unique);
    stems.push_back(unique);
  }
  return stems;
}

std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return std::to_string(static_cast<long long>(st.st_size)) + ":" +
         std::to_string(static_cast<long long>(st.st_mtim.tv_sec)) + "." +
         std::to_string(static_cast<long long>(st.st_mtim.tv_nsec));
}

}  // namespace

std::vector<PageTask> list_page_tasks(const InputList& inputs, const std::string& params_hash,
                                      const DecodeLimits& limits) {
  std::vector<PageTask> tasks;
  std::vector<std::string> paths;
  for (const auto& f : inputs.files) paths.push_back(f.path);
  const auto stems = output_stems(paths);
  int64_t ordinal = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (io_stop_requested()) break;  // the caller sees the stop and ends the run
    PageCount pc;
    if (inputs.files[i].error != PageError::kNone) {  // a listing error, reported as a page
      pc.error = inputs.files[i].error;
      pc.message = inputs.files[i].message;
    } else {
      pc = count_pages(paths[i], limits);
    }
    const std::string ident = file_identity(paths[i]);
    const int32_t n = pc.error == PageError::kNone ? std::max(1, pc.count) : 1;
    for (int32_t p = 0; p < n; ++p) {
      PageTask t;
      t.id = {paths[i], p, ordinal++};
      t.stem = n > 1 ? stems[i] + ".p" +
                           (p < 1000 ? std::string(p < 10    ? "000"
                                                   : p < 100 ? "00"
                                                             : "0")
                                     : "") +
                           std::to_string(p)
                     : stems[i];
      t.key = fs::absolute(paths[i]).lexically_normal().string() + "|" + std::to_string(p) + "|" +
              ident + "|" + params_hash;
      if (pc.error != PageError::kNone) {
        t.pre_error = pc.error;
        t.pre_message = pc.message;
      }
      tasks.push_back(std::move(t));
    }
  }
  return tasks;
}

}  // namespace pageprep::host
