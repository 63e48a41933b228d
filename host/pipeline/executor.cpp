// What both executors share: the synchronous process() over submit/retire,
// results handed over in executor memory, the page-size rule, which outputs
// need the gray page, and the choice of executor for a run (with the CPU
// fallback of --device auto).
#include <cstring>
#include <string>

#include "pageprep/kernels/device.hpp"
#include "pageprep/kernels/pack.hpp"
#include "pipeline/executor.hpp"

namespace pageprep::host {

void Executor::process(PageBatch& batch) {
  submit(batch);
  PageBatch done;
  while (retire(/*wait=*/true, &done)) {
  }
}

void unpack_results(PageWork& page) {
  if (!page.binary_packed.empty() && page.ok()) {
    const cv::Mat& packed = page.binary_packed;  // columns count bytes
    const int32_t w = page.binary_packed_width;
    cv::Mat bin(packed.rows, w, CV_8UC1);
    const kernels::ConstGrayView in{packed.data, w, packed.rows,
                                    static_cast<int64_t>(packed.step[0])};
    const kernels::GrayView out{bin.data, w, bin.rows, static_cast<int64_t>(bin.step[0])};
    thread_local kernels::cpu::ThreadPool pool(1);
    const kernels::Status st = kernels::cpu::unpack_bits(pool, {&in, 1}, {&out, 1});
    if (st.is_ok())
      page.binary = bin;
    else
      page.fail(PageError::kInternal, "unpacking the binary page: " + st.message());
  }
  page.binary_packed.release();
  if (page.host_hold.use_count() > 0) {  // a hold may carry no pointer, only its deleter
    // A gray page that does not own its pixels (no UMatData) points into the
    // held memory: copy it out first.
    if (!page.gray.empty() && page.gray.u == nullptr) page.gray = page.gray.clone();
    page.host_hold.reset();
  }
}

bool binary_packed_suffices(const RunConfig& cfg) {
  return cfg.ocr == OcrMode::kNone && !detects_orientation(cfg) && !cfg.mixed_image;
}

bool executor_accepts(int32_t width, int32_t height, std::string* why) {
  if (width <= kernels::kMaxPageSide && height <= kernels::kMaxPageSide &&
      static_cast<int64_t>(width) * height <= kernels::kMaxPagePixels)
    return true;
  *why = "page " + std::to_string(width) + "x" + std::to_string(height) +
         " exceeds the preprocessing limit of " + std::to_string(kernels::kMaxPageSide) +
         " px per side and " + std::to_string(kernels::kMaxPagePixels) + " px";
  return false;
}

kernels::BatchLimits executor_limits(int max_batch) {
  kernels::BatchLimits l;
  l.max_batch = max_batch;
  // A3 at 600 dpi, rounded up: the largest page most bulk runs meet. Larger
  // pages get workspaces of their own size.
  l.max_width = 7200;
  l.max_height = 10200;
  return l;
}

bool gray_output_needed(const RunConfig& cfg) {
  return cfg.ocr == OcrMode::kTesseract || cfg.save_gray || !cfg.steps.binarize ||
         detects_orientation(cfg) || cfg.mixed_image;
}

ExecutorFactories default_executor_factories() {
  ExecutorFactories f;
  f.cuda_device_count = [] { return kernels::cuda_device_count(); };
  f.cuda_device_description = [](int d) { return kernels::cuda_device_description(d); };
  f.make_cpu = [](const StepConfig& s, int threads, std::string* error) {
    return make_cpu_executor(s, threads, error);
  };
  f.make_cuda = [](const StepConfig& s, const CudaExecutorOptions& o,
                   std::unique_ptr<Executor> fallback, std::string* error) {
    return make_cuda_executor(s, o, std::move(fallback), error);
  };
  return f;
}

ExecutorChoice choose_executor(const RunConfig& cfg, int cpu_threads, const ExecutorFactories& f) {
  ExecutorChoice c;
  const bool want_cuda = cfg.device == DeviceChoice::kCuda ||
                         (cfg.device == DeviceChoice::kAuto && f.cuda_device_count() > 0);
  if (!want_cuda) {
    c.executor = f.make_cpu(cfg.steps, cpu_threads, &c.error);
    return c;
  }
  if (f.cuda_device_count() == 0) {
    c.error = "--device cuda: no CUDA device is usable here (" +
              f.cuda_device_description(cfg.cuda_device) + ")";
    return c;
  }
  std::string error;
  auto fallback = f.make_cpu(cfg.steps, cpu_threads, &error);
  if (!fallback) {
    c.error = error;
    return c;
  }
  CudaExecutorOptions o;
  o.device = cfg.cuda_device;
  o.batch_pages = cfg.batch_pages;
  o.download_gray = gray_output_needed(cfg);
  c.executor = f.make_cuda(cfg.steps, o, std::move(fallback), &error);
  if (c.executor) {
    c.cuda = true;
    return c;
  }
  if (cfg.device == DeviceChoice::kCuda) {
    c.error = error;
    return c;
  }
  // --device auto: a device is there but unusable (too little memory, a
  // driver problem): the run goes on on the CPU and says so.
  c.cuda_fallback = error;
  c.executor = f.make_cpu(cfg.steps, cpu_threads, &c.error);
  return c;
}

}  // namespace pageprep::host
