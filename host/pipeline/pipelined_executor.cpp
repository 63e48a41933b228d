// The scheduling half of the CUDA executor (contract in pipelined_executor.hpp).
#include "pipeline/pipelined_executor.hpp"

#include <chrono>

#include "pipeline/cuda_batch_plan.hpp"

namespace pageprep::host {

namespace {
using Clock = std::chrono::steady_clock;

/// Forgets what a failed device attempt may already have reported.
void reset_device_results(PageWork* p) {
  p->skew_deg = 0;
  p->skew_confidence = 0;
  p->skew_text_lines = 0;
  p->rotated = false;
  p->skew_note.clear();
  p->specks_removed = 0;
  p->border_pixels_removed = 0;
  p->gray.release();
  p->binary.release();
  p->binary_packed.release();
  p->binary_packed_width = 0;
  p->host_hold.reset();
}
}  // namespace

PipelinedExecutor::PipelinedExecutor(std::unique_ptr<LaneDevice> device,
                                     std::unique_ptr<Executor> cpu)
    : device_(std::move(device)), cpu_(std::move(cpu)) {
  lanes_.resize(static_cast<size_t>(device_->lanes()) + 1);  // + the large-page lane
}

PipelinedExecutor::~PipelinedExecutor() = default;

std::string PipelinedExecutor::name() const {
  return device_->name();
}

int PipelinedExecutor::max_in_flight() const {
  return std::max(1, device_->lanes());
}

cv::MatAllocator* PipelinedExecutor::page_allocator() {
  return broken_.empty() ? device_->page_allocator() : nullptr;
}

PipelinedExecutor::InFlight* PipelinedExecutor::batch(uint64_t seq) {
  for (InFlight& b : batches_)
    if (b.seq == seq) return &b;
  return nullptr;
}

int PipelinedExecutor::free_lane() const {
  const int n = device_->lanes();
  for (int k = 0; k < n; ++k) {
    const int lane = (next_lane_ + k) % n;
    if (lanes_[static_cast<size_t>(lane)].phase == Phase::kIdle) return lane;
  }
  return -1;
}

void PipelinedExecutor::run_on_cpu(PageBatch pages, const std::string& why, uint64_t) {
  if (pages.empty()) return;
  for (PageWork* p : pages) reset_device_results(p);
  cpu_->process(pages);
  for (PageWork* p : pages) p->executor = "cpu (retry after cuda: " + why + ")";
  pages_retried_ += static_cast<int64_t>(pages.size());
}

void PipelinedExecutor::start_job(int lane, PageBatch pages, uint64_t seq) {
  Lane& l = lanes_[static_cast<size_t>(lane)];
  l.pages = std::move(pages);
  l.batch = seq;
  l.phase = Phase::kBegun;
  l.started = Clock::now();
  if (InFlight* b = batch(seq)) ++b->jobs_left;
  ++jobs_started_;
  if (lane < device_->lanes()) next_lane_ = (lane + 1) % device_->lanes();
  const std::string err = device_->begin(lane, l.pages);
  if (!err.empty()) fail_job(lane, err);
}

void PipelinedExecutor::job_done(int lane) {
  Lane& l = lanes_[static_cast<size_t>(lane)];
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - l.started).count();
  for (PageWork* p : l.pages) {
    p->executor = device_->name();
    p->times.preprocess_ms += ms / static_cast<double>(l.pages.size());
  }
  if (InFlight* b = batch(l.batch)) --b->jobs_left;
  l = Lane{};
}

void PipelinedExecutor::fail_job(int lane, const std::string& why) {
  Lane failed = std::move(lanes_[static_cast<size_t>(lane)]);
  lanes_[static_cast<size_t>(lane)] = Lane{};
  // Drain the device before the CPU overwrites the pages: pending copies and
  // host callbacks of the failed job must not land afterwards.
  if (!device_->recover() && broken_.empty()) broken_ = why;
  device_->abandon(lane);
  run_on_cpu(failed.pages, why, failed.batch);
  if (InFlight* b = batch(failed.batch)) --b->jobs_left;
  if (!broken_.empty()) {
    // The context is unusable: no other lane's results can be trusted.
    for (size_t k = 0; k < lanes_.size(); ++k) {
      if (lanes_[k].phase == Phase::kIdle) continue;
      Lane other = std::move(lanes_[k]);
      lanes_[k] = Lane{};
      device_->abandon(static_cast<int>(k));
      run_on_cpu(other.pages, broken_, other.batch);
      if (InFlight* b = batch(other.batch)) --b->jobs_left;
    }
  }
}

