#include "pipeline/finish_stage.hpp"

#include <cmath>
#include <filesystem>

#include "io/atomic_file.hpp"
#include "io/codec.hpp"
#include "ocr/script_routing.hpp"
#include "ocr/text_layout.hpp"
#include "pipeline/page_signals.hpp"
#include "report/text_metrics.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

FinishStage::FinishStage(const RunConfig& cfg, RunStats& stats,
                         const std::vector<std::string>& installed_langs)
    : cfg_(cfg), stats_(stats), installed_langs_(installed_langs) {}

void FinishStage::preload() {
  if (cfg_.ocr != OcrMode::kTesseract) return;
  // The model most pages will need: the forced one, or the Latin model.
  std::string lang = cfg_.lang;
  if (lang == "auto") {
    lang = language_for_script("Latin", installed_langs_);
    if (lang.empty()) lang = cfg_.auto_fallback_lang;
  }
  std::string error;
  engine_for(lang, &error);
}

void FinishStage::write_output(PageWork& w, const std::string& kind, const std::string& rel,
                               const std::vector<uint8_t>& bytes) {
  const fs::path path = fs::path(cfg_.outdir) / rel;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::string msg;
  if (write_file_atomic(path.string(), bytes, &msg) != PageError::kNone) {
    w.fail(PageError::kWriteFailed, "cannot write " + path.string() + ": " + msg);
    return;
  }
  w.outputs.emplace_back(kind, path.string());
}

OcrEngine* FinishStage::engine_for(const std::string& lang, std::string* error) {
  auto it = engines_.find(lang);
  if (it != engines_.end()) return it->second.get();
  auto engine = std::make_unique<OcrEngine>();
  if (!engine->init(lang, error)) return nullptr;
  return (engines_[lang] = std::move(engine)).get();
}

OrientationResult FinishStage::detect_with_osd(PageWork& w, bool may_turn) {
  OrientationResult o;
  if (!osd_) {
    osd_ = std::make_unique<OrientationDetector>();
    std::string error;
    if (!osd_->init(&error)) {
      w.fail(PageError::kOcrFailed, "orientation detection unavailable: " + error);
      return o;
    }
  }
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  o = osd_->detect(w.binary.empty() ? w.gray : w.binary, dpi);
  w.orientation_checked = true;
  w.detected_by = "osd";
  w.orientation_known = o.known;
  w.orientation_deg = o.known ? o.rotation_deg : 0;
  w.orientation_confidence = o.orientation_confidence;
  w.orientation_note = o.reason;
  w.script = o.script_known ? o.script : "";
  w.script_confidence = o.script_confidence;
  if (may_turn && o.known && o.rotation_deg != 0 && !w.decoded.gray.empty())
    turn_upright(w, o.rotation_deg);
  return o;
}

void FinishStage::turn_upright(PageWork& w, int32_t rotation_deg) {
  // A page turned a quarter was deskewed sideways: turn the source upright
  // and preprocess it again, so deskew and binarization see real text lines.
  if (!redo_) {
    std::string error;
    redo_ = make_cpu_executor(cfg_.steps, 1, &error);
    if (!redo_) {
      w.fail(PageError::kPreprocessFailed, error);
      return;
    }
  }
  w.decoded.gray = rotate_quarter_turns(w.decoded.gray, -rotation_deg);
  w.gray.release();
  w.binary.release();
  w.skew_note.clear();
  w.rotated = false;
  const double decode_ms = w.times.decode_ms, pre_ms = w.times.preprocess_ms;
  std::vector<PageWork*> one{&w};
  redo_->process(one);
  w.times.decode_ms = decode_ms;
  w.times.preprocess_ms += pre_ms;
  w.executor += " + cpu (after orientation)";
}

OcrResult FinishStage::recognize(PageWork& w, OcrEngine* engine) {
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  bool use_binary = cfg_.ocr_input == OcrInput::kBinary;
  if (cfg_.ocr_input == OcrInput::kAuto)
    use_binary = choose_binary_for_ocr({w.background_spread, w.noise_sigma}, w.specks_removed,
                                       int64_t{w.width} * w.height);
  use_binary = use_binary && !w.binary.empty();
  w.ocr_input = use_binary ? "binary" : "gray";
  const auto t0 = Clock::now();
  OcrResult r = engine->recognize(use_binary ? w.binary : w.gray, dpi, w.stem);
  const auto t1 = Clock::now();
  w.times.ocr_ms += ms_between(t0, t1);
  stats_.ocr.add(t1 - t0);
  stats_.ocr_span(t0, t1);
  if (!r.ok) w.fail(PageError::kOcrFailed, r.error);
  return r;
}

