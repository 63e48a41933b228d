// The CUDA executor's scheduling, without a GPU (host/pipeline/pipelined_executor.hpp):
// a fake device whose phases finish when the test says so checks batch order,
// in-flight accounting, lanes never double-booked, phases advanced only when
// the device is done, CPU retries after errors (recoverable and sticky),
// the large-page lane, and pages that arrive already failed. Also the choice
// of executor (--device auto falls back to the CPU when CUDA setup fails) and
// the pinned-slab allocator the executor hands to decoders.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "pipeline/executor.hpp"
#include "pipeline/host_slab.hpp"
#include "pipeline/pipelined_executor.hpp"

namespace pageprep::host {
namespace {

/// A page of w x h (the executor only looks at the decoded size).
std::unique_ptr<PageWork> page(int w = 10, int h = 10) {
  auto p = std::make_unique<PageWork>();
  p->decoded.gray = cv::Mat(h, w, CV_8UC1, cv::Scalar(200));
  return p;
}

/// Marks pages as done on the "CPU".
class FakeCpu final : public Executor {
 public:
  std::string name() const override { return "cpu"; }
  int in_flight() const override { return static_cast<int>(done_.size()); }
  void submit(PageBatch b) override {
    for (PageWork* p : b) {
      if (!p->ok()) continue;
      p->executor = "cpu";
      p->skew_note = "cpu";
      ++pages;
    }
    done_.push_back(std::move(b));
  }
  bool retire(bool, PageBatch* d) override {
    if (done_.empty()) return false;
    *d = std::move(done_.front());
    done_.erase(done_.begin());
    return true;
  }
  int pages = 0;

 private:
  std::vector<PageBatch> done_;
};

/// Each lane's current phase is done on the device after `delay` ready()
/// polls, or at once on wait(). Violations of the contract are counted.
class FakeDevice final : public LaneDevice {
 public:
  /// kBegin..kFinish: the call itself fails; kWait: wait() fails. kDeviceBegin
  /// and kDeviceMiddle: the device part of that phase faults, as a CUDA kernel
  /// does: the call returned "", ready() then reads true (cudaEventQuery
  /// reports the error, not "not ready"), and only wait() tells the error.
  enum class Where { kBegin, kMiddle, kFinish, kWait, kDeviceBegin, kDeviceMiddle };
  struct Failure {
    int job;  ///< 0-based count of begin() calls
    Where where;
    bool sticky;
  };

  FakeDevice(int lanes, int32_t lane_pages, int64_t lane_bytes)
      : lanes_(lanes), lane_pages_(lane_pages), lane_bytes_(lane_bytes), state_(lanes + 1) {}

  std::string name() const override { return "fake:0"; }
  int lanes() const override { return lanes_; }
  int32_t lane_pages() const override { return lane_pages_; }
  int64_t lane_bytes() const override { return lane_bytes_; }
  int64_t page_bytes(const PageWork& p) const override {
    return int64_t{p.decoded.gray.cols} * p.decoded.gray.rows;
  }
  /// Ordinary lanes' operations take pages up to max_w x max_h (the real
  /// device's BatchLimits); begin() on such a lane rejects larger ones, as
  /// the CUDA operations' checks do.
  bool lane_takes(const PageWork& p) const override {
    return p.decoded.gray.cols <= max_w && p.decoded.gray.rows <= max_h;
  }
  bool prepare_large_lane(const PageWork&, std::string* why) override {
    if (state_[static_cast<size_t>(lanes_)].busy) ++violations;
    if (!large_ok) *why = "no large lane here";
    return large_ok;
  }

