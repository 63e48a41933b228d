// The CUDA executor's chunk/slot planning (host/pipeline/cuda_batch_plan.hpp),
// pure host arithmetic: checked against a brute-force reference on random
// batches and on the edge cases (empty batch, one page, a page larger than a
// region, pages-per-slot cap).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "pipeline/cuda_batch_plan.hpp"

namespace pageprep::host {
namespace {

// Reference: every split of consecutive pages `b` into a non-empty slot 0 and
// slot 1 that respects the limits; returns the preferred k (0 = none), by the
// documented order (smaller larger-slot bytes, then more even counts, then the
// larger slot 0).
int32_t reference_split(const std::vector<int64_t>& b, int64_t region, int32_t cap) {
  const int32_t n = static_cast<int32_t>(b.size());
  int32_t best_k = 0;
  int64_t best_worst = 0;
  int32_t best_gap = 0;
  for (int32_t k = 1; k <= n; ++k) {
    int64_t b0 = 0, b1 = 0;
    for (int32_t j = 0; j < n; ++j) (j < k ? b0 : b1) += b[j];
    const int32_t c0 = k, c1 = n - k;
    if (c0 > cap || c1 > cap || b0 > region || b1 > region) continue;
    const int64_t worst = std::max(b0, b1);
    const int32_t gap = c0 > c1 ? c0 - c1 : c1 - c0;
    const bool take = best_k == 0 || worst < best_worst ||
                      (worst == best_worst && (gap < best_gap || (gap == best_gap && k > best_k)));
    if (take) {
      best_k = k;
      best_worst = worst;
      best_gap = gap;
    }
  }
  return best_k;
}

std::vector<int32_t> in_order(const CudaBatchPlan& plan) {
  std::vector<int32_t> out;
  for (const auto& c : plan.chunks)
    for (const auto& s : c.slot) out.insert(out.end(), s.pages.begin(), s.pages.end());
  return out;
}

// Checks every clause of the contract against the reference.
void check_plan(const std::vector<int64_t>& bytes, int64_t region, int32_t cap,
                const CudaBatchPlan& plan) {
  std::vector<int32_t> fit, oversize;
  for (int32_t i = 0; i < static_cast<int32_t>(bytes.size()); ++i)
    (bytes[static_cast<size_t>(i)] > region ? oversize : fit).push_back(i);
  EXPECT_EQ(plan.oversize, oversize);
  // Order preserved: chunks -> slot 0 -> slot 1 visit the fitting pages in order.
  ASSERT_EQ(in_order(plan), fit);
  size_t next = 0;
  for (const auto& c : plan.chunks) {
    ASSERT_FALSE(c.slot[0].pages.empty());
    std::vector<int64_t> chunk;
    for (int s = 0; s < 2; ++s) {
      int64_t sum = 0;
      for (int32_t p : c.slot[s].pages) sum += bytes[static_cast<size_t>(p)];
      EXPECT_EQ(c.slot[s].bytes, sum);
      EXPECT_LE(sum, region);
      EXPECT_LE(static_cast<int32_t>(c.slot[s].pages.size()), cap);
      for (int32_t p : c.slot[s].pages) chunk.push_back(bytes[static_cast<size_t>(p)]);
    }
    if (chunk.size() > 1) {
      EXPECT_FALSE(c.slot[1].pages.empty());
    }
    // The split is the reference's choice.
    EXPECT_EQ(static_cast<int32_t>(c.slot[0].pages.size()), reference_split(chunk, region, cap));
    // Greedy: the next fitting page would not have fitted this chunk.
    next += chunk.size();
    if (next < fit.size()) {
      chunk.push_back(bytes[static_cast<size_t>(fit[next])]);
      EXPECT_EQ(reference_split(chunk, region, cap), 0) << "chunk could have taken one more page";
    }
  }
}

TEST(CudaBatchPlan, EmptyBatch) {
  const CudaBatchPlan plan = plan_cuda_batch({}, 1000, 4);
  EXPECT_TRUE(plan.chunks.empty());
  EXPECT_TRUE(plan.oversize.empty());
}

TEST(CudaBatchPlan, SinglePageGoesToSlotZero) {
  const std::vector<int64_t> bytes = {700};
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 1000, 4);
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].slot[0].pages, std::vector<int32_t>{0});
  EXPECT_EQ(plan.chunks[0].slot[0].bytes, 700);
  EXPECT_TRUE(plan.chunks[0].slot[1].pages.empty());
  EXPECT_EQ(plan.chunks[0].slot[1].bytes, 0);
  check_plan(bytes, 1000, 4, plan);
}

TEST(CudaBatchPlan, EqualPagesSplitIntoBalancedHalves) {
  for (int32_t n = 2; n <= 8; ++n) {
    const std::vector<int64_t> bytes(static_cast<size_t>(n), 100);
    const CudaBatchPlan plan = plan_cuda_batch(bytes, 10000, 4);
    ASSERT_EQ(plan.chunks.size(), 1u) << n;
    // Odd counts: slot 0 takes the extra page.
    EXPECT_EQ(plan.chunks[0].slot[0].pages.size(), static_cast<size_t>((n + 1) / 2)) << n;
    EXPECT_EQ(plan.chunks[0].slot[1].pages.size(), static_cast<size_t>(n / 2)) << n;
    check_plan(bytes, 10000, 4, plan);
  }
}

