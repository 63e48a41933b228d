// CPU schedule of 1-bit packing: rows across the pool; full bytes eight
// pixels at a time (pack_row: one 64-bit load, mask, multiply), the row's tail
// byte through ops::pack_byte.
#include "pageprep/kernels/pack.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "cpu_clones.hpp"

namespace pageprep::kernels {

Status validate_pack_page(int32_t index, const ConstGrayView& gray, const ConstGrayView& packed) {
  if (gray.width < 0 || gray.height < 0)
    return {StatusCode::kInvalidArgument, "pack: negative page size"};
  if (gray.width != packed.width || gray.height != packed.height)
    return {StatusCode::kInvalidArgument,
            "pack: page " + std::to_string(index) + " packed size differs from gray size"};
  if (!packed.empty() && packed.pitch < ops::packed_row_bytes(packed.width))
    return {StatusCode::kInvalidArgument,
            "pack: page " + std::to_string(index) + " packed pitch below (width + 7) / 8"};
  return Status::ok();
}

namespace cpu {
namespace {

int64_t row_grain(int32_t width) {
  return std::max<int64_t>(1, 65536 / std::max<int32_t>(1, width));
}

}  // namespace

// Eight gray pixels in one little-endian word: pixel i is byte i, and it is ink
// (< 128) exactly when its top bit is 0. (~v & 0x80..80) >> 7 leaves ink_i at
// bit 8i; multiplying by 0x8040201008040201 (bits 63 - 9j) moves each ink_i to
// bit 63 - i, and no two partial products share a bit (8i - 9j = 8i' - 9j'
// only when i = i', j = j'), so nothing carries into bits 56..63, which hold
// the byte MSB first, as ops::pack_byte8 builds it.
PAGEPREP_CPU_CLONES void pack_row(const uint8_t* gray, int32_t width, uint8_t* packed) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "pack_row assumes little endian");
  const int32_t full = width / 8, tail = width % 8;
  for (int32_t b = 0; b < full; ++b) {
    uint64_t v;
    std::memcpy(&v, gray + 8 * b, 8);
    const uint64_t ink = (~v & 0x8080808080808080ull) >> 7;
    packed[b] = static_cast<uint8_t>((ink * 0x8040201008040201ull) >> 56);
  }
  if (tail) packed[full] = ops::pack_byte(gray + 8 * full, tail);
}

Status pack_bits(ThreadPool& pool, ConstGrayBatch in, GrayBatch packed) {
  if (in.count != packed.count)
    return {StatusCode::kInvalidArgument, "pack: gray and packed batches differ in size"};
  for (int32_t i = 0; i < in.count; ++i)
    PAGEPREP_RETURN_IF_ERROR(validate_pack_page(i, in[i], as_const(packed[i])));
  for (int32_t i = 0; i < in.count; ++i) {
    const ConstGrayView src = in[i];
    const GrayView dst = packed[i];
    if (src.empty()) continue;
    pool.parallel_for(src.height, row_grain(src.width), [&](int64_t y0, int64_t y1) {
      for (int64_t y = y0; y < y1; ++y)
        pack_row(src.row(static_cast<int32_t>(y)), src.width, dst.row(static_cast<int32_t>(y)));
    });
  }
  return Status::ok();
}

Status unpack_bits(ThreadPool& pool, ConstGrayBatch packed, GrayBatch out) {
  if (packed.count != out.count)
    return {StatusCode::kInvalidArgument, "pack: gray and packed batches differ in size"};
  for (int32_t i = 0; i < out.count; ++i)
    PAGEPREP_RETURN_IF_ERROR(validate_pack_page(i, as_const(out[i]), packed[i]));
  for (int32_t i = 0; i < out.count; ++i) {
    const ConstGrayView src = packed[i];
    const GrayView dst = out[i];
    if (dst.empty()) continue;
    pool.parallel_for(dst.height, row_grain(dst.width), [&](int64_t y0, int64_t y1) {
      for (int64_t y = y0; y < y1; ++y) {
        const uint8_t* s = src.row(static_cast<int32_t>(y));
        uint8_t* d = dst.row(static_cast<int32_t>(y));
        const int32_t full = dst.width / 8;
        for (int32_t b = 0; b < full; ++b)
          for (int32_t bit = 0; bit < 8; ++bit) d[8 * b + bit] = ops::unpack_bit(s[b], bit);
        for (int32_t x = 8 * full; x < dst.width; ++x) d[x] = ops::unpack_bit(s[x >> 3], x & 7);
      }
    });
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
