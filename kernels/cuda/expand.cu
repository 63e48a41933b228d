// CUDA schedule of bilevel input expansion: one thread per output pixel,
// blockIdx.z = page, the shared ops/expand_ops.hpp math.
#include "cuda_check.hpp"
#include "page_table.cuh"
#include "pageprep/kernels/expand.hpp"
#include "pageprep/kernels/pack.hpp"

namespace pageprep::kernels::cuda {
namespace {

struct ExpandPolicy {
  static constexpr int kBlockX = 32;
  static constexpr int kBlockY = 8;
};

__global__ void expand_kernel(LaunchTable<PagePair> t, uint8_t flip) {
  const GrayView dst = t.pages[blockIdx.z].out;
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= dst.width || y >= dst.height) return;
  dst.row(y)[x] = ops::expand_bit(t.pages[blockIdx.z].in.row(y)[x >> 3], flip, x & 7);
}

}  // namespace

Status expand_bits(Stream stream, const ExpandParams& params, ConstGrayBatch packed,
                   GrayBatch out) {
  if (packed.count != out.count)
    return {StatusCode::kInvalidArgument, "expand: packed and gray batches differ in size"};
  for (int32_t i = 0; i < out.count; ++i)
    PAGEPREP_RETURN_IF_ERROR(validate_pack_page(i, as_const(out[i]), packed[i]));
  const uint8_t flip = ops::expand_flip(params.one_is_ink);
  return for_each_launch<PagePair>(out.count, [&](int32_t first, int32_t n) -> Status {
    // The packed input's width counts pixels (expand.hpp); the grid covers the
    // output's pixels.
    const auto t = make_pair_table(packed, out, first, n, /*extent_from_out=*/true);
    if (t.max_width == 0 || t.max_height == 0) return Status::ok();
    const dim3 block(ExpandPolicy::kBlockX, ExpandPolicy::kBlockY);
    const dim3 grid((t.max_width + block.x - 1) / block.x, (t.max_height + block.y - 1) / block.y,
                    n);
    expand_kernel<<<grid, block, 0, stream>>>(t, flip);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    return Status::ok();
  });
}

}  // namespace pageprep::kernels::cuda
