#include "pageprep/kernels/cpu/thread_pool.hpp"

#include <algorithm>
#include <atomic>
#include <memory>

namespace pageprep::kernels::cpu {

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

ThreadPool& ThreadPool::shared() {
  static ThreadPool pool(0);
  return pool;
}

bool ThreadPool::run_one() {
  std::function<void()> task;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.empty()) return false;
    task = std::move(queue_.front());
    queue_.pop_front();
  }
  task();
  return true;
}

void ThreadPool::worker_loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain,
                              const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  // A few chunks per thread balance uneven rows without much queue traffic.
  const int64_t max_chunks = static_cast<int64_t>(size()) * 4;
  const int64_t chunks = std::min<int64_t>(max_chunks, (n + grain - 1) / grain);
  if (chunks <= 1 || workers_.empty()) {
    fn(0, n);
    return;
  }
  const int64_t step = (n + chunks - 1) / chunks;
  auto remaining = std::make_shared<std::atomic<int64_t>>(chunks);
  auto done_mutex = std::make_shared<std::mutex>();
  auto done_cv = std::make_shared<std::condition_variable>();
  auto run_chunk = [&fn, n, step, remaining, done_mutex, done_cv](int64_t c) {
    const int64_t b = c * step;
    const int64_t e = std::min(n, b + step);
    if (b < e) fn(b, e);
    if (remaining->fetch_sub(1) == 1) {
      std::lock_guard<std::mutex> lock(*done_mutex);
      done_cv->notify_all();
    }
  };
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int64_t c = 1; c < chunks; ++c) queue_.emplace_back([run_chunk, c] { run_chunk(c); });
  }
  cv_.notify_all();
  run_chunk(0);
  // Help with queued work (ours or others') until our chunks are done.
  while (remaining->load() > 0) {
    if (!run_one()) {
      std::unique_lock<std::mutex> lock(*done_mutex);
      done_cv->wait_for(lock, std::chrono::microseconds(200),
                        [&] { return remaining->load() == 0; });
    }
  }
}

}  // namespace pageprep::kernels::cpu
