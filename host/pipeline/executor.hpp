/// \file executor.hpp
/// \brief Preprocessing executors: the same operations on the CPU thread pool
/// or on a CUDA device, behind one interface.
///
/// An executor fills each page's gray, binary, skew and counters, or marks
/// that page failed. It never throws and never fails a whole batch for one
/// page's sake. It is driven by one thread (the pipeline's executor stage);
/// it is not thread-safe.
///
/// **Pipelined use** (the executor stage): submit() starts a batch and may
/// return before it is done; retire() hands batches back, oldest first, once
/// every page is filled or failed. At most max_in_flight() batches are in
/// flight: 1 for the CPU executor (submit() does the work), one per device
/// lane for the CUDA executor (pipelined_executor.hpp). The caller keeps the
/// pages alive and does not touch them between submit() and retire().
///
/// **Results on the host** may still point into executor memory (the CUDA
/// executor's pinned download buffers): `binary_packed` holds the binary page
/// at 1 bit per pixel, and `host_hold` keeps that memory. unpack_results(),
/// called by whichever thread finishes the page (the writers), turns them into
/// ordinary Mats and releases the memory.
#pragma once

#include <opencv2/core/mat.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/page_work.hpp"
#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {

using PageBatch = std::vector<PageWork*>;

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;

  /// Batches that may be in flight at once.
  virtual int max_in_flight() const { return 1; }
  /// Batches submitted and not yet retired.
  virtual int in_flight() const = 0;
  /// Starts preprocessing `batch` (in_flight() < max_in_flight()).
  virtual void submit(PageBatch batch) = 0;
  /// The oldest in-flight batch, once done; with `wait`, blocks until it is.
  /// False when nothing is in flight or (without `wait`) the oldest batch is
  /// not done yet.
  virtual bool retire(bool wait, PageBatch* done) = 0;

  /// Where decoders should allocate decoded pages so that the executor can
  /// read them directly (the CUDA executor's pinned pool), or nullptr.
  virtual cv::MatAllocator* page_allocator() { return nullptr; }

  /// The whole batch, done on return (nothing else may be in flight).
  void process(PageBatch& batch);
};

/// Turns device results still in executor memory (binary_packed, host_hold)
/// into ordinary Mats and releases that memory. Cheap no-op for pages that
/// have none. Called by the thread that finishes the page.
void unpack_results(PageWork& page);

/// True when a run's finishing step needs the binary page only to encode it
/// (no OCR, no orientation detection, no mixed page): its writers then encode G4/PBM
/// straight from `binary_packed` (encode_packed_page(), the same bytes) and
/// skip unpack_results(); the page's executor memory is released with it.
bool binary_packed_suffices(const RunConfig& cfg);

/// Operation parameters from the steps, shared by both executors so they
/// cannot drift apart.
kernels::SkewParams skew_params(const StepConfig& steps);
kernels::DespeckleParams despeckle_params(const StepConfig& steps);

/// The deskew decision, one rule for both executors: rotate by -r.angle_deg
/// only when the page shows text lines (r.text_lines >= kSkewMinTextLines),
/// the confidence reaches `min_confidence`, and the rotation would move some
/// pixel of a w x h page by at least half a pixel (the corners move most:
/// half the diagonal times the angle). Otherwise *note says why the page is
/// left as it is (a rotation below half a pixel would only resample it).
bool should_deskew(const kernels::SkewResult& r, float min_confidence, int32_t w, int32_t h,
                   std::string* note);

/// The level uncovered corners get after rotation: the normalized paper level
/// when background normalization ran, else the source page's paper level.
uint8_t rotation_fill(const StepConfig& steps, kernels::ConstGrayView source);

/// The largest page the executors process: kernels::kMaxPageSide per side
/// and kernels::kMaxPagePixels, the same as the default decode limits
/// (run_config.hpp), so a page that decodes is processed. Larger pages (only
/// possible with a smaller decode limit raised by hand) fail with too_large.
bool executor_accepts(int32_t width, int32_t height, std::string* why);

/// The size the executors' standing workspaces are built for (A3 at 600 dpi);
/// larger pages get workspaces sized to them (cpu_executor.cpp, the CUDA
/// executor's large-page lane).
kernels::BatchLimits executor_limits(int max_batch);

/// Whether anything after preprocessing reads the cleaned gray page (OCR,
/// --save-gray, --binarize none, orientation detection); the CUDA executor
/// downloads it only then.
bool gray_output_needed(const RunConfig& cfg);

std::unique_ptr<Executor> make_cpu_executor(const StepConfig& steps, int threads,
                                            std::string* error);

struct CudaExecutorOptions {
  int device = 0;
  int batch_pages = 8;        ///< pages per batch (a lane holds one batch)
  int lanes = 3;              ///< streams, each with its own operations and memory
  bool download_gray = true;  ///< gray_output_needed()
};

/// Fails (returns nullptr, *error set) when CUDA is not built, no device is
/// present, or its setup (memory, streams, operation workspaces) fails.
/// GPU failures in process() retry the pages on `fallback` and say so in each
/// page's executor.
std::unique_ptr<Executor> make_cuda_executor(const StepConfig& steps,
                                             const CudaExecutorOptions& options,
                                             std::unique_ptr<Executor> fallback,
                                             std::string* error);

/// The executor a run uses, or why it has none.
struct ExecutorChoice {
  std::unique_ptr<Executor> executor;
  bool cuda = false;          ///< the CUDA executor was chosen
  std::string cuda_fallback;  ///< --device auto fell back to the CPU: why (stderr, run.json)
  std::string error;          ///< no executor: fatal (e.g. --device cuda without a device)
};

/// How executors are made; tests replace the CUDA parts to check the choice
/// without a device.
struct ExecutorFactories {
  std::function<int()> cuda_device_count;
  std::function<std::string(int)> cuda_device_description;
  std::function<std::unique_ptr<Executor>(const StepConfig&, int threads, std::string* error)>
      make_cpu;
  std::function<std::unique_ptr<Executor>(const StepConfig&, const CudaExecutorOptions&,
                                          std::unique_ptr<Executor> fallback, std::string* error)>
      make_cuda;
};
ExecutorFactories default_executor_factories();

/// --device cpu: the CPU executor. --device cuda: the CUDA executor or an
/// error. --device auto: the CUDA executor when a device is present and its
/// setup succeeds, else the CPU executor (with `cuda_fallback` saying why
/// when a device was there but could not be used).
ExecutorChoice choose_executor(const RunConfig& cfg, int cpu_threads,
                               const ExecutorFactories& factories = default_executor_factories());

}  // namespace pageprep::host
