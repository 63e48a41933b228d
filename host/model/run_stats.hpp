/// \file run_stats.hpp
/// \brief Clocks and counters the pipeline's stages share during a run (run.json).
///
/// Thread safety: every member is atomic or written before the stages start.
#pragma once

#include <time.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>

namespace pageprep::host {

using Clock = std::chrono::steady_clock;
inline double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// Busy time per stage, summed over the stage's threads.
struct StageClock {
  std::atomic<int64_t> busy_ns{0};
  void add(Clock::duration d) {
    busy_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
  double seconds() const { return static_cast<double>(busy_ns.load()) * 1e-9; }
};

/// This thread's CPU time (CLOCK_THREAD_CPUTIME_ID), in nanoseconds.
inline int64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

/// Where the host's CPU time goes, per thread role and per finishing step
/// (`pageprep bench --device null` reports it): thread totals are added when
/// each thread ends; the finishing steps are measured around each call.
struct CpuSplit {
  std::atomic<int64_t> decode_threads_ns{0}, executor_ns{0}, finish_threads_ns{0}, journal_ns{0};
  std::atomic<int64_t> unpack_ns{0}, encode_ns{0}, write_ns{0};  ///< on the finish threads
};

struct RunStats {
  StageClock decode, preprocess, ocr, write;
  std::atomic<int64_t> decode_cpu_ns{0};  ///< decode threads' CPU time in the decoders
  CpuSplit cpu;
  StageClock detect;  ///< orientation and script (rows, OSD), on the finish threads
  std::atomic<int64_t> first_ocr_start_ns{INT64_MAX};
  std::atomic<int64_t> last_ocr_end_ns{0};
  Clock::time_point t0 = Clock::now();
  std::atomic<int64_t> cuda_retries{0};
  /// Pages of this run read with a forced language that cannot read their
  /// script, and pages whose script has no installed model (journal thread).
  std::atomic<int64_t> pages_script_mismatch{0}, pages_model_missing{0};

  int64_t since_start_ns(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - t0).count();
  }
  void ocr_span(Clock::time_point start, Clock::time_point end) {
    const int64_t s = since_start_ns(start), e = since_start_ns(end);
    int64_t cur = first_ocr_start_ns.load();
    while (s < cur && !first_ocr_start_ns.compare_exchange_weak(cur, s)) {
    }
    cur = last_ocr_end_ns.load();
    while (e > cur && !last_ocr_end_ns.compare_exchange_weak(cur, e)) {
    }
  }
};

}  // namespace pageprep::host