void PipelinedExecutor::step(int lane) {
  Lane& l = lanes_[static_cast<size_t>(lane)];
  if (l.phase == Phase::kBegun) {
    const std::string err = device_->middle(lane);
    if (!err.empty()) {
      fail_job(lane, err);
      return;
    }
    l.phase = Phase::kMiddle;
  } else if (l.phase == Phase::kMiddle) {
    const std::string err = device_->finish(lane);
    if (!err.empty()) {
      fail_job(lane, err);
      return;
    }
    job_done(lane);
  }
}

void PipelinedExecutor::advance(bool block) {
  if (block) {
    // The busy lane of the oldest batch (lowest index among equals): waiting
    // on it always makes progress towards retiring batches in order.
    int lane = -1;
    for (size_t k = 0; k < lanes_.size(); ++k) {
      if (lanes_[k].phase == Phase::kIdle) continue;
      if (lane < 0 || lanes_[k].batch < lanes_[static_cast<size_t>(lane)].batch)
        lane = static_cast<int>(k);
    }
    if (lane >= 0) {
      const std::string err = device_->wait(lane);
      if (!err.empty())
        fail_job(lane, err);
      else
        step(lane);
    }
  }
  for (size_t k = 0; k < lanes_.size(); ++k) {
    const int lane = static_cast<int>(k);
    while (lanes_[k].phase != Phase::kIdle && device_->ready(lane)) {
      // ready() is true for a failed phase too (a device fault in a job's
      // middle would otherwise reach finish(), which makes no device call,
      // and pass stale pinned memory as pages): the verdict comes from wait().
      const std::string err = device_->wait(lane);
      if (!err.empty()) {
        fail_job(lane, err);
        break;
      }
      step(lane);
    }
  }
}

void PipelinedExecutor::submit(PageBatch pages) {
  const uint64_t seq = next_seq_++;
  batches_.push_back(InFlight{seq, pages, 0});
  PageBatch todo;
  for (PageWork* p : pages) {
    if (!p->ok()) continue;
    std::string why;
    if (!executor_accepts(p->decoded.gray.cols, p->decoded.gray.rows, &why)) {
      p->fail(PageError::kTooLarge, why);
      continue;
    }
    todo.push_back(p);
  }
  if (!broken_.empty()) {
    run_on_cpu(todo, broken_, seq);
    return;
  }
  std::vector<int64_t> need;
  need.reserve(todo.size());
  // A page the lanes' operations were not built for (a landscape page wider
  // than they are, an expanded canvas) is oversize whatever its bytes.
  for (PageWork* p : todo)
    need.push_back(device_->lane_takes(*p) ? device_->page_bytes(*p) : device_->lane_bytes() + 1);
  const CudaBatchPlan plan = plan_cuda_batch(need, device_->lane_bytes(), device_->lane_pages());
  for (const CudaJobPlan& job : plan.jobs) {
    PageBatch job_pages;
    for (int32_t i : job.pages) job_pages.push_back(todo[static_cast<size_t>(i)]);
    int lane = free_lane();
    while (lane < 0 && broken_.empty()) {
      advance(/*block=*/true);
      lane = free_lane();
    }
    if (!broken_.empty()) {
      run_on_cpu(job_pages, broken_, seq);
      continue;
    }
    start_job(lane, std::move(job_pages), seq);
  }
  // Pages larger than a lane: one at a time on the large-page lane.
  const int large = device_->lanes();
  for (int32_t i : plan.oversize) {
    PageWork* p = todo[static_cast<size_t>(i)];
    while (lanes_[static_cast<size_t>(large)].phase != Phase::kIdle && broken_.empty()) {
      const std::string err = device_->wait(large);
      if (!err.empty())
        fail_job(large, err);
      else
        step(large);
    }
    std::string why;
    if (!broken_.empty())
      run_on_cpu({p}, broken_, seq);
    else if (!device_->prepare_large_lane(*p, &why))
      run_on_cpu({p}, why, seq);
    else
      start_job(large, {p}, seq);
  }
  advance(/*block=*/false);
}

bool PipelinedExecutor::retire(bool wait, PageBatch* done) {
  for (;;) {
    advance(/*block=*/false);
    if (batches_.empty()) return false;
    if (batches_.front().jobs_left == 0) {
      *done = std::move(batches_.front().pages);
      batches_.pop_front();
      return true;
    }
    if (!wait) return false;
    advance(/*block=*/true);
  }
}

}  // namespace pageprep::host
