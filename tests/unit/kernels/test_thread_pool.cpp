// ThreadPool: every index exactly once, nesting and concurrent callers without
// deadlock, and inline behaviour with one thread.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "pageprep/kernels/cpu/thread_pool.hpp"

namespace pageprep::kernels::cpu {
namespace {

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  for (int threads : {1, 2, 5}) {
    ThreadPool pool(threads);
    for (int64_t n : {0, 1, 7, 1000, 4097}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, 3, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
      });
      for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1) << i;
    }
  }
}

TEST(ThreadPool, OneThreadRunsInlineOnTheCaller) {
  ThreadPool pool(1);
  EXPECT_EQ(pool.size(), 1);
  const auto caller = std::this_thread::get_id();
  bool other_thread = false;
  pool.parallel_for(
      100, 1, [&](int64_t, int64_t) { other_thread |= std::this_thread::get_id() != caller; });
  EXPECT_FALSE(other_thread);
}

TEST(ThreadPool, NestedAndConcurrentCallsComplete) {
  ThreadPool pool(3);
  std::atomic<int64_t> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c)
    callers.emplace_back([&] {
      pool.parallel_for(8, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i)
          pool.parallel_for(50, 5, [&](int64_t b2, int64_t e2) { sum += e2 - b2; });
      });
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(sum.load(), 4 * 8 * 50);
}

}  // namespace
}  // namespace pageprep::kernels::cpu
