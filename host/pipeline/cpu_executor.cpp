// The CPU executor: every operation's CPU schedule, one page at a time, rows
// spread over the executor's thread pool. Operation objects (and their
// workspaces) are created once, for executor_limits() (A3 at 600 dpi), never
// per page; a larger page (large formats, up to kernels::kMaxPageSide) gets a
// second set sized to it, kept while no larger page comes, so memory follows
// the pages actually met. submit() does the work: one batch in flight.
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <string>

#include "pageprep/kernels/background.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pipeline/dewarp_step.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/page_memory.hpp"

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

/// One set of operation objects, built for `limits`.
struct CpuOps {
  kernels::BatchLimits limits;
  std::unique_ptr<kernels::cpu::BackgroundNormalize> background;
  std::unique_ptr<kernels::cpu::SkewEstimator> skew;
  std::unique_ptr<kernels::cpu::Binarize> binarize;
  std::unique_ptr<kernels::cpu::Despeckle> despeckle;
  std::unique_ptr<kernels::cpu::BorderRemove> border;

  bool fits(int32_t w, int32_t h) const { return w <= limits.max_width && h <= limits.max_height; }

  kernels::Status create(const StepConfig& steps, const kernels::BatchLimits& l) {
    limits = l;
    if (steps.background_norm)
      PAGEPREP_RETURN_IF_ERROR(
          kernels::cpu::BackgroundNormalize::create(kernels::BackgroundParams{}, l, &background));
    if (steps.deskew)
      PAGEPREP_RETURN_IF_ERROR(kernels::cpu::SkewEstimator::create(skew_params(steps), l, &skew));
    if (steps.binarize)
      PAGEPREP_RETURN_IF_ERROR(kernels::cpu::Binarize::create(steps.binarize_params, l, &binarize));
    if (steps.binarize && steps.despeckle)
      PAGEPREP_RETURN_IF_ERROR(
          kernels::cpu::Despeckle::create(despeckle_params(steps), l, &despeckle));
    if (steps.binarize && steps.remove_border)
      PAGEPREP_RETURN_IF_ERROR(
          kernels::cpu::BorderRemove::create(kernels::BorderParams{}, l, &border));
    return kernels::Status::ok();
  }
};

/// Large-page workspaces are rounded up to this, so pages of one large
/// format share a set.
constexpr int32_t kLargeStep = 1024;

class CpuExecutor final : public Executor {
 public:
  CpuExecutor(const StepConfig& steps, int threads) : steps_(steps), pool_(threads) {}

  kernels::Status init() {
    if (steps_.deskew) min_confidence_ = skew_params(steps_).min_confidence;
    return standard_.create(steps_, executor_limits(1));
  }

  std::string name() const override { return "cpu"; }
  int in_flight() const override { return static_cast<int>(done_.size()); }
  /// Decoded pages in huge-page mappings too (page_memory.hpp).
  cv::MatAllocator* page_allocator() override { return page_image_allocator(); }

  void submit(PageBatch batch) override {
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
    done_.push_back(std::move(batch));
  }

  bool retire(bool, PageBatch* done) override {
    if (done_.empty()) return false;
    *done = std::move(done_.front());
    done_.pop_front();
    return true;
  }

 private:
  bool check(PageWork& page, const kernels::Status& st, const char* step) {
    if (st.is_ok()) return true;
    page.fail(st.code() == kernels::StatusCode::kOutOfRange ? PageError::kTooLarge
                                                            : PageError::kPreprocessFailed,
              std::string(step) + ": " + st.message());
    return false;
  }

  /// The operation set for a w x h page: the standard one, or one sized to
  /// the page (rounded up to kLargeStep), replacing a smaller large set.
  CpuOps* ops_for(PageWork& page, int32_t w, int32_t h) {
    if (standard_.fits(w, h)) return &standard_;
    if (large_ && large_->fits(w, h)) return large_.get();
    auto round_up = [](int32_t v) {
      return std::min(kernels::kMaxPageSide, (v + kLargeStep - 1) / kLargeStep * kLargeStep);
    };
    kernels::BatchLimits l = executor_limits(1);
    l.max_width = std::max(l.max_width, round_up(w));
    l.max_height = std::max(l.max_height, round_up(h));
    if (large_) {  // keep covering what the previous large set covered
      l.max_width = std::max(l.max_width, large_->limits.max_width);
      l.max_height = std::max(l.max_height, large_->limits.max_height);
    }
    large_.reset();  // free the old workspaces before allocating the new ones
    auto ops = std::make_unique<CpuOps>();
    const kernels::Status st = ops->create(steps_, l);
    if (!st.is_ok()) {
      page.fail(st.code() == kernels::StatusCode::kOutOfMemory ? PageError::kTooLarge
                                                               : PageError::kPreprocessFailed,
                "workspace for a " + std::to_string(w) + "x" + std::to_string(h) +
                    " page: " + st.message());
      return nullptr;
    }
    large_ = std::move(ops);
    return large_.get();
  }

