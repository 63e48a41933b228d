#include "pipeline/executor_factory.hpp"

#include <utility>

#include "pageprep/kernels/device.hpp"

namespace pageprep::host {

ExecutorChoice executor_choice(const RunConfig& cfg, const ThreadBudget& budget) {
  ExecutorChoice c;
  c.device = cfg.device;
  c.cuda_device = cfg.cuda_device;
  c.max_batch = cfg.batch_pages;
  c.cpu_threads = budget.preprocess_threads;
  return c;
}

std::unique_ptr<Executor> make_executor(const StepConfig& steps, const ExecutorChoice& choice,
                                        std::string* error) {
  const int devices = kernels::cuda_device_count();
  const bool want_cuda =
      choice.device == DeviceChoice::kCuda || (choice.device == DeviceChoice::kAuto && devices > 0);
  if (!want_cuda) return make_cpu_executor(steps, choice.cpu_threads, error);
  if (devices == 0) {
    *error = "--device cuda: no CUDA device is usable here (" +
             kernels::cuda_device_description(choice.cuda_device) + ")";
    return nullptr;
  }
  auto fallback = make_cpu_executor(steps, choice.cpu_threads, error);
  if (!fallback) return nullptr;
  return make_cuda_executor(steps, choice.cuda_device, choice.max_batch, std::move(fallback),
                            error);
}

}  // namespace pageprep::host
