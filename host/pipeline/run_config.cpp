#include "pipeline/run_config.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "report/journal.hpp"

namespace pageprep::host {

namespace {

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

/// Every option that changes a page's outputs; hashed into journal keys.
std::string output_parameters(const RunConfig& cfg) {
  std::ostringstream s;
  s << "v1|" << cfg.steps.canonical() << "|ocr=" << static_cast<int>(cfg.ocr)
    << "|lang=" << cfg.lang << "|ocrin=" << static_cast<int>(cfg.ocr_input)
    << "|bf=" << static_cast<int>(cfg.binary_format) << "|gf=" << static_cast<int>(cfg.gray_format)
    << "|sg=" << cfg.save_gray << "|sb=" << cfg.save_binary << "|raw=" << cfg.eval_raw
    << "|orient=" << detects_orientation(cfg) << "|fallback=" << cfg.auto_fallback_lang
    << "|formats=" << cfg.page_formats.canonical() << "|pdfdpi=" << cfg.limits.pdf_dpi
    << "|artifact=" << (cfg.documents.pdf || cfg.documents.sidecar);
  if (cfg.mixed_image) s << "|mixed=1";  // appended only when on: older keys stay valid
  return s.str();
}

std::string output_parameters_hash(const RunConfig& cfg) {
  return hex64(fnv1a64(output_parameters(cfg)));
}

std::string array_parameters_hash(const RunConfig& cfg) {
  return hex64(fnv1a64(output_parameters(cfg) + "|docs=" + cfg.documents.canonical()));
}

ThreadBudget plan_threads(const RunConfig& cfg, int cores, bool cuda) {
  ThreadBudget b;
  b.cores = std::max(1, cfg.jobs > 0 ? cfg.jobs : cores);
  if (cfg.ocr == OcrMode::kTesseract) {
    // OCR is >= 95% of the CPU work (docs/PERFORMANCE.md: preprocessing is
    // ~5% of Tesseract's time per page), so OCR workers take every core and
    // run single-threaded (OMP_THREAD_LIMIT=1). Decoding and preprocessing
    // run on background threads at lower priority (nice +5, see
    // lower_thread_priority), which fill the gaps without taking a core from
    // OCR. Giving decoding a whole core instead cost 65% against tesseract
    // alone on 2 cores.
    b.finish_threads = b.cores;
    b.decode_threads = std::max(1, b.cores / 8);
    b.preprocess_threads = std::max(1, b.cores / 8);
  } else if (cuda) {
    // The GPU preprocesses; decoding (PNG inflate, ~4x an encode's cost per
    // page) and writing (unpack + G4 encode) are the CPU's work. The
    // executor thread drives the device; the CPU pool serves only retries.
    b.finish_threads = std::max(1, b.cores / 4);
    b.decode_threads = std::max(1, b.cores - b.finish_threads - 1);
    b.preprocess_threads = std::max(1, b.cores / 4);
  } else {
    // Without OCR, decoding, preprocessing and encoding are the work.
    b.decode_threads = std::max(1, b.cores / 2);
    b.finish_threads = std::max(1, b.cores - b.decode_threads);
    b.preprocess_threads = b.cores;
  }
  return b;
}

bool detects_orientation(const RunConfig& cfg) {
  switch (cfg.rotate_pages) {
    case RotatePages::kOn:
      return true;
    case RotatePages::kOff:
      return false;
    case RotatePages::kAuto:
      return cfg.ocr == OcrMode::kTesseract;
  }
  return false;
}

std::string PageFormats::canonical() const {
  std::string s;
  for (const auto& [on, name] : {std::pair{txt, "txt"}, std::pair{hocr, "hocr"},
                                 std::pair{alto, "alto"}, std::pair{tsv, "tsv"}})
    if (on) s += s.empty() ? name : std::string(",") + name;
  return s.empty() ? "none" : s;
}

std::string StepConfig::canonical() const {
  std::ostringstream s;
  s << "bg=" << background_norm << ";deskew=" << deskew << ";max=" << max_skew_deg
    << ";minconf=" << skew_min_confidence << ";expand=" << expand_canvas << ";median=" << median
    << ";bin=" << binarize << ";method=" << static_cast<int>(binarize_params.method)
    << ";win=" << binarize_params.window << ";k=" << binarize_params.k << ";r=" << binarize_params.r
    << ";despeckle=" << despeckle << ";area=" << despeckle_max_area << ";border=" << remove_border
    << ";crop=" << crop_page;
  // Only when on, so the keys of runs without --dewarp stay as they were.
  if (dewarp) s << ";dewarp=auto";
  // Only when on, so the keys (and resumes) of runs without --split stay as they were.
  if (split) s << ";split=auto;order=" << (right_to_left ? "rtl" : "ltr");
  return s.str();
}

}  // namespace pageprep::host
