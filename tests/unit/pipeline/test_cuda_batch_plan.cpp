// The CUDA executor's job planning (host/pipeline/cuda_batch_plan.hpp), pure
// host arithmetic: every clause of the contract checked against a
// brute-force reference on random batches, and the edge cases (empty batch,
// one page, a page larger than a lane, the pages-per-job cap).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "pipeline/cuda_batch_plan.hpp"

namespace pageprep::host {
namespace {

/// Reference: the number of jobs a greedy pass over `bytes` needs.
size_t greedy_jobs(const std::vector<int64_t>& bytes, int64_t lane, int32_t cap) {
  size_t jobs = 0;
  int64_t sum = 0;
  int32_t count = 0;
  for (int64_t b : bytes) {
    if (count == 0 || count == cap || sum + b > lane) {
      ++jobs;
      sum = 0;
      count = 0;
    }
    sum += b;
    ++count;
  }
  return jobs;
}

void check_plan(const std::vector<int64_t>& bytes, int64_t lane, int32_t cap,
                const CudaBatchPlan& plan) {
  std::vector<int32_t> fit, oversize;
  std::vector<int64_t> fit_bytes;
  for (int32_t i = 0; i < static_cast<int32_t>(bytes.size()); ++i) {
    if (bytes[static_cast<size_t>(i)] > lane) {
      oversize.push_back(i);
    } else {
      fit.push_back(i);
      fit_bytes.push_back(bytes[static_cast<size_t>(i)]);
    }
  }
  EXPECT_EQ(plan.oversize, oversize);
  std::vector<int32_t> in_order;
  for (const auto& j : plan.jobs) {
    ASSERT_FALSE(j.pages.empty());
    int64_t sum = 0;
    for (int32_t p : j.pages) sum += bytes[static_cast<size_t>(p)];
    EXPECT_EQ(j.bytes, sum);
    EXPECT_LE(sum, lane);
    EXPECT_LE(static_cast<int32_t>(j.pages.size()), cap);
    in_order.insert(in_order.end(), j.pages.begin(), j.pages.end());
  }
  ASSERT_EQ(in_order, fit) << "every fitting page once, in batch order";
  // Never more jobs than a greedy pass needs when the bytes are even; at
  // most twice as many otherwise (a shrunk share leaves a remainder).
  const size_t greedy = greedy_jobs(fit_bytes, lane, cap);
  EXPECT_LE(plan.jobs.size(), 2 * greedy);
  const bool even_bytes = std::all_of(fit_bytes.begin(), fit_bytes.end(),
                                      [&](int64_t b) { return b == fit_bytes.front(); });
  if (even_bytes) {
    EXPECT_EQ(plan.jobs.size(), greedy);
    size_t lo = SIZE_MAX, hi = 0;
    for (const auto& j : plan.jobs) {
      lo = std::min(lo, j.pages.size());
      hi = std::max(hi, j.pages.size());
    }
    if (!plan.jobs.empty()) {
      EXPECT_LE(hi - lo, 1u) << "equal pages spread evenly over the jobs";
    }
  }
}

TEST(CudaBatchPlan, EmptyBatch) {
  const CudaBatchPlan plan = plan_cuda_batch({}, 1000, 4);
  EXPECT_TRUE(plan.jobs.empty());
  EXPECT_TRUE(plan.oversize.empty());
}

TEST(CudaBatchPlan, SinglePageIsOneJob) {
  const std::vector<int64_t> bytes = {700};
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 1000, 4);
  ASSERT_EQ(plan.jobs.size(), 1u);
  EXPECT_EQ(plan.jobs[0].pages, std::vector<int32_t>{0});
  EXPECT_EQ(plan.jobs[0].bytes, 700);
  check_plan(bytes, 1000, 4, plan);
}

TEST(CudaBatchPlan, BatchThatFitsIsOneJob) {
  const std::vector<int64_t> bytes(8, 100);
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 800, 8);
  ASSERT_EQ(plan.jobs.size(), 1u);
  EXPECT_EQ(plan.jobs[0].pages.size(), 8u);
  check_plan(bytes, 800, 8, plan);
}

TEST(CudaBatchPlan, SplitsEvenlyRatherThanGreedily) {
  // Nine pages, four per lane: three jobs of 3, not 4 + 4 + 1.
  const std::vector<int64_t> bytes(9, 10);
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 1000, 4);
  ASSERT_EQ(plan.jobs.size(), 3u);
  for (const auto& j : plan.jobs) EXPECT_EQ(j.pages.size(), 3u);
  check_plan(bytes, 1000, 4, plan);
}

