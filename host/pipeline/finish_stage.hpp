/// \file finish_stage.hpp
/// \brief The last stage a page passes: orientation and script, OCR,
/// evaluation against ground truth, encoding and atomic writes of its outputs
/// (hOCR, ALTO and TSV on the master image), and last the page's artifact for
/// the document outputs (doc/page_artifact.hpp).
///
/// How a page is read (orientation, script, model) is ocr/page_reader.hpp;
/// this stage gives it the page, the OCR-input rule and a way to turn the
/// page (preprocessing it again on the CPU), and records what it found.
///
/// Threading: each finish thread owns one FinishStage for the whole run, with
/// its own PageReader (Tesseract instances, one per language it has met,
/// created once, and an OSD instance) and its own CPU executor for pages
/// turned a quarter. Only `stats` (atomic) is shared.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "doc/page_geometry.hpp"
#include "io/codec.hpp"
#include "model/page_work.hpp"
#include "model/run_stats.hpp"
#include "ocr/ocr_engine.hpp"
#include "ocr/orientation.hpp"
#include "ocr/page_reader.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {

class FinishStage {
 public:
  /// `installed_langs` outlives the stage. Outputs are written atomically
  /// through temporaries in `temp_dir` (OutputDir::temp_dir()).
  FinishStage(const RunConfig& cfg, RunStats& stats,
              const std::vector<std::string>& installed_langs, std::string temp_dir);

  /// Loads the run's OCR model before the first page arrives, so OCR time
  /// excludes model loading. A failure here recurs on each page, which reports it.
  void preload();

  /// Finishes a preprocessed page; a failure is recorded in `w`. May throw on
  /// a bug; the caller records that as kInternal.
  void finish(PageWork& w);

 private:
  /// OSD alone, for --rotate-pages with --ocr none (no read to check rows against).
  void turn_by_osd(PageWork& w);
  /// Reads the page in its orientation and script (ocr/page_reader.hpp); a
  /// quarter turn is corrected through host::turn_upright.
  void read_page(PageWork& w, OcrResult* result);
  void write_output(PageWork& w, const std::string& kind, const std::string& rel,
                    const std::vector<uint8_t>& bytes);
  /// Picture zones of the processed page (kernels/picture_zones.hpp), when a
  /// run uses them: w.zones_processed, and w.picture_zones on the master.
  void find_zones(PageWork& w);
  /// --image-format mixed: the PNG of the page with its zones in tone
  /// (doc/mixed_page.hpp); a 1-bit PNG when it has none. Sets w.mixed_image.
  EncodeResult encode_mixed_page(PageWork& w);
  /// The page's map back to the master (doc/page_geometry.hpp).
  static PageGeometry geometry_of(const PageWork& w);
  /// The box of the master the page was processed from (split half, crop).
  static PixelBox region_of(const PageWork& w);
  /// Per-page OCR outputs (--page-formats), on the master.
  void write_ocr_outputs(PageWork& w, const OcrResult& r);
  /// The page's record for assemble_document(), after its other outputs.
  void write_page_artifact(PageWork& w, std::vector<OcrLine> lines, const std::string& clean_rel,
                           bool clean_is_binary);

  const RunConfig& cfg_;
  RunStats& stats_;
  const std::vector<std::string>& installed_langs_;
  std::string temp_dir_;
  std::unique_ptr<PageReader> reader_;
  std::unique_ptr<OrientationDetector> osd_;  ///< --ocr none only
  std::unique_ptr<Executor> redo_;            ///< CPU executor for pages turned a quarter
  std::unique_ptr<kernels::cpu::ThreadPool> zone_pool_;  ///< one thread: the finish thread's own
};

}  // namespace pageprep::host
