/// \file pipelined_executor.hpp
/// \brief The scheduling half of the CUDA executor, without CUDA: batches
/// split into jobs, jobs placed on device lanes, each job's phases advanced
/// as the device finishes them, batches retired in order, and failures
/// retried on the CPU. Unit-tested with a fake device
/// (tests/unit/pipeline/test_pipelined_executor.cpp).
///
/// ## Lanes and jobs
///
/// A lane is one CUDA stream with its own operation objects, device memory
/// and pinned staging (LaneDevice). A job is a run of consecutive pages of
/// one batch that fits one lane (plan_cuda_batch()). A job passes three
/// phases, each enqueued by the executor thread and finished by the device:
///
///   begin   upload, background, skew search        -> (device)  skew scores on the host
///   middle  finalize skew, enqueue rotate, median, binarize, despeckle,
///           border, pack to 1 bit, downloads        -> (device)  results on the host
///   finish  hand the results to the pages (no copy: views into pinned memory
///           that the writer threads unpack, executor.hpp)
///
/// Between phases the executor thread does other work: it begins the next
/// job on a free lane or advances another lane, so with L lanes up to L jobs
/// overlap (one lane's upload with another's kernels and a third's
/// download), and the skew round trip of one lane never stalls another.
///
/// ## Batches
///
/// submit() plans the batch and begins its jobs, waiting (by advancing the
/// oldest job) only when every lane is busy. retire() returns batches in
/// submission order once all their jobs are finished. max_in_flight() is
/// the number of lanes.
///
/// ## Failures
///
/// A phase that fails (launch error, out of memory, a stage that does not
/// fit) sends the job's pages to the CPU executor, and each page's executor
/// field says why. The device then recovers (LaneDevice::recover); when it
/// cannot (a sticky error: the context is unusable), the executor is broken:
/// every job still on a lane and every later page goes to the CPU. Pages a
/// lane cannot take (larger than its staging) go to the device's large-page
/// lane when it can make one, else to the CPU.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/executor.hpp"

namespace pageprep::host {

/// What the scheduler needs from a device (CudaLaneDevice in
/// cuda_executor.cpp; a fake in the tests). Lanes are numbered 0..lanes()-1;
/// the large-page lane, when there is one, is lanes(). All calls come from
/// the executor thread. Phase calls return "" or the error.
class LaneDevice {
 public:
  virtual ~LaneDevice() = default;
  virtual std::string name() const = 0;
  virtual int lanes() const = 0;
  /// Pages and bytes one job may hold on an ordinary lane.
  virtual int32_t lane_pages() const = 0;
  virtual int64_t lane_bytes() const = 0;
  /// Bytes a page needs on a lane.
  virtual int64_t page_bytes(const PageWork& page) const = 0;
  /// Whether an ordinary lane's operations were built for the page: its size
  /// and, with an expanding canvas, its rotated canvas (cuda_lane_takes()).
  /// A page they were not built for goes to the large-page lane like a page
  /// larger than lane_bytes(), whatever its bytes.
  virtual bool lane_takes(const PageWork& page) const {
    (void)page;
    return true;
  }
  /// Makes (or keeps) the large-page lane fit for a page of `bytes`; false
  /// when that is not possible (device memory). Only called without a job on it.
  virtual bool prepare_large_lane(const PageWork& page, std::string* why) = 0;

  virtual std::string begin(int lane, const PageBatch& pages) = 0;
  virtual std::string middle(int lane) = 0;
  virtual std::string finish(int lane) = 0;
  /// Whether the lane's last enqueued phase has ended on the device, done or
  /// failed (no wait). A failed phase also reads as ended: the executor
  /// always takes the verdict from wait() before the next phase.
  virtual bool ready(int lane) = 0;
  /// Waits until the phase has ended (at once after ready()); "" or the
  /// error the device reported.
  virtual std::string wait(int lane) = 0;
  /// After an error: drains the device. False when the device is unusable
  /// from now on (a sticky error).
  virtual bool recover() = 0;
  /// Forgets a lane's job after a failure (called after recover()), so the
  /// lane can take a new one.
  virtual void abandon(int lane) = 0;
  virtual cv::MatAllocator* page_allocator() { return nullptr; }
};

class PipelinedExecutor final : public Executor {
 public:
  PipelinedExecutor(std::unique_ptr<LaneDevice> device, std::unique_ptr<Executor> cpu);
  ~PipelinedExecutor() override;

  std::string name() const override;
  int max_in_flight() const override;
  int in_flight() const override { return static_cast<int>(batches_.size()); }
  void submit(PageBatch batch) override;
  bool retire(bool wait, PageBatch* done) override;
  cv::MatAllocator* page_allocator() override;

  /// For tests and the run report: jobs begun on lanes, and pages retried on
  /// the CPU (with the first reason).
  int64_t jobs_started() const { return jobs_started_; }
  int64_t pages_retried() const { return pages_retried_; }
  const std::string& broken() const { return broken_; }

 private:
  enum class Phase { kIdle, kBegun, kMiddle };
  struct Lane {
    Phase phase = Phase::kIdle;
    PageBatch pages;
    uint64_t batch = 0;  ///< sequence number of the job's batch
    std::chrono::steady_clock::time_point started;
  };
  struct InFlight {
    uint64_t seq = 0;
    PageBatch pages;
    int jobs_left = 0;
  };

  /// Advances every lane whose device phase is done; with `block`, first
  /// waits for the lane holding the oldest batch's earliest job.
  void advance(bool block);
  /// Advances one lane by one phase (its device part is done).
  void step(int lane);
  int free_lane() const;
  void start_job(int lane, PageBatch pages, uint64_t seq);
  void job_done(int lane);
  /// A failed phase: the job's pages to the CPU, the device recovered or
  /// declared broken (then every other lane's job goes to the CPU too).
  void fail_job(int lane, const std::string& why);
  void run_on_cpu(PageBatch pages, const std::string& why, uint64_t seq);
  InFlight* batch(uint64_t seq);

  std::unique_ptr<LaneDevice> device_;
  std::unique_ptr<Executor> cpu_;
  std::vector<Lane> lanes_;  ///< lanes() ordinary lanes, then the large-page lane
  std::deque<InFlight> batches_;
  uint64_t next_seq_ = 1;
  int next_lane_ = 0;
  std::string broken_;
  int64_t jobs_started_ = 0;
  int64_t pages_retried_ = 0;
};

}  // namespace pageprep::host
