// Pages/s of the page pipeline (skew, rotate, Sauvola, despeckle, border,
// pack) on A4 300-dpi generated pages: the CPU schedule on all cores, the
// CUDA kernels alone (pages resident on the device), and the CUDA schedule
// with transfers (gray pages up from pinned memory, packed pages down), one
// lane, serial. Medians of a few measurements; each measurement runs
// `pages` pages in batches.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>

#include "checks.hpp"
#include "device_pages.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pageprep/kernels/pack.hpp"

namespace pageprep::kcheck {
namespace {

using Clock = std::chrono::steady_clock;
using kernels::Status;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

bool report_error(const char* what, const Status& st) {
  if (st.is_ok()) return true;
  std::printf("bench error: %s: %s\n", what, st.message().c_str());
  return false;
}

struct CpuPipeline {
  std::unique_ptr<kernels::cpu::SkewEstimator> skew;
  std::unique_ptr<kernels::cpu::Binarize> bin;
  std::unique_ptr<kernels::cpu::Despeckle> speck;
  std::unique_ptr<kernels::cpu::BorderRemove> border;
};

struct GpuPipeline {
  std::unique_ptr<kernels::cuda::SkewEstimator> skew;
  std::unique_ptr<kernels::cuda::Binarize> bin;
  std::unique_ptr<kernels::cuda::Despeckle> speck;
  std::unique_ptr<kernels::cuda::BorderRemove> border;
};

}  // namespace

bool run_bench(const BenchOptions& o, bool device) {
  const int32_t B = std::max(1, o.batch);
  std::vector<HostPage> src;
  for (int32_t i = 0; i < std::max(1, o.distinct); ++i) {
    PageSpec s;
    s.skew_deg = static_cast<float>((i % 7) - 3) * 0.9f;
    s.columns = 1 + i % 2;
    s.border = i % 4 == 3;
    s.seed = 1000 + static_cast<uint64_t>(i);
    src.push_back(make_page(s));
  }
  const int32_t W = src[0].width, H = src[0].height;
  kernels::BatchLimits lim;
  lim.max_batch = B;
  lim.max_width = W;
  lim.max_height = H;
  const int32_t batches = (o.pages + B - 1) / B;
  const int32_t pages = batches * B;
  std::vector<float> dpi(static_cast<size_t>(B), 300.f);
  std::vector<uint8_t> fill(static_cast<size_t>(B), 255);
  std::vector<float> angle(static_cast<size_t>(B));
  std::vector<kernels::SkewResult> res(static_cast<size_t>(B));
  const int threads =
      o.threads > 0 ? o.threads : static_cast<int>(std::thread::hardware_concurrency());
  std::printf("bench: %d pages %dx%d per measurement, batch %d, %d measurements (median)\n", pages,
              W, H, B, o.reps);

  // ---- CPU schedule.
  {
    CpuPipeline p;
    kernels::BinarizeParams bp;
    if (!report_error("cpu create", kernels::cpu::SkewEstimator::create({}, lim, &p.skew)) ||
        !report_error("cpu create", kernels::cpu::Binarize::create(bp, lim, &p.bin)) ||
        !report_error("cpu create", kernels::cpu::Despeckle::create({}, lim, &p.speck)) ||
        !report_error("cpu create", kernels::cpu::BorderRemove::create({}, lim, &p.border)))
      return false;
    std::vector<HostPage> rot, bin, packed;
    for (int32_t i = 0; i < B; ++i) {
      rot.emplace_back(W, H, 1, 0);
      bin.emplace_back(W, H, 1, 0);
      packed.emplace_back(W, H, 1, 0);
    }
    std::vector<kernels::ConstGrayView> in(B), rot_c(B), bin_c(B);
    std::vector<kernels::GrayView> rot_v(B), bin_v(B), pk_v(B);
    for (int32_t i = 0; i < B; ++i) {
      rot_v[i] = rot[i].view();
      rot_c[i] = rot[i].cview();
      bin_v[i] = bin[i].view();
      bin_c[i] = bin[i].cview();
      pk_v[i] = packed[i].view();
    }
    kernels::cpu::ThreadPool pool(threads);
    std::vector<double> t;
    for (int32_t rep = 0; rep < o.reps; ++rep) {
      const auto t0 = Clock::now();
      for (int32_t b = 0; b < batches; ++b) {
        for (int32_t i = 0; i < B; ++i) in[i] = src[(b * B + i) % src.size()].cview();
        Status st = p.skew->run(pool, batch_of(in), res.data(), dpi.data());
        for (int32_t i = 0; i < B; ++i) angle[i] = res[i].confident ? -res[i].angle_deg : 0.f;
        if (st.is_ok())
          st = kernels::cpu::rotate(pool, {}, batch_of(in), batch_of(rot_v), angle.data(),
                                    fill.data());
        if (st.is_ok()) st = p.bin->run(pool, batch_of(rot_c), batch_of(bin_v), dpi.data());
        if (st.is_ok()) st = p.speck->run(pool, batch_of(bin_v), dpi.data());
        if (st.is_ok()) st = p.border->run(pool, batch_of(bin_v));
        if (st.is_ok()) st = kernels::cpu::pack_bits(pool, batch_of(bin_c), batch_of(pk_v));
        if (!report_error("cpu pipeline", st)) return false;
      }
      t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::printf("bench cpu_schedule: %.1f pages/s (%d threads)\n", pages / median(t), threads);
  }
  if (!device) {
    std::printf("bench cuda: skipped (no CUDA device)\n");
    return true;
  }
  // ---- CUDA schedule.
  GpuPipeline p;
  kernels::BinarizeParams bp;
  std::shared_ptr<kernels::cuda::ComponentLabels> labels;
  if (!report_error("cuda create", kernels::cuda::SkewEstimator::create({}, lim, &p.skew)) ||
      !report_error("cuda create", kernels::cuda::Binarize::create(bp, lim, &p.bin)) ||
      !report_error("cuda create", kernels::cuda::ComponentLabels::create(lim, &labels)) ||
      !report_error("cuda create", kernels::cuda::Despeckle::create({}, lim, &p.speck, labels)) ||
      !report_error("cuda create", kernels::cuda::BorderRemove::create({}, lim, &p.border, labels)))
    return false;
  DevicePages d_src, d_in, d_rot, d_bin, d_pk;
  for (const auto& s : src) d_src.add(s, true);
  for (int32_t i = 0; i < B; ++i) {
    d_in.add(src[0], false);
    d_rot.add(src[0], false);
    d_bin.add(src[0], false);
    d_pk.add(src[0], false);
  }
  if (!d_src.ok() || !d_in.ok() || !d_rot.ok() || !d_bin.ok() || !d_pk.ok()) {
    std::printf("bench error: device pages: %s\n", d_in.error().c_str());
    return false;
  }
  // Pinned host staging: B gray pages in, B packed pages out.
  const size_t in_bytes = static_cast<size_t>(W) * H, pk_pitch = (static_cast<size_t>(W) + 7) / 8;
  uint8_t* h_in = nullptr;
  uint8_t* h_out = nullptr;
  if (cudaMallocHost(reinterpret_cast<void**>(&h_in), in_bytes * B) != cudaSuccess ||
      cudaMallocHost(reinterpret_cast<void**>(&h_out), pk_pitch * H * B) != cudaSuccess) {
    std::printf("bench error: pinned memory\n");
    return false;
  }
  for (int32_t i = 0; i < B; ++i)
    for (int32_t y = 0; y < H; ++y)
      std::copy(src[i % src.size()].row(y), src[i % src.size()].row(y) + W,
                h_in + in_bytes * i + static_cast<size_t>(y) * W);
  cudaStream_t stream = nullptr;
  cudaStreamCreate(&stream);
  std::vector<kernels::ConstGrayView> in(B);
  auto pipeline = [&](kernels::ConstGrayBatch batch) {
    Status st = p.skew->run(stream, batch, res.data(), dpi.data());
    for (int32_t i = 0; i < B; ++i) angle[i] = res[i].confident ? -res[i].angle_deg : 0.f;
    if (st.is_ok())
      st = kernels::cuda::rotate(stream, {}, batch, d_rot.batch(), angle.data(), fill.data());
    if (st.is_ok()) st = p.bin->run(stream, d_rot.const_batch(), d_bin.batch(), dpi.data());
    if (st.is_ok()) st = p.speck->run(stream, d_bin.batch(), dpi.data());
    if (st.is_ok()) st = p.border->run(stream, d_bin.batch());
    if (st.is_ok()) st = kernels::cuda::pack_bits(stream, d_bin.const_batch(), d_pk.batch());
    return st;
  };
  bool ok = true;
  for (int transfers = 0; transfers < 2 && ok; ++transfers) {
    std::vector<double> t;
    for (int32_t rep = 0; rep <= o.reps && ok; ++rep) {  // rep 0 warms up
      const auto t0 = Clock::now();
      for (int32_t b = 0; b < batches && ok; ++b) {
        if (transfers) {
          for (int32_t i = 0; i < B; ++i) {
            const auto& v = d_in.batch()[i];
            cudaMemcpy2DAsync(v.data, static_cast<size_t>(v.pitch), h_in + in_bytes * i, W, W, H,
                              cudaMemcpyHostToDevice, stream);
          }
          ok = report_error("cuda pipeline", pipeline(d_in.const_batch()));
          for (int32_t i = 0; i < B && ok; ++i) {
            const auto& v = d_pk.batch()[i];
            cudaMemcpy2DAsync(h_out + pk_pitch * H * i, pk_pitch, v.data,
                              static_cast<size_t>(v.pitch), pk_pitch, H, cudaMemcpyDeviceToHost,
                              stream);
          }
        } else {
          for (int32_t i = 0; i < B; ++i)
            in[i] = d_src.const_batch()[static_cast<int32_t>((b * B + i) % src.size())];
          ok = report_error("cuda pipeline", pipeline(batch_of(in)));
        }
      }
      const cudaError_t e = cudaStreamSynchronize(stream);
      if (e != cudaSuccess) {
        std::printf("bench error: %s\n", cudaGetErrorString(e));
        ok = false;
      }
      if (rep > 0) t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    }
    if (ok)
      std::printf("bench %s: %.1f pages/s\n", transfers ? "cuda_with_transfers" : "cuda_kernels",
                  pages / median(t));
  }
  cudaStreamDestroy(stream);
  cudaFreeHost(h_in);
  cudaFreeHost(h_out);
  return ok;
}

}  // namespace pageprep::kcheck
