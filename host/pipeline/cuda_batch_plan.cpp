// Job planning for the CUDA executor (contract in cuda_batch_plan.hpp).
// Batches hold a few dozen pages at most, so plain scans suffice.
#include "pipeline/cuda_batch_plan.hpp"

#include <algorithm>

namespace pageprep::host {
namespace {

/// Whether `pages` consecutive fitting pages starting at `from` fit one job.
bool fits(const std::vector<int64_t>& bytes, size_t from, size_t pages, int64_t lane, int32_t cap) {
  if (pages > static_cast<size_t>(cap)) return false;
  int64_t sum = 0;
  for (size_t i = from; i < from + pages; ++i) sum += bytes[i];
  return sum <= lane;
}

}  // namespace

CudaBatchPlan plan_cuda_batch(const std::vector<int64_t>& page_bytes, int64_t lane_bytes,
                              int32_t max_pages_per_job) {
  CudaBatchPlan plan;
  const int32_t cap = std::max<int32_t>(1, max_pages_per_job);
  std::vector<int32_t> fit;
  std::vector<int64_t> bytes;
  for (size_t i = 0; i < page_bytes.size(); ++i) {
    if (page_bytes[i] > lane_bytes) {
      plan.oversize.push_back(static_cast<int32_t>(i));
    } else {
      fit.push_back(static_cast<int32_t>(i));
      bytes.push_back(page_bytes[i]);
    }
  }
  // The fewest jobs: greedy, as many consecutive pages as fit.
  size_t jobs = 0;
  for (size_t next = 0; next < fit.size(); ++jobs) {
    size_t n = 1;
    while (next + n < fit.size() && fits(bytes, next, n + 1, lane_bytes, cap)) ++n;
    next += n;
  }
  // Then even page counts: each of those jobs takes its fair share of what is
  // left (fewer if that does not fit), so the counts differ by at most one
  // wherever the bytes allow.
  size_t next = 0;
  // The next job: pages [next, next + n) of `fit`.
  auto emit = [&](size_t n) {
    CudaJobPlan job;
    for (size_t i = next; i < next + n; ++i) {
      job.pages.push_back(fit[i]);
      job.bytes += bytes[i];
    }
    plan.jobs.push_back(std::move(job));
    next += n;
  };
  for (size_t j = 0; j < jobs && next < fit.size(); ++j) {
    const size_t left_jobs = jobs - j;
    const size_t share = (fit.size() - next + left_jobs - 1) / left_jobs;
    size_t n = std::max<size_t>(1, share);
    while (n > 1 && !fits(bytes, next, n, lane_bytes, cap)) --n;
    emit(n);
  }
  // Uneven bytes can leave pages after those jobs (a share that had to
  // shrink): they go greedily into further jobs.
  while (next < fit.size()) {
    size_t n = 1;
    while (next + n < fit.size() && fits(bytes, next, n + 1, lane_bytes, cap)) ++n;
    emit(n);
  }
  return plan;
}

}  // namespace pageprep::host
