// The library Engine (host/include/pageprep/engine.hpp): the CLI's defaults
// and executors, results that own their pixels, per-page errors, batch and
// thread independence, orientation through the shared step.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <cstring>
#include <thread>

#include "api/engine_options.hpp"
#include "ocr/ocr_engine.hpp"
#include "ocr/orientation.hpp"
#include "pageprep/engine.hpp"
#include "pageprep/kernels/device.hpp"
#include "pipeline/executor.hpp"
#include "support/page_generator.hpp"

namespace pageprep {
namespace {

/// A small skewed, noisy text page (A6 at 150 dpi), 8-bit gray.
cv::Mat make_page(uint64_t seed, double skew_deg, int rotate90 = 0) {
  testsupport::PageSpec spec;
  spec.seed = seed;
  spec.dpi = 150;
  spec.width_px = 620;
  spec.height_px = 874;
  spec.font_pt = 10;
  testsupport::Degradation d;
  d.skew_deg = skew_deg;
  d.noise_sigma = 6;
  d.speck_density = 40;
  d.rotate90 = rotate90;
  testsupport::GeneratedPage page;
  std::string err;
  EXPECT_TRUE(testsupport::generate_page(spec, d, &page, &err)) << err;
  return page.degraded;
}

ImageView view_of(const cv::Mat& m, double dpi = 150) {
  ImageView v;
  v.data = m.data;
  v.width = m.cols;
  v.height = m.rows;
  v.stride = static_cast<int64_t>(m.step[0]);
  v.dpi = dpi;
  return v;
}

cv::Mat mat_of(const Image& img) {
  return cv::Mat(img.height, img.width, CV_8UC1, const_cast<uint8_t*>(img.data),
                 static_cast<size_t>(img.stride));
}

bool same_pixels(const Image& a, const cv::Mat& b) {
  if (a.empty() != b.empty()) return false;
  if (a.empty()) return true;
  if (a.width != b.cols || a.height != b.rows) return false;
  return cv::countNonZero(mat_of(a) != b) == 0;
}

std::unique_ptr<Engine> cpu_engine(Options o = {}) {
  o.device = Device::kCpu;
  std::string err;
  auto e = Engine::create(o, &err);
  EXPECT_TRUE(e) << err;
  return e;
}

TEST(Engine, DefaultsAreThoseOfPageprepRun) {
  const host::RunConfig cli;
  const host::RunConfig engine = host::run_config(Options{});
  EXPECT_EQ(host::step_config(Options{}).canonical(), cli.steps.canonical());
  EXPECT_EQ(engine.steps.canonical(), cli.steps.canonical());
  EXPECT_EQ(engine.device, cli.device);
  EXPECT_EQ(engine.cuda_device, cli.cuda_device);
  EXPECT_EQ(engine.batch_pages, cli.batch_pages);
  EXPECT_EQ(host::cpu_threads(Options{}, 4), 4);
}

TEST(Engine, DeskewsBinarizesAndLeavesTheInputAlone) {
  const cv::Mat page = make_page(7, 3.0);
  const cv::Mat before = page.clone();
  auto engine = cpu_engine();
  ASSERT_TRUE(engine);
  EXPECT_EQ(engine->executor_name(), "cpu");
  const PageResult r = engine->preprocess(view_of(page));
  ASSERT_TRUE(r.ok()) << r.error_code << ": " << r.error;
  EXPECT_NEAR(r.skew_deg, 3.0, 0.15);
  EXPECT_TRUE(r.rotated);
  EXPECT_EQ(r.executor, "cpu");
  ASSERT_FALSE(r.gray.empty());
  ASSERT_FALSE(r.binary.empty());
  EXPECT_EQ(r.gray.width, page.cols);
  EXPECT_EQ(r.gray.height, page.rows);
  const cv::Mat bin = mat_of(r.binary);
  EXPECT_EQ(cv::countNonZero(bin == 0) + cv::countNonZero(bin == 255),
            static_cast<int>(bin.total()));
  EXPECT_TRUE(r.signals_measured);
  EXPECT_GT(r.noise_sigma, 1.0);
  EXPECT_EQ(cv::countNonZero(page != before), 0) << "the input was written";
}

TEST(Engine, ResultsOwnTheirPixelsEvenWhenNothingChangedThePage) {
  const cv::Mat page = make_page(8, 0.0);
  Options o;
  o.deskew = false;
  o.binarize = Binarization::kNone;
  auto engine = cpu_engine(o);
  ASSERT_TRUE(engine);
  Image gray;
  {
    cv::Mat copy = page.clone();
    const PageResult r = engine->preprocess(view_of(copy));
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_TRUE(r.binary.empty());
    EXPECT_NE(r.gray.data, copy.data);
    gray = r.gray;  // outlives both the result and the input
    copy.setTo(0);
  }
  EXPECT_TRUE(same_pixels(gray, page));
}

TEST(Engine, GivesWhatTheCliExecutorGives) {
  const cv::Mat page = make_page(9, -2.0);
  // What `pageprep run`'s executor stage builds for its default options.
  host::RunConfig cli;
  cli.device = host::DeviceChoice::kCpu;
  host::ExecutorChoice choice = host::choose_executor(cli, 2);
  ASSERT_TRUE(choice.executor) << choice.error;
  auto ex = std::move(choice.executor);
  host::PageWork w;
  w.decoded.gray = page;
  w.decoded.dpi_x = w.decoded.dpi_y = 150;
  std::vector<host::PageWork*> batch{&w};
  ex->process(batch);
  ASSERT_TRUE(w.ok()) << w.message;

  auto engine = cpu_engine();
  const PageResult r = engine->preprocess(view_of(page));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(same_pixels(r.gray, w.gray));
  EXPECT_TRUE(same_pixels(r.binary, w.binary));
  EXPECT_EQ(r.skew_deg, w.skew_deg);
  EXPECT_EQ(r.specks_removed, w.specks_removed);
}

TEST(Engine, BatchSizeAndStrideDoNotChangeResults) {
  std::vector<cv::Mat> pages;
  for (int i = 0; i < 5; ++i) pages.push_back(make_page(20 + i, -2.0 + i));
  // Page 3 inside a wider buffer: stride > width.
  cv::Mat wide(pages[3].rows, pages[3].cols + 37, CV_8UC1, cv::Scalar(0));
  pages[3].copyTo(wide(cv::Rect(5, 0, pages[3].cols, pages[3].rows)));
  std::vector<ImageView> views;
  for (int i = 0; i < 5; ++i) views.push_back(view_of(pages[i]));
  views[3] = view_of(wide(cv::Rect(5, 0, pages[3].cols, pages[3].rows)));
  ASSERT_GT(views[3].stride, views[3].width);

  Options o;
  o.max_batch = 2;  // 5 pages: batches of 2, 2, 1
  auto batched = cpu_engine(o);
  const std::vector<PageResult> all = batched->preprocess(views);
  ASSERT_EQ(all.size(), 5u);
  Options single;
  single.threads = 1;
  auto one = cpu_engine(single);
  for (int i = 0; i < 5; ++i) {
    const PageResult r = one->preprocess(view_of(pages[i]));
    ASSERT_TRUE(all[i].ok() && r.ok()) << i;
    EXPECT_TRUE(same_pixels(all[i].gray, mat_of(r.gray))) << i;
    EXPECT_TRUE(same_pixels(all[i].binary, mat_of(r.binary))) << i;
    EXPECT_EQ(all[i].skew_deg, r.skew_deg) << i;
  }
}

TEST(Engine, BadPagesFailAloneWithStableCodes) {
  const cv::Mat page = make_page(30, 1.0);
  const cv::Mat huge(4, 7300, CV_8UC1, cv::Scalar(255));
  std::vector<ImageView> views(7, view_of(page));
  views[1].data = nullptr;
  views[2].width = 0;
  views[3].stride = views[3].width - 1;
  views[4].dpi = 0;
  views[5] = view_of(huge);
  auto engine = cpu_engine();
  const std::vector<PageResult> r = engine->preprocess(views);
  ASSERT_EQ(r.size(), 7u);
  EXPECT_TRUE(r[0].ok());
  EXPECT_TRUE(r[6].ok());
  for (int i : {1, 2, 3, 4}) {
    EXPECT_EQ(r[i].error_code, "invalid_image") << i;
    EXPECT_FALSE(r[i].error.empty()) << i;
    EXPECT_TRUE(r[i].gray.empty()) << i;
  }
  // Wider than the executors' standing workspaces (7200 px): processed with its own.
  EXPECT_TRUE(r[5].ok()) << r[5].error_code << ": " << r[5].error;
  EXPECT_TRUE(same_pixels(r[0].gray, mat_of(r[6].gray)));
  EXPECT_TRUE(engine->preprocess(std::vector<ImageView>{}).empty());
}

TEST(Engine, CreateRejectsBadOptionsAndMissingDevices) {
  std::string err;
  Options o;
  o.binarize_window = 30;
  EXPECT_FALSE(Engine::create(o, &err));
  EXPECT_NE(err.find("binarize_window"), std::string::npos) << err;
  o = {};
  o.max_batch = 0;
  EXPECT_FALSE(Engine::create(o, nullptr));
  if (kernels::cuda_device_count() == 0) {
    o = {};
    o.device = Device::kCuda;
    err.clear();
    EXPECT_FALSE(Engine::create(o, &err));
    EXPECT_NE(err.find("no CUDA device"), std::string::npos) << err;
    o.device = Device::kAuto;
    auto e = Engine::create(o, &err);
    ASSERT_TRUE(e) << err;
    EXPECT_EQ(e->executor_name(), "cpu");
  }
}

TEST(Engine, ConcurrentCallsOnOneEngineGiveTheSequentialResults) {
  std::vector<cv::Mat> pages;
  for (int i = 0; i < 4; ++i) pages.push_back(make_page(40 + i, 1.5 - i));
  auto engine = cpu_engine();
  std::vector<PageResult> seq;
  for (const auto& p : pages) seq.push_back(engine->preprocess(view_of(p)));
  std::vector<PageResult> par(pages.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < pages.size(); ++i)
    threads.emplace_back([&, i] { par[i] = engine->preprocess(view_of(pages[i])); });
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < pages.size(); ++i) {
    ASSERT_TRUE(par[i].ok());
    EXPECT_TRUE(same_pixels(par[i].binary, mat_of(seq[i].binary))) << i;
  }
}

TEST(Engine, TurnsAQuarterTurnedPageUprightLikeTheCli) {
  // A full A4 page at 300 dpi: OSD needs enough glyphs (>= 50).
  testsupport::PageSpec spec;
  spec.seed = 3;
  testsupport::Degradation d;
  d.rotate90 = 90;
  d.skew_deg = 1.0;
  testsupport::GeneratedPage page;
  std::string err;
  ASSERT_TRUE(testsupport::generate_page(spec, d, &page, &err)) << err;
  Options o;
  o.detect_orientation = true;
  o.device = Device::kCpu;
  auto engine = Engine::create(o, &err);
  if (!engine && host::installed_ocr_languages().empty()) GTEST_SKIP() << err;
  ASSERT_TRUE(engine) << err;
  const PageResult r = engine->preprocess(view_of(page.degraded, 300));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.orientation_checked);
  ASSERT_TRUE(r.orientation_known);
  EXPECT_EQ(r.orientation_deg, 90);
  EXPECT_TRUE(r.orientation_corrected);
  EXPECT_EQ(r.script, "Latin");
  // Upright again: the page's own (portrait) size, and its skew found.
  EXPECT_EQ(r.gray.width, page.clean.cols);
  EXPECT_EQ(r.gray.height, page.clean.rows);
  EXPECT_NEAR(r.skew_deg, 1.0, 0.15);
  EXPECT_NE(r.executor.find("after orientation"), std::string::npos) << r.executor;
}

}  // namespace
}  // namespace pageprep
