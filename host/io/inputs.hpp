/// \file inputs.hpp
/// \brief Turns command-line arguments into the ordered list of input files.
///
/// Each argument is, in this order of precedence:
/// - "-": a list of paths read from `stdin_stream`, one per line;
/// - "@FILE", or an existing or missing file ending in .txt or .lst
///   (case-insensitive): a list file, one path per line, relative paths taken
///   relative to the list file's folder;
/// - a folder: every image file below it, recursively, sorted by path
///   (component-wise, bytewise: the C-locale `ls` order), keeping only the
///   extensions .png .jpg .jpeg .tif .tiff .pnm .pgm .ppm .pbm .webp .pdf
///   .jp2 .j2k .jpx (case-insensitive) and skipping hidden files and hidden folders (names
///   starting with '.') and pageprep output folders (those holding a
///   ".pageprep" folder: a run's outputs never become a later run's inputs).
///   Symlinks to files are followed; symlinks to folders below the top are not
///   (no cycles);
/// - anything else, existing or NOT: one input. A missing path is kept so the
///   pipeline reports a per-page not_found error for it.
/// In lists (stdin or file), blank lines and lines starting with '#' are
/// skipped, surrounding whitespace and a trailing '\r' are trimmed, and each
/// entry is a file or a folder (expanded as above); list entries are never
/// read as further lists. A list file that cannot be read is itself returned
/// as an input (so the run reports it) plus a warning. Order: arguments in
/// order, each expanded in place; duplicates are kept.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace pageprep::host {

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
};

struct InputList {
  std::vector<InputFile> files;
  std::vector<std::string> warnings;  ///< e.g. "folder scans/ holds no image files"
};

/// `skip_folders` (the run's OUTDIR) are never entered while listing a folder:
/// an OUTDIR below an input folder does not feed a run its own outputs.
InputList expand_inputs(const std::vector<std::string>& args, std::istream& stdin_stream,
                        const std::vector<std::string>& skip_folders = {});

/// Whether `path` ends in one of the image extensions above (case-insensitive).
bool has_image_extension(const std::string& path);

}  // namespace pageprep::host
