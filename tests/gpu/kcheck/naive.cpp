// The CPU half of the kernels-only check, runnable without a device: the CPU
// schedules (vectorized, threaded) against naive per-pixel references.
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <string>

#include "checks.hpp"
#include "device_pages.hpp"
#include "pageprep/kernels/denoise.hpp"
#include "pageprep/kernels/deskew.hpp"
#include "pageprep/kernels/gray.hpp"
#include "pageprep/kernels/pack.hpp"

namespace pageprep::kcheck {
namespace {

std::string where(size_t page, const HostPage& a, const HostPage& b) {
  int32_t x = 0, y = 0;
  a.first_difference(b, &x, &y);
  return "page " + std::to_string(page) + " (" + std::to_string(a.width) + "x" +
         std::to_string(a.height) + ") first differs at " + std::to_string(x) + "," +
         std::to_string(y);
}

HostPage naive_median(const HostPage& in) {
  HostPage out(in.width, in.height, 1, kPoison);
  const auto v = in.cview();
  for (int32_t y = 0; y < in.height; ++y)
    for (int32_t x = 0; x < in.width; ++x) {
      std::array<uint8_t, 9> w{};
      int k = 0;
      for (int32_t dy = -1; dy <= 1; ++dy)
        for (int32_t dx = -1; dx <= 1; ++dx) w[k++] = kernels::read_clamped(v, x + dx, y + dy);
      std::nth_element(w.begin(), w.begin() + 4, w.end());
      out.row(y)[x] = w[4];
    }
  return out;
}

HostPage naive_pack(const HostPage& in) {
  HostPage out(in.width, in.height, 1, kPoison);
  const int32_t bytes = (in.width + 7) / 8;
  for (int32_t y = 0; y < in.height; ++y)
    for (int32_t b = 0; b < bytes; ++b) {
      uint8_t v = 0;
      for (int32_t i = 0; i < 8; ++i) {
        const int32_t x = b * 8 + i;
        if (x < in.width && in.row(y)[x] < 128) v = static_cast<uint8_t>(v | (0x80 >> i));
      }
      out.row(y)[b] = v;
    }
  return out;
}

HostPage naive_gray(const HostPage& rgb) {
  HostPage out(rgb.width, rgb.height, 1, kPoison);
  for (int32_t y = 0; y < rgb.height; ++y)
    for (int32_t x = 0; x < rgb.width; ++x) {
      const uint8_t* p = rgb.row(y) + x * 3;
      // round(0.299 r + 0.587 g + 0.114 b) in Q14, as ops/gray_ops.hpp documents.
      const uint32_t s = 4899u * p[0] + 9617u * p[1] + 1868u * p[2];
      out.row(y)[x] = static_cast<uint8_t>((s + (1u << 13)) >> 14);
    }
  return out;
}

/// Runs `cpu` (pool, in batch, out batch) over `in` and compares with `ref`.
template <typename Fn>
void compare(Report* r, const std::string& op, const std::vector<HostPage>& in,
             const std::vector<HostPage>& ref, Fn cpu) {
  std::vector<HostPage> out;
  std::vector<kernels::ConstGrayView> iv;
  std::vector<kernels::GrayView> ov;
  out.reserve(in.size());
  for (const auto& p : in) out.emplace_back(p.width, p.height, 1, kPoison);
  for (size_t i = 0; i < in.size(); ++i) {
    iv.push_back(in[i].cview());
    ov.push_back(out[i].view());
  }
  kernels::cpu::ThreadPool pool(2);
  const kernels::Status st = cpu(pool, batch_of(iv), batch_of(ov));
  if (!st.is_ok()) return r->fail(op, "cpu schedule: " + st.message());
  for (size_t i = 0; i < in.size(); ++i)
    if (!out[i].same_pixels(ref[i])) return r->fail(op, where(i, out[i], ref[i]));
  r->pass(op, std::to_string(in.size()) + " pages");
}

}  // namespace

/// The pages are text-like enough for the estimator: within 0.15 degree of
/// the generated skew (measured: at most 0.07) on every text page >= 300 px.
void skew_vs_truth(const std::vector<HostPage>& pages, const std::vector<PageSpec>& specs,
                   Report* r) {
  kernels::cpu::ThreadPool pool(2);
  int32_t checked = 0;
  for (size_t i = 0; i < pages.size(); ++i) {
    if (!specs[i].text || pages[i].width < 300) continue;
    kernels::BatchLimits l;
    l.max_batch = 1;
    l.max_width = pages[i].width;
    l.max_height = pages[i].height;
    std::unique_ptr<kernels::cpu::SkewEstimator> e;
    std::vector<kernels::ConstGrayView> v{pages[i].cview()};
    kernels::SkewResult res;
    kernels::Status st = kernels::cpu::SkewEstimator::create({}, l, &e);
    if (st.is_ok()) st = e->run(pool, batch_of(v), &res, &specs[i].dpi);
    if (!st.is_ok()) return r->fail("cpu_vs_truth.skew", st.message());
    if (!res.confident || std::fabs(res.angle_deg - specs[i].skew_deg) > 0.15f)
      return r->fail("cpu_vs_truth.skew", "page " + std::to_string(i) + ": generated " +
                                              std::to_string(specs[i].skew_deg) +
                                              " deg, estimated " + std::to_string(res.angle_deg));
    ++checked;
  }
  r->expect(checked > 0, "cpu_vs_truth.skew", "no text page to check");
}

void run_naive_checks(const std::vector<HostPage>& pages, const std::vector<PageSpec>& specs,
                      Report* r) {
  skew_vs_truth(pages, specs, r);
  std::vector<HostPage> median_ref, pack_ref, rgb, gray_ref;
  for (size_t i = 0; i < pages.size(); ++i) {
    median_ref.push_back(naive_median(pages[i]));
    pack_ref.push_back(naive_pack(pages[i]));
    rgb.push_back(to_colour(pages[i], 3, 100 + i));
    gray_ref.push_back(naive_gray(rgb.back()));
  }
  compare(r, "cpu_vs_naive.median3x3", pages, median_ref,
          [](auto& pool, auto in, auto out) { return kernels::cpu::median3x3(pool, in, out); });
  compare(r, "cpu_vs_naive.pack_bits", pages, pack_ref,
          [](auto& pool, auto in, auto out) { return kernels::cpu::pack_bits(pool, in, out); });
  compare(r, "cpu_vs_naive.gray_rgb8", rgb, gray_ref, [](auto& pool, auto in, auto out) {
    return kernels::cpu::gray_convert(pool, kernels::PixelFormat::kRgb8, in, out);
  });
}

}  // namespace pageprep::kcheck
