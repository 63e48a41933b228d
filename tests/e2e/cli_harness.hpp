/// \file cli_harness.hpp
/// \brief Helpers for end-to-end tests: run the real binaries as processes,
/// read pages.jsonl, make sample folders with pageprep-synth.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace pageprep::e2e {
namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string err;  ///< stderr
};

inline std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

/// Runs a shell command line, stderr captured, stdout discarded.
inline CommandResult run(const std::string& cmd) {
  const fs::path err =
      fs::temp_directory_path() / ("pageprep_e2e_err_" + std::to_string(::getpid()));
  const int rc = std::system((cmd + " >/dev/null 2>" + err.string()).c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.err = read_file(err);
  fs::remove(err);
  return r;
}

inline std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

/// A fresh, empty folder under the system temp dir.
inline fs::path fresh_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("pageprep_e2e_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

/// One parsed pages.jsonl line: string and number fields by key (flat fields only).
struct PageLine {
  std::map<std::string, std::string> str;
  std::map<std::string, double> num;
  std::string raw;
  bool has(const std::string& k) const { return str.count(k) || num.count(k); }
};

inline std::vector<PageLine> read_pages(const fs::path& outdir) {
  std::vector<PageLine> out;
  std::istringstream in(read_file(outdir / "pages.jsonl"));
  std::string line;
  static const std::regex kStr(R"re("([a-z_]+)":"((?:[^"\\]|\\.)*)")re");
  static const std::regex kNum(R"re("([a-z_]+)":(-?[0-9.]+(?:e-?[0-9]+)?)[,}])re");
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    PageLine p;
    p.raw = line;
    for (std::sregex_iterator it(line.begin(), line.end(), kStr), end; it != end; ++it)
      p.str.emplace((*it)[1], (*it)[2]);
    for (std::sregex_iterator it(line.begin(), line.end(), kNum), end; it != end; ++it)
      p.num.emplace((*it)[1], std::stod((*it)[2]));
    out.push_back(std::move(p));
  }
  return out;
}

/// Numeric field of run.json.
inline double run_json_number(const fs::path& outdir, const std::string& key) {
  const std::string s = read_file(outdir / "run.json");
  const std::regex re("\"" + key + "\":(-?[0-9.]+)");
  std::smatch m;
  if (!std::regex_search(s, m, re)) return -1;
  return std::stod(m[1]);
}

/// skew_deg per file name, from a pageprep-synth manifest.
inline std::map<std::string, double> manifest_skews(const fs::path& dir) {
  std::map<std::string, double> out;
  std::istringstream in(read_file(dir / "manifest.jsonl"));
  std::string line;
  static const std::regex kFile(R"re("file":"([^"]*)")re");
  static const std::regex kSkew(R"re("skew_deg":(-?[0-9.]+))re");
  while (std::getline(in, line)) {
    std::smatch f, s;
    if (std::regex_search(line, f, kFile) && std::regex_search(line, s, kSkew))
      out[fs::path(f[1].str()).filename().string()] = std::stod(s[1]);
  }
  return out;
}

// A page with dark bars, different for every seed; `scale` 1 is 320x240.
inline cv::Mat small_page(int seed, int scale = 1) {
  cv::Mat m(240 * scale, 320 * scale, CV_8UC1, cv::Scalar(235));
  cv::RNG rng(static_cast<uint64_t>(seed) + 1);
  for (int i = 0; i < 12 * scale; ++i) {
    const int y = 20 + i * 17, x = rng.uniform(10, 60), w = rng.uniform(120, 250 * scale);
    cv::rectangle(m, cv::Rect(x, y, w, 8), cv::Scalar(rng.uniform(10, 60)), cv::FILLED);
  }
  return m;
}

inline void write_page(const fs::path& p, int seed, int scale = 1) {
  fs::create_directories(p.parent_path());
  ASSERT_TRUE(cv::imwrite(p.string(), small_page(seed, scale))) << p;
}

inline std::string cli() {
  return PAGEPREP_CLI_PATH;
}
inline std::string synth() {
  return PAGEPREP_SYNTH_PATH;
}

}  // namespace pageprep::e2e
