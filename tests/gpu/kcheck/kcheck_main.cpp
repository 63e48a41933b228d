// pageprep-kcheck: the kernels-only device check (issue 19 item 5). Needs
// only the CUDA runtime (linked statically) and the C++ standard library.
//
//   pageprep-kcheck [--version] [--small] [--no-bench] [--bench-only] [--pages N]
//                   [--batch N] [--reps N] [--threads N]
//
// Prints `parity <op>: pass|FAIL|skipped ...`, `bench ...` lines and one
// `kcheck summary: ...` line. Exit codes: 0 everything passed on a device;
// 1 a mismatch or error (CPU-vs-naive included); 2 bad usage; 77 no CUDA
// device or no CUDA schedules in this build: the CPU half ran and passed,
// the parity checks are skipped (device_check.sh counts that as a failure).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "checks.hpp"
#include "pageprep/kernels/device.hpp"

namespace {
constexpr int kExitSkipped = 77;
}

int main(int argc, char** argv) {
  using namespace pageprep;
  bool small = false, bench = true, parity = true;
  kcheck::BenchOptions bo;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto num = [&](int32_t* v) {
      if (i + 1 >= argc) return false;
      *v = std::atoi(argv[++i]);
      return *v > 0;
    };
    if (a == "--version") {  // device_check.sh: does the carried binary load here?
      std::printf("pageprep-kcheck 1\n");
      return 0;
    }
    if (a == "--small") {
      small = true;
    } else if (a == "--no-bench") {
      bench = false;
    } else if (a == "--bench-only") {
      parity = false;
    } else if ((a == "--pages" && num(&bo.pages)) || (a == "--batch" && num(&bo.batch)) ||
               (a == "--reps" && num(&bo.reps)) || (a == "--threads" && num(&bo.threads))) {
    } else {
      std::fprintf(stderr, "pageprep-kcheck: bad argument %s (see the source's header)\n",
                   a.c_str());
      return 2;
    }
  }
  const bool device = kernels::cuda_built() && kernels::cuda_device_count() > 0;
  const std::string desc =
      kernels::cuda_built() ? kernels::cuda_device_description(0) : "no CUDA schedules built";
  std::printf("kcheck: device %s\n", device ? desc.c_str() : "none");

  kcheck::Report report;
  std::vector<kcheck::HostPage> pages;
  std::vector<float> dpi;
  const std::vector<kcheck::PageSpec> specs = kcheck::parity_specs(small);
  for (const auto& s : specs) {
    pages.push_back(kcheck::make_page(s));
    dpi.push_back(s.dpi);
  }
  if (parity) {
    kcheck::run_naive_checks(pages, specs, &report);
    if (device) {
      kcheck::run_parity(pages, dpi, &report);
      kcheck::run_geometry_parity(pages, &report);
      kcheck::run_dewarp_parity(pages, &report);
    } else {
      report.skip("cuda_vs_cpu",
                  desc.rfind("no CUDA device", 0) == 0 ? desc : "no CUDA device: " + desc);
    }
  }
  bool bench_ok = true;
  if (bench) bench_ok = kcheck::run_bench(bo, device);
  std::printf("kcheck summary: %d passed, %d failed, %d skipped, bench %s\n", report.passed(),
              report.failed(), report.skipped(), bench ? (bench_ok ? "ok" : "FAILED") : "not run");
  if (report.failed() > 0 || !bench_ok) return 1;
  if (!device) {
    std::printf("PAGEPREP_SKIP: no CUDA device (%s)\n", desc.c_str());  // read by skip-report.py
    return kExitSkipped;
  }
  return 0;
}
