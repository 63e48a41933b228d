/// \file thread_pool.hpp
/// \brief The CPU schedules' thread pool.
///
/// Threading contract:
/// - parallel_for() may be called from any thread, concurrently, and from inside
///   a task of the same pool (nesting). The calling thread runs chunks itself
///   and helps drain the queue until its own chunks are done, so nesting and
///   concurrent callers never deadlock.
/// - Chunks of one call run in any order on any thread. Operations must make
///   each chunk's output depend only on its inputs (rows are independent), so
///   results do not depend on the thread count; tests check this.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace pageprep::kernels::cpu {

class ThreadPool {
 public:
  /// `threads` counts the caller too: ThreadPool(1) runs everything inline.
  /// 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  /// Calls fn(begin, end) over [0, n) in chunks of at least `grain` items and
  /// returns when all are done.
  void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

  /// A process-wide pool sized to the hardware, for callers that have none.
  static ThreadPool& shared();

 private:
  void worker_loop();
  bool run_one();  // runs one queued task if any; returns whether it did

  std::vector<std::thread> workers_;
  std::deque<std::function<void()>> queue_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

}  // namespace pageprep::kernels::cpu
