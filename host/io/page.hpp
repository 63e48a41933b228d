/// \file page.hpp
/// \brief A page as it moves through the host pipeline, and its per-page status.
///
/// Ownership: a Page is owned by exactly one pipeline stage at a time and moves
/// (never copies) from queue to queue; see scheduler.hpp for the contract.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <exception>
#include <string>

namespace pageprep::host {

/// Why a page failed. Stable names (error_code_name) appear in pages.jsonl and run.json.
enum class PageError : int32_t {
  kNone = 0,
  kNotFound,           ///< input path does not exist
  kUnreadable,         ///< exists but cannot be read (permissions, I/O error, a directory)
  kEmptyFile,          ///< zero bytes
  kUnsupportedFormat,  ///< not an image format we decode
  kCorrupt,            ///< recognised format, but decoding failed (truncated, damaged)
  kTooLarge,           ///< exceeds the decode limits (decompression-bomb guard)
  kPreprocessFailed,   ///< an operation returned an error
  kOcrFailed,          ///< Tesseract failed on the page
  kWriteFailed,        ///< an output could not be written
  kOutputConflict,  ///< an output name belongs to another input or to a file pageprep did not write
  kInternal,        ///< a bug: an unexpected exception
  kOutOfMemory,     ///< an allocation failed (std::bad_alloc): the machine, not the page
  kNoPages,         ///< an input folder, list or stdin that names no page file at all
  kEncrypted,       ///< an encrypted PDF that needs a password to open
  kInterrupted,     ///< stopped by SIGINT/SIGTERM while the page was worked on (not journaled)
  kTimeLimit,       ///< a per-page time limit (a PDF rendering) was reached
  kMemoryLimit,     ///< a per-page memory limit (a PDF rendering's child) was reached
};

const char* error_code_name(PageError e);

/// The code for an exception caught around a page's work: kOutOfMemory for
/// std::bad_alloc and OpenCV's "insufficient memory", else kInternal.
PageError error_for_exception(const std::exception& e);

/// Identity of a page: the input path and the 0-based page index within it
/// (multi-page TIFF). `ordinal` is the page's position in the whole run.
struct PageId {
  std::string input;
  int32_t page = 0;
  int64_t ordinal = 0;
};

/// Where a page's resolution came from (pages.jsonl `dpi_source`, dpi_source_name()).
enum class DpiSource : int32_t {
  kFile,       ///< "file": the file's own resolution, plausible for its pixel size
  kEstimated,  ///< "estimated": absent or implausible; estimated from the pixel size
  kDefault,    ///< "default": absent or implausible and no estimate fits; 300 dpi
  kOption,     ///< "option": absent or implausible; --image-dpi N
};

const char* dpi_source_name(DpiSource s);

/// How a PDF page became its master image, and where that image sits on the
/// page (io/pdf_document.hpp); `valid` is false for every other format.
struct PdfPlacement {
  bool valid = false;
  /// Master pixel coordinates (pixel edges: (0, 0) is the top-left corner of
  /// the image, (width, height) the bottom-right one) to the page's default
  /// user space, in PDF matrix order (io/affine.hpp).
  double master_to_user[6] = {1, 0, 0, 1, 0, 0};
  bool native = false;  ///< the page's one image, at its own resolution
  /// The page's own visible text is its text layer (born-digital: visible
  /// text, and images cover under half the page); such pages get no OCR text.
  bool has_text = false;
  std::string how;  ///< e.g. "image DCTDecode", "rendered at 300 dpi: vector graphics"
};

/// A decoded page: 8-bit gray, with where its resolution came from.
struct DecodedPage {
  cv::Mat gray;  ///< CV_8UC1, continuous or not
  double dpi_x = 300.0;
  double dpi_y = 300.0;
  bool dpi_from_file = false;  ///< dpi_source == kFile
  DpiSource dpi_source = DpiSource::kDefault;
  double file_dpi_x = 0;  ///< what the file said (0: nothing), also when not trusted
  double file_dpi_y = 0;
  std::string format;  ///< "png", "jpeg", "tiff", "pnm", "webp", "jp2", "j2k", "pdf"
  int32_t source_channels = 1;
  int32_t source_depth_bits = 8;  ///< bits per sample in the file (1 for G4, 16, 8)
  PdfPlacement pdf;               ///< PDF pages only
};

}  // namespace pageprep::host