  void process_page(PageWork& page) {
    const cv::Mat& src = page.decoded.gray;
    const float dpi = static_cast<float>(page.decoded.dpi_x);
    std::string why;
    if (!executor_accepts(src.cols, src.rows, &why)) {
      page.fail(PageError::kTooLarge, why);
      return;
    }
    CpuOps* ops = ops_for(page, src.cols, src.rows);
    if (ops == nullptr) return;
    cv::Mat gray = src;
    if (ops->background) {
      auto t = Clock::now();
      cv::Mat norm = make_page_image(src.rows, src.cols);
      kernels::ConstGrayView in[1] = {cview(gray)};
      kernels::GrayView out[1] = {view(norm)};
      if (!check(page, ops->background->run(pool_, {in, 1}, {out, 1}, &dpi), "background")) return;
      gray = norm;
      page.times.background_ms = ms_since(t);
    }
    if (ops->skew) {
      auto t = Clock::now();
      kernels::ConstGrayView in[1] = {cview(gray)};
      kernels::SkewResult r;
      if (!check(page, ops->skew->run(pool_, {in, 1}, &r, &dpi), "skew")) return;
      page.skew_deg = r.angle_deg;
      page.skew_confidence = r.confidence;
      page.times.skew_ms = ms_since(t);
      page.skew_text_lines = r.text_lines;
      if (should_deskew(r, min_confidence_, gray.cols, gray.rows, &page.skew_note)) {
        t = Clock::now();
        kernels::RotateParams rp;
        rp.expand = steps_.expand_canvas;
        int32_t ow = 0, oh = 0;
        const float angle = -r.angle_deg;
        kernels::rotated_size(gray.cols, gray.rows, angle, rp.expand, &ow, &oh);
        cv::Mat rotated = make_page_image(oh, ow);
        const uint8_t fill = rotation_fill(steps_, cview(src));
        kernels::ConstGrayView rin[1] = {cview(gray)};
        kernels::GrayView rout[1] = {view(rotated)};
        if (!check(page, kernels::cpu::rotate(pool_, rp, {rin, 1}, {rout, 1}, &angle, &fill),
                   "rotate"))
          return;
        gray = rotated;
        page.rotated = true;
        page.times.rotate_ms = ms_since(t);
        // An expanded canvas may outgrow the operation set.
        ops = ops_for(page, gray.cols, gray.rows);
        if (ops == nullptr) return;
      }
    }
    if (steps_.dewarp && !dewarp_page(page, pool_, rotation_fill(steps_, cview(src)), &gray))
      return;
    if (steps_.median) {
      auto t = Clock::now();
      cv::Mat med = make_page_image(gray.rows, gray.cols);
      kernels::ConstGrayView in[1] = {cview(gray)};
      kernels::GrayView out[1] = {view(med)};
      if (!check(page, kernels::cpu::median3x3(pool_, {in, 1}, {out, 1}), "median")) return;
      gray = med;
      page.times.median_ms = ms_since(t);
    }
    page.gray = gray;
    if (!ops->binarize) return;
    auto t = Clock::now();
    cv::Mat bin = make_page_image(gray.rows, gray.cols);
    {
      kernels::ConstGrayView in[1] = {cview(gray)};
      kernels::GrayView out[1] = {view(bin)};
      if (!check(page, ops->binarize->run(pool_, {in, 1}, {out, 1}, &dpi), "binarize")) return;
    }
    page.times.binarize_ms = ms_since(t);
    kernels::GrayView bv[1] = {view(bin)};
    if (ops->despeckle) {
      t = Clock::now();
      int64_t removed = 0;
      if (!check(page, ops->despeckle->run(pool_, {bv, 1}, &dpi, &removed), "despeckle")) return;
      page.specks_removed = removed;
      page.times.despeckle_ms = ms_since(t);
    }
    if (ops->border) {
      t = Clock::now();
      int64_t removed = 0;
      if (!check(page, ops->border->run(pool_, {bv, 1}, &removed), "border")) return;
      page.border_pixels_removed = removed;
      page.times.border_ms = ms_since(t);
    }
    page.binary = bin;
  }

  StepConfig steps_;
  kernels::cpu::ThreadPool pool_;
  float min_confidence_ = 0;
  CpuOps standard_;
  std::unique_ptr<CpuOps> large_;
  std::deque<PageBatch> done_;
};

}  // namespace

kernels::SkewParams skew_params(const StepConfig& steps) {
  kernels::SkewParams sp;
  sp.max_angle_deg = steps.max_skew_deg;
  if (steps.skew_min_confidence >= 0) sp.min_confidence = steps.skew_min_confidence;
  return sp;
}

bool should_deskew(const kernels::SkewResult& r, float min_confidence, int32_t w, int32_t h,
                   std::string* note) {
  if (r.text_lines < kernels::kSkewMinTextLines) {
    *note = "too little text to know the skew (" + std::to_string(r.text_lines) +
            " text lines): left unrotated";
    return false;
  }
  if (r.confidence < min_confidence) {
    *note = "confidence below threshold: left unrotated";
    return false;
  }
  const double half_diagonal = 0.5 * std::hypot(static_cast<double>(w), static_cast<double>(h));
  if (half_diagonal * std::abs(r.angle_deg) * (M_PI / 180.0) < 0.5) {
    *note = "angle rounds to zero at this resolution: not resampled";
    return false;
  }
  return true;
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
