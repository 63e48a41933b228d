// The review's cross-cutting GPU cases (issue 14, item 1), for every
// operation, CUDA against CPU, exactly:
//   - more pages than one launch table holds (70: over the 64 of the smallest
//     records and the 32 of the former rotate, skew and labelling tables),
//   - a 7200 x 10200 page (A3 at 600 dpi) between small pages,
//   - work on a non-blocking stream, so nothing may rely on the legacy
//     default stream's implicit ordering,
//   - despeckle and border removal sharing one label workspace (border then
//     reuses despeckle's labels), against the CPU's two separate labellings.
// Every test skips visibly without a device.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <vector>

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

enum class Shapes { kManySmall, kWithA3At600 };

std::vector<OwnedImage> gray_pages(Shapes shapes, uint64_t seed) {
  std::vector<OwnedImage> pages;
  if (shapes == Shapes::kManySmall) {
    for (int i = 0; i < 70; ++i)
      pages.push_back(testsupport::random_document(90 + 37 * (i % 7), 70 + 53 * (i % 5), seed + i,
                                                   i % 3 == 0 ? 13 : 0));
  } else {
    pages.push_back(testsupport::random_document(300, 200, seed, 0));
    pages.push_back(testsupport::random_document(7200, 10200, seed + 1, 0));
    pages.push_back(testsupport::random_document(211, 97, seed + 2, 5));
  }
  return pages;
}

std::vector<OwnedImage> binary_pages(Shapes shapes, uint64_t seed) {
  std::vector<OwnedImage> pages;
  if (shapes == Shapes::kManySmall) {
    for (int i = 0; i < 70; ++i)
      pages.push_back(testsupport::random_binary(80 + 41 * (i % 6), 60 + 29 * (i % 7), seed + i,
                                                 i % 2 ? 0.08 : 0.4, 6, 8, 12));
  } else {
    pages.push_back(testsupport::random_binary(300, 200, seed, 0.2, 4, 8, 10));
    pages.push_back(testsupport::random_binary(7200, 10200, seed + 1, 0.05, 40, 3000, 40));
    pages.push_back(testsupport::random_binary(211, 97, seed + 2, 0.3, 3, 5, 8));
  }
  return pages;
}

kernels::BatchLimits limits_for(const std::vector<OwnedImage>& pages) {
  kernels::BatchLimits l;
  l.max_batch = static_cast<int32_t>(pages.size());
  l.max_width = 1;
  l.max_height = 1;
  for (const auto& p : pages) {
    l.max_width = std::max(l.max_width, p.width);
    l.max_height = std::max(l.max_height, p.height);
  }
  return l;
}

/// Host and device copies of inputs and poisoned outputs shaped like `out_shape`.
struct Io {
  std::vector<OwnedImage> cpu_out;
  DeviceImages d_in, d_out;
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> out;
};

void make_io(const std::vector<OwnedImage>& src, const std::vector<OwnedImage>& out_shape, Io* io) {
  for (size_t i = 0; i < src.size(); ++i) {
    io->cpu_out.emplace_back(out_shape[i].width, out_shape[i].height, 1, 0, testsupport::kPoison);
    io->d_in.add(src[i], true);
    io->d_out.add(io->cpu_out.back(), false);
  }
  for (size_t i = 0; i < src.size(); ++i) {
    io->in.push_back(src[i].cview());
    io->out.push_back(io->cpu_out[i].view());
  }
}

void expect_outputs_equal(const Io& io, cudaStream_t stream, const char* what) {
  ASSERT_EQ(cudaStreamSynchronize(stream), cudaSuccess) << what;
  for (size_t i = 0; i < io.cpu_out.size(); ++i) {
    OwnedImage gpu(io.cpu_out[i].width, io.cpu_out[i].height, 1, 0, 0);
    io.d_out.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(io.cpu_out[i]))
        << what << ": page " << i << " (" << gpu.width << "x" << gpu.height << ")";
  }
}

/// Each test gets its own non-blocking stream (and skips without a device).
class LaunchLimits : public ::testing::TestWithParam<Shapes> {
 protected:
  void SetUp() override {
    PAGEPREP_REQUIRE_CUDA_DEVICE();
    ASSERT_EQ(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), cudaSuccess);
  }
  void TearDown() override {
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }
  kernels::cpu::ThreadPool pool_{2};
  cudaStream_t stream_ = nullptr;
};

