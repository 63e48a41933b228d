// Every CUDA operation once, on a small var-shape batch (1x1, 1xN, Nx1, odd
// sizes, padded pitch), on a non-blocking stream, against the CPU: quick
// enough to run under compute-sanitizer's memcheck, racecheck, synccheck and
// initcheck (tests/gpu/device_check.sh), where the full parity suites would
// take too long. Skips without a device.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include "pageprep/kernels/background.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pageprep/kernels/gray.hpp"
#include "pageprep/kernels/pack.hpp"
#include "parity/device_batch.hpp"
#include "unit/kernels/denoise_reference.hpp"

namespace pageprep {
namespace {

using testsupport::DeviceImages;
using testsupport::OwnedImage;

std::vector<OwnedImage> small_pages(bool binary) {
  std::vector<OwnedImage> pages;
  uint64_t seed = 1;
  for (auto [w, h] : {std::pair{1, 1}, {1, 37}, {41, 1}, {37, 19}, {173, 131}, {300, 200}}) {
    pages.push_back(binary ? testsupport::random_binary(w, h, seed, 0.3, 5, 4, 9)
                           : testsupport::random_document(w, h, seed, 5));
    ++seed;
  }
  return pages;
}

kernels::BatchLimits limits_of(const std::vector<OwnedImage>& p) {
  kernels::BatchLimits l{static_cast<int32_t>(p.size()), 1, 1, 0};
  for (const auto& i : p) {
    l.max_width = std::max(l.max_width, i.width);
    l.max_height = std::max(l.max_height, i.height);
  }
  return l;
}

class SanitizerSmoke : public ::testing::Test {
 protected:
  void SetUp() override {
    PAGEPREP_REQUIRE_CUDA_DEVICE();
    ASSERT_EQ(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), cudaSuccess);
  }
  void TearDown() override {
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }
  /// Compares device outputs with the CPU's after synchronizing.
  void expect_same(const DeviceImages& d, const std::vector<OwnedImage>& cpu, const char* what) {
    ASSERT_EQ(cudaStreamSynchronize(stream_), cudaSuccess) << what;
    for (size_t i = 0; i < cpu.size(); ++i) {
      OwnedImage g(cpu[i].width, cpu[i].height, 1, 0, 0);
      d.download(static_cast<int>(i), &g);
      EXPECT_TRUE(g.same_pixels(cpu[i])) << what << " page " << i;
    }
  }
  kernels::cpu::ThreadPool pool_{2};
  cudaStream_t stream_ = nullptr;
};

TEST_F(SanitizerSmoke, GrayOperations) {
  const auto src = small_pages(false);
  const kernels::BatchLimits limits = limits_of(src);
  std::vector<float> dpi(src.size(), 300.f), angles(src.size(), -3.3f);
  std::vector<uint8_t> fill(src.size(), 230);
  DeviceImages d_src;
  std::vector<kernels::ConstGrayView> in;
  for (const auto& s : src) {
    d_src.add(s, true);
    in.push_back(s.cview());
  }
  auto run_pair = [&](const char* what, auto cpu_fn, auto gpu_fn) {
    std::vector<OwnedImage> cpu;
    DeviceImages d_out;
    std::vector<kernels::GrayView> out;
    for (const auto& s : src) {
      cpu.emplace_back(s.width, s.height, 1, 0, testsupport::kPoison);
      d_out.add(cpu.back(), false);
    }
    for (auto& c : cpu) out.push_back(c.view());
    ASSERT_TRUE(cpu_fn(testsupport::batch_of(in), testsupport::batch_of(out)).is_ok()) << what;
    ASSERT_TRUE(gpu_fn(d_src.const_batch(), d_out.batch()).is_ok()) << what;
    expect_same(d_out, cpu, what);
  };
  run_pair(
      "median", [&](auto i, auto o) { return kernels::cpu::median3x3(pool_, i, o); },
      [&](auto i, auto o) { return kernels::cuda::median3x3(stream_, i, o); });
  run_pair(
      "gray",
      [&](auto i, auto o) {
        return kernels::cpu::gray_convert(pool_, kernels::PixelFormat::kGray8, i, o);
      },
      [&](auto i, auto o) {
        return kernels::cuda::gray_convert(stream_, kernels::PixelFormat::kGray8, i, o);
      });
  run_pair(
      "rotate",
      [&](auto i, auto o) {
        return kernels::cpu::rotate(pool_, {}, i, o, angles.data(), fill.data());
      },
      [&](auto i, auto o) {
        return kernels::cuda::rotate(stream_, {}, i, o, angles.data(), fill.data());
      });
  for (auto method : {kernels::BinarizeMethod::kOtsu, kernels::BinarizeMethod::kSauvola,
                      kernels::BinarizeMethod::kWolf}) {
    kernels::BinarizeParams p;
    p.method = method;
    std::unique_ptr<kernels::cpu::Binarize> c;
    std::unique_ptr<kernels::cuda::Binarize> g;
    ASSERT_TRUE(kernels::cpu::Binarize::create(p, limits, &c).is_ok());
    ASSERT_TRUE(kernels::cuda::Binarize::create(p, limits, &g).is_ok());
    run_pair(
        "binarize", [&](auto i, auto o) { return c->run(pool_, i, o, dpi.data()); },
        [&](auto i, auto o) { return g->run(stream_, i, o, dpi.data()); });
  }
  std::unique_ptr<kernels::cpu::BackgroundNormalize> bc;
  std::unique_ptr<kernels::cuda::BackgroundNormalize> bg;
  ASSERT_TRUE(kernels::cpu::BackgroundNormalize::create({}, limits, &bc).is_ok());
  ASSERT_TRUE(kernels::cuda::BackgroundNormalize::create({}, limits, &bg).is_ok());
  run_pair(
      "background", [&](auto i, auto o) { return bc->run(pool_, i, o, dpi.data()); },
      [&](auto i, auto o) { return bg->run(stream_, i, o, dpi.data()); });
  // Skew, split into enqueue and wait.
  std::unique_ptr<kernels::cpu::SkewEstimator> sc;
  std::unique_ptr<kernels::cuda::SkewEstimator> sg;
  kernels::SkewParams sp;
  sp.max_angle_deg = 45;
  ASSERT_TRUE(kernels::cpu::SkewEstimator::create(sp, limits, &sc).is_ok());
  ASSERT_TRUE(kernels::cuda::SkewEstimator::create(sp, limits, &sg).is_ok());
  std::vector<kernels::SkewResult> rc(src.size()), rg(src.size());
  ASSERT_TRUE(sc->run(pool_, testsupport::batch_of(in), rc.data(), dpi.data()).is_ok());
  ASSERT_TRUE(sg->enqueue(stream_, d_src.const_batch(), dpi.data()).is_ok());
  ASSERT_TRUE(sg->wait(rg.data()).is_ok());
  for (size_t i = 0; i < src.size(); ++i) EXPECT_EQ(rc[i].angle_deg, rg[i].angle_deg) << i;
}

TEST_F(SanitizerSmoke, BinaryOperations) {
  const auto src = small_pages(true);
  const kernels::BatchLimits limits = limits_of(src);
  std::vector<float> dpi(src.size(), 300.f);
  std::shared_ptr<kernels::cuda::ComponentLabels> labels;
  ASSERT_TRUE(kernels::cuda::ComponentLabels::create(limits, &labels).is_ok());
  std::unique_ptr<kernels::cpu::Despeckle> dc;
  std::unique_ptr<kernels::cpu::BorderRemove> bc;
  std::unique_ptr<kernels::cuda::Despeckle> dg;
  std::unique_ptr<kernels::cuda::BorderRemove> bg;
  ASSERT_TRUE(kernels::cpu::Despeckle::create({}, limits, &dc).is_ok());
  ASSERT_TRUE(kernels::cpu::BorderRemove::create({}, limits, &bc).is_ok());
  ASSERT_TRUE(kernels::cuda::Despeckle::create({}, limits, &dg, labels).is_ok());
  ASSERT_TRUE(kernels::cuda::BorderRemove::create({}, limits, &bg, labels).is_ok());
  std::vector<OwnedImage> cpu = src;
  DeviceImages d;
  std::vector<kernels::GrayView> views;
  for (size_t i = 0; i < src.size(); ++i) {
    d.add(src[i], true);
    views.push_back(cpu[i].view());
  }
  std::vector<int64_t> cs(src.size()), gs(src.size()), cb(src.size()), gb(src.size());
  ASSERT_TRUE(dc->run(pool_, testsupport::batch_of(views), dpi.data(), cs.data()).is_ok());
  ASSERT_TRUE(bc->run(pool_, testsupport::batch_of(views), cb.data()).is_ok());
  ASSERT_TRUE(dg->run(stream_, d.batch(), dpi.data(), gs.data()).is_ok());
  ASSERT_TRUE(bg->run(stream_, d.batch(), gb.data()).is_ok());
  expect_same(d, cpu, "despeckle + border");
  EXPECT_EQ(cs, gs);
  EXPECT_EQ(cb, gb);
  // Pack to 1 bit and back.
  DeviceImages packed, round;
  std::vector<kernels::GrayView> pv;
  std::vector<kernels::ConstGrayView> cpv;
  for (const auto& s : cpu) {
    packed.add(OwnedImage((s.width + 7) / 8, s.height, 1, 0, 0), false);
    round.add(OwnedImage(s.width, s.height, 1, 0, 0), false);
  }
  for (int32_t i = 0; i < packed.batch().count; ++i) {
    kernels::GrayView v = packed.batch()[i];
    v.width = cpu[static_cast<size_t>(i)].width;
    pv.push_back(v);
    cpv.push_back(kernels::as_const(v));
  }
  std::vector<kernels::ConstGrayView> cd;
  for (int32_t i = 0; i < d.batch().count; ++i) cd.push_back(kernels::as_const(d.batch()[i]));
  ASSERT_TRUE(
      kernels::cuda::pack_bits(stream_, testsupport::batch_of(cd), testsupport::batch_of(pv))
          .is_ok());
  ASSERT_TRUE(
      kernels::cuda::unpack_bits(stream_, testsupport::batch_of(cpv), round.batch()).is_ok());
  expect_same(round, cpu, "pack and unpack");
}

}  // namespace
}  // namespace pageprep
