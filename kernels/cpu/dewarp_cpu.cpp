// Dewarp: the CPU schedules of the strip ink profiles (strips across the pool,
// one ops::strip_row_ink per row) and of the remap (output rows across the
// pool: ops::dewarp_pixel per pixel, except grid cells whose four nodes are 0,
// copied as they are, which is the same bytes), and the shape checks both
// schedules share.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string>

#include "pageprep/kernels/dewarp.hpp"
#include "pageprep/kernels/ops/dewarp_ops.hpp"
#include "pageprep/kernels/ops/threshold_ops.hpp"

namespace pageprep::kernels {

Status validate_dewarp(ConstGrayView src, GrayView dst, const ops::DewarpGrid& grid,
                       bool check_nodes) {
  if (src.empty() || src.data == nullptr || dst.data == nullptr)
    return {StatusCode::kInvalidArgument, "dewarp: empty page"};
  if (src.width != dst.width || src.height != dst.height)
    return {StatusCode::kInvalidArgument, "dewarp: output size differs from the input"};
  if (std::max(src.width, src.height) > kDewarpMaxSide)
    return {StatusCode::kOutOfRange,
            "dewarp: page exceeds " + std::to_string(kDewarpMaxSide) + " pixels"};
  if (grid.v_q8 == nullptr || grid.grid_w != ops::dewarp_grid_w(src.width) ||
      grid.grid_h != ops::dewarp_grid_h(src.height))
    return {StatusCode::kInvalidArgument, "dewarp: the grid does not match the page"};
  if (src.data == dst.data) return {StatusCode::kInvalidArgument, "dewarp: output aliases input"};
  if (check_nodes) {
    const int64_t n = static_cast<int64_t>(grid.grid_w) * grid.grid_h;
    for (int64_t i = 0; i < n; ++i)
      if (std::abs(static_cast<int64_t>(grid.v_q8[i])) >
          static_cast<int64_t>(ops::kDewarpMaxShiftPx) * 256)
        return {StatusCode::kOutOfRange,
                "dewarp: a grid node exceeds " + std::to_string(ops::kDewarpMaxShiftPx) + " px"};
  }
  return Status::ok();
}

namespace cpu {

Status strip_profiles(ThreadPool& pool, ConstGrayView page, int32_t threshold,
                      std::vector<int32_t>* profiles) {
  if (page.empty() || page.data == nullptr || profiles == nullptr)
    return {StatusCode::kInvalidArgument, "dewarp: empty page"};
  const int32_t w = page.width, h = page.height, s_n = kDewarpStrips;
  profiles->assign(static_cast<size_t>(s_n) * static_cast<size_t>(h), 0);
  int32_t* out = profiles->data();
  // Row bands across the pool; each band fills every strip of its rows.
  pool.parallel_for(h, 64, [&](int64_t b, int64_t e) {
    for (int64_t y = b; y < e; ++y) {
      const uint8_t* r = page.row(static_cast<int32_t>(y));
      for (int32_t s = 0; s < s_n; ++s) {
        const int32_t x0 = static_cast<int32_t>(static_cast<int64_t>(s) * w / s_n);
        const int32_t x1 = static_cast<int32_t>(static_cast<int64_t>(s + 1) * w / s_n);
        out[static_cast<int64_t>(s) * h + y] = ops::strip_row_ink(r, x0, x1, threshold);
      }
    }
  });
  return Status::ok();
}

Status dewarp_model(ThreadPool& pool, ConstGrayView page, DewarpModel* model) {
  if (page.empty() || page.data == nullptr || model == nullptr)
    return {StatusCode::kInvalidArgument, "dewarp: empty page"};
  std::array<uint32_t, 256> hist{};
  // Every 4th row is plenty for a threshold between paper and ink.
  for (int32_t y = 0; y < page.height; y += 4) {
    const uint8_t* r = page.row(y);
    for (int32_t x = 0; x < page.width; ++x) ++hist[r[x]];
  }
  int32_t t = ops::otsu_threshold(hist.data());
  if (t < 0) t = 127;
  std::vector<int32_t> profiles;
  // Pixels strictly below the Otsu level plus one: the ink class.
  if (Status st = strip_profiles(pool, page, t + 1, &profiles); !st.is_ok()) return st;
  *model = fit_dewarp(profiles, page.width, page.height);
  return Status::ok();
}

Status dewarp(ThreadPool& pool, ConstGrayView src, GrayView dst, const ops::DewarpGrid& grid) {
  if (Status st = validate_dewarp(src, dst, grid, true); !st.is_ok()) return st;
  const int32_t step = ops::kDewarpGridStep;
  pool.parallel_for(src.height, 16, [&](int64_t b, int64_t e) {
    for (int64_t yy = b; yy < e; ++yy) {
      const int32_t y = static_cast<int32_t>(yy), j = y >> ops::kDewarpGridShift;
      const int32_t* r0 = grid.v_q8 + static_cast<int64_t>(j) * grid.grid_w;
      const int32_t* r1 = r0 + grid.grid_w;
      uint8_t* out = dst.row(y);
      for (int32_t x0 = 0; x0 < src.width; x0 += step) {
        const int32_t i = x0 >> ops::kDewarpGridShift, x1 = std::min(src.width, x0 + step);
        // A cell whose four nodes are 0 is the input itself (v = 0 gives the
        // 2 x 2 blend weight 1 on the pixel): the same bytes as dewarp_pixel.
        if ((r0[i] | r0[i + 1] | r1[i] | r1[i + 1]) == 0) {
          std::memcpy(out + x0, src.row(y) + x0, static_cast<size_t>(x1 - x0));
          continue;
        }
        for (int32_t x = x0; x < x1; ++x) out[x] = ops::dewarp_pixel(src, grid, x, y);
      }
    }
  });
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
