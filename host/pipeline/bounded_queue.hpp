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
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }
  bool push(T&& item) { return push(item); }

  std::optional<T> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
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

 private:
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace pageprep::host
