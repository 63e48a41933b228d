// CPU schedule of bilevel input expansion: rows across the pool, each pixel
// through ops::expand_bit (the same call as the CUDA kernel).
#include <algorithm>

#include "pageprep/kernels/expand.hpp"
#include "pageprep/kernels/pack.hpp"

namespace pageprep::kernels::cpu {

Status expand_bits(ThreadPool& pool, const ExpandParams& params, ConstGrayBatch packed,
                   GrayBatch out) {
  if (packed.count != out.count)
    return {StatusCode::kInvalidArgument, "expand: packed and gray batches differ in size"};
  for (int32_t i = 0; i < out.count; ++i)
    PAGEPREP_RETURN_IF_ERROR(validate_pack_page(i, as_const(out[i]), packed[i]));
  const uint8_t flip = ops::expand_flip(params.one_is_ink);
  for (int32_t i = 0; i < out.count; ++i) {
    const ConstGrayView src = packed[i];
    const GrayView dst = out[i];
    if (dst.empty()) continue;
    const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int32_t>(1, dst.width));
    pool.parallel_for(dst.height, grain, [&](int64_t y0, int64_t y1) {
      for (int64_t y = y0; y < y1; ++y) {
        const uint8_t* s = src.row(static_cast<int32_t>(y));
        uint8_t* d = dst.row(static_cast<int32_t>(y));
        for (int32_t x = 0; x < dst.width; ++x) d[x] = ops::expand_bit(s[x >> 3], flip, x & 7);
      }
    });
  }
  return Status::ok();
}

}  // namespace pageprep::kernels::cpu
