// CUDA schedule of gray conversion: a 2-D grid over the largest page, blockIdx.z
// is the page; each thread converts one pixel with the shared ops::gray_of.
#include "cuda_check.hpp"
#include "page_table.cuh"
#include "pageprep/kernels/gray.hpp"

namespace pageprep::kernels::cuda {
namespace {

/// 32x8 threads: one warp reads a row segment, coalesced for gray8 input.
struct GrayPolicy {
  static constexpr int kBlockX = 32;
  static constexpr int kBlockY = 8;
};

template <PixelFormat F>
__global__ void gray_convert_kernel(LaunchTable<PagePair> t) {
  const ConstGrayView src = t.pages[blockIdx.z].in;
  const GrayView dst = t.pages[blockIdx.z].out;
  const int32_t x = blockIdx.x * blockDim.x + threadIdx.x;
  const int32_t y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= dst.width || y >= dst.height) return;
  dst.row(y)[x] = ops::gray_of<F>(src.row(y), x);
}

template <PixelFormat F>
Status launch_gray_convert(Stream stream, const LaunchTable<PagePair>& t) {
  if (t.count == 0 || t.max_width == 0 || t.max_height == 0) return Status::ok();
  const dim3 block(GrayPolicy::kBlockX, GrayPolicy::kBlockY);
  const dim3 grid((t.max_width + block.x - 1) / block.x, (t.max_height + block.y - 1) / block.y,
                  t.count);
  gray_convert_kernel<F><<<grid, block, 0, stream>>>(t);
  PAGEPREP_CUDA_CHECK_LAUNCH(stream);
  return Status::ok();
}

}  // namespace

Status gray_convert(Stream stream, PixelFormat format, ConstGrayBatch in, GrayBatch out) {
  PAGEPREP_RETURN_IF_ERROR(validate_gray_batch(in, out));
  return for_each_launch<PagePair>(in.count, [&](int32_t first, int32_t n) -> Status {
    const auto t = make_pair_table(in, out, first, n);
    switch (format) {
      case PixelFormat::kGray8:
        return launch_gray_convert<PixelFormat::kGray8>(stream, t);
      case PixelFormat::kGray16:
        return launch_gray_convert<PixelFormat::kGray16>(stream, t);
      case PixelFormat::kRgb8:
        return launch_gray_convert<PixelFormat::kRgb8>(stream, t);
      case PixelFormat::kBgr8:
        return launch_gray_convert<PixelFormat::kBgr8>(stream, t);
      case PixelFormat::kRgba8:
        return launch_gray_convert<PixelFormat::kRgba8>(stream, t);
      case PixelFormat::kBgra8:
        return launch_gray_convert<PixelFormat::kBgra8>(stream, t);
    }
    return {StatusCode::kInvalidArgument, "gray: unknown pixel format"};
  });
}

}  // namespace pageprep::kernels::cuda
