/// \file run_config.hpp
/// \brief Everything `pageprep run` can be told, with the defaults it uses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "doc/assemble.hpp"
#include "io/codec.hpp"
#include "model/run_summary.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pipeline/shard.hpp"

namespace pageprep::host {

enum class OcrMode { kNone, kTesseract };
enum class DeviceChoice { kAuto, kCpu, kCuda };
/// What Tesseract is handed. kAuto decides per page (page_signals.hpp): the
/// binarized, despeckled page on unevenly lit or speckled pages, the deskewed
/// gray page otherwise. docs/QUALITY.md has the CER measurements behind it.
enum class OcrInput { kAuto, kGray, kBinary };

/// The preprocessing steps, in the order they run.
struct StepConfig {
  bool background_norm = false;  ///< flatten illumination before anything else
  bool deskew = true;
  float max_skew_deg = 15.f;
  float skew_min_confidence = -1.f;  ///< <0: the estimator's default
  bool expand_canvas = false;        ///< grow the canvas when rotating instead of cropping
  bool median = false;               ///< 3x3 median on gray
  bool binarize = true;
  kernels::BinarizeParams binarize_params{};
  bool despeckle = true;
  int32_t despeckle_max_area = 0;  ///< 0: scale with DPI
  bool remove_border = false;      ///< remove dark scanner borders from the binary page
  bool crop_page = false;          ///< --crop page: crop to the page on a dark bed (crop_step.hpp)
  bool dewarp = false;             ///< --dewarp auto: flatten curled pages (dewarp_step.hpp)
  bool split = false;              ///< --split auto: two pages of a spread (split_step.hpp)
  bool right_to_left = false;      ///< --page-order rtl: a spread's right page comes first

  /// Canonical text of every field; hashed into the journal keys.
  std::string canonical() const;
};

/// Per-page OCR outputs, named after Tesseract's configs (`--page-formats`);
/// every box in them is on the master image (doc/ocr_outputs.hpp).
struct PageFormats {
  bool txt = true;   ///< B.txt / B/p0001.txt
  bool hocr = true;  ///< .hocr
  bool alto = true;  ///< .xml, ALTO v3
  bool tsv = true;   ///< .tsv
  std::string canonical() const;
};

/// Orientation correction (quarter turns, host/pipeline/finish_stage.hpp).
/// kAuto: on when OCR runs (a sideways page reads as garbage), off with
/// --ocr none unless asked. kOff never turns a page; the script is still
/// found when OCR runs (the language depends on it).
enum class RotatePages { kAuto, kOn, kOff };

struct ExecutorFactories;  // executor.hpp

struct RunConfig {
  std::vector<std::string> inputs;
  std::string outdir;
  OcrMode ocr = OcrMode::kTesseract;
  /// "auto" (the default): each page is read with the installed model of its
  /// own script (finish_stage.hpp). Anything else (-l eng, -l deu+eng) is
  /// forced on every page, and a page whose script it cannot read is flagged
  /// script_mismatch.
  std::string lang = "auto";
  std::string auto_fallback_lang = "eng";  ///< automatic language: pages whose script stays unknown
  RotatePages rotate_pages = RotatePages::kAuto;
  OcrInput ocr_input = OcrInput::kAuto;
  int jobs = 0;     ///< 0: the CPUs this process may use (shard.hpp: available_cores)
  ShardSpec shard;  ///< this process's part of the job (shard.hpp)
  DeviceChoice device = DeviceChoice::kAuto;
  int cuda_device = 0;
  int batch_pages = 8;                ///< a batch closes at this many pages,
  int64_t batch_bytes = 256ll << 20;  ///< or this many decoded bytes,
  int batch_latency_ms = 50;          ///< or when its first page has waited this long
  StepConfig steps;
  OutputFormat binary_format = OutputFormat::kTiffG4;
  /// --image-format mixed: the cleaned page is a PNG with the text binarized
  /// and the picture zones in gray or colour (doc/mixed_page.hpp).
  bool mixed_image = false;
  OutputFormat gray_format = OutputFormat::kPng;
  bool save_gray = false;   ///< also write the cleaned gray page
  bool save_binary = true;  ///< write the binary page (when binarizing)
  PageFormats page_formats;
  /// Document outputs: B.pdf (--output-type pdf|none) and B.txt (--sidecar),
  /// built when all of a document's pages are done (doc/assemble.hpp).
  DocumentOptions documents;
  bool eval_raw = false;  ///< also OCR the raw page, to report cer_raw beside cer
  bool force = false;     ///< ignore the journal: redo every page
  bool quiet = false;
  int progress_interval_s = 5;  ///< off a terminal
  DecodeLimits limits;
  /// How the run makes its executor; null: default_executor_factories().
  /// `pageprep bench --device null` puts a NullLaneDevice in the CUDA
  /// executor's place (bench/command/bench_null.cpp). Not an output parameter.
  const ExecutorFactories* executor_factories = nullptr;
};

/// `cuda`: the preprocessing runs on the CUDA executor (its CPU pool only
/// serves retries), so without OCR most cores decode.
ThreadBudget plan_threads(const RunConfig& cfg, int cores, bool cuda = false);

/// Every option that changes a page's outputs, as canonical text, and its
/// 64-bit hash in hex: journal keys carry the hash, so changing any of these
/// options redoes the page.
std::string output_parameters(const RunConfig& cfg);
std::string output_parameters_hash(const RunConfig& cfg);
/// What the shards of one array must share (manifest.hpp): the page outputs'
/// parameters and the document outputs (--output-type, --sidecar,
/// --pdf-image), as a 64-bit hash in hex.
std::string array_parameters_hash(const RunConfig& cfg);

/// Whether the run corrects quarter turns, from rotate_pages and ocr. (With
/// OCR on, the script is found either way.)
bool detects_orientation(const RunConfig& cfg);

}  // namespace pageprep::host
