// The library's Engine: public ImageViews become PageWork items that the
// pipeline's executors process exactly as `pageprep run`'s executor stage
// does (same factory, same step configuration), then orientation runs through
// the finish stage's shared step, and the results are handed out as owned,
// shared images. Nothing of OpenCV, Tesseract or CUDA leaks into engine.hpp.
#include "pageprep/engine.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "api/engine_options.hpp"
#include "model/page_work.hpp"
#include "ocr/orientation.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/orientation_step.hpp"
#include "pipeline/page_signals.hpp"

namespace pageprep {

namespace {

constexpr const char* kInvalidImage = "invalid_image";

/// Why `v` cannot be a page, or "" when it can.
std::string check_view(const ImageView& v) {
  if (v.data == nullptr) return "no pixels (data is null)";
  if (v.width <= 0 || v.height <= 0)
    return "size " + std::to_string(v.width) + "x" + std::to_string(v.height) + " is empty";
  const int64_t stride = v.stride == 0 ? v.width : v.stride;
  if (stride < v.width)
    return "stride " + std::to_string(stride) + " is less than the width " +
           std::to_string(v.width);
  if (!std::isfinite(v.dpi) || v.dpi <= 0 || v.dpi > 10000)
    return "dpi " + std::to_string(v.dpi) + " is not in (0, 10000]";
  return "";
}

/// An owned, shared image of `m`; a copy when `m` points into the caller's
/// input [in_begin, in_end), so results never alias inputs.
Image to_image(const cv::Mat& m, const uint8_t* in_begin, const uint8_t* in_end) {
  Image img;
  if (m.empty()) return img;
  auto holder = std::make_shared<cv::Mat>(m.data >= in_begin && m.data < in_end ? m.clone() : m);
  img.data = holder->data;
  img.width = holder->cols;
  img.height = holder->rows;
  img.stride = static_cast<int64_t>(holder->step[0]);
  img.owner = std::shared_ptr<const void>(holder, holder.get());
  return img;
}

}  // namespace

struct Engine::Impl {
  Options options;
  host::StepConfig steps;
  std::unique_ptr<host::Executor> executor;
  std::string executor_name;
  std::unique_ptr<host::OrientationDetector> osd;
  std::unique_ptr<host::Executor> redo;  ///< CPU executor for pages turned a quarter
  std::mutex mutex;                      ///< one preprocess() at a time

