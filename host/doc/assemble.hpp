/// \file assemble.hpp
/// \brief Document outputs: the searchable PDF `B.pdf` and the document text
/// `B.txt`, built from the master file and the pages' artifacts
/// (page_artifact.hpp).
///
/// Contract:
/// - assemble_document() is idempotent and a pure function of the master
///   file, the artifacts and the options: it may be called again at any time
///   (by the run that finished the document's last page, by a later run, or
///   by `pageprep report` after a sharded run) and writes the same bytes
///   (qpdf's deterministic /ID). When a stamp under OUTDIR/.pageprep/docs says
///   the outputs were built from the same artifacts and options and they still
///   exist, it returns at once.
/// - Outputs are written atomically (temporary file, fsync, rename), the PDF streamed to disk page
/// by page: image data is
///   read from the master only while the file is written, so memory does not
///   grow with the number of pages.
/// - Pages: in page order (a split spread's halves in its reading order, one
///   PDF page each showing its half of the master: the master image under a
///   MediaBox of the half). The image layer is the original page
///   (DocumentOptions::pdf_image kOriginal): a JPEG or JPEG 2000 master is
///   embedded as it is; a PDF page that is one image gets that image object
///   copied unchanged, other PDF pages are copied whole; other masters are
///   embedded losslessly (1-bit pages as 1-bit, colour as RGB, Flate). With
///   kClean, the page's cleaned output image (bilevel, or gray with
///   --binarize none) replaces it. The invisible text layer
///   (text_layer.hpp) lies on the image layer's coordinates. A PDF page that
///   already shows text of its own keeps it and gets no second layer.
/// - A page without a usable artifact (it failed, or its artifact is from
///   other options) is copied without text when the master is a PDF, and
///   left out otherwise; AssembleResult says which. B.txt has an empty page
///   there. A document none of whose pages has an artifact is not written.
/// - B.txt: the pages' OCR text in page order, separated by form feeds, as
///   Tesseract's text renderer separates pages.
/// - Thread safety: documents may be assembled concurrently; one document by
///   one caller at a time.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace pageprep::host {

/// Which image a searchable PDF page shows (--pdf-image).
/// kMrc: a 1-bit text mask at the master's resolution over a reduced colour
/// background (doc/mrc.hpp), for raster masters; PDF masters keep kOriginal's
/// handling.
enum class PdfImage { kOriginal, kClean, kMrc };

/// Document outputs (--output-type, --sidecar, --pdf-image).
struct DocumentOptions {
  bool pdf = true;      ///< B.pdf
  bool sidecar = true;  ///< B.txt
  PdfImage pdf_image = PdfImage::kOriginal;
  /// Canonical text of the options, part of the assembly stamp.
  std::string canonical() const;
};

/// One input document.
struct DocumentSpec {
  std::string input;                    ///< the master's path as given
  std::string base;                     ///< B, relative to OUTDIR
  std::vector<std::string> page_stems;  ///< every page's stem, in page order
  /// Each page's expected journal key; an artifact with another key is stale.
  /// Empty (or an empty entry): any key is accepted.
  std::vector<std::string> page_keys;
  /// Build only when every page has a usable record (sharded runs: the
  /// other shards may not be done); otherwise return skipped.
  bool complete_only = false;
  /// --split auto: a page may have come out as two halves, with the
  /// artifacts of half_stem(base, page, left) and keys page key + "|L"/"|R"
  /// (pipeline/split_step.hpp). A page whose whole artifact is not usable
  /// takes its usable halves instead, in reading order (right_to_left: the
  /// right half first), each as a page of its own showing its part of the
  /// master (PageArtifact::view_*).
  bool split = false;
  bool right_to_left = false;
};

struct AssembleResult {
  bool ok = true;
  bool skipped = false;  ///< already up to date
  std::string message;   ///< the error, or which pages came out without text
  std::vector<std::pair<std::string, std::string>> outputs;  ///< (kind, path)
  int32_t pages_without_text = 0;
};

/// Builds B.pdf and/or B.txt under `outdir` (see the contract above).
/// Temporaries go to `temp_dir` (the caller's OUTDIR/.pageprep/tmp/<role>;
/// empty: beside the target), as write_file_atomic() describes.
AssembleResult assemble_document(const std::string& outdir, const DocumentSpec& doc,
                                 const DocumentOptions& options, const std::string& temp_dir = {});

}  // namespace pageprep::host