TEST_P(LaunchLimits, Median) {
  const auto src = gray_pages(GetParam(), 10);
  Io io;
  make_io(src, src, &io);
  ASSERT_TRUE(
      kernels::cpu::median3x3(pool_, testsupport::batch_of(io.in), testsupport::batch_of(io.out))
          .is_ok());
  ASSERT_TRUE(kernels::cuda::median3x3(stream_, io.d_in.const_batch(), io.d_out.batch()).is_ok());
  expect_outputs_equal(io, stream_, "median");
}

TEST_P(LaunchLimits, GrayConvert) {
  const auto src = gray_pages(GetParam(), 20);
  Io io;
  make_io(src, src, &io);
  ASSERT_TRUE(kernels::cpu::gray_convert(pool_, kernels::PixelFormat::kGray8,
                                         testsupport::batch_of(io.in),
                                         testsupport::batch_of(io.out))
                  .is_ok());
  ASSERT_TRUE(kernels::cuda::gray_convert(stream_, kernels::PixelFormat::kGray8,
                                          io.d_in.const_batch(), io.d_out.batch())
                  .is_ok());
  expect_outputs_equal(io, stream_, "gray");
}

TEST_P(LaunchLimits, BinarizeEveryMethod) {
  const auto src = gray_pages(GetParam(), 30);
  std::vector<float> dpi(src.size());
  for (size_t i = 0; i < dpi.size(); ++i) dpi[i] = i % 2 ? 600.f : 300.f;
  for (auto method : {kernels::BinarizeMethod::kOtsu, kernels::BinarizeMethod::kSauvola,
                      kernels::BinarizeMethod::kWolf}) {
    kernels::BinarizeParams p;
    p.method = method;
    std::unique_ptr<kernels::cpu::Binarize> cpu;
    std::unique_ptr<kernels::cuda::Binarize> gpu;
    ASSERT_TRUE(kernels::cpu::Binarize::create(p, limits_for(src), &cpu).is_ok());
    ASSERT_TRUE(kernels::cuda::Binarize::create(p, limits_for(src), &gpu).is_ok());
    Io io;
    make_io(src, src, &io);
    ASSERT_TRUE(
        cpu->run(pool_, testsupport::batch_of(io.in), testsupport::batch_of(io.out), dpi.data())
            .is_ok());
    ASSERT_TRUE(gpu->run(stream_, io.d_in.const_batch(), io.d_out.batch(), dpi.data()).is_ok());
    expect_outputs_equal(io, stream_, "binarize");
  }
}

TEST_P(LaunchLimits, BackgroundNormalize) {
  const auto src = gray_pages(GetParam(), 40);
  std::vector<float> dpi(src.size(), 300.f);
  std::unique_ptr<kernels::cpu::BackgroundNormalize> cpu;
  std::unique_ptr<kernels::cuda::BackgroundNormalize> gpu;
  ASSERT_TRUE(kernels::cpu::BackgroundNormalize::create({}, limits_for(src), &cpu).is_ok());
  ASSERT_TRUE(kernels::cuda::BackgroundNormalize::create({}, limits_for(src), &gpu).is_ok());
  Io io;
  make_io(src, src, &io);
  ASSERT_TRUE(
      cpu->run(pool_, testsupport::batch_of(io.in), testsupport::batch_of(io.out), dpi.data())
          .is_ok());
  ASSERT_TRUE(gpu->run(stream_, io.d_in.const_batch(), io.d_out.batch(), dpi.data()).is_ok());
  expect_outputs_equal(io, stream_, "background");
}

