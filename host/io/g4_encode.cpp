// CCITT T.6 coding of packed rows (contract in g4_encode.hpp).
//
// Each row is first turned into its changing elements (the positions where a
// pixel differs from the one before it; an imaginary white pixel precedes the
// row), found a 64-bit word at a time. The 2-D coding then walks the coding
// and reference rows' change lists with the mode decisions of libtiff's
// Fax3Encode2DRow, so the bit stream is the one libtiff writes:
// - a1: the first change of the coding row after a0 (at the row's start, the
//   first change at or after 0); a0's colour is the coding row's colour at a0.
// - b1: the reference row is skipped over pixels of the opposite colour from
//   a0, then over pixels of a0's colour; b1 is where that stops, b2 the
//   reference row's next change after b1.
// - pass mode when b2 < a1; else vertical when |a1 - b1| <= 3; else
//   horizontal with the runs a0a1 and a1a2 (white first at the row's start).
// - runs of 2624 pixels or more emit 2560 make-up codes until below, then one
//   make-up code of 64 * (run / 64) for runs of 64 or more, then the
//   terminating code; the strip ends with EOFB (two EOLs) and 0 bits to a byte.
#include "io/g4_encode.hpp"

#include <cstring>

namespace pageprep::host {
namespace {

struct Code {
  uint16_t bits;
  uint8_t len;
};

// ITU-T T.4 run-length codes, indexed by run for 0..63 (terminating codes)
// and by 63 + run / 64 for the make-up codes of 64..2560 (those of 1792 and
// up are shared by both colours).
constexpr Code kWhite[104] = {{0x35, 8},
                              {0x7, 6},
                              {0x7, 4},
                              {0x8, 4},
                              {0xB, 4},
                              {0xC, 4},
                              {0xE, 4},
                              {0xF, 4},
                              {0x13, 5},
                              {0x14, 5},
                              {0x7, 5},
                              {0x8, 5},
                              {0x8, 6},
                              {0x3, 6},
                              {0x34, 6},
                              {0x35, 6},
                              {0x2A, 6},
                              {0x2B, 6},
                              {0x27, 7},
                              {0xC, 7},
                              {0x8, 7},
                              {0x17, 7},
                              {0x3, 7},
                              {0x4, 7},
                              {0x28, 7},
                              {0x2B, 7},
                              {0x13, 7},
                              {0x24, 7},
                              {0x18, 7},
                              {0x2, 8},
                              {0x3, 8},
                              {0x1A, 8},
                              {0x1B, 8},
                              {0x12, 8},
                              {0x13, 8},
                              {0x14, 8},
                              {0x15, 8},
                              {0x16, 8},
                              {0x17, 8},
                              {0x28, 8},
                              {0x29, 8},
                              {0x2A, 8},
                              {0x2B, 8},
                              {0x2C, 8},
                              {0x2D, 8},
                              {0x4, 8},
                              {0x5, 8},
                              {0xA, 8},
                              {0xB, 8},
                              {0x52, 8},
                              {0x53, 8},
                              {0x54, 8},
                              {0x55, 8},
                              {0x24, 8},
                              {0x25, 8},
                              {0x58, 8},
                              {0x59, 8},
                              {0x5A, 8},
                              {0x5B, 8},
                              {0x4A, 8},
                              {0x4B, 8},
                              {0x32, 8},
                              {0x33, 8},
                              {0x34, 8},
                              // make-up 64 .. 1728
                              {0x1B, 5},
                              {0x12, 5},
                              {0x17, 6},
                              {0x37, 7},
                              {0x36, 8},
                              {0x37, 8},
                              {0x64, 8},
                              {0x65, 8},
                              {0x68, 8},
                              {0x67, 8},
                              {0xCC, 9},
                              {0xCD, 9},
                              {0xD2, 9},
                              {0xD3, 9},
                              {0xD4, 9},
                              {0xD5, 9},
                              {0xD6, 9},
                              {0xD7, 9},
                              {0xD8, 9},
                              {0xD9, 9},
                              {0xDA, 9},
                              {0xDB, 9},
                              {0x98, 9},
                              {0x99, 9},
                              {0x9A, 9},
                              {0x18, 6},
                              {0x9B, 9},
                              // shared make-up 1792 .. 2560
                              {0x8, 11},
                              {0xC, 11},
                              {0xD, 11},
                              {0x12, 12},
                              {0x13, 12},
                              {0x14, 12},
                              {0x15, 12},
                              {0x16, 12},
                              {0x17, 12},
                              {0x1C, 12},
                              {0x1D, 12},
                              {0x1E, 12},
                              {0x1F, 12}};

constexpr Code kBlack[104] = {{0x37, 10},
                              {0x2, 3},
                              {0x3, 2},
                              {0x2, 2},
                              {0x3, 3},
                              {0x3, 4},
                              {0x2, 4},
                              {0x3, 5},
                              {0x5, 6},
                              {0x4, 6},
                              {0x4, 7},
                              {0x5, 7},
                              {0x7, 7},
                              {0x4, 8},
                              {0x7, 8},
                              {0x18, 9},
                              {0x17, 10},
                              {0x18, 10},
                              {0x8, 10},
                              {0x67, 11},
                              {0x68, 11},
                              {0x6C, 11},
                              {0x37, 11},
                              {0x28, 11},
                              {0x17, 11},
                              {0x18, 11},
                              {0xCA, 12},
                              {0xCB, 12},
                              {0xCC, 12},
                              {0xCD, 12},
                              {0x68, 12},
                              {0x69, 12},
                              {0x6A, 12},
                              {0x6B, 12},
                              {0xD2, 12},
                              {0xD3, 12},
                              {0xD4, 12},
                              {0xD5, 12},
                              {0xD6, 12},
                              {0xD7, 12},
                              {0x6C, 12},
                              {0x6D, 12},
                              {0xDA, 12},
                              {0xDB, 12},
                              {0x54, 12},
                              {0x55, 12},
                              {0x56, 12},
                              {0x57, 12},
                              {0x64, 12},
                              {0x65, 12},
                              {0x52, 12},
                              {0x53, 12},
                              {0x24, 12},
                              {0x37, 12},
                              {0x38, 12},
                              {0x27, 12},
                              {0x28, 12},
                              {0x58, 12},
                              {0x59, 12},
                              {0x2B, 12},
                              {0x2C, 12},
                              {0x5A, 12},
                              {0x66, 12},
                              {0x67, 12},
                              // make-up 64 .. 1728
                              {0xF, 10},
                              {0xC8, 12},
                              {0xC9, 12},
                              {0x5B, 12},
                              {0x33, 12},
                              {0x34, 12},
                              {0x35, 12},
                              {0x6C, 13},
                              {0x6D, 13},
                              {0x4A, 13},
                              {0x4B, 13},
                              {0x4C, 13},
                              {0x4D, 13},
                              {0x72, 13},
                              {0x73, 13},
                              {0x74, 13},
                              {0x75, 13},
                              {0x76, 13},
                              {0x77, 13},
                              {0x52, 13},
                              {0x53, 13},
                              {0x54, 13},
                              {0x55, 13},
                              {0x5A, 13},
                              {0x5B, 13},
                              {0x64, 13},
                              {0x65, 13},
                              // shared make-up 1792 .. 2560
                              {0x8, 11},
                              {0xC, 11},
                              {0xD, 11},
                              {0x12, 12},
                              {0x13, 12},
                              {0x14, 12},
                              {0x15, 12},
                              {0x16, 12},
                              {0x17, 12},
                              {0x1C, 12},
                              {0x1D, 12},
                              {0x1E, 12},
                              {0x1F, 12}};

constexpr Code kPass = {0x1, 4};        // 0001
constexpr Code kHorizontal = {0x1, 3};  // 001
/// Vertical modes by b1 - a1 + 3: VR3, VR2, VR1, V0, VL1, VL2, VL3.
constexpr Code kVertical[7] = {{0x3, 7}, {0x3, 6}, {0x3, 3}, {0x1, 1},
                               {0x2, 3}, {0x2, 6}, {0x2, 7}};

/// MSB-first bit writer over a growing byte vector.
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>* out) : out_(out) {}
  void put(Code c) {
    acc_ = (acc_ << c.len) | c.bits;
    n_ += c.len;
    if (n_ >= 32) {
      n_ -= 32;
      const uint32_t w = static_cast<uint32_t>(acc_ >> n_);
      const uint8_t b[4] = {static_cast<uint8_t>(w >> 24), static_cast<uint8_t>(w >> 16),
                            static_cast<uint8_t>(w >> 8), static_cast<uint8_t>(w)};
      out_->insert(out_->end(), b, b + 4);
    }
  }
  void run(int32_t span, const Code* table) {
    while (span >= 2624) {
      put(table[63 + 2560 / 64]);
      span -= 2560;
    }
    if (span >= 64) {
      put(table[63 + span / 64]);
      span -= 64 * (span / 64);
    }
    put(table[span]);
  }
  /// Writes what is left, padded with 0 bits to a byte.
  void flush() {
    while (n_ >= 8) {
      n_ -= 8;
      out_->push_back(static_cast<uint8_t>(acc_ >> n_));
    }
    if (n_ > 0) out_->push_back(static_cast<uint8_t>(acc_ << (8 - n_)));
    n_ = 0;
  }

