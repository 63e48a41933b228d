/// \file output_names.hpp
/// \brief The one naming function for every output file: where a page's and a
/// document's outputs go below OUTDIR.
///
/// Rules (README "Outputs"; docs/ARCHITECTURE.md "Output names"):
/// - Every input file is a document. Its *base* B (relative to OUTDIR, '/'
///   separated, no extension) comes from InputFile::name, which depends only on
///   the argument the file came from (inputs.hpp), never on the run's other
///   inputs: so names are the same whichever subset of inputs a run is given,
///   and N shards over the same inputs name their outputs as one run would.
/// - B is InputFile::name without its extension, unless the input's folder on
///   disk also holds another page file with the same stem or a sub-folder of
///   that name (a.tif beside a.png; book.pdf beside book/): then B keeps the
///   extension, so two inputs of one folder never share a base.
/// - A component longer than kMaxNameComponent bytes is cut at a UTF-8 boundary
///   and ends in "~" + 8 hex digits of a hash of the whole component, so no
///   output name (with its longest suffix) exceeds NAME_MAX.
/// - A 1-page document's page outputs are `B.<suffix>`; page k (0-based) of an
///   N-page document writes `B/p<k+1, 4 digits>.<suffix>` (p0001 is the first page).
/// - Document outputs are `B.pdf` and, for an N-page document, `B.txt`.
/// Uniqueness across runs into one OUTDIR is enforced by claims (outdir.hpp).
///
/// Thread safety: the functions are pure; a SiblingIndex is used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "io/inputs.hpp"

namespace pageprep::host {

/// 64-bit FNV-1a: the hash behind shortened names, the shard partition
/// (shard.hpp) and the option hash in journal keys.
uint64_t fnv1a64(const std::string& s);

/// Longest component of a base, in bytes: NAME_MAX (255) less the longest
/// suffix pageprep appends (".gray.png", ".hocr", ...) with room to spare.
constexpr size_t kMaxNameComponent = 230;

/// Every suffix an output of a page or a document may end in (for the check
/// that a new base does not meet files pageprep did not write).
const std::vector<std::string>& output_suffixes();

/// Caches, per folder, which stems occur more than once among its page files
/// and sub-folders (one listing per folder).
class SiblingIndex {
 public:
  /// Whether `filename` (a file in `folder`) shares its stem with another page
  /// file or a sub-folder there.
  bool stem_is_shared(const std::string& folder, const std::string& filename);

 private:
  std::map<std::string, std::map<std::string, int>> stems_;  ///< folder -> stem -> count
};

/// The file name without its last extension ("a.tif" -> "a"; "a" -> "a";
/// ".a" -> ".a"; "a.b.c" -> "a.b").
std::string file_stem(const std::string& filename);

/// The document base B for an input (see the rules above).
std::string document_base(const InputFile& input, SiblingIndex& siblings);

/// The stem of page `page` (0-based) of a document of `pages` pages: B or B/p0001.
std::string page_stem(const std::string& base, int32_t page, int32_t pages);

/// The stem of one half of page `page` (0-based) of a split spread (--split
/// auto): B/p0001L or B/p0001R, whatever the document's page count, so a
/// one-image document's halves sit in a folder B beside B.pdf.
std::string half_stem(const std::string& base, int32_t page, bool left);

}  // namespace pageprep::host
