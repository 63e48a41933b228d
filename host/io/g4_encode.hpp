/// \file g4_encode.hpp
/// \brief CCITT T.6 (Group 4) coding of packed 1-bit rows, for TIFF G4 pages.
///
/// Input: `height` rows of `width` pixels, 1 = black, most significant bit
/// first, rows `pitch` bytes apart (at least (width + 7) / 8; bits past
/// `width` in a row's last byte are ignored). Output: the T.6 bit stream with
/// its EOFB, bits most significant first (TIFF FillOrder 1), padded with 0
/// bits to a whole byte: the strip libtiff's CCITTFAX4 coder writes for the
/// same rows (same mode decisions, same code tables, same run splitting; the
/// unit tests compare the bytes), at a fraction of its CPU time because the
/// rows are scanned a 64-bit word at a time for their changing elements.
///
/// Thread safety: a pure function; no state is shared between calls.
#pragma once

#include <cstdint>
#include <vector>

namespace pageprep::host {

/// Appends the coded page to `out` (cleared first). width, height >= 1.
void g4_encode(const uint8_t* packed, int64_t pitch, int32_t width, int32_t height,
               std::vector<uint8_t>* out);

}  // namespace pageprep::host
