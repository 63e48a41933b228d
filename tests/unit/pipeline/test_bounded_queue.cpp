// BoundedQueue: close-and-drain, back-pressure, cancellation, and MPMC delivery.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

#include "pipeline/bounded_queue.hpp"

namespace pageprep::host {
namespace {

TEST(BoundedQueue, CloseDrainsQueuedItemsThenEnds) {
  BoundedQueue<int> q(4);
  ASSERT_TRUE(q.push(1));
  ASSERT_TRUE(q.push(2));
  q.close();
  EXPECT_FALSE(q.push(3));
  EXPECT_EQ(q.pop(), 1);
  EXPECT_EQ(q.pop(), 2);
  EXPECT_EQ(q.pop(), std::nullopt);
}

TEST(BoundedQueue, PushBlocksWhenFullUntilAPop) {
  BoundedQueue<int> q(2);
  ASSERT_TRUE(q.push(1));
  ASSERT_TRUE(q.push(2));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    q.push(3);
    pushed = true;
  });
  // Readiness, not a delay: the producer is blocked inside push().
  while (q.waiting_producers() == 0) std::this_thread::yield();
  EXPECT_FALSE(pushed.load()) << "push into a full queue must block (back-pressure)";
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.pop(), 1);
  producer.join();
  EXPECT_TRUE(pushed.load());
  EXPECT_EQ(q.waiting_producers(), 0u);
  EXPECT_EQ(q.pop(), 2);
  EXPECT_EQ(q.pop(), 3);
}

TEST(BoundedQueue, CancelDiscardsAndWakesBlockedProducersAndConsumers) {
  BoundedQueue<int> full(1);
  ASSERT_TRUE(full.push(1));
  std::atomic<int> push_result{-1};
  std::thread producer([&] { push_result = full.push(2) ? 1 : 0; });
  BoundedQueue<int> empty(1);
  std::atomic<bool> popped_nothing{false};
  std::thread consumer([&] { popped_nothing = !empty.pop().has_value(); });
  while (full.waiting_producers() == 0 || empty.waiting_consumers() == 0) std::this_thread::yield();
  EXPECT_EQ(full.cancel(), 1u);
  empty.cancel();
  producer.join();
  consumer.join();
  EXPECT_EQ(push_result.load(), 0);
  EXPECT_TRUE(popped_nothing.load());
  EXPECT_EQ(full.pop(), std::nullopt);
}

TEST(BoundedQueue, FailedPushLeavesItemWithCaller) {
  BoundedQueue<std::unique_ptr<int>> q(1);
  q.close();
  auto item = std::make_unique<int>(7);
  EXPECT_FALSE(q.push(item));
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(*item, 7);
}

TEST(BoundedQueue, PopForTimesOut) {
  BoundedQueue<int> q(1);
  bool timed_out = false;
  EXPECT_EQ(q.pop_for(std::chrono::milliseconds(20), &timed_out), std::nullopt);
  EXPECT_TRUE(timed_out);
  q.push(5);
  EXPECT_EQ(q.pop_for(std::chrono::milliseconds(20), &timed_out), 5);
  EXPECT_FALSE(timed_out);
}

TEST(BoundedQueue, ManyProducersManyConsumersDeliverEachItemOnce) {
  BoundedQueue<int> q(3);
  constexpr int kPerProducer = 2000, kProducers = 4, kConsumers = 3;
  std::vector<std::thread> producers, consumers;
  std::vector<std::vector<int>> got(kConsumers);
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) q.push(p * kPerProducer + i);
    });
  for (int c = 0; c < kConsumers; ++c)
    consumers.emplace_back([&, c] {
      while (auto v = q.pop()) got[c].push_back(*v);
    });
  for (auto& t : producers) t.join();
  q.close();
  for (auto& t : consumers) t.join();
  std::vector<int> all;
  for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  std::vector<int> expected(kPerProducer * kProducers);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
}

}  // namespace
}  // namespace pageprep::host