 private:
  std::vector<uint8_t>* out_;
  uint64_t acc_ = 0;
  int n_ = 0;  ///< bits in acc_ not yet written (< 32 between calls)
};

/// Sentinels after a row's changes: every lookup past the last change reads
/// the row's width.
constexpr int kSentinels = 4;

/// The changing elements of one row into `changes` (then kSentinels copies
/// of `width`); returns how many changes there are.
int32_t row_changes(const uint8_t* row, int32_t width, int32_t* changes) {
  const int32_t bytes = (width + 7) / 8;
  int32_t n = 0;
  uint64_t prev = 0;  // the pixel before the word, in bit 63 after the shift
  for (int32_t byte = 0; byte < bytes; byte += 8) {
    const int32_t take = bytes - byte < 8 ? bytes - byte : 8;
    uint8_t b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::memcpy(b, row + byte, static_cast<size_t>(take));
    uint64_t w = 0;
    for (int k = 0; k < 8; ++k) w = (w << 8) | b[k];
    const int32_t base = 8 * byte;
    if (width - base < 64) w &= ~(~uint64_t{0} >> (width - base));  // pixels past the row: white
    uint64_t t = w ^ ((w >> 1) | (prev << 63));
    prev = w & 1;
    while (t) {
      const int k = __builtin_clzll(t);
      changes[n++] = base + k;
      t &= ~(uint64_t{1} << (63 - k));
    }
  }
  // A change at `width` (a black last pixel going back to white past the
  // row) is not a change of the row.
  while (n > 0 && changes[n - 1] >= width) --n;
  for (int k = 0; k < kSentinels; ++k) changes[n + k] = width;
  return n;
}

}  // namespace