void FinishStage::read_page(PageWork& w, OcrResult* result) {
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  const bool forced = cfg_.lang != "auto";
  const bool may_turn = detects_orientation(cfg_);
  // The model for pages whose script stays unknown (the scheduler checked it is installed).
  const std::string fallback = forced ? cfg_.lang : cfg_.auto_fallback_lang;
  std::string error;

  // 1. The rows: a millisecond, and on most pages all the detection there is.
  auto td = Clock::now();
  const TextLayout layout = measure_text_layout(w.binary.empty() ? w.gray : w.binary, dpi);
  w.layout_lines = layout.lines;
  w.layout_ascender_ratio = layout.ascender_ratio();
  w.layout_core_share = layout.core_share;
  const LayoutGuess guess = guess_layout(layout);
  w.times.detect_ms += ms_between(td, Clock::now());
  if (guess == LayoutGuess::kNoText) {
    // Nothing to turn and no script to find: read with the default model.
    w.orientation_checked = true;
    w.detected_by = "rows";
    w.orientation_note = "too little text (" + std::to_string(layout.lines) + " strip lines)";
    OcrEngine* e = engine_for(fallback, &error);
    if (!e) return w.fail(PageError::kOcrFailed, error);
    w.ocr_lang = fallback;
    *result = recognize(w, e);
    return;
  }

  // 2. A first read with the model the rows point to; a confident one settles it.
  const std::string first = first_reading_language(guess, cfg_.lang, installed_langs_);
  OcrResult first_read;
  if (!first.empty()) {
    OcrEngine* e = engine_for(first, &error);
    if (!e) return w.fail(PageError::kOcrFailed, error);
    first_read = recognize(w, e);
    if (!w.ok()) return;
    if (first_read.mean_confidence >= kReadMinConfidence) {
      w.orientation_checked = true;
      w.detected_by = "rows";
      w.orientation_known = true;
      w.orientation_deg = 0;
      w.script = script_of_language(first);
      w.ocr_lang = first;
      *result = std::move(first_read);
      return;
    }
  }

  // 3. OSD: orientation (turning the page when allowed) and script.
  td = Clock::now();
  const double pre_before = w.times.preprocess_ms;
  const OrientationResult o = detect_with_osd(w, may_turn);
  if (!w.ok()) return;
  const bool turned = w.times.preprocess_ms != pre_before;
  w.times.detect_ms += ms_between(td, Clock::now()) - (w.times.preprocess_ms - pre_before);

  // 4. The language: the forced one (flagged when it cannot read the script),
  // or the script's installed model (said when there is none).
  std::string lang = fallback;
  if (forced) {
    if (o.script_known && language_fits_script(cfg_.lang, o.script) == ScriptFit::kContradicts)
      w.script_mismatch = true;
  } else if (o.script_known) {
    lang = language_for_script(o.script, installed_langs_);
    if (lang.empty()) {
      lang = fallback;
      w.model_missing_script = o.script;
      w.model_missing_package = package_for_script(o.script);
    }
  }
  w.ocr_lang = lang;
  if (!first.empty() && first == lang && !turned) {
    *result = std::move(first_read);  // the same model on the same pixels
    return;
  }
  OcrEngine* e = engine_for(lang, &error);
  if (!e) return w.fail(PageError::kOcrFailed, error);
  *result = recognize(w, e);
}

void FinishStage::finish(PageWork& w) {
  if (!w.ok()) return;
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  if (cfg_.ocr == OcrMode::kNone && detects_orientation(cfg_)) {
    // No read to check the rows against: OSD alone (--rotate-pages --ocr none).
    const auto td = Clock::now();
    const double pre_before = w.times.preprocess_ms;
    detect_with_osd(w, true);
    w.times.detect_ms += ms_between(td, Clock::now()) - (w.times.preprocess_ms - pre_before);
    if (!w.ok()) return;
  }
  if (cfg_.ocr == OcrMode::kTesseract) {
    OcrResult r;
    read_page(w, &r);
    if (!w.ok()) return;
    std::string error;
    OcrEngine* ocr = engine_for(w.ocr_lang, &error);  // made by read_page
    w.text = std::move(r.text);
    w.ocr_confidence = r.mean_confidence;
    bool found = false;
    const std::string truth = read_truth_for(w.id.input, &found);
    if (found) {
      w.have_truth = true;
      const TextScore s = score_text(w.text, truth);
      w.cer = s.cer;
      w.wer = s.wer;
      if (cfg_.eval_raw && ocr && !w.decoded.gray.empty()) {
        // Evaluation OCR is OCR work too: it counts in the workers' busy time.
        const auto tr0 = Clock::now();
        const OcrResult raw = ocr->recognize(w.decoded.gray, dpi, w.stem + " (raw)");
        const auto tr1 = Clock::now();
        stats_.ocr.add(tr1 - tr0);
        stats_.ocr_span(tr0, tr1);
        if (raw.ok) {
          const TextScore sr = score_text(raw.text, truth);
          w.cer_raw = sr.cer;
          w.wer_raw = sr.wer;
        }
      }
    }
    const auto tw = Clock::now();
    write_output(w, "text", w.stem + ".txt", std::vector<uint8_t>(w.text.begin(), w.text.end()));
    write_output(w, "hocr", w.stem + ".hocr", std::vector<uint8_t>(r.hocr.begin(), r.hocr.end()));
    w.times.write_ms += ms_between(tw, Clock::now());
  }
  // Images.
  const auto tw = Clock::now();
  const bool wrote_binary = cfg_.save_binary && !w.binary.empty();
  if (wrote_binary) {
    EncodeResult e = encode_page(w.binary, cfg_.binary_format, w.decoded.dpi_x, true);
    if (e.error != PageError::kNone)
      w.fail(e.error, e.message);
    else
      write_output(w, "binary", w.stem + output_extension(cfg_.binary_format, true), e.bytes);
  }
  if (w.ok() && (cfg_.save_gray || w.binary.empty())) {
    EncodeResult e = encode_page(w.gray, cfg_.gray_format, w.decoded.dpi_x, false);
    const bool clash = wrote_binary && output_extension(cfg_.gray_format, false) ==
                                           std::string(output_extension(cfg_.binary_format, true));
    if (e.error != PageError::kNone)
      w.fail(e.error, e.message);
    else
      write_output(w, "gray",
                   w.stem + (clash ? ".gray" : "") + output_extension(cfg_.gray_format, false),
                   e.bytes);
  }
  const auto tw1 = Clock::now();
  w.times.write_ms += ms_between(tw, tw1);
  stats_.write.add(tw1 - tw);
}

}  // namespace pageprep::host
