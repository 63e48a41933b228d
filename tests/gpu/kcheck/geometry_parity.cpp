// CPU-vs-CUDA parity of the book-geometry cell statistics (issue 21): the
// page box's cell sums (--crop page) and the gutter's cell ranges (--split
// auto), bit for bit, on every generated page and on a spread made of two of
// them; device outputs start poisoned; the decisions on both agree.
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "checks.hpp"
#include "device_pages.hpp"
#include "pageprep/kernels/gutter.hpp"
#include "pageprep/kernels/ops/gutter_ops.hpp"
#include "pageprep/kernels/ops/page_box_ops.hpp"
#include "pageprep/kernels/page_box.hpp"

namespace pageprep::kcheck {
namespace {

/// Two pages side by side (the shorter one padded with paper).
HostPage side_by_side(const HostPage& a, const HostPage& b) {
  HostPage s(a.width + b.width, std::max(a.height, b.height), 1, 250);
  for (int32_t y = 0; y < a.height; ++y) std::memcpy(s.row(y), a.row(y), a.width);
  for (int32_t y = 0; y < b.height; ++y) std::memcpy(s.row(y) + a.width, b.row(y), b.width);
  return s;
}

/// The device's statistics of `page`: `count` T values filled by `enqueue`.
template <class T, class Enqueue>
bool device_stats(const HostPage& page, size_t count, Enqueue enqueue, std::vector<T>* out,
                  std::string* error) {
  DevicePages d;
  d.add(page, true);
  T* buf = nullptr;
  const size_t bytes = count * sizeof(T);
  if (!d.ok() || cudaMalloc(reinterpret_cast<void**>(&buf), bytes) != cudaSuccess) {
    *error = "device memory: " + d.error();
    return false;
  }
  cudaMemset(buf, kPoison, bytes);
  const kernels::Status st = enqueue(d.const_batch()[0], buf);
  out->assign(count, 0);
  const cudaError_t e = cudaMemcpy(out->data(), buf, bytes, cudaMemcpyDeviceToHost);
  cudaFree(buf);
  if (!st.is_ok() || e != cudaSuccess) {
    *error = st.is_ok() ? std::string(cudaGetErrorString(e)) : st.message();
    return false;
  }
  return true;
}

}  // namespace

void run_geometry_parity(const std::vector<HostPage>& pages, Report* r) {
  std::vector<const HostPage*> all;
  for (const auto& p : pages) all.push_back(&p);
  HostPage spread;
  if (pages.size() >= 2) {
    spread = side_by_side(pages[0], pages[1]);
    all.push_back(&spread);
  }
  kernels::cpu::ThreadPool pool(3);
  std::string box_diff, gutter_diff;
  int32_t splits = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const HostPage& p = *all[i];
    if (p.width <= 0 || p.height <= 0) continue;
    const std::string at = "page " + std::to_string(i) + " (" + std::to_string(p.width) + "x" +
                           std::to_string(p.height) + ")";
    std::string err;
    if (box_diff.empty()) {
      std::vector<uint32_t> c, g;
      const size_t n = static_cast<size_t>(kernels::ops::page_box_cells(p.width)) *
                       kernels::ops::page_box_cells(p.height);
      if (!kernels::cpu::page_cell_sums(pool, p.cview(), &c).is_ok())
        box_diff = at + ": cpu failed";
      else if (!device_stats<uint32_t>(
                   p, n,
                   [](kernels::ConstGrayView v, uint32_t* o) {
                     return kernels::cuda::page_cell_sums(nullptr, v, o);
                   },
                   &g, &err))
        box_diff = at + ": cuda: " + err;
      else if (c != g)
        box_diff = at + ": cell sums differ";
      else if (kernels::find_page_box(c, p.width, p.height).x !=
               kernels::find_page_box(g, p.width, p.height).x)
        box_diff = at + ": boxes differ";
    }
    if (gutter_diff.empty()) {
      std::vector<uint16_t> c, g;
      const size_t n = static_cast<size_t>(kernels::ops::gutter_cells_w(p.width)) *
                       kernels::ops::gutter_cells_h(p.height);
      if (!kernels::cpu::gutter_cell_ranges(pool, p.cview(), &c).is_ok()) {
        gutter_diff = at + ": cpu failed";
      } else if (!device_stats<uint16_t>(
                     p, n,
                     [](kernels::ConstGrayView v, uint16_t* o) {
                       return kernels::cuda::gutter_cell_ranges(nullptr, v, o);
                     },
                     &g, &err)) {
        gutter_diff = at + ": cuda: " + err;
      } else if (c != g) {
        gutter_diff = at + ": cell ranges differ";
      } else {
        const auto a = kernels::find_gutter(c, p.width, p.height);
        const auto b = kernels::find_gutter(g, p.width, p.height);
        if (a.found != b.found || a.x != b.x || a.note != b.note)
          gutter_diff = at + ": decisions differ";
        splits += a.found;
      }
    }
  }
  const std::string n = std::to_string(all.size()) + " pages";
  if (box_diff.empty())
    r->pass("page_box.cell_sums", n);
  else
    r->fail("page_box.cell_sums", box_diff);
  if (gutter_diff.empty())
    r->pass("gutter.cell_ranges", n + ", " + std::to_string(splits) + " split");
  else
    r->fail("gutter.cell_ranges", gutter_diff);
}

}  // namespace pageprep::kcheck