TEST(CudaBatchPlan, BalancesBytesRatherThanPageCounts) {
  // One large page and ten small ones: the large page alone in slot 0 balances
  // the streams' work (10 vs 10), where halving the count would give 14 vs 5.
  const std::vector<int64_t> bytes = {10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 1000, 16);
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].slot[0].pages, std::vector<int32_t>{0});
  EXPECT_EQ(plan.chunks[0].slot[0].bytes, 10);
  EXPECT_EQ(plan.chunks[0].slot[1].bytes, 10);
  check_plan(bytes, 1000, 16, plan);
}

TEST(CudaBatchPlan, PageLargerThanRegionIsReportedOversize) {
  // Decision: a page that does not fit one slot's region on its own is never
  // staged; the plan lists it and the executor sends it to the CPU.
  const std::vector<int64_t> bytes = {50, 101, 50, 100};
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 100, 4);
  EXPECT_EQ(plan.oversize, std::vector<int32_t>{1});
  // The pages around it still share a chunk, in order: 50+50 | 100.
  ASSERT_EQ(plan.chunks.size(), 1u);
  EXPECT_EQ(plan.chunks[0].slot[0].pages, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(plan.chunks[0].slot[1].pages, std::vector<int32_t>{3});
  check_plan(bytes, 100, 4, plan);

  const CudaBatchPlan only = plan_cuda_batch({101}, 100, 4);
  EXPECT_TRUE(only.chunks.empty());
  EXPECT_EQ(only.oversize, std::vector<int32_t>{0});
}

TEST(CudaBatchPlan, ChunksWhenTheBatchDoesNotFit) {
  // Six pages of 40 with 100-byte regions: two pages per slot, so 4 + 2.
  const std::vector<int64_t> bytes(6, 40);
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 100, 8);
  ASSERT_EQ(plan.chunks.size(), 2u);
  EXPECT_EQ(plan.chunks[0].slot[0].pages, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(plan.chunks[0].slot[1].pages, (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(plan.chunks[1].slot[0].pages, std::vector<int32_t>{4});
  EXPECT_EQ(plan.chunks[1].slot[1].pages, std::vector<int32_t>{5});
  check_plan(bytes, 100, 8, plan);
}

TEST(CudaBatchPlan, RespectsThePagesPerSlotCap) {
  const std::vector<int64_t> bytes(10, 1);
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 1000, 2);
  ASSERT_EQ(plan.chunks.size(), 3u);
  EXPECT_EQ(plan.chunks[2].slot[0].pages, std::vector<int32_t>{8});
  EXPECT_EQ(plan.chunks[2].slot[1].pages, std::vector<int32_t>{9});
  check_plan(bytes, 1000, 2, plan);
}

TEST(CudaBatchPlan, RandomBatchesMatchTheReference) {
  std::mt19937 rng(20261128);
  for (int iter = 0; iter < 2000; ++iter) {
    const int32_t n = static_cast<int32_t>(rng() % 24);
    const int64_t region = 1 + static_cast<int64_t>(rng() % 400);
    const int32_t cap = 1 + static_cast<int32_t>(rng() % 9);
    std::vector<int64_t> bytes(static_cast<size_t>(n));
    for (auto& b : bytes) {
      // Mostly fitting pages, some zero-byte, some oversize.
      const uint32_t r = static_cast<uint32_t>(rng() % 20);
      const int64_t extra = static_cast<int64_t>(rng() % 50);
      const int64_t within = static_cast<int64_t>(rng() % static_cast<uint64_t>(region));
      b = r == 0 ? 0 : r == 1 ? region + 1 + extra : 1 + within;
    }
    const CudaBatchPlan plan = plan_cuda_batch(bytes, region, cap);
    SCOPED_TRACE(testing::Message()
                 << "iter " << iter << " n " << n << " region " << region << " cap " << cap);
    check_plan(bytes, region, cap, plan);
    if (HasFailure()) break;
  }
}

TEST(CudaBatchPlan, PageBytesUseTheAlignedPitchAndOneSpareRow) {
  for (int64_t w : {0, 1, 255, 256, 257, 2480, 4960, 7200}) {
    for (int64_t h : {0, 1, 3508, 10200}) {
      int64_t pitch = 0;
      while (pitch < w) pitch += 256;  // naive round-up
      EXPECT_EQ(cuda_pitch(w), pitch);
      EXPECT_EQ(cuda_page_bytes(w, h, false), pitch * (h + 1));
      EXPECT_EQ(cuda_page_bytes(w, h, true), 2 * pitch * (h + 1));
    }
  }
}

}  // namespace
}  // namespace pageprep::host
