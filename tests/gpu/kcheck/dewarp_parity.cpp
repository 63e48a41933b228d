// CPU-vs-CUDA parity of the dewarp remap (--dewarp auto, issue 21 item 3), bit
// for bit, on every generated page with a deterministic pseudo-random
// disparity grid (+-40 px; the generated pages are flat, so the model would
// not give one); the device output starts poisoned.
#include <cuda_runtime_api.h>

#include <cstdint>
#include <string>
#include <vector>

#include "checks.hpp"
#include "device_pages.hpp"
#include "pageprep/kernels/dewarp.hpp"
#include "pageprep/kernels/ops/dewarp_ops.hpp"

namespace pageprep::kcheck {

void run_dewarp_parity(const std::vector<HostPage>& pages, Report* r) {
  kernels::cpu::ThreadPool pool(3);
  std::string diff;
  uint64_t state = 0x9E3779B97F4A7C15ull;
  int32_t checked = 0;
  for (size_t i = 0; i < pages.size() && diff.empty(); ++i) {
    const HostPage& p = pages[i];
    if (p.width <= 0 || p.height <= 0 || p.bpp != 1) continue;
    const std::string at = "page " + std::to_string(i) + " (" + std::to_string(p.width) + "x" +
                           std::to_string(p.height) + ")";
    const int32_t gw = kernels::ops::dewarp_grid_w(p.width);
    const int32_t gh = kernels::ops::dewarp_grid_h(p.height);
    std::vector<int32_t> g(static_cast<size_t>(gw) * gh);
    for (auto& v : g) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      v = static_cast<int32_t>((state >> 33) % (80 * 256 + 1)) - 40 * 256;
    }
    HostPage cpu(p.width, p.height, 1, kPoison);
    if (!kernels::cpu::dewarp(pool, p.cview(), cpu.view(), {g.data(), gw, gh, 240}).is_ok()) {
      diff = at + ": cpu failed";
      break;
    }
    DevicePages d, out;
    d.add(p, true);
    out.add(cpu, false);
    int32_t* d_grid = nullptr;
    const size_t bytes = g.size() * sizeof(int32_t);
    if (!d.ok() || !out.ok() ||
        cudaMalloc(reinterpret_cast<void**>(&d_grid), bytes) != cudaSuccess) {
      diff = at + ": device memory";
      break;
    }
    cudaMemcpy(d_grid, g.data(), bytes, cudaMemcpyHostToDevice);
    const kernels::GrayView dv = out.batch()[0];
    const kernels::Status st =
        kernels::cuda::dewarp(nullptr, d.const_batch()[0], dv, {d_grid, gw, gh, 240});
    HostPage gpu(p.width, p.height, 1, 0);
    const cudaError_t e = cudaMemcpy2D(gpu.bytes.data(), static_cast<size_t>(gpu.pitch), dv.data,
                                       static_cast<size_t>(dv.pitch), static_cast<size_t>(p.width),
                                       static_cast<size_t>(p.height), cudaMemcpyDeviceToHost);
    cudaFree(d_grid);
    if (!st.is_ok() || e != cudaSuccess)
      diff = at + ": cuda: " + (st.is_ok() ? std::string(cudaGetErrorString(e)) : st.message());
    else if (!gpu.same_pixels(cpu))
      diff = at + ": pixels differ";
    ++checked;
  }
  if (diff.empty())
    r->pass("dewarp.remap", std::to_string(checked) + " pages");
  else
    r->fail("dewarp.remap", diff);
}

}  // namespace pageprep::kcheck
