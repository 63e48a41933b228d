/// \file checks.hpp
/// \brief The kernels-only check's parts: naive references (CPU only),
/// CPU-vs-CUDA parity of every operation, and the kernel/transfer bench.
#pragma once

#include <vector>

#include "pages.hpp"
#include "report.hpp"

namespace pageprep::kcheck {

/// CPU schedules against naive per-pixel references, and the CPU skew
/// estimate against the generated skew (no device needed).
void run_naive_checks(const std::vector<HostPage>& pages, const std::vector<PageSpec>& specs,
                      Report* r);

/// Every operation on the CPU and the CUDA schedule over one var-shape batch,
/// compared bit for bit (every operation's contract says identical bits).
void run_parity(const std::vector<HostPage>& pages, const std::vector<float>& dpi, Report* r);

/// The book-geometry cell statistics (page box sums, gutter ranges) on both
/// schedules, bit for bit, on the pages and a spread of the first two
/// (geometry_parity.cpp).
void run_geometry_parity(const std::vector<HostPage>& pages, Report* r);

/// The dewarp remap on both schedules, bit for bit, with a pseudo-random grid
/// per page (dewarp_parity.cpp).
void run_dewarp_parity(const std::vector<HostPage>& pages, Report* r);

struct BenchOptions {
  int32_t pages = 208;  ///< pages timed per measurement (>= 200 for the device check)
  int32_t batch = 16;
  int32_t distinct = 8;  ///< distinct generated pages, cycled
  int32_t reps = 3;      ///< measurements; the median is reported
  int32_t threads = 0;   ///< CPU schedule threads; 0: all cores
};

/// The page pipeline (skew, rotate, Sauvola, despeckle, border, pack) on
/// A4 300-dpi pages: CPU schedule, CUDA kernels alone (pages resident), CUDA
/// with transfers (gray up, packed down). Prints `bench ...` lines; returns
/// false on an error.
bool run_bench(const BenchOptions& o, bool device);

}  // namespace pageprep::kcheck
