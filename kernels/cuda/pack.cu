// CUDA schedule of 1-bit packing: one thread per packed byte (pack) or per
// pixel (unpack), blockIdx.z = page, the shared ops/pack_ops.hpp math.
#include "cuda_check.hpp"
#include "page_table.cuh"
#include "pageprep/kernels/pack.hpp"

namespace pageprep::kernels::cuda {
namespace {

/// 32 x 8 threads: a warp covers 32 packed bytes (256 pixels) of one row.
struct PackPolicy {
  static constexpr int kBlockX = 32;
  static constexpr int kBlockY = 8;
};

__global__ void pack_kernel(LaunchTable<PagePair> t) {
  const ConstGrayView src = t.pages[blockIdx.z].in;
  const int32_t b = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (b >= ops::packed_row_bytes(src.width) || y >= src.height) return;
  const int32_t count = min(8, src.width - 8 * b);
  t.pages[blockIdx.z].out.row(y)[b] = ops::pack_byte(src.row(y) + 8 * b, count);
}

__global__ void unpack_kernel(LaunchTable<PagePair> t) {
  const GrayView dst = t.pages[blockIdx.z].out;
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= dst.width || y >= dst.height) return;
  dst.row(y)[x] = ops::unpack_bit(t.pages[blockIdx.z].in.row(y)[x >> 3], x & 7);
}

}  // namespace

Status pack_bits(Stream stream, ConstGrayBatch in, GrayBatch packed) {
  if (in.count != packed.count)
    return {StatusCode::kInvalidArgument, "pack: gray and packed batches differ in size"};
  for (int32_t i = 0; i < in.count; ++i)
    PAGEPREP_RETURN_IF_ERROR(validate_pack_page(i, in[i], as_const(packed[i])));
  return for_each_launch<PagePair>(in.count, [&](int32_t first, int32_t n) -> Status {
    const auto t = make_pair_table(in, packed, first, n);
    if (t.max_width == 0 || t.max_height == 0) return Status::ok();
    const dim3 block(PackPolicy::kBlockX, PackPolicy::kBlockY);
    const dim3 grid((ops::packed_row_bytes(t.max_width) + block.x - 1) / block.x,
                    (t.max_height + block.y - 1) / block.y, n);
    pack_kernel<<<grid, block, 0, stream>>>(t);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    return Status::ok();
  });
}

Status unpack_bits(Stream stream, ConstGrayBatch packed, GrayBatch out) {
  if (packed.count != out.count)
    return {StatusCode::kInvalidArgument, "pack: gray and packed batches differ in size"};
  for (int32_t i = 0; i < out.count; ++i)
    PAGEPREP_RETURN_IF_ERROR(validate_pack_page(i, as_const(out[i]), packed[i]));
  return for_each_launch<PagePair>(out.count, [&](int32_t first, int32_t n) -> Status {
    // The packed input's width counts pixels too (pack.hpp); the grid
    // covers the output's pixels.
    const auto t = make_pair_table(packed, out, first, n, /*extent_from_out=*/true);
    if (t.max_width == 0 || t.max_height == 0) return Status::ok();
    const dim3 block(PackPolicy::kBlockX, PackPolicy::kBlockY);
    const dim3 grid((t.max_width + block.x - 1) / block.x, (t.max_height + block.y - 1) / block.y,
                    n);
    unpack_kernel<<<grid, block, 0, stream>>>(t);
    PAGEPREP_CUDA_CHECK_LAUNCH(stream);
    return Status::ok();
  });
}

}  // namespace pageprep::kernels::cuda
