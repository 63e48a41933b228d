/// \file page_work.hpp
/// \brief The unit of work that moves through the pipeline: one page, its
/// images at each step, its measurements and its status.
///
/// Ownership: exactly one stage owns a PageWork at a time; stages hand it on by
/// moving a std::unique_ptr through the bounded queues (scheduler.hpp).
#pragma once

#include <opencv2/core/mat.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/page.hpp"

namespace pageprep::host {

struct StageTimes {
  double decode_ms = 0;
  double preprocess_ms = 0;
  double detect_ms = 0;  ///< orientation and script: the rows, and OSD when it ran
  double ocr_ms = 0;
  double write_ms = 0;
  // Per-operation split of preprocess_ms (CPU executor; CUDA reports per batch).
  double background_ms = 0, skew_ms = 0, rotate_ms = 0, median_ms = 0, binarize_ms = 0,
         despeckle_ms = 0, border_ms = 0;
};

/// The dewarp step's decision (--dewarp auto; pipeline/dewarp_step.hpp).
struct DewarpInfo {
  bool checked = false;   ///< the model ran on this page
  bool applied = false;   ///< the page was remapped
  double confidence = 0;  ///< kernels::DewarpModel::confidence
  double max_px = 0;      ///< largest displacement of the model (pixels)
  std::string note;       ///< why it was not applied (empty when applied)
  double ms = 0;          ///< model and remap time
};

/// Split of a two-page spread (--split auto; pipeline/split_step.hpp).
struct SplitInfo {
  std::string part;   ///< "" whole page, "left" or "right": this page is that half
  int32_t parts = 1;  ///< records its task makes: 2 for each half of a split spread
  int32_t x = 0, y = 0, w = 0, h = 0;  ///< source_box: the half on the master (pixels)
  double confidence = 0;               ///< the gutter's (kernels/gutter.hpp), when split
  std::string note;                    ///< why a spread candidate was left whole
};

struct PageWork {
  PageId id;
  std::string stem;      ///< the page's output stem, relative to OUTDIR (output_names.hpp)
  std::string doc_stem;  ///< its document's base: document outputs are doc_stem.pdf, .txt
  int32_t doc_pages = 1;
  std::string key;      ///< journal key
  DecodedPage decoded;  ///< decoded.gray is freed after preprocessing unless still needed
  int32_t width = 0;    ///< decoded size, kept for the report
  int32_t height = 0;

  SplitInfo split;  ///< a half's box on the master; decoded.gray then holds only the half

  // Crop to the page (--crop page; crop_step.hpp): the box in master pixels.
  bool cropped = false;
  int32_t crop_x = 0, crop_y = 0, crop_w = 0, crop_h = 0;  ///< in the (half) page's pixels
  std::string crop_note;  ///< why a --crop page run left the page uncropped

  // Preprocessing results.
  cv::Mat gray;    ///< cleaned (deskewed) gray
  cv::Mat binary;  ///< 0/255, empty when not binarizing
  /// The binary page at 1 bit per pixel (1 = ink, MSB first) as an executor
  /// delivered it, until unpack_results() (executor.hpp) makes `binary` of it.
  cv::Mat binary_packed;
  int32_t binary_packed_width = 0;  ///< pixels per row of binary_packed
  /// Keeps executor memory that `gray` / `binary_packed` point into (the CUDA
  /// executor's pinned downloads); released by unpack_results().
  std::shared_ptr<void> host_hold;
  float skew_deg = 0;  ///< measured on the input, CCW positive
  float skew_confidence = 0;
  int32_t skew_text_lines = 0;  ///< the skew estimate's evidence (kernels::SkewResult::text_lines)
  bool rotated = false;
  std::string skew_note;  ///< e.g. "low confidence: left unrotated"
  DewarpInfo dewarp;
  int64_t specks_removed = 0;
  int64_t border_pixels_removed = 0;
  std::string executor;  ///< "cpu", "cuda", or "cpu (retry after cuda: ...)"

  // Orientation and script (when detected; host/ocr/script_routing.hpp).
  bool orientation_checked = false;
  int32_t orientation_deg = 0;  ///< content was turned this much CCW; corrected when known
  float orientation_confidence = 0;
  bool orientation_known = false;
  /// How orientation and script were found: "rows" (upright lines by the rows,
  /// then a confident read), "osd" (Tesseract's OSD), or "" (not looked for).
  std::string detected_by;
  std::string orientation_note;  ///< why the orientation is unknown
  /// The source was turned this much (CCW) to make it upright before it was
  /// preprocessed again: rotate_quarter_turns(source, upright_turn_deg).
  int32_t upright_turn_deg = 0;
  std::string script;
  float script_confidence = 0;  ///< OSD's (when detected_by == "osd")
  std::string ocr_lang;         ///< the Tesseract language actually used
  // The rows' signal (ocr/text_layout.hpp), when measured.
  int32_t layout_lines = -1;
  double layout_ascender_ratio = 0, layout_core_share = 0;
  /// A forced -l that cannot read the script OSD found with confidence.
  bool script_mismatch = false;
  /// A detected script without an installed model: the package that has one.
  std::string model_missing_script, model_missing_package;

  // Page signals (measured on the raw page when the OCR input is chosen per page).
  bool signals_measured = false;
  double background_spread = 0;
  double noise_sigma = 0;
  std::string ocr_input;  ///< "gray" or "binary": what Tesseract read

  // Picture zones (kernels/picture_zones.hpp; doc/mixed_page.hpp), when looked for.
  bool zones_checked = false;
  std::vector<std::array<int32_t, 4>> picture_zones;    ///< [x, y, w, h] on the master
  std::vector<std::array<int32_t, 4>> zones_processed;  ///< the same boxes on `gray`
  std::string mixed_image;  ///< --image-format mixed: "bilevel", "gray" or "rgb"

  // OCR and evaluation.
  std::string text;
  float ocr_confidence = -1;
  bool have_truth = false;
  double cer = -1, wer = -1, cer_raw = -1, wer_raw = -1;

  std::vector<std::pair<std::string, std::string>> outputs;  ///< (kind, path relative to OUTDIR)
  PageError error = PageError::kNone;
  std::string message;
  StageTimes times;

  bool ok() const { return error == PageError::kNone; }
  void fail(PageError e, std::string why) {
    if (error == PageError::kNone) {
      error = e;
      message = std::move(why);
    }
  }
  int64_t decoded_bytes() const {
    return static_cast<int64_t>(decoded.gray.total() * decoded.gray.elemSize());
  }
};

}  // namespace pageprep::host