  std::string begin(int lane, const PageBatch& pages) override {
    LaneState& s = state_[static_cast<size_t>(lane)];
    if (s.busy) ++violations;  // a lane never takes two jobs
    s = LaneState{};
    s.busy = true;
    s.pages = pages;
    s.job = begins_++;
    s.lane = lane;
    busy_now_ = 0;
    for (const auto& x : state_) busy_now_ += x.busy;
    max_busy = std::max(max_busy, busy_now_);
    for (PageWork* p : pages) {
      if (!p->ok()) ++violations;  // failed pages never reach the device
      if (lane < lanes_ && !lane_takes(*p)) return "page exceeds the lane's BatchLimits";
    }
    s.fault = faults(s, Where::kDeviceBegin);
    return inject(s, Where::kBegin);
  }
  std::string middle(int lane) override {
    LaneState& s = state_[static_cast<size_t>(lane)];
    if (!s.busy || s.phase != 0 || !s.done) ++violations;  // only after begin's device part
    if (s.fault) ++violations;  // a faulted phase never leads to the next
    s.phase = 1;
    s.done = false;
    s.polls = 0;
    s.fault = faults(s, Where::kDeviceMiddle);
    return inject(s, Where::kMiddle);
  }
  std::string finish(int lane) override {
    LaneState& s = state_[static_cast<size_t>(lane)];
    if (!s.busy || s.phase != 1 || !s.done) ++violations;
    if (s.fault) ++violations;  // the pages of a faulted job are never finished
    const std::string err = inject(s, Where::kFinish);
    if (!err.empty()) return err;
    for (PageWork* p : s.pages) p->specks_removed = 1000 + lane;
    lane_of_job[s.job] = lane;
    s.busy = false;
    return {};
  }
  bool ready(int lane) override {
    LaneState& s = state_[static_cast<size_t>(lane)];
    if (!s.busy) return true;
    if (!s.done && ++s.polls > delay) s.done = true;
    return s.done;
  }
  std::string wait(int lane) override {
    LaneState& s = state_[static_cast<size_t>(lane)];
    ++waits;
    s.done = true;
    if (s.fault) return "injected device fault";
    return inject(s, Where::kWait);
  }
  bool recover() override {
    ++recoveries;
    return !sticky_seen_;
  }
  void abandon(int lane) override {
    state_[static_cast<size_t>(lane)].busy = false;
    ++abandoned;
  }

  std::vector<Failure> failures;
  int delay = 2;
  bool large_ok = true;
  int max_w = 1 << 20, max_h = 1 << 20;
  int violations = 0, max_busy = 0, waits = 0, recoveries = 0, abandoned = 0;
  std::map<int, int> lane_of_job;

 private:
  struct LaneState {
    bool busy = false, done = false, fault = false;
    int phase = 0, polls = 0, job = -1, lane = -1;
    PageBatch pages;
  };
  bool faults(const LaneState& s, Where w) const {
    for (const Failure& f : failures)
      if (f.job == s.job && f.where == w) return true;
    return false;
  }
  std::string inject(const LaneState& s, Where w) {
    for (const Failure& f : failures)
      if (f.job == s.job && f.where == w) {
        if (f.sticky) sticky_seen_ = true;
        return "injected failure";
      }
    return {};
  }
  int lanes_;
  int32_t lane_pages_;
  int64_t lane_bytes_;
  std::vector<LaneState> state_;
  int begins_ = 0, busy_now_ = 0;
  bool sticky_seen_ = false;
};

struct Harness {
  FakeDevice* dev = nullptr;
  FakeCpu* cpu = nullptr;
  std::unique_ptr<PipelinedExecutor> ex;
  std::vector<std::vector<std::unique_ptr<PageWork>>> batches;
  std::vector<PageBatch> retired;
  int max_in_flight_seen = 0;

