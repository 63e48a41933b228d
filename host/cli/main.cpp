// pageprep: the command-line front end. Only this file turns statuses into
// exit codes (house style §3); see scheduler.hpp for their meaning.
#include <malloc.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/run_options.hpp"
#include "command/bench_command.hpp"
#include "pipeline/run_config.hpp"
#include "pipeline/scheduler.hpp"
#include "report/merged_report.hpp"
#include "report/review_sheet.hpp"
#include "report/version.hpp"

namespace {

using namespace pageprep;
using cli::kUsage;
using cli::UsageError;
using host::RunConfig;

void on_signal(int) {
  host::request_stop();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << kUsage;
    return host::kExitUsage;
  }
  if (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
    std::cout << kUsage;
    return host::kExitOk;
  }
  if (args[0] == "--version" || args[0] == "version") {
    std::cout << host::version_string();
    return host::kExitOk;
  }
  if (args[0] == "report") {
    // `pageprep report OUTDIR`: merge the journals of every run and shard.
    if (args.size() == 2 && (args[1] == "-h" || args[1] == "--help")) {
      std::cout << kUsage;
      return host::kExitOk;
    }
    // --review (after OUTDIR or before it) also writes the contact sheet.
    bool review = false;
    std::vector<std::string> rest;
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--review")
        review = true;
      else
        rest.push_back(args[i]);
    }
    if (rest.size() != 1 || rest[0].empty() || rest[0][0] == '-') {
      std::cerr << "pageprep: usage error: pageprep report OUTDIR [--review]\n";
      return host::kExitUsage;
    }
    const int code = host::report_outdir(rest[0], std::cout, std::cerr);
    if (!review || code == host::kReportFatal) return code;
    return host::review_outdir(rest[0], std::cout, std::cerr) ? code : host::kReportFatal;
  }
  if (args[0] == "bench") {
    args.erase(args.begin());
    mallopt(M_MMAP_THRESHOLD, 1 << 20);  // as `run`: page images from mmap
    return bench::run_bench(args, std::cout, std::cerr);
  }
  if (args[0] != "run") {
    std::cerr << "pageprep: unknown command '" << args[0] << "'\n\n" << kUsage;
    return host::kExitUsage;
  }
  args.erase(args.begin());
  for (const auto& a : args) {
    if (a == "--") break;  // inputs follow, whatever their names
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return host::kExitOk;
    }
  }
  RunConfig cfg;
  try {
    cfg = cli::parse_run(args);
  } catch (const UsageError& e) {
    std::cerr << "pageprep: usage error: " << e.message << "\n(see pageprep --help)\n";
    return host::kExitUsage;
  }
  // Preprocessing alone (--ocr none, the OCR-farm mode of long runs): every
  // buffer of 1 MiB or more comes from mmap and goes back to the OS when
  // freed. glibc otherwise raises its mmap threshold after the first large
  // free, serves later buffers from per-thread heaps, and fragmentation made
  // peak memory creep up over long runs (docs/PERFORMANCE.md). With OCR on,
  // Tesseract's own page-sized buffers dominate, and mapping each of them
  // afresh cost ~12% of the run's wall time in page faults (docs/
  // PERFORMANCE.md, "End to end"); there glibc's default applies. Page images
  // have their own mappings either way (pipeline/page_memory.hpp).
  if (cfg.ocr == host::OcrMode::kNone) mallopt(M_MMAP_THRESHOLD, 1 << 20);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const host::RunSummary s = host::run_pipeline(cfg, std::cerr);
  return s.exit_code;
}
