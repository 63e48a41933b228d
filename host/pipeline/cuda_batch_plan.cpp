// Chunk and slot planning for the CUDA executor (contract in cuda_batch_plan.hpp).
// Batches hold a few dozen pages at most, so the split search is a plain scan.
#include "pipeline/cuda_batch_plan.hpp"

#include <algorithm>
#include <cstdlib>

namespace pageprep::host {
namespace {

struct Split {
  bool ok = false;
  int32_t k = 0;          ///< pages [0, k) go to slot 0, [k, n) to slot 1
  int64_t worst = 0;      ///< the larger slot's bytes
  int32_t count_gap = 0;  ///< |pages in slot 0 - pages in slot 1|
};

/// True when split a is preferred to b (b may be !ok).
bool better(const Split& a, const Split& b) {
  if (!b.ok) return true;
  if (a.worst != b.worst) return a.worst < b.worst;
  if (a.count_gap != b.count_gap) return a.count_gap < b.count_gap;
  return a.k > b.k;
}

/// The best split of consecutive pages `bytes` into slot 0 (non-empty) and slot 1.
Split best_split(const std::vector<int64_t>& bytes, int64_t region, int32_t cap) {
  const int32_t n = static_cast<int32_t>(bytes.size());
  int64_t total = 0;
  for (int64_t b : bytes) total += b;
  Split best;
  int64_t prefix = 0;
  for (int32_t k = 1; k <= n; ++k) {
    prefix += bytes[k - 1];
    const int32_t c0 = k, c1 = n - k;
    const int64_t b0 = prefix, b1 = total - prefix;
    if (c0 > cap || c1 > cap || b0 > region || b1 > region) continue;
    Split s;
    s.ok = true;
    s.k = k;
    s.worst = std::max(b0, b1);
    s.count_gap = std::abs(c0 - c1);
    if (better(s, best)) best = s;
  }
  return best;
}

}  // namespace

CudaBatchPlan plan_cuda_batch(const std::vector<int64_t>& page_bytes, int64_t region_bytes,
                              int32_t max_pages_per_slot) {
  CudaBatchPlan plan;
  const int32_t cap = std::max<int32_t>(1, max_pages_per_slot);
  std::vector<int32_t> fit;
  fit.reserve(page_bytes.size());
  for (size_t i = 0; i < page_bytes.size(); ++i) {
    if (page_bytes[i] > region_bytes)
      plan.oversize.push_back(static_cast<int32_t>(i));
    else
      fit.push_back(static_cast<int32_t>(i));
  }
  std::vector<int64_t> chunk_bytes;
  size_t next = 0;
  while (next < fit.size()) {
    // Grow the chunk while a valid split exists. Feasibility only shrinks as
    // pages are added, so the first failure ends the chunk. One fitting page
    // always fits (it is <= region_bytes and cap >= 1).
    chunk_bytes.clear();
    Split chosen;
    size_t end = next;
    while (end < fit.size()) {
      chunk_bytes.push_back(page_bytes[static_cast<size_t>(fit[end])]);
      const Split s = best_split(chunk_bytes, region_bytes, cap);
      if (!s.ok) {
        chunk_bytes.pop_back();
        break;
      }
      chosen = s;
      ++end;
    }
    CudaChunkPlan chunk;
    for (size_t j = 0; j < chunk_bytes.size(); ++j) {
      CudaSlotPlan& slot = chunk.slot[static_cast<int32_t>(j) < chosen.k ? 0 : 1];
      slot.pages.push_back(fit[next + j]);
      slot.bytes += chunk_bytes[j];
    }
    plan.chunks.push_back(std::move(chunk));
    next = end;
  }
  return plan;
}

}  // namespace pageprep::host
