/// \file finish_stage.hpp
/// \brief The last stage a page passes: orientation and script, OCR,
/// evaluation against ground truth, encoding and atomic writes of its outputs.
///
/// How a page is read (OCR on): the rows of the deskewed page
/// (ocr/text_layout.hpp) predict upright Latin or CJK text; then the page is
/// read at once with the model they point to (the forced -l, or for
/// automatic language the Latin model, or the one installed CJK model), and
/// a read whose mean word confidence reaches kReadMinConfidence settles
/// orientation (upright) and script without OSD. Otherwise, and for pages
/// the rows cannot place, Tesseract's OSD decides: a quarter-turned page is
/// turned and preprocessed again, the script picks the model (or, under a
/// forced -l, flags script_mismatch), and the earlier read is kept when the
/// same model reads the same pixels. Pages whose rows show no text lines are
/// read with the default model, orientation unknown, and never turned.
///
/// Threading: each finish thread owns one FinishStage for the whole run, with
/// its own Tesseract instances (one per language it has met, created once), its
/// own OSD instance and its own CPU executor for pages turned a quarter. Only
/// `stats` (atomic) is shared.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ocr/ocr_engine.hpp"
#include "ocr/orientation.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/page_work.hpp"
#include "pipeline/run_config.hpp"
#include "pipeline/run_stats.hpp"

namespace pageprep::host {

class FinishStage {
 public:
  /// `installed_langs` outlives the stage.
  FinishStage(const RunConfig& cfg, RunStats& stats,
              const std::vector<std::string>& installed_langs);

  /// Loads the run's OCR model before the first page arrives, so OCR time
  /// excludes model loading. A failure here recurs on each page, which reports it.
  void preload();

  /// Finishes a preprocessed page; a failure is recorded in `w`. May throw on
  /// a bug; the caller records that as kInternal.
  void finish(PageWork& w);

 private:
  OcrEngine* engine_for(const std::string& lang, std::string* error);
  /// OSD on the page; a known quarter turn is corrected when `may_turn`.
  OrientationResult detect_with_osd(PageWork& w, bool may_turn);
  /// Turns the source by -rotation_deg and preprocesses it again (CPU).
  void turn_upright(PageWork& w, int32_t rotation_deg);
  /// Picks the language and orientation and reads the page (see the file comment).
  void read_page(PageWork& w, OcrResult* result);
  /// Tesseract on the page's OCR input (gray or binary, per cfg.ocr_input).
  OcrResult recognize(PageWork& w, OcrEngine* engine);
  void write_output(PageWork& w, const std::string& kind, const std::string& rel,
                    const std::vector<uint8_t>& bytes);

  const RunConfig& cfg_;
  RunStats& stats_;
  const std::vector<std::string>& installed_langs_;
  std::map<std::string, std::unique_ptr<OcrEngine>> engines_;  ///< by language
  std::unique_ptr<OrientationDetector> osd_;
  std::unique_ptr<Executor> redo_;  ///< CPU executor for pages turned a quarter
};

}  // namespace pageprep::host
