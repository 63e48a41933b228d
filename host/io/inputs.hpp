/// \file inputs.hpp
/// \brief Turns command-line arguments into the ordered list of input files.
///
/// Each argument is, in this order of precedence:
/// - "-": a list of paths read from stdin, one per line;
/// - "@FILE", or an existing or missing file ending in .txt or .lst
///   (case-insensitive): a list file, one path per line, relative paths taken
///   relative to the list file's folder;
/// - a folder: every page file below it, recursively, sorted by path
///   (component-wise, bytewise: the C-locale `ls` order), keeping only the
///   extensions in kPageExtensions (case-insensitive), never entering the
///   run's OUTDIR (`skip_folders`) or a pageprep output folder (one holding a
///   ".pageprep" folder): a run's outputs never become a later run's inputs;
/// - anything else, existing or NOT: one input. A missing path is kept so the
///   pipeline reports a per-page not_found error for it.
///
/// Nothing in a folder is skipped silently. Skipped on purpose, counted by
/// reason (InputList::skipped, run.json `inputs_skipped`) and named on stderr
/// (skip_summary()): hidden files and folders (names starting with '.'),
/// files that are not pages (other extensions), dangling symbolic links,
/// symbolic-link loops, links to folders (never followed below the top, so
/// there are no cycles), FIFOs, sockets and devices, and output folders (the
/// OUTDIR and other pageprep output folders). Errors, each an
/// InputFile with `error` set that the run reports as a failed entry: a
/// folder (the argument or one below it) that cannot be listed (kUnreadable),
/// a folder, list or stdin that yields no page at all (kNoPages), and a list
/// that is binary data, not text (kUnsupportedFormat: one error, not one per
/// junk "line").
///
/// Listing never opens a file other than a list, never blocks on a FIFO
/// (entries are classified with lstat/stat), and gives up between entries and
/// while waiting on stdin when request_io_stop() is called (io/file_read.hpp).
///
/// In lists (stdin or file), blank lines and lines starting with '#' are
/// skipped, surrounding whitespace and a trailing '\r' are trimmed, and each
/// entry is a file or a folder (expanded as above); list entries are never
/// read as further lists. A list file that cannot be read is itself returned
/// as an input with its error. Order: arguments in order, each expanded in
/// place. The same file reached twice (by the same absolute normalized path,
/// or the same device and inode: a hard link, a symlink, `./a.png` and
/// `a.png`) is kept once, at its first position, with a warning.
#pragma once

#include <array>
#include <cstdint>
#include <istream>
#include <map>
#include <string>
#include <vector>

#include "io/page.hpp"

namespace pageprep::host {

/// The extensions (lower case, with the dot) of files taken from folders as
/// pages. One list for the whole program: a new input format adds its
/// extensions here.
inline const std::vector<std::string> kPageExtensions = {".png", ".jpg", ".jpeg", ".tif", ".tiff",
                                                         ".pnm", ".pgm", ".ppm",  ".pbm", ".webp",
                                                         ".pdf", ".jp2", ".j2k",  ".jpx"};

struct InputFile {
  std::string path;
  /// The name its outputs take below OUTDIR, before output_names.hpp decides
  /// about the extension: '/'-separated, relative, never starting with "..".
  /// It depends only on the argument the file came from:
  /// - a folder argument DIR: basename(DIR)/<path below DIR>;
  /// - a file argument: its basename;
  /// - a list entry (stdin, @FILE, .txt/.lst): the entry as written, without
  ///   leading "/", "./" and "../" components (and, for a folder entry, the
  ///   path below it appended).
  std::string name;
  PageError error = PageError::kNone;  ///< set: not a page file, but a listing error to report
  std::string message = {};            ///< the error, "<path>: <what>"
};

/// Why a folder entry was left out (run.json `inputs_skipped` keys).
enum class SkipReason : int32_t {
  kHidden,        ///< "hidden": name starts with '.'
  kNotAPage,      ///< "not_a_page": a file with another extension
  kDanglingLink,  ///< "dangling_link"
  kSymlinkLoop,   ///< "symlink_loop"
  kLinkToFolder,  ///< "link_to_folder": symlinked folders below the top are not followed
  kSpecial,       ///< "special": FIFO, socket, character or block device
  kDuplicate,     ///< "duplicate": the same file given again
  kOutputFolder,  ///< "output_folder": the run's OUTDIR or another pageprep output folder
};
const char* skip_reason_name(SkipReason r);

struct SkippedEntry {
  std::string path;
  SkipReason reason;
};

struct InputList {
  std::vector<InputFile> files;
  std::vector<std::string> warnings;  ///< e.g. "a.png given twice; processed once"
  std::vector<SkippedEntry> skipped;
  bool stopped = false;  ///< request_io_stop() ended the listing early

  /// Counts by reason name (every reason present, zeros included).
  std::map<std::string, int64_t> skipped_counts() const;
  /// One line per reason with entries: "skipped 3 files that are not pages:
  /// a.docx, b.md, c.xls" (at most `max_names` names, then "and N more").
  std::vector<std::string> skip_summary(size_t max_names = 10) const;
};

/// Expands the arguments; "-" reads `stdin_stream` (tests). `skip_folders`
/// (the run's OUTDIR) are never entered while listing a folder.
InputList expand_inputs(const std::vector<std::string>& args, std::istream& stdin_stream,
                        const std::vector<std::string>& skip_folders = {});
/// The same, "-" reading file descriptor 0 with poll(): a silent terminal or
/// pipe never blocks a stop request.
InputList expand_inputs(const std::vector<std::string>& args,
                        const std::vector<std::string>& skip_folders = {});

/// Whether `path` ends in one of kPageExtensions (case-insensitive).
bool has_image_extension(const std::string& path);

/// The entries of a list's text (blank lines and '#' comments dropped, each
/// entry trimmed), or `error` when the text is not a list (why_not_a_list).
/// Pure: touches no file (the fuzz target tests/fuzz/fuzz_list.cpp uses it).
struct ListParse {
  std::vector<std::string> entries;
  std::string error;
};
ListParse parse_list(const std::string& text);

/// Why `text` cannot be a list of paths ("" when it can): NUL bytes, other
/// control characters, or the magic bytes of an image.
std::string why_not_a_list(const std::string& text);

}  // namespace pageprep::host