TEST_P(LaunchLimits, PackAndUnpack) {
  const auto src = binary_pages(GetParam(), 50);
  // Packed pages: pixel sizes of the source, pitch (w + 7) / 8 (+3 spare bytes, poisoned).
  std::vector<OwnedImage> cpu_packed;
  DeviceImages d_src, d_packed, d_round;
  std::vector<kernels::ConstGrayView> in;
  std::vector<kernels::GrayView> packed_views;
  for (const auto& s : src) {
    OwnedImage p((s.width + 7) / 8 + 3, s.height, 1, 0, testsupport::kPoison);
    cpu_packed.push_back(std::move(p));
    d_src.add(s, true);
  }
  for (size_t i = 0; i < src.size(); ++i) {
    in.push_back(src[i].cview());
    d_packed.add(cpu_packed[i], false);
    packed_views.push_back(
        {cpu_packed[i].bytes.data(), src[i].width, src[i].height, cpu_packed[i].pitch});
  }
  ASSERT_TRUE(
      kernels::cpu::pack_bits(pool_, testsupport::batch_of(in), testsupport::batch_of(packed_views))
          .is_ok());
  // The device packed views count pixels too.
  std::vector<kernels::GrayView> d_packed_views;
  std::vector<kernels::ConstGrayView> d_packed_const;
  for (int32_t i = 0; i < d_packed.batch().count; ++i) {
    kernels::GrayView v = d_packed.batch()[i];
    v.width = src[static_cast<size_t>(i)].width;
    d_packed_views.push_back(v);
    d_packed_const.push_back(kernels::as_const(v));
  }
  ASSERT_TRUE(
      kernels::cuda::pack_bits(stream_, d_src.const_batch(), testsupport::batch_of(d_packed_views))
          .is_ok());
  ASSERT_EQ(cudaStreamSynchronize(stream_), cudaSuccess);
  for (size_t i = 0; i < src.size(); ++i) {
    OwnedImage gpu(cpu_packed[i].width, cpu_packed[i].height, 1, 0, 0);
    d_packed.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(cpu_packed[i])) << "pack: page " << i;
  }
  // Unpacking the device's packed pages gives the source back.
  for (const auto& s : src) d_round.add(OwnedImage(s.width, s.height, 1, 0, 0), false);
  ASSERT_TRUE(
      kernels::cuda::unpack_bits(stream_, testsupport::batch_of(d_packed_const), d_round.batch())
          .is_ok());
  ASSERT_EQ(cudaStreamSynchronize(stream_), cudaSuccess);
  for (size_t i = 0; i < src.size(); ++i) {
    OwnedImage gpu(src[i].width, src[i].height, 1, 0, 0);
    d_round.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(src[i])) << "unpack: page " << i;
  }
}

TEST_P(LaunchLimits, RotateWithAndWithoutExpand) {
  const auto src = gray_pages(GetParam(), 60);
  for (bool expand : {false, true}) {
    std::vector<OwnedImage> shapes;
    std::vector<float> angles;
    std::vector<uint8_t> fill;
    for (size_t i = 0; i < src.size(); ++i) {
      const float a = static_cast<float>(i % 2 ? 3.7 : -11.3) + 0.1f * static_cast<float>(i);
      int32_t ow, oh;
      kernels::rotated_size(src[i].width, src[i].height, a, expand, &ow, &oh);
      shapes.emplace_back(ow, oh, 1, 0, 0);
      angles.push_back(a);
      fill.push_back(static_cast<uint8_t>(200 + i % 50));
    }
    Io io;
    make_io(src, shapes, &io);
    kernels::RotateParams p;
    p.expand = expand;
    ASSERT_TRUE(kernels::cpu::rotate(pool_, p, testsupport::batch_of(io.in),
                                     testsupport::batch_of(io.out), angles.data(), fill.data())
                    .is_ok());
    ASSERT_TRUE(kernels::cuda::rotate(stream_, p, io.d_in.const_batch(), io.d_out.batch(),
                                      angles.data(), fill.data())
                    .is_ok());
    expect_outputs_equal(io, stream_, expand ? "rotate (expand)" : "rotate");
  }
}

