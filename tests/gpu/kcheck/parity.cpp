// CPU-vs-CUDA parity of every kernels/ operation, bit for bit, on generated
// var-shape pages; outputs start poisoned on both sides.
#include <cuda_runtime_api.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "checks.hpp"
#include "device_pages.hpp"
#include "pageprep/kernels/background.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pageprep/kernels/expand.hpp"
#include "pageprep/kernels/gray.hpp"
#include "pageprep/kernels/pack.hpp"

namespace pageprep::kcheck {
namespace {

using kernels::ConstGrayBatch;
using kernels::GrayBatch;
using kernels::Status;
using CpuFn = std::function<Status(kernels::cpu::ThreadPool&, ConstGrayBatch, GrayBatch)>;
using GpuFn = std::function<Status(cudaStream_t, ConstGrayBatch, GrayBatch)>;

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

std::string shape(const HostPage& p) {
  return std::to_string(p.width) + "x" + std::to_string(p.height);
}

/// Runs one operation on both schedules: `in` pages, outputs shaped like
/// `out_shape` (1 byte a pixel). Returns the CPU outputs through `cpu_out`.
bool gray_op(Report* r, const std::string& op, const std::vector<HostPage>& in,
             const std::vector<HostPage>& out_shape, const CpuFn& cpu, const GpuFn& gpu,
             std::vector<HostPage>* cpu_out_ret = nullptr) {
  std::vector<HostPage> cpu_out;
  std::vector<kernels::ConstGrayView> iv;
  std::vector<kernels::GrayView> ov;
  DevicePages d_in, d_out;
  for (size_t i = 0; i < in.size(); ++i) {
    cpu_out.emplace_back(out_shape[i].width, out_shape[i].height, 1, kPoison);
    d_in.add(in[i], true);
    d_out.add(cpu_out.back(), false);
  }
  for (size_t i = 0; i < in.size(); ++i) {
    iv.push_back(in[i].cview());
    ov.push_back(cpu_out[i].view());
  }
  if (!d_in.ok() || !d_out.ok()) {
    r->fail(op, "device pages: " + d_in.error() + d_out.error());
    return false;
  }
  kernels::cpu::ThreadPool pool(3);
  Status st = cpu(pool, batch_of(iv), batch_of(ov));
  if (!st.is_ok()) {
    r->fail(op, "cpu: " + st.message());
    return false;
  }
  cudaStream_t stream = nullptr;
  cudaStreamCreate(&stream);
  st = gpu(stream, d_in.const_batch(), d_out.batch());
  const cudaError_t e = cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  if (!st.is_ok() || e != cudaSuccess) {
    r->fail(op, "cuda: " + (st.is_ok() ? std::string(cudaGetErrorString(e)) : st.message()));
    return false;
  }
  for (size_t i = 0; i < in.size(); ++i) {
    const HostPage g = d_out.download(i);
    int32_t x = 0, y = 0;
    if (g.first_difference(cpu_out[i], &x, &y)) {
      r->fail(op, "page " + std::to_string(i) + " (" + shape(g) + ") differs first at " +
                      std::to_string(x) + "," + std::to_string(y) + ": cpu " +
                      std::to_string(cpu_out[i].row(y)[x]) + " cuda " +
                      std::to_string(g.row(y)[x]));
      return false;
    }
  }
  if (!d_out.ok()) {
    r->fail(op, "download: " + d_out.error());
    return false;
  }
  r->pass(op, std::to_string(in.size()) + " pages");
  if (cpu_out_ret) *cpu_out_ret = std::move(cpu_out);
  return true;
}

kernels::BatchLimits limits_for(const std::vector<HostPage>& pages) {
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

/// In-place binary operations (despeckle, border): both schedules start from
/// copies of `in`, and their per-page counts must agree too.
void in_place_op(Report* r, const std::string& op, const std::vector<HostPage>& in,
                 const std::function<Status(kernels::cpu::ThreadPool&, GrayBatch, int64_t*)>& cpu,
                 const std::function<Status(cudaStream_t, GrayBatch, int64_t*)>& gpu) {
  std::vector<HostPage> c = in;
  std::vector<kernels::GrayView> cv;
  DevicePages d;
  for (auto& p : c) {
    cv.push_back(p.view());
    d.add(p, true);
  }
  std::vector<int64_t> nc(in.size(), -7), ng(in.size(), -9);
  kernels::cpu::ThreadPool pool(3);
  Status st = cpu(pool, batch_of(cv), nc.data());
  if (!st.is_ok()) return r->fail(op, "cpu: " + st.message());
  cudaStream_t stream = nullptr;
  cudaStreamCreate(&stream);
  st = gpu(stream, d.batch(), ng.data());
  const cudaError_t e = cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  if (!st.is_ok() || e != cudaSuccess)
    return r->fail(op, "cuda: " + (st.is_ok() ? std::string(cudaGetErrorString(e)) : st.message()));
  for (size_t i = 0; i < in.size(); ++i) {
    if (nc[i] != ng[i])
      return r->fail(op, "page " + std::to_string(i) + " count: cpu " + std::to_string(nc[i]) +
                             " cuda " + std::to_string(ng[i]));
    if (!d.download(i).same_pixels(c[i]))
      return r->fail(op, "page " + std::to_string(i) + " (" + shape(c[i]) + ") pixels differ");
  }
  int64_t total = 0;
  for (auto n : nc) total += n;
  r->pass(op, std::to_string(in.size()) + " pages, " + std::to_string(total) + " removed");
}

}  // namespace

void run_parity(const std::vector<HostPage>& pages, const std::vector<float>& dpi, Report* r) {
  const kernels::BatchLimits limits = limits_for(pages);
  const float* d = dpi.data();
  // Gray conversion from interleaved colour.
  for (auto [name, fmt, bpp] : {std::tuple{"gray.rgb8", kernels::PixelFormat::kRgb8, 3},
                                std::tuple{"gray.bgra8", kernels::PixelFormat::kBgra8, 4}}) {
    std::vector<HostPage> colour;
    for (size_t i = 0; i < pages.size(); ++i) colour.push_back(to_colour(pages[i], bpp, 50 + i));
    const auto f = fmt;
    gray_op(
        r, name, colour, pages,
        [f](auto& pool, auto in, auto out) { return kernels::cpu::gray_convert(pool, f, in, out); },
        [f](auto s, auto in, auto out) { return kernels::cuda::gray_convert(s, f, in, out); });
  }
  gray_op(
      r, "median3x3", pages, pages,
      [](auto& pool, auto in, auto out) { return kernels::cpu::median3x3(pool, in, out); },
      [](auto s, auto in, auto out) { return kernels::cuda::median3x3(s, in, out); });
  {
    std::unique_ptr<kernels::cpu::BackgroundNormalize> c;
    std::unique_ptr<kernels::cuda::BackgroundNormalize> g;
    const kernels::BackgroundParams p;
    if (!kernels::cpu::BackgroundNormalize::create(p, limits, &c).is_ok() ||
        !kernels::cuda::BackgroundNormalize::create(p, limits, &g).is_ok()) {
      r->fail("background", "create failed");
    } else {
      gray_op(
          r, "background", pages, pages,
          [&](auto& pool, auto in, auto out) { return c->run(pool, in, out, d); },
          [&](auto s, auto in, auto out) { return g->run(s, in, out, d); });
    }
  }
  std::vector<HostPage> binary;
  for (auto [name, method] : {std::pair{"binarize.otsu", kernels::BinarizeMethod::kOtsu},
                              std::pair{"binarize.wolf", kernels::BinarizeMethod::kWolf},
                              std::pair{"binarize.sauvola", kernels::BinarizeMethod::kSauvola}}) {
    kernels::BinarizeParams p;
    p.method = method;
    std::unique_ptr<kernels::cpu::Binarize> c;
    std::unique_ptr<kernels::cuda::Binarize> g;
    if (!kernels::cpu::Binarize::create(p, limits, &c).is_ok() ||
        !kernels::cuda::Binarize::create(p, limits, &g).is_ok()) {
      r->fail(name, "create failed");
      continue;
    }
    std::vector<HostPage> out;
    const bool ok = gray_op(
        r, name, pages, pages, [&](auto& pool, auto in, auto o) { return c->run(pool, in, o, d); },
        [&](auto s, auto in, auto o) { return g->run(s, in, o, d); }, &out);
    if (ok && method == kernels::BinarizeMethod::kOtsu) {
      std::vector<int32_t> t(pages.size(), -5);
      cudaMemcpy(t.data(), g->device_otsu_thresholds(), t.size() * 4, cudaMemcpyDeviceToHost);
      r->expect(t == c->otsu_thresholds(), "binarize.otsu_thresholds", "thresholds differ");
    }
    if (ok && method == kernels::BinarizeMethod::kSauvola) binary = std::move(out);
  }
  if (binary.size() == pages.size()) {
    std::unique_ptr<kernels::cpu::Despeckle> cd;
    std::unique_ptr<kernels::cuda::Despeckle> gd;
    std::unique_ptr<kernels::cpu::BorderRemove> cb;
    std::unique_ptr<kernels::cuda::BorderRemove> gb;
    if (!kernels::cpu::Despeckle::create({}, limits, &cd).is_ok() ||
        !kernels::cuda::Despeckle::create({}, limits, &gd).is_ok() ||
        !kernels::cpu::BorderRemove::create({}, limits, &cb).is_ok() ||
        !kernels::cuda::BorderRemove::create({}, limits, &gb).is_ok()) {
      r->fail("despeckle", "create failed");
    } else {
      in_place_op(
          r, "despeckle", binary,
          [&](auto& pool, auto b, auto n) { return cd->run(pool, b, d, n); },
          [&](auto s, auto b, auto n) { return gd->run(s, b, d, n); });
      in_place_op(
          r, "border", binary, [&](auto& pool, auto b, auto n) { return cb->run(pool, b, n); },
          [&](auto s, auto b, auto n) { return gb->run(s, b, n); });
    }
    gray_op(
        r, "pack_bits", binary, binary,
        [](auto& pool, auto in, auto out) { return kernels::cpu::pack_bits(pool, in, out); },
        [](auto s, auto in, auto out) { return kernels::cuda::pack_bits(s, in, out); });
    std::vector<HostPage> packed;
    for (const auto& b : binary) {
      HostPage p(b.width, b.height, 1, 0);
      kernels::cpu::ThreadPool pool(1);
      std::vector<kernels::ConstGrayView> i{b.cview()};
      std::vector<kernels::GrayView> o{p.view()};
      if (!kernels::cpu::pack_bits(pool, batch_of(i), batch_of(o)).is_ok()) break;
      packed.push_back(std::move(p));
    }
    if (packed.size() == binary.size())
      gray_op(
          r, "unpack_bits", packed, binary,
          [](auto& pool, auto in, auto out) { return kernels::cpu::unpack_bits(pool, in, out); },
          [](auto s, auto in, auto out) { return kernels::cuda::unpack_bits(s, in, out); });
    // Bilevel input expansion (issue 19 item 3), both decoder polarities.
    if (packed.size() == binary.size())
      for (const bool one_is_ink : {true, false})
        gray_op(
            r, one_is_ink ? "expand_bits (1 = ink)" : "expand_bits (1 = paper)", packed, binary,
            [one_is_ink](auto& pool, auto in, auto out) {
              return kernels::cpu::expand_bits(pool, {one_is_ink}, in, out);
            },
            [one_is_ink](auto s, auto in, auto out) {
              return kernels::cuda::expand_bits(s, {one_is_ink}, in, out);
            });
  } else {
    r->fail("despeckle", "no binary pages (binarize.sauvola failed)");
  }
  // Skew: the whole SkewResult, bit for bit.
  std::vector<kernels::SkewResult> rc(pages.size());
  {
    std::unique_ptr<kernels::cpu::SkewEstimator> c;
    std::unique_ptr<kernels::cuda::SkewEstimator> g;
    kernels::SkewParams p;
    kernels::BatchLimits l = limits;
    l.max_batch = 3;  // fewer than the pages: the chunked path runs too
    std::vector<kernels::SkewResult> rg(pages.size());
    for (auto& x : rg) x.angle_deg = 999.f;
    std::vector<kernels::ConstGrayView> iv;
    DevicePages dev;
    for (const auto& pg : pages) {
      iv.push_back(pg.cview());
      dev.add(pg, true);
    }
    kernels::cpu::ThreadPool pool(3);
    Status st = kernels::cpu::SkewEstimator::create(p, l, &c);
    if (st.is_ok()) st = c->run(pool, batch_of(iv), rc.data(), d);
    if (st.is_ok()) st = kernels::cuda::SkewEstimator::create(p, l, &g);
    cudaStream_t s = nullptr;
    cudaStreamCreate(&s);
    if (st.is_ok()) st = g->run(s, dev.const_batch(), rg.data(), d);
    cudaStreamDestroy(s);
    std::string diff;
    int32_t confident = 0;
    for (size_t i = 0; i < pages.size() && diff.empty() && st.is_ok(); ++i) {
      confident += rc[i].confident;
      if (bits(rc[i].angle_deg) != bits(rg[i].angle_deg) ||
          bits(rc[i].confidence) != bits(rg[i].confidence) || rc[i].confident != rg[i].confident ||
          rc[i].text_lines != rg[i].text_lines)
        diff = "page " + std::to_string(i) + ": cpu " + std::to_string(rc[i].angle_deg) + " deg/" +
               std::to_string(rc[i].text_lines) + " lines, cuda " +
               std::to_string(rg[i].angle_deg) + "/" + std::to_string(rg[i].text_lines);
    }
    if (!st.is_ok()) {
      r->fail("skew", st.message());
    } else if (!diff.empty()) {
      r->fail("skew", diff);
    } else {
      r->pass("skew",
              std::to_string(pages.size()) + " pages, " + std::to_string(confident) + " confident");
    }
  }
  // Rotation by the estimated angle (or a fixed one), fill from the paper.
  for (bool expand : {false, true}) {
    std::vector<float> angle(pages.size());
    std::vector<uint8_t> fill(pages.size());
    std::vector<HostPage> shapes;
    for (size_t i = 0; i < pages.size(); ++i) {
      angle[i] = rc[i].confident ? -rc[i].angle_deg : 2.5f * static_cast<float>(i % 3) - 2.f;
      fill[i] = kernels::cpu::background_level(pages[i].cview());
      int32_t w = 0, h = 0;
      kernels::rotated_size(pages[i].width, pages[i].height, angle[i], expand, &w, &h);
      shapes.emplace_back(w, h, 1, 0);
    }
    const kernels::RotateParams p{expand};
    gray_op(
        r, expand ? "rotate.expand" : "rotate", pages, shapes,
        [&](auto& pool, auto in, auto out) {
          return kernels::cpu::rotate(pool, p, in, out, angle.data(), fill.data());
        },
        [&](auto s, auto in, auto out) {
          return kernels::cuda::rotate(s, p, in, out, angle.data(), fill.data());
        });
  }
  const cudaError_t e = cudaDeviceSynchronize();
  r->expect(e == cudaSuccess, "device_errors", cudaGetErrorString(e));
}

}  // namespace pageprep::kcheck
