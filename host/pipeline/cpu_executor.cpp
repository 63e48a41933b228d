// The CPU executor: every operation's CPU schedule, one page at a time, rows
// spread over the executor's thread pool. Operation objects (and their
// workspaces) are created once here, never per page.
#include <chrono>
#include <memory>
#include <string>

#include "pageprep/kernels/background.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pipeline/executor.hpp"

namespace pageprep::host {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

kernels::ConstGrayView cview(const cv::Mat& m) {
  return {m.data, m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}
kernels::GrayView view(cv::Mat& m) {
  return {m.data, m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}

class CpuExecutor final : public Executor {
 public:
  CpuExecutor(const StepConfig& steps, int threads) : steps_(steps), pool_(threads) {}

  kernels::Status init() {
    const auto limits = executor_limits(1);
    if (steps_.background_norm)
      PAGEPREP_RETURN_IF_ERROR(kernels::cpu::BackgroundNormalize::create(
          kernels::BackgroundParams{}, limits, &background_));
    if (steps_.deskew) {
      const kernels::SkewParams sp = skew_params(steps_);
      min_confidence_ = sp.min_confidence;
      PAGEPREP_RETURN_IF_ERROR(kernels::cpu::SkewEstimator::create(sp, limits, &skew_));
    }
    if (steps_.binarize)
      PAGEPREP_RETURN_IF_ERROR(
          kernels::cpu::Binarize::create(steps_.binarize_params, limits, &binarize_));
    if (steps_.binarize && steps_.despeckle)
      PAGEPREP_RETURN_IF_ERROR(
          kernels::cpu::Despeckle::create(despeckle_params(steps_), limits, &despeckle_));
    if (steps_.binarize && steps_.remove_border)
      PAGEPREP_RETURN_IF_ERROR(
          kernels::cpu::BorderRemove::create(kernels::BorderParams{}, limits, &border_));
    return kernels::Status::ok();
  }

  std::string name() const override { return "cpu"; }

  void process(std::vector<PageWork*>& batch) override {
    for (PageWork* page : batch) {
      if (!page->ok()) continue;
      const auto t0 = Clock::now();
      try {
        process_page(*page);
      } catch (const std::exception& e) {
        page->fail(error_for_exception(e), std::string("preprocessing threw: ") + e.what());
      }
      page->executor = "cpu";
      page->times.preprocess_ms += ms_since(t0);
    }
  }

 private:
  bool check(PageWork& page, const kernels::Status& st, const char* step) {
    if (st.is_ok()) return true;
    page.fail(st.code() == kernels::StatusCode::kOutOfRange ? PageError::kTooLarge
                                                            : PageError::kPreprocessFailed,
              std::string(step) + ": " + st.message());
    return false;
  }

  void process_page(PageWork& page) {
    const cv::Mat& src = page.decoded.gray;
    const float dpi = static_cast<float>(page.decoded.dpi_x);
    const auto limits = executor_limits(1);
    if (src.cols > limits.max_width || src.rows > limits.max_height) {
      page.fail(PageError::kTooLarge,
                "page " + std::to_string(src.cols) + "x" + std::to_string(src.rows) +
                    " exceeds the " + std::to_string(limits.max_width) + "x" +
                    std::to_string(limits.max_height) + " preprocessing limit");
      return;
    }
    cv::Mat gray = src;
    if (background_) {
      auto t = Clock::now();
      cv::Mat norm(src.size(), CV_8UC1);
      kernels::ConstGrayView in[1] = {cview(gray)};
      kernels::GrayView out[1] = {view(norm)};
      if (!check(page, background_->run(pool_, {in, 1}, {out, 1}, &dpi), "background")) return;
      gray = norm;
      page.times.background_ms = ms_since(t);
    }
    if (skew_) {
      auto t = Clock::now();
      kernels::ConstGrayView in[1] = {cview(gray)};
      kernels::SkewResult r;
      if (!check(page, skew_->run(pool_, {in, 1}, &r, &dpi), "skew")) return;
      page.skew_deg = r.angle_deg;
      page.skew_confidence = r.confidence;
      page.times.skew_ms = ms_since(t);
      if (r.confidence < min_confidence_) {
        page.skew_note = "confidence below threshold: left unrotated";
      } else if (r.angle_deg != 0.f) {
        t = Clock::now();
        kernels::RotateParams rp;
        rp.expand = steps_.expand_canvas;
        int32_t ow = 0, oh = 0;
        const float angle = -r.angle_deg;
        kernels::rotated_size(gray.cols, gray.rows, angle, rp.expand, &ow, &oh);
        cv::Mat rotated(oh, ow, CV_8UC1);
        const uint8_t fill = rotation_fill(steps_, cview(src));
        kernels::ConstGrayView rin[1] = {cview(gray)};
        kernels::GrayView rout[1] = {view(rotated)};
        if (!check(page, kernels::cpu::rotate(pool_, rp, {rin, 1}, {rout, 1}, &angle, &fill),
                   "rotate"))
          return;
        gray = rotated;
        page.rotated = true;
        page.times.rotate_ms = ms_since(t);
      }
    }
    if (steps_.median) {
      auto t = Clock::now();
      cv::Mat med(gray.size(), CV_8UC1);
      kernels::ConstGrayView in[1] = {cview(gray)};
      kernels::GrayView out[1] = {view(med)};
      if (!check(page, kernels::cpu::median3x3(pool_, {in, 1}, {out, 1}), "median")) return;
      gray = med;
      page.times.median_ms = ms_since(t);
    }
    page.gray = gray;
    if (!binarize_) return;
    auto t = Clock::now();
    cv::Mat bin(gray.size(), CV_8UC1);
    {
      kernels::ConstGrayView in[1] = {cview(gray)};
      kernels::GrayView out[1] = {view(bin)};
      if (!check(page, binarize_->run(pool_, {in, 1}, {out, 1}, &dpi), "binarize")) return;
    }
    page.times.binarize_ms = ms_since(t);
    kernels::GrayView bv[1] = {view(bin)};
    if (despeckle_) {
      t = Clock::now();
      int64_t removed = 0;
      if (!check(page, despeckle_->run(pool_, {bv, 1}, &dpi, &removed), "despeckle")) return;
      page.specks_removed = removed;
      page.times.despeckle_ms = ms_since(t);
    }
    if (border_) {
      t = Clock::now();
      int64_t removed = 0;
      if (!check(page, border_->run(pool_, {bv, 1}, &removed), "border")) return;
      page.border_pixels_removed = removed;
      page.times.border_ms = ms_since(t);
    }
    page.binary = bin;
  }

  StepConfig steps_;
  kernels::cpu::ThreadPool pool_;
  float min_confidence_ = 0;
  std::unique_ptr<kernels::cpu::BackgroundNormalize> background_;
  std::unique_ptr<kernels::cpu::SkewEstimator> skew_;
  std::unique_ptr<kernels::cpu::Binarize> binarize_;
  std::unique_ptr<kernels::cpu::Despeckle> despeckle_;
  std::unique_ptr<kernels::cpu::BorderRemove> border_;
};

}  // namespace

kernels::SkewParams skew_params(const StepConfig& steps) {
  kernels::SkewParams sp;
  sp.max_angle_deg = steps.max_skew_deg;
  if (steps.skew_min_confidence >= 0) sp.min_confidence = steps.skew_min_confidence;
  return sp;
}

kernels::DespeckleParams despeckle_params(const StepConfig& steps) {
  kernels::DespeckleParams dp;
  dp.max_area = steps.despeckle_max_area;
  return dp;
}

uint8_t rotation_fill(const StepConfig& steps, kernels::ConstGrayView source) {
  return steps.background_norm ? kernels::BackgroundParams{}.target
                               : kernels::cpu::background_level(source);
}

kernels::BatchLimits executor_limits(int max_batch) {
  kernels::BatchLimits l;
  l.max_batch = max_batch;
  // A3 at 600 dpi, rounded up: the largest page a bulk digitization run meets.
  l.max_width = 7200;
  l.max_height = 10200;
  return l;
}

std::unique_ptr<Executor> make_cpu_executor(const StepConfig& steps, int threads,
                                            std::string* error) {
  auto ex = std::make_unique<CpuExecutor>(steps, threads);
  const auto st = ex->init();
  if (!st.is_ok()) {
    *error = "cannot set up the CPU executor: " + st.message();
    return nullptr;
  }
  return ex;
}

}  // namespace pageprep::host
