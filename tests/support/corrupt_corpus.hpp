/// \file corrupt_corpus.hpp
/// \brief A corpus of damaged, hostile and odd page files, made by our own
/// generator (no downloaded samples): truncations, bit flips, zeroed and
/// random bytes, wrong magic, absurd and zero sizes, broken checksums, bad
/// headers and loops, across PNG, JPEG, TIFF, PNM and WebP.
///
/// Used by tests/unit/io/test_corrupt_corpus.cpp (every case through the decoder:
/// no crash, and an error with a message for every case that must fail),
/// tests/e2e/test_corrupt_corpus.cpp (the whole corpus through the CLI), and
/// tests/fuzz (seed inputs). Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pageprep::testsupport {

struct CorruptCase {
  std::string kind;       ///< "<format>/<damage>", e.g. "png/absurd_width"
  std::string file_name;  ///< a file name for it, with the format's extension
  std::vector<uint8_t> bytes;
  /// The decoder must report an error (some damage, e.g. flipped bits in
  /// uncompressed pixels, leaves a decodable page; those only must not crash).
  bool must_fail = true;
};

/// The valid files the damage is applied to, one per format variant
/// ("png_gray", "jpeg_rgb", "tiff_g4", "tiff_3pages", "pnm_p5", ...).
std::vector<CorruptCase> valid_samples();

/// Every case (at least 40 kinds); WebP cases only where OpenCV can write WebP.
std::vector<CorruptCase> corrupt_corpus(uint64_t seed = 1);

}  // namespace pageprep::testsupport
