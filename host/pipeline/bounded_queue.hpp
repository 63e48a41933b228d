/// \file bounded_queue.hpp
/// \brief The bounded, closable MPMC queue that joins pipeline stages.
///
/// Contract:
/// - push() blocks while the queue is full (back-pressure reaches the producer)
///   and returns false, dropping nothing silently, once the queue is closed or
///   cancelled: the caller still owns the item and must account for it.
/// - pop() blocks while the queue is empty and open; it returns std::nullopt
///   once the queue is closed *and* drained, or cancelled.
/// - close() lets consumers drain what is queued; cancel() also discards it.
/// - waiting_producers() / waiting_consumers() count the threads blocked in
///   push() / pop() right now: a stage's stall at a glance, and a readiness
///   signal for tests (no sleeps).
/// Peak memory of a pipeline is therefore bounded by the sum of its queue
/// capacities, not by the number of pages.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace pageprep::host {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  /// Moves `item` in; on false (closed), `item` is left untouched.
  bool push(T& item) {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto can_push = [&] { return closed_ || items_.size() < capacity_; };
    if (!can_push()) {
      ++waiting_producers_;
      not_full_.wait(lock, can_push);
      --waiting_producers_;
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  bool push(T&& item) { return push(item); }

  std::optional<T> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto can_pop = [&] { return closed_ || !items_.empty(); };
    if (!can_pop()) {
      ++waiting_consumers_;
      not_empty_.wait(lock, can_pop);
      --waiting_consumers_;
    }
    if (items_.empty()) return std::nullopt;
    std::optional<T> out(std::move(items_.front()));
    items_.pop_front();
    not_full_.notify_one();
    return out;
  }

  /// Like pop(), but gives up after `timeout`; `*timed_out` says which happened.
  template <typename Duration>
  std::optional<T> pop_for(Duration timeout, bool* timed_out) {
    std::unique_lock<std::mutex> lock(mutex_);
    *timed_out = !not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    std::optional<T> out(std::move(items_.front()));
    items_.pop_front();
    not_full_.notify_one();
    return out;
  }

  /// No more pushes; consumers drain the rest.
  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  /// Close and discard what is queued; returns how many items were discarded.
  size_t cancel() {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    const size_t n = items_.size();
    items_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
    return n;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }
  size_t capacity() const { return capacity_; }
  size_t waiting_producers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return waiting_producers_;
  }
  size_t waiting_consumers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return waiting_consumers_;
  }

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  bool closed_ = false;
  size_t waiting_producers_ = 0;
  size_t waiting_consumers_ = 0;
};

}  // namespace pageprep::host