  void run_batch(const ImageView* pages, size_t count, PageResult* out);
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

std::unique_ptr<Engine> Engine::create(const Options& options, std::string* error) {
  std::string local;
  std::string& err = error ? *error : local;
  try {
    err = host::validate_options(options);
    if (!err.empty()) return nullptr;
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->steps = host::step_config(options);
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    host::ExecutorChoice choice =
        host::choose_executor(host::run_config(options), host::cpu_threads(options, cores));
    if (!choice.executor) {
      err = choice.error;
      return nullptr;
    }
    impl->executor = std::move(choice.executor);
    impl->executor_name = impl->executor->name();
    if (options.detect_orientation) {
      impl->osd = std::make_unique<host::OrientationDetector>();
      if (!impl->osd->init(&err)) {
        err = "orientation detection unavailable: " + err;
        return nullptr;
      }
    }
    err.clear();
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
  } catch (const std::exception& e) {
    err = std::string("cannot create the engine: ") + e.what();
    return nullptr;
  }
}

void Engine::Impl::run_batch(const ImageView* pages, size_t count, PageResult* out) {
  std::vector<std::unique_ptr<host::PageWork>> works(count);
  std::vector<host::PageWork*> batch;
  batch.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    const ImageView& v = pages[i];
    const std::string bad = check_view(v);
    if (!bad.empty()) {
      out[i].error_code = kInvalidImage;
      out[i].error = bad;
      continue;
    }
    auto w = std::make_unique<host::PageWork>();
    w->id.page = static_cast<int32_t>(i);
    w->id.ordinal = static_cast<int64_t>(i);
    // A header over the caller's pixels: executors only read decoded.gray.
    w->decoded.gray = cv::Mat(v.height, v.width, CV_8UC1, const_cast<uint8_t*>(v.data),
                              static_cast<size_t>(v.stride == 0 ? v.width : v.stride));
    w->decoded.dpi_x = w->decoded.dpi_y = v.dpi;
    w->decoded.dpi_from_file = true;
    w->decoded.format = "memory";
    w->width = v.width;
    w->height = v.height;
    if (options.measure_signals) {
      const host::PageSignals sig = host::measure_page_signals(w->decoded.gray, v.dpi);
      w->signals_measured = true;
      w->background_spread = sig.background_spread;
      w->noise_sigma = sig.noise_sigma;
    }
    batch.push_back(w.get());
    works[i] = std::move(w);
  }
  if (!batch.empty()) {
    try {
      executor->process(batch);
    } catch (const std::exception& e) {
      for (auto* w : batch)
        w->fail(host::PageError::kInternal, std::string("executor threw: ") + e.what());
    }
  }
  for (size_t i = 0; i < count; ++i) {
    host::PageWork* w = works[i].get();
    if (!w) continue;
    PageResult& r = out[i];
    if (w->ok() && osd) {
      try {
        // Without correction the source is not handed on, so the step only detects.
        if (!options.correct_orientation) w->decoded.gray.release();
        host::correct_orientation(*w, *osd, steps, redo);
        r.orientation_corrected = w->ok() && options.correct_orientation && w->orientation_known &&
                                  w->orientation_deg != 0;
      } catch (const std::exception& e) {
        w->fail(host::PageError::kInternal, std::string("orientation threw: ") + e.what());
      }
    }
    if (!w->ok()) {
      r.error_code = host::error_code_name(w->error);
      r.error = w->message;
      r.executor = w->executor;
      continue;
    }
    const uint8_t* begin = pages[i].data;
    const uint8_t* end =
        begin + (pages[i].height - 1) * (pages[i].stride == 0 ? pages[i].width : pages[i].stride) +
        pages[i].width;
    r.gray = to_image(w->gray, begin, end);
    r.binary = to_image(w->binary, begin, end);
    r.skew_deg = w->skew_deg;
    r.skew_confidence = w->skew_confidence;
    r.rotated = w->rotated;
    r.skew_note = w->skew_note;
    r.orientation_checked = w->orientation_checked;
    r.orientation_known = w->orientation_known;
    r.orientation_deg = w->orientation_deg;
    r.orientation_confidence = w->orientation_confidence;
    r.script = w->script;
    r.script_confidence = w->script_confidence;
    r.signals_measured = w->signals_measured;
    r.background_spread = w->background_spread;
    r.noise_sigma = w->noise_sigma;
    r.specks_removed = w->specks_removed;
    r.border_pixels_removed = w->border_pixels_removed;
    r.prefer_binary_for_ocr =
        !w->binary.empty() &&
        host::choose_binary_for_ocr({w->background_spread, w->noise_sigma}, w->specks_removed,
                                    int64_t{w->width} * w->height);
    r.executor = w->executor;
    r.preprocess_ms = w->times.preprocess_ms;
  }
}

std::vector<PageResult> Engine::preprocess(const ImageView* pages, size_t count) {
  std::vector<PageResult> out(count);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const size_t step = static_cast<size_t>(impl_->options.max_batch);
  for (size_t first = 0; first < count; first += step) {
    const size_t n = std::min(step, count - first);
    try {
      impl_->run_batch(pages + first, n, out.data() + first);
    } catch (const std::exception& e) {
      for (size_t i = first; i < first + n; ++i) {
        if (!out[i].ok()) continue;
        out[i] = PageResult{};
        out[i].error_code = "internal";
        out[i].error = std::string("preprocessing threw: ") + e.what();
      }
    }
  }
  return out;
}

std::vector<PageResult> Engine::preprocess(const std::vector<ImageView>& pages) {
  return preprocess(pages.data(), pages.size());
}

PageResult Engine::preprocess(const ImageView& page) {
  return std::move(preprocess(&page, 1).front());
}

const Options& Engine::options() const {
  return impl_->options;
}

const std::string& Engine::executor_name() const {
  return impl_->executor_name;
}

const char* version() {
  return PAGEPREP_VERSION;
}

}  // namespace pageprep