void g4_encode(const uint8_t* packed, int64_t pitch, int32_t width, int32_t height,
               std::vector<uint8_t>* out) {
  out->clear();
  // At most one change per pixel, plus the sentinels; the first reference
  // row is all white (no changes).
  std::vector<int32_t> buf_a(static_cast<size_t>(width) + kSentinels + 1);
  std::vector<int32_t> buf_b(static_cast<size_t>(width) + kSentinels + 1);
  int32_t* ref = buf_a.data();
  int32_t* cur = buf_b.data();
  for (int k = 0; k < kSentinels; ++k) ref[k] = width;
  BitWriter bw(out);
  for (int32_t y = 0; y < height; ++y) {
    row_changes(packed + y * pitch, width, cur);
    int32_t a0 = 0;
    int32_t ia = 0;  // cur[ia] = a1
    int32_t jb = 0;  // ref[jb] = b1
    int32_t rb = 0;  // the first reference change after a0
    int color = 0;   // a0's colour (0 white); white at the row's start
    for (;;) {
      const int32_t a1 = cur[ia], b1 = ref[jb];
      const int32_t b2 = b1 < width ? ref[jb + 1] : width;
      if (b2 >= a1) {
        const int32_t d = b1 - a1;
        if (d >= -3 && d <= 3) {
          bw.put(kVertical[d + 3]);
          a0 = a1;
        } else {
          const int32_t a2 = a1 < width ? cur[ia + 1] : width;
          bw.put(kHorizontal);
          bw.run(a1 - a0, color == 0 ? kWhite : kBlack);
          bw.run(a2 - a1, color == 0 ? kBlack : kWhite);
          a0 = a2;
        }
      } else {
        bw.put(kPass);
        a0 = b2;
      }
      if (a0 >= width) break;
      while (cur[ia] <= a0) ++ia;  // a1: the first change after a0
      color = ia & 1;              // changes at or before a0, mod 2
      while (ref[rb] <= a0) ++rb;
      // Skip reference pixels of the other colour from a0, then of a0's colour.
      jb = (rb & 1) == color ? rb : rb + 1;
    }
    int32_t* t = ref;
    ref = cur;
    cur = t;
  }
  bw.put({0x1, 12});  // EOFB
  bw.put({0x1, 12});
  bw.flush();
}

}  // namespace pageprep::host
