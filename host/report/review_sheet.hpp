/// \file review_sheet.hpp
/// \brief `pageprep report OUTDIR --review`: a PDF contact sheet of every
/// page's geometry decisions (split, crop, deskew, dewarp) drawn on a small
/// copy of its master, the doubtful ones first (docs/ARCHITECTURE.md "Review
/// sheet").
///
/// Steps:
/// 1. review_cells() reads pages.jsonl records and makes one cell per master
///    page (input + page; the halves of a split spread share one cell), with
///    its decisions and why it is doubtful, sorted doubtful first (higher
///    doubt first, then page order). Fields it does not know are ignored and
///    missing ones are simply not drawn, so records of older or newer runs
///    work (split_*, dewarp_* come from steps that may not exist yet).
/// 2. load_thumbnails() reads each master again through the input reader
///    (io/codec.hpp: images, TIFF pages, PDF pages rendered at a low dpi) and
///    keeps a small JPEG of it. An input that is missing or unreadable keeps
///    its cell, as a placeholder with the error and the decisions.
/// 3. write_review_pdf() writes the sheet atomically (doc/pdf_write.hpp).
///
/// Thread safety: load_thumbnails() decodes on the pool's threads; the rest is
/// single-threaded.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "pageprep/kernels/cpu/thread_pool.hpp"

namespace pageprep::host {

class JsonValue;

struct ReviewBox {
  int64_t x = 0, y = 0, w = 0, h = 0;  ///< master pixels
};

/// One pages.jsonl record: one output page of a master (a spread's half, or
/// the whole master).
struct ReviewPart {
  std::string status;  ///< "ok" / "error"
  std::string error_code, error;
  int64_t width = 0, height = 0;  ///< the master as the run decoded it (0: unknown)
  std::string format;
  std::string split_part;  ///< "left" / "right" / ""
  std::optional<ReviewBox> source_box, crop_box;
  std::optional<double> split_confidence;
  std::string split_note, crop_note, skew_note;
  bool has_skew = false;
  double skew_deg = 0, skew_confidence = 0;
  bool rotated = false;
  std::optional<double> dewarp_confidence, dewarp_max_px;
  std::string dewarp_note;
};

/// One master page: what the sheet shows in one cell.
struct ReviewCell {
  std::string input;  ///< as pages.jsonl names it (as given to the run)
  std::string path;   ///< the file to read it from ("": `input`)
  int32_t page = 0;   ///< 0-based page of the input
  size_t order = 0;   ///< page order: the first record's line in pages.jsonl
  std::vector<ReviewPart> parts;
  int doubt = 0;                     ///< 0: nothing doubtful; higher comes first
  std::vector<std::string> reasons;  ///< why it is doubtful, in words
  // Filled by load_thumbnails():
  std::vector<uint8_t> thumb_jpeg;  ///< JFIF, gray; empty for a placeholder
  int32_t thumb_w = 0, thumb_h = 0;
  double master_w = 0, master_h = 0;  ///< the frame boxes are drawn in (pixels)
  std::string thumb_error;            ///< why there is no thumbnail
};

/// Thresholds for "doubtful" (README "Review sheet").
constexpr double kReviewLargeAngleDeg = 2.0;
constexpr double kReviewLowSplitConfidence = 0.8;
/// Dewarp applies from 0.6 (kernels/dewarp.hpp): a remapped page under 0.7 is close
/// to the line, so it is shown for review.
constexpr double kReviewLowDewarpConfidence = 0.7;

/// Parses one record (a pages.jsonl object).
ReviewPart review_part(const JsonValue& record);

/// Cells of `records` (pages.jsonl objects in file order), grouped per master
/// and sorted: doubtful first, then page order.
std::vector<ReviewCell> review_cells(const std::vector<JsonValue>& records);

/// The sheet's order: higher doubt first, then page order (stable).
void sort_review_cells(std::vector<ReviewCell>* cells);

/// The cell's words: page name, decisions, doubts (at most `max_lines` lines,
/// the last says how many were left out).
std::vector<std::string> review_cell_text(const ReviewCell& cell, size_t max_lines);

/// Decodes every cell's master (at a reduced size where the format allows)
/// and keeps a JPEG thumbnail of at most `max_side` pixels a side; a missing
/// or unreadable input gets thumb_error instead (and a doubt: it cannot be
/// checked by eye). Relative input paths are read from the current folder.
void load_thumbnails(std::vector<ReviewCell>* cells, int max_side, kernels::cpu::ThreadPool& pool);

/// Where to read each cell's master: a relative `input` (relative to the
/// folder the run was started in, which is not recorded) is the one absolute
/// input of `claimed` (OUTDIR's claims) that ends with it, when exactly one
/// does; else it is read relative to the current folder.
void resolve_review_inputs(std::vector<ReviewCell>* cells, const std::vector<std::string>& claimed);

/// Writes the sheet to `path` atomically (temporary in `temp_dir`).
bool write_review_pdf(const std::vector<ReviewCell>& cells, const std::string& title,
                      const std::string& path, const std::string& temp_dir, std::string* error);

/// The file the sheet is written to, in OUTDIR.
constexpr const char* kReviewSheetName = "pages.review.pdf";

/// `pageprep report OUTDIR --review` after the report itself: reads
/// OUTDIR/pages.jsonl and writes OUTDIR/pages.review.pdf. Prints a summary
/// on `out`, one line per placeholder on `err`. False on a fatal error
/// (nothing readable, the sheet cannot be written, or its name belongs to a
/// document of the run).
bool review_outdir(const std::string& outdir, std::ostream& out, std::ostream& err);

}  // namespace pageprep::host