  Harness(int lanes, int32_t lane_pages, int64_t lane_bytes) {
    auto d = std::make_unique<FakeDevice>(lanes, lane_pages, lane_bytes);
    auto c = std::make_unique<FakeCpu>();
    dev = d.get();
    cpu = c.get();
    ex = std::make_unique<PipelinedExecutor>(std::move(d), std::move(c));
  }
  /// The scheduler's executor loop, in miniature.
  void run(const std::vector<int>& sizes, int w = 10, int h = 10) {
    for (int n : sizes) {
      std::vector<std::unique_ptr<PageWork>> b;
      for (int i = 0; i < n; ++i) b.push_back(page(w, h));
      PageBatch raw;
      for (auto& p : b) raw.push_back(p.get());
      batches.push_back(std::move(b));
      PageBatch done;
      while (ex->retire(false, &done)) retired.push_back(done);
      while (ex->in_flight() >= ex->max_in_flight()) {
        ASSERT_TRUE(ex->retire(true, &done));
        retired.push_back(done);
      }
      ex->submit(raw);
      max_in_flight_seen = std::max(max_in_flight_seen, ex->in_flight());
    }
    PageBatch done;
    while (ex->retire(true, &done)) retired.push_back(done);
  }
  void expect_all_back_in_order() {
    ASSERT_EQ(retired.size(), batches.size());
    for (size_t b = 0; b < batches.size(); ++b) {
      ASSERT_EQ(retired[b].size(), batches[b].size()) << "batch " << b;
      for (size_t i = 0; i < batches[b].size(); ++i)
        EXPECT_EQ(retired[b][i], batches[b][i].get()) << "batch " << b << " page " << i;
    }
    EXPECT_EQ(ex->in_flight(), 0);
  }
};

TEST(PipelinedExecutor, RetiresBatchesInOrderWithEveryPageOnce) {
  std::mt19937 rng(7);
  std::vector<int> sizes;
  for (int i = 0; i < 40; ++i) sizes.push_back(1 + static_cast<int>(rng() % 12));
  Harness h(3, 4, 1000);
  h.dev->delay = 3;
  h.run(sizes);
  h.expect_all_back_in_order();
  EXPECT_EQ(h.dev->violations, 0);
  EXPECT_LE(h.max_in_flight_seen, 3);
  EXPECT_LE(h.dev->max_busy, 3);
  EXPECT_GE(h.dev->max_busy, 2) << "lanes must overlap";
  for (const auto& b : h.batches)
    for (const auto& p : b) {
      EXPECT_EQ(p->executor, "fake:0");
      EXPECT_GE(p->specks_removed, 1000);
    }
  EXPECT_EQ(h.cpu->pages, 0);
  EXPECT_EQ(h.ex->pages_retried(), 0);
}

TEST(PipelinedExecutor, BatchLargerThanALaneSpreadsOverLanes) {
  Harness h(3, 4, 1000);
  h.dev->delay = 100;  // nothing finishes on its own: submit() must not wait for free lanes
  h.run({12});
  h.expect_all_back_in_order();
  EXPECT_EQ(h.ex->jobs_started(), 3);
  EXPECT_EQ(h.dev->max_busy, 3);
  std::set<int> lanes;
  for (const auto& [job, lane] : h.dev->lane_of_job) lanes.insert(lane);
  EXPECT_EQ(lanes.size(), 3u);
  EXPECT_EQ(h.dev->violations, 0);
}

TEST(PipelinedExecutor, RetireWithoutWaitDoesNotBlock) {
  Harness h(2, 4, 1000);
  h.dev->delay = 1000;
  std::vector<std::unique_ptr<PageWork>> b;
  b.push_back(page());
  h.ex->submit({b[0].get()});
  PageBatch done;
  EXPECT_FALSE(h.ex->retire(false, &done));
  EXPECT_EQ(h.dev->waits, 0);
  EXPECT_TRUE(h.ex->retire(true, &done));
  EXPECT_EQ(done, PageBatch{b[0].get()});
  EXPECT_FALSE(h.ex->retire(true, &done)) << "nothing in flight";
}

TEST(PipelinedExecutor, PhaseFailureRetriesThatJobOnTheCpuAndKeepsTheDevice) {
  for (auto where : {FakeDevice::Where::kBegin, FakeDevice::Where::kMiddle,
                     FakeDevice::Where::kFinish, FakeDevice::Where::kWait}) {
    Harness h(2, 2, 1000);
    h.dev->delay = 1000;  // every phase through wait(), so kWait is exercised
    h.dev->failures.push_back({1, where, false});
    h.run({2, 2, 2, 2});
    h.expect_all_back_in_order();
    EXPECT_EQ(h.dev->violations, 0);
    EXPECT_TRUE(h.ex->broken().empty());
    EXPECT_EQ(h.ex->pages_retried(), 2);
    for (size_t b = 0; b < h.batches.size(); ++b)
      for (const auto& p : h.batches[b]) {
        if (b == 1)
          EXPECT_EQ(p->executor, "cpu (retry after cuda: injected failure)");
        else
          EXPECT_EQ(p->executor, "fake:0");
      }
    EXPECT_GE(h.dev->recoveries, 1);
    EXPECT_GE(h.dev->abandoned, 1);
  }
}

TEST(PipelinedExecutor, DeviceFaultSeenThroughReadyRetriesTheJobOnTheCpu) {
  // Issue 19 defect 1: ready() reads true for a faulted phase; the executor
  // must take the error from wait() instead of going on to finish().
  for (auto where : {FakeDevice::Where::kDeviceBegin, FakeDevice::Where::kDeviceMiddle}) {
    for (int delay : {0, 3}) {  // done at the first poll, or after a few
      Harness h(2, 2, 1000);
      h.dev->delay = delay;
      h.dev->failures.push_back({1, where, false});
      h.run({2, 2, 2, 2});
      SCOPED_TRACE(testing::Message() << "where " << static_cast<int>(where) << " delay " << delay);
      h.expect_all_back_in_order();
      EXPECT_EQ(h.dev->violations, 0) << "a faulted job went on to its next phase";
      EXPECT_TRUE(h.ex->broken().empty());
      EXPECT_EQ(h.ex->pages_retried(), 2);
      EXPECT_EQ(h.cpu->pages, 2);
      for (size_t b = 0; b < h.batches.size(); ++b)
        for (const auto& p : h.batches[b]) {
          if (b == 1) {
            EXPECT_EQ(p->executor, "cpu (retry after cuda: injected device fault)");
            EXPECT_EQ(p->specks_removed, 0) << "no device result of the faulted job";
          } else {
            EXPECT_EQ(p->executor, "fake:0");
          }
        }
    }
  }
}

TEST(PipelinedExecutor, PagesTheLaneOperationsWereNotBuiltForUseTheLargeLane) {
  // Issue 19 defect 2: lanes built for 7200x10200 (here 72x102); a
  // landscape 102x72 page fits by bytes but not the operations. It must go
  // to the large-page lane, not fail the job over to the CPU.
  Harness h(2, 4, 4 * 72 * 102);
  h.dev->max_w = 72;
  h.dev->max_h = 102;
  std::vector<std::unique_ptr<PageWork>> b;
  b.push_back(page(72, 102));
  b.push_back(page(102, 72));
  b.push_back(page(72, 102));
  PageBatch raw;
  for (auto& p : b) raw.push_back(p.get());
  h.ex->submit(raw);
  PageBatch done;
  ASSERT_TRUE(h.ex->retire(true, &done));
  EXPECT_EQ(done, raw);
  EXPECT_EQ(h.dev->violations, 0);
  EXPECT_EQ(h.ex->pages_retried(), 0) << b[1]->executor;
  for (const auto& p : b) EXPECT_EQ(p->executor, "fake:0");
  EXPECT_EQ(b[1]->specks_removed, 1002) << "the large lane is lanes()";
  for (int i : {0, 2})
    EXPECT_LT(b[static_cast<size_t>(i)]->specks_removed, 1002)
        << "portrait pages on ordinary lanes";
}

TEST(PipelinedExecutor, StickyErrorSendsEveryJobInFlightAndAfterToTheCpu) {
  Harness h(3, 2, 1000);
  h.dev->delay = 1000;
  h.dev->failures.push_back({1, FakeDevice::Where::kMiddle, true});
  h.run({2, 2, 2, 2, 2});
  h.expect_all_back_in_order();
  EXPECT_FALSE(h.ex->broken().empty());
  EXPECT_EQ(h.batches[0][0]->executor, "fake:0");
  int on_cpu = 0;
  for (size_t b = 1; b < h.batches.size(); ++b)
    for (const auto& p : h.batches[b]) {
      EXPECT_NE(p->executor.find("cpu (retry after cuda"), std::string::npos) << "batch " << b;
      EXPECT_EQ(p->specks_removed, 0) << "device results of a broken context are forgotten";
      ++on_cpu;
    }
  EXPECT_EQ(h.cpu->pages, on_cpu);
  EXPECT_EQ(h.ex->page_allocator(), nullptr);
}

TEST(PipelinedExecutor, PagesLargerThanALaneUseTheLargeLaneOrTheCpu) {
  for (bool large_ok : {true, false}) {
    Harness h(2, 4, 1000);
    h.dev->large_ok = large_ok;
    std::vector<std::unique_ptr<PageWork>> b;
    b.push_back(page(10, 10));
    b.push_back(page(40, 40));  // 1600 bytes > 1000
    b.push_back(page(10, 10));
    b.push_back(page(50, 30));
    PageBatch raw;
    for (auto& p : b) raw.push_back(p.get());
    h.ex->submit(raw);
    PageBatch done;
    ASSERT_TRUE(h.ex->retire(true, &done));
    EXPECT_EQ(done, raw);
    EXPECT_EQ(h.dev->violations, 0);
    EXPECT_EQ(b[0]->executor, "fake:0");
    EXPECT_EQ(b[2]->executor, "fake:0");
    for (int i : {1, 3}) {
      if (large_ok) {
        EXPECT_EQ(b[static_cast<size_t>(i)]->executor, "fake:0");
        EXPECT_EQ(b[static_cast<size_t>(i)]->specks_removed, 1002) << "the large lane is lanes()";
      } else {
        EXPECT_EQ(b[static_cast<size_t>(i)]->executor,
                  "cpu (retry after cuda: no large lane here)");
      }
    }
  }
}

TEST(PipelinedExecutor, FailedAndOversizedPagesNeverReachTheDevice) {
  Harness h(2, 4, 1 << 30);
  std::vector<std::unique_ptr<PageWork>> b;
  b.push_back(page());
  b.push_back(page());
  b[1]->fail(PageError::kCorrupt, "bad file");
  b.push_back(page(kernels::kMaxPageSide + 1, 4));
  PageBatch raw;
  for (auto& p : b) raw.push_back(p.get());
  h.ex->submit(raw);
  PageBatch done;
  ASSERT_TRUE(h.ex->retire(true, &done));
  EXPECT_EQ(h.dev->violations, 0);
  EXPECT_EQ(b[0]->executor, "fake:0");
  EXPECT_EQ(b[1]->error, PageError::kCorrupt);
  EXPECT_TRUE(b[1]->executor.empty());
  EXPECT_EQ(b[2]->error, PageError::kTooLarge);
}

TEST(PipelinedExecutor, ProcessIsSubmitAndWait) {
  Harness h(2, 4, 1000);
  std::vector<std::unique_ptr<PageWork>> b;
  for (int i = 0; i < 6; ++i) b.push_back(page());
  PageBatch raw;
  for (auto& p : b) raw.push_back(p.get());
  h.ex->process(raw);
  EXPECT_EQ(h.ex->in_flight(), 0);
  for (const auto& p : b) EXPECT_EQ(p->executor, "fake:0");
}

// ------------------------------------------------------------- choice ----

struct FakeFactories {
  int devices = 1;
  bool cuda_setup_ok = true;
  int cuda_calls = 0, cpu_calls = 0;
  ExecutorFactories make() {
    ExecutorFactories f;
    f.cuda_device_count = [this] { return devices; };
    f.cuda_device_description = [](int) { return std::string("no CUDA device: fake"); };
    f.make_cpu = [this](const StepConfig&, int, std::string*) {
      ++cpu_calls;
      return std::unique_ptr<Executor>(new FakeCpu());
    };
    f.make_cuda = [this](const StepConfig&, const CudaExecutorOptions&,
                         std::unique_ptr<Executor> fallback,
                         std::string* error) -> std::unique_ptr<Executor> {
      ++cuda_calls;
      if (!cuda_setup_ok) {
        *error = "cannot set up the CUDA executor: cudaMalloc(lane): out of memory";
        return nullptr;
      }
      return std::make_unique<PipelinedExecutor>(std::make_unique<FakeDevice>(2, 4, 1000),
                                                 std::move(fallback));
    };
    return f;
  }
};

TEST(ExecutorChoice, AutoFallsBackToTheCpuWhenCudaSetupFails) {
  FakeFactories ff;
  ff.cuda_setup_ok = false;
  RunConfig cfg;
  cfg.device = DeviceChoice::kAuto;
  const ExecutorChoice c = choose_executor(cfg, 2, ff.make());
  ASSERT_NE(c.executor, nullptr);
  EXPECT_EQ(c.executor->name(), "cpu");
  EXPECT_FALSE(c.cuda);
  EXPECT_EQ(c.cuda_fallback, "cannot set up the CUDA executor: cudaMalloc(lane): out of memory");
  EXPECT_TRUE(c.error.empty());
  EXPECT_EQ(ff.cuda_calls, 1);
}

TEST(ExecutorChoice, CudaRequestedAndUnusableIsAnError) {
  FakeFactories ff;
  ff.cuda_setup_ok = false;
  RunConfig cfg;
  cfg.device = DeviceChoice::kCuda;
  ExecutorChoice c = choose_executor(cfg, 2, ff.make());
  EXPECT_EQ(c.executor, nullptr);
  EXPECT_NE(c.error.find("out of memory"), std::string::npos);
  ff.devices = 0;
  c = choose_executor(cfg, 2, ff.make());
  EXPECT_EQ(c.executor, nullptr);
  EXPECT_NE(c.error.find("no CUDA device is usable here"), std::string::npos) << c.error;
}

TEST(ExecutorChoice, AutoWithoutDeviceAndCpuNeverTryCuda) {
  FakeFactories ff;
  ff.devices = 0;
  RunConfig cfg;
  cfg.device = DeviceChoice::kAuto;
  ExecutorChoice c = choose_executor(cfg, 2, ff.make());
  ASSERT_NE(c.executor, nullptr);
  EXPECT_TRUE(c.cuda_fallback.empty()) << "no device is not a fallback";
  ff.devices = 1;
  cfg.device = DeviceChoice::kCpu;
  c = choose_executor(cfg, 2, ff.make());
  ASSERT_NE(c.executor, nullptr);
  EXPECT_EQ(ff.cuda_calls, 0);
}

TEST(ExecutorChoice, AutoWithAWorkingDeviceUsesIt) {
  FakeFactories ff;
  RunConfig cfg;
  const ExecutorChoice c = choose_executor(cfg, 2, ff.make());
  ASSERT_NE(c.executor, nullptr);
  EXPECT_TRUE(c.cuda);
  EXPECT_EQ(c.executor->name(), "fake:0");
  EXPECT_EQ(c.executor->max_in_flight(), 2);
}

TEST(ExecutorChoice, GrayIsDownloadedOnlyWhenSomethingReadsIt) {
  RunConfig cfg;
  cfg.ocr = OcrMode::kNone;
  EXPECT_FALSE(gray_output_needed(cfg));
  cfg.save_gray = true;
  EXPECT_TRUE(gray_output_needed(cfg));
  cfg.save_gray = false;
  cfg.steps.binarize = false;
  EXPECT_TRUE(gray_output_needed(cfg));
  cfg.steps.binarize = true;
  cfg.rotate_pages = RotatePages::kOn;
  EXPECT_TRUE(gray_output_needed(cfg));
  cfg.rotate_pages = RotatePages::kAuto;
  cfg.ocr = OcrMode::kTesseract;
  EXPECT_TRUE(gray_output_needed(cfg));
}

// ------------------------------------------------------- results ----

TEST(UnpackResults, PackedBinaryBecomesZeroOr255AndTheHoldIsReleased) {
  PageWork p;
  // 10 x 2 page, row 0: ink at x = 0 and 9; row 1: all paper.
  static uint8_t packed[2 * 2] = {0x80, 0x40, 0x00, 0x00};
  static uint8_t gray[10 * 2];
  std::fill(std::begin(gray), std::end(gray), 77);
  p.binary_packed = cv::Mat(2, 2, CV_8UC1, packed, 2);
  p.binary_packed_width = 10;
  p.gray = cv::Mat(2, 10, CV_8UC1, gray, 10);
  bool released = false;
  p.host_hold = std::shared_ptr<void>(nullptr, [&released](void*) { released = true; });
  unpack_results(p);
  EXPECT_TRUE(released);
  EXPECT_TRUE(p.binary_packed.empty());
  ASSERT_EQ(p.binary.cols, 10);
  ASSERT_EQ(p.binary.rows, 2);
  for (int x = 0; x < 10; ++x) {
    EXPECT_EQ(p.binary.at<uint8_t>(0, x), (x == 0 || x == 9) ? 0 : 255) << x;
    EXPECT_EQ(p.binary.at<uint8_t>(1, x), 255) << x;
  }
  gray[0] = 1;  // the page's gray is a copy now
  EXPECT_EQ(p.gray.at<uint8_t>(0, 0), 77);
}

// ---------------------------------------------------------- slab ----

TEST(HostSlab, FirstFitCoalescesAndFallsBackWhenFull) {
  std::vector<uint8_t> mem(4096 + 255);
  uint8_t* base = mem.data() + (256 - reinterpret_cast<uintptr_t>(mem.data()) % 256) % 256;
  HostSlab slab(base, 4096);
  EXPECT_EQ(slab.free_bytes(), 4096u);
  uint8_t* a = slab.take(1000);  // 1024
  uint8_t* b = slab.take(1);     // 256
  uint8_t* c = slab.take(2816);  // the rest
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(slab.take(1), nullptr);
  EXPECT_TRUE(slab.owns(b));
  EXPECT_FALSE(slab.owns(mem.data() + mem.size()));
  slab.give(a);
  slab.give(c);
  EXPECT_EQ(slab.take(3000), nullptr) << "free space is split by b: 1024 + 2816";
  slab.give(b);
  EXPECT_EQ(slab.free_bytes(), 4096u);
  EXPECT_EQ(slab.take(4096), base) << "neighbours coalesce";
}

TEST(HostSlab, MatsComeFromTheSlabUntilItIsFull) {
  std::vector<uint8_t> mem(64 * 1024 + 255);
  uint8_t* base = mem.data() + (256 - reinterpret_cast<uintptr_t>(mem.data()) % 256) % 256;
  HostSlab slab(base, 64 * 1024);
  cv::Mat m1, m2;
  m1.allocator = &slab;
  m1.create(100, 300, CV_8UC1);
  EXPECT_TRUE(slab.owns(m1.data));
  EXPECT_TRUE(m1.isContinuous());
  m2.allocator = &slab;
  m2.create(300, 300, CV_8UC1);  // 90 KB: more than is left
  EXPECT_FALSE(slab.owns(m2.data));
  m2.setTo(1);  // ordinary memory, usable
  const size_t before = slab.free_bytes();
  m1.release();
  EXPECT_EQ(slab.free_bytes(), before + 30208);
}

TEST(HostSlab, ConcurrentTakeAndGiveKeepTheBooks) {
  std::vector<uint8_t> mem(1 << 20);
  HostSlab slab(mem.data(), mem.size() / 256 * 256);
  const size_t cap = slab.free_bytes();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&slab, t] {
      std::mt19937 rng(static_cast<uint32_t>(t));
      std::vector<uint8_t*> held;
      for (int i = 0; i < 2000; ++i) {
        if (held.size() < 8 && rng() % 2) {
          if (uint8_t* p = slab.take(1 + rng() % 20000)) held.push_back(p);
        } else if (!held.empty()) {
          slab.give(held.back());
          held.pop_back();
        }
      }
      for (uint8_t* p : held) slab.give(p);
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(slab.free_bytes(), cap);
}

}  // namespace
}  // namespace pageprep::host
