// CPU schedule of gray conversion: rows across the pool, one format dispatch per page.
#include "pageprep/kernels/gray.hpp"

#include <algorithm>
#include <string>

namespace pageprep::kernels {

Status validate_gray_batch(ConstGrayBatch in, GrayBatch out) {
  if (in.count != out.count)
    return {StatusCode::kInvalidArgument, "gray: input and output batches differ in size"};
  for (int32_t i = 0; i < in.count; ++i) {
    if (in[i].width != out[i].width || in[i].height != out[i].height)
      return {StatusCode::kInvalidArgument,
              "gray: page " + std::to_string(i) + " output size differs from input"};
    if (in[i].width < 0 || in[i].height < 0)
      return {StatusCode::kInvalidArgument, "gray: negative page size"};
  }
  return Status::ok();
}

namespace cpu {
namespace {

template <PixelFormat F>
void convert_page(ThreadPool& pool, ConstGrayView src, GrayView dst) {
  // ~64 KiB of output per chunk keeps the queue traffic negligible.
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int32_t>(1, dst.width));
  pool.parallel_for(dst.height, grain, [&](int64_t y0, int64_t y1) {
    for (int64_t y = y0; y < y1; ++y)
      ops::gray_row<F>(src.row(static_cast<int32_t>(y)), dst.row(static_cast<int32_t>(y)),
                       dst.width);
  });
}

}  // namespace

Status gray_convert(ThreadPool& pool, PixelFormat format, ConstGrayBatch in, GrayBatch out) {
  PAGEPREP_RETURN_IF_ERROR(validate_gray_batch(in, out));
  for (int32_t i = 0; i < in.count; ++i) {
    if (in[i].empty()) continue;
    switch (format) {
      case PixelFormat::kGray8:
        convert_page<PixelFormat::kGray8>(pool, in[i], out[i]);
        break;
      case PixelFormat::kGray16:
        convert_page<PixelFormat::kGray16>(pool, in[i], out[i]);
        break;
      case PixelFormat::kRgb8:
        convert_page<PixelFormat::kRgb8>(pool, in[i], out[i]);
        break;
      case PixelFormat::kBgr8:
        convert_page<PixelFormat::kBgr8>(pool, in[i], out[i]);
        break;
      case PixelFormat::kRgba8:
        convert_page<PixelFormat::kRgba8>(pool, in[i], out[i]);
        break;
      case PixelFormat::kBgra8:
        convert_page<PixelFormat::kBgra8>(pool, in[i], out[i]);
        break;
      default:
        return {StatusCode::kInvalidArgument, "gray: unknown pixel format"};
    }
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