TEST_P(LaunchLimits, SkewEnqueueThenWait) {
  const auto src = gray_pages(GetParam(), 70);
  kernels::SkewParams params;
  params.max_angle_deg = 45;
  std::unique_ptr<kernels::cpu::SkewEstimator> cpu;
  std::unique_ptr<kernels::cuda::SkewEstimator> gpu;
  ASSERT_TRUE(kernels::cpu::SkewEstimator::create(params, limits_for(src), &cpu).is_ok());
  ASSERT_TRUE(kernels::cuda::SkewEstimator::create(params, limits_for(src), &gpu).is_ok());
  DeviceImages d;
  std::vector<kernels::ConstGrayView> in;
  for (const auto& s : src) {
    d.add(s, true);
    in.push_back(s.cview());
  }
  std::vector<kernels::SkewResult> rc(src.size()), rg(src.size());
  for (auto& r : rg) r.angle_deg = 999.f;
  ASSERT_TRUE(cpu->run(pool_, testsupport::batch_of(in), rc.data()).is_ok());
  ASSERT_TRUE(gpu->enqueue(stream_, d.const_batch()).is_ok());
  EXPECT_FALSE(gpu->enqueue(stream_, d.const_batch()).is_ok())
      << "a second enqueue() before wait() must be refused";
  ASSERT_TRUE(gpu->wait(rg.data()).is_ok());
  EXPECT_TRUE(gpu->ready());
  for (size_t i = 0; i < src.size(); ++i) {
    EXPECT_EQ(rc[i].angle_deg, rg[i].angle_deg) << "page " << i;
    EXPECT_EQ(rc[i].confidence, rg[i].confidence) << "page " << i;
  }
}

/// Despeckle then border removal, on the CPU (each labels) and on the GPU
/// with one shared label workspace (border reuses despeckle's labels).
TEST_P(LaunchLimits, DespeckleThenBorderOnSharedLabels) {
  const auto src = binary_pages(GetParam(), 80);
  const kernels::BatchLimits limits = limits_for(src);
  std::vector<float> dpi(src.size(), 300.f);
  std::unique_ptr<kernels::cpu::Despeckle> cpu_d;
  std::unique_ptr<kernels::cpu::BorderRemove> cpu_b;
  ASSERT_TRUE(kernels::cpu::Despeckle::create({}, limits, &cpu_d).is_ok());
  ASSERT_TRUE(kernels::cpu::BorderRemove::create({}, limits, &cpu_b).is_ok());
  std::shared_ptr<kernels::cuda::ComponentLabels> labels;
  ASSERT_TRUE(kernels::cuda::ComponentLabels::create(limits, &labels).is_ok());
  std::unique_ptr<kernels::cuda::Despeckle> gpu_d;
  std::unique_ptr<kernels::cuda::BorderRemove> gpu_b;
  ASSERT_TRUE(kernels::cuda::Despeckle::create({}, limits, &gpu_d, labels).is_ok());
  ASSERT_TRUE(kernels::cuda::BorderRemove::create({}, limits, &gpu_b, labels).is_ok());

  std::vector<OwnedImage> cpu_pages = src;
  DeviceImages d;
  std::vector<kernels::GrayView> views;
  for (size_t i = 0; i < src.size(); ++i) {
    d.add(src[i], true);
    views.push_back(cpu_pages[i].view());
  }
  std::vector<int64_t> cs(src.size(), -1), cb(src.size(), -1), gs(src.size(), -2),
      gb(src.size(), -2);
  ASSERT_TRUE(cpu_d->run(pool_, testsupport::batch_of(views), dpi.data(), cs.data()).is_ok());
  ASSERT_TRUE(cpu_b->run(pool_, testsupport::batch_of(views), cb.data()).is_ok());
  ASSERT_TRUE(gpu_d->run(stream_, d.batch(), dpi.data(), gs.data()).is_ok());
  ASSERT_TRUE(gpu_b->run(stream_, d.batch(), gb.data()).is_ok());
  ASSERT_EQ(cudaStreamSynchronize(stream_), cudaSuccess);
  for (size_t i = 0; i < src.size(); ++i) {
    OwnedImage gpu(src[i].width, src[i].height, 1, 0, 0);
    d.download(static_cast<int>(i), &gpu);
    EXPECT_TRUE(gpu.same_pixels(cpu_pages[i])) << "page " << i;
    EXPECT_EQ(gs[i], cs[i]) << "specks, page " << i;
    EXPECT_EQ(gb[i], cb[i]) << "border pixels, page " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Batches, LaunchLimits,
                         ::testing::Values(Shapes::kManySmall, Shapes::kWithA3At600),
                         [](const ::testing::TestParamInfo<Shapes>& i) {
                           return i.param == Shapes::kManySmall ? "SeventyPages" : "A3At600Dpi";
                         });

}  // namespace
}  // namespace pageprep
