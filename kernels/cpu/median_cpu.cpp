// CPU schedule of the 3x3 median: rows across the pool. Each row is cut into
// blocks of kBlock pixels; the columns of a block (plus one either side,
// clamped) are sorted once into stack arrays, then each output pixel combines
// three sorted columns. Both loops are branch-free uint8 min/max over
// contiguous arrays, which the compiler vectorizes (pminub/pmaxub).
#include <algorithm>
#include <string>

#include "cpu_clones.hpp"
#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/denoise.hpp"

namespace pageprep::kernels {

Status validate_median_batch(ConstGrayBatch in, GrayBatch out) {
  return validate_batch(in, out, {"median", nullptr, /*in_place=*/false});
}

namespace cpu {
namespace {

/// Pixels per block: three 258-byte column arrays stay in L1.
constexpr int32_t kBlock = 256;

PAGEPREP_CPU_CLONES void median_row(const uint8_t* up, const uint8_t* cur, const uint8_t* down,
                                    uint8_t* out, int32_t width) {
  uint8_t lo[kBlock + 2], mid[kBlock + 2], hi[kBlock + 2];
  for (int32_t x0 = 0; x0 < width; x0 += kBlock) {
    const int32_t n = std::min(kBlock, width - x0);
    // Column j of the arrays is image column x0 - 1 + j, clamped at the edges.
    const int32_t left = std::max(x0 - 1, 0);
    const int32_t right = std::min(x0 + n, width - 1);
    ops::SortedColumn c = ops::sort_column(up[left], cur[left], down[left]);
    lo[0] = c.lo;
    mid[0] = c.mid;
    hi[0] = c.hi;
    const uint8_t* u = up + x0;
    const uint8_t* m = cur + x0;
    const uint8_t* d = down + x0;
    for (int32_t j = 0; j < n; ++j) {
      const ops::SortedColumn s = ops::sort_column(u[j], m[j], d[j]);
      lo[j + 1] = s.lo;
      mid[j + 1] = s.mid;
      hi[j + 1] = s.hi;
    }
    c = ops::sort_column(up[right], cur[right], down[right]);
    lo[n + 1] = c.lo;
    mid[n + 1] = c.mid;
    hi[n + 1] = c.hi;
    uint8_t* o = out + x0;
    for (int32_t j = 0; j < n; ++j) {
      o[j] =
          ops::median_of_sorted_columns({lo[j], mid[j], hi[j]}, {lo[j + 1], mid[j + 1], hi[j + 1]},
                                        {lo[j + 2], mid[j + 2], hi[j + 2]});
    }
  }
}

void median_page(ThreadPool& pool, ConstGrayView src, GrayView dst) {
  const int32_t h = src.height;
  // ~64 KiB of output per chunk keeps the queue traffic negligible.
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int32_t>(1, src.width));
  pool.parallel_for(h, grain, [&](int64_t y0, int64_t y1) {
    for (int64_t yy = y0; yy < y1; ++yy) {
      const int32_t y = static_cast<int32_t>(yy);
      median_row(src.row(std::max(y - 1, 0)), src.row(y), src.row(std::min(y + 1, h - 1)),
                 dst.row(y), src.width);
    }
  });
}

}  // namespace

Status median3x3(ThreadPool& pool, ConstGrayBatch in, GrayBatch out) {
  PAGEPREP_RETURN_IF_ERROR(validate_median_batch(in, out));
  for (int32_t i = 0; i < in.count; ++i) {
    if (in[i].empty()) continue;
    median_page(pool, in[i], out[i]);
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
