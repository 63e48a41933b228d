/// \file executor.hpp
/// \brief Preprocessing executors: the same operations on the CPU thread pool
/// or on a CUDA device, behind one interface.
///
/// process() takes a batch of decoded pages and fills each page's gray,
/// binary, skew and counters, or marks that page failed. It never throws and
/// never fails a whole batch for one page's sake. An executor is driven by one
/// thread (the pipeline's executor stage); it is not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pipeline/page_work.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  virtual void process(std::vector<PageWork*>& batch) = 0;
};

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

/// Largest page the executors are built for; larger pages fail with too_large.
kernels::BatchLimits executor_limits(int max_batch);

std::unique_ptr<Executor> make_cpu_executor(const StepConfig& steps, int threads,
                                            std::string* error);

/// Fails (returns nullptr, *error set) when CUDA is not built or no device is present.
/// GPU failures in process() retry the batch on `fallback` and say so in each page's executor.
std::unique_ptr<Executor> make_cuda_executor(const StepConfig& steps, int device, int max_batch,
                                             std::unique_ptr<Executor> fallback,
                                             std::string* error);

}  // namespace pageprep::host