TEST(CudaBatchPlan, PageLargerThanALaneIsReportedOversize) {
  // Decision: a page that does not fit one lane on its own is never put in a
  // job; the plan lists it and the executor sends it to its large-page lane
  // (or the CPU).
  const std::vector<int64_t> bytes = {50, 101, 50, 100};
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 100, 4);
  EXPECT_EQ(plan.oversize, std::vector<int32_t>{1});
  ASSERT_EQ(plan.jobs.size(), 2u);
  EXPECT_EQ(plan.jobs[0].pages, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(plan.jobs[1].pages, std::vector<int32_t>{3});
  check_plan(bytes, 100, 4, plan);

  const CudaBatchPlan only = plan_cuda_batch({101}, 100, 4);
  EXPECT_TRUE(only.jobs.empty());
  EXPECT_EQ(only.oversize, std::vector<int32_t>{0});
}

TEST(CudaBatchPlan, RespectsThePagesPerJobCap) {
  const std::vector<int64_t> bytes(10, 1);
  const CudaBatchPlan plan = plan_cuda_batch(bytes, 1000, 2);
  ASSERT_EQ(plan.jobs.size(), 5u);
  check_plan(bytes, 1000, 2, plan);
}

TEST(CudaBatchPlan, RandomBatchesKeepTheContract) {
  std::mt19937 rng(20261130);
  for (int iter = 0; iter < 3000; ++iter) {
    const int32_t n = static_cast<int32_t>(rng() % 40);
    const int64_t lane = 1 + static_cast<int64_t>(rng() % 400);
    const int32_t cap = 1 + static_cast<int32_t>(rng() % 9);
    std::vector<int64_t> bytes(static_cast<size_t>(n));
    const bool even = rng() % 3 == 0;
    const int64_t same = 1 + static_cast<int64_t>(rng() % static_cast<uint64_t>(lane));
    for (auto& b : bytes) {
      // Mostly fitting pages, some zero-byte, some oversize.
      const uint32_t r = static_cast<uint32_t>(rng() % 20);
      const int64_t extra = static_cast<int64_t>(rng() % 50);
      const int64_t within = static_cast<int64_t>(rng() % static_cast<uint64_t>(lane));
      b = even ? same : r == 0 ? 0 : r == 1 ? lane + 1 + extra : 1 + within;
    }
    const CudaBatchPlan plan = plan_cuda_batch(bytes, lane, cap);
    SCOPED_TRACE(testing::Message()
                 << "iter " << iter << " n " << n << " lane " << lane << " cap " << cap);
    check_plan(bytes, lane, cap, plan);
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

TEST(CudaBatchPlan, LaneTakesOnlyPagesItsOperationsWereBuiltFor) {
  // Issue 19 defect 2: lanes are built for 7200x10200; bytes alone let a
  // 10200x7200 page in, and the skew check then failed the whole job.
  EXPECT_TRUE(cuda_lane_takes(7200, 10200, false, 15, 7200, 10200));
  EXPECT_FALSE(cuda_lane_takes(10200, 7200, false, 15, 7200, 10200));
  EXPECT_LE(cuda_page_bytes(10200, 7200, false), cuda_page_bytes(7200, 10200, false) + 10240 * 2)
      << "the landscape page does fit by bytes (within a row of pitch)";
  EXPECT_TRUE(cuda_lane_takes(2480, 3508, true, 15, 7200, 10200)) << "A4 with an expanded canvas";
  EXPECT_FALSE(cuda_lane_takes(7200, 10200, true, 15, 7200, 10200))
      << "an expanded canvas of the largest page outgrows the lane";
  EXPECT_FALSE(cuda_lane_takes(7200, 10200, true, 0.5, 7200, 10200));
}

TEST(CudaBatchPlan, LaneExtentBoundsEveryRotatedCanvas) {
  // Naive reference: the expanded canvas at every angle up to the maximum.
  for (int64_t w : {1, 100, 2480, 7200, 10200}) {
    for (int64_t h : {1, 77, 3508, 10200}) {
      for (double max_deg : {0.5, 5.0, 15.0, 45.0}) {
        int64_t ew = 0, eh = 0;
        cuda_lane_extent(w, h, true, max_deg, &ew, &eh);
        for (double d = 0; d <= max_deg; d += max_deg / 64) {
          const double a = d * 3.14159265358979323846 / 180.0;
          const double rw =
              static_cast<double>(w) * std::cos(a) + static_cast<double>(h) * std::sin(a);
          const double rh =
              static_cast<double>(w) * std::sin(a) + static_cast<double>(h) * std::cos(a);
          EXPECT_GE(static_cast<double>(ew), std::ceil(rw)) << w << "x" << h << " at " << d;
          EXPECT_GE(static_cast<double>(eh), std::ceil(rh)) << w << "x" << h << " at " << d;
        }
        int64_t fw = 0, fh = 0;
        cuda_lane_extent(w, h, false, max_deg, &fw, &fh);
        EXPECT_EQ(fw, w);
        EXPECT_EQ(fh, h);
      }
    }
  }
}

}  // namespace
}  // namespace pageprep::host
