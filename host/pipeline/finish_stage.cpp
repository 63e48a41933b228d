#include "pipeline/finish_stage.hpp"

#include <cmath>
#include <filesystem>

#include "doc/ocr_outputs.hpp"
#include "doc/page_artifact.hpp"
#include "doc/page_geometry.hpp"
#include "io/atomic_file.hpp"
#include "io/codec.hpp"
#include "pipeline/page_signals.hpp"
#include "report/text_metrics.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

FinishStage::FinishStage(const RunConfig& cfg, RunStats& stats,
                         const std::vector<std::string>& installed_langs, std::string temp_dir)
    : cfg_(cfg), stats_(stats), installed_langs_(installed_langs), temp_dir_(std::move(temp_dir)) {}

void FinishStage::preload() {
  if (cfg_.ocr == OcrMode::kTesseract && cfg_.lang != "auto") {
    std::string error;
    engine_for(cfg_.lang, &error);
  }
}

void FinishStage::write_output(PageWork& w, const std::string& kind, const std::string& rel,
                               const std::vector<uint8_t>& bytes) {
  const fs::path path = fs::path(cfg_.outdir) / rel;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::string msg;
  if (write_file_atomic(path.string(), bytes, &msg, temp_dir_) != PageError::kNone) {
    w.fail(PageError::kWriteFailed, "cannot write " + path.string() + ": " + msg);
    return;
  }
  w.outputs.emplace_back(kind, rel);
}

OcrEngine* FinishStage::engine_for(const std::string& lang, std::string* error) {
  auto it = engines_.find(lang);
  if (it != engines_.end()) return it->second.get();
  auto engine = std::make_unique<OcrEngine>();
  if (!engine->init(lang, error)) return nullptr;
  return (engines_[lang] = std::move(engine)).get();
}

void FinishStage::correct_orientation(PageWork& w) {
  if (!osd_) {
    osd_ = std::make_unique<OrientationDetector>();
    std::string error;
    if (!osd_->init(&error)) {
      w.fail(PageError::kOcrFailed, "orientation detection unavailable: " + error);
      return;
    }
  }
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  const OrientationResult o = osd_->detect(w.binary.empty() ? w.gray : w.binary, dpi);
  w.orientation_checked = true;
  w.orientation_known = o.known;
  w.orientation_deg = o.known ? o.rotation_deg : 0;
  w.orientation_confidence = o.orientation_confidence;
  w.script = o.script_known ? o.script : "";
  w.script_confidence = o.script_confidence;
  if (!o.known || o.rotation_deg == 0 || w.decoded.gray.empty()) return;
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
  w.decoded.gray = rotate_quarter_turns(w.decoded.gray, -o.rotation_deg);
  w.upright_turn_deg = -o.rotation_deg;
  w.gray.release();
  w.binary.release();
  const double decode_ms = w.times.decode_ms, pre_ms = w.times.preprocess_ms;
  std::vector<PageWork*> one{&w};
  redo_->process(one);
  w.times.decode_ms = decode_ms;
  w.times.preprocess_ms += pre_ms;
  w.executor += " + cpu (after orientation)";
}

void FinishStage::finish(PageWork& w) {
  if (!w.ok()) return;
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  if (detects_orientation(cfg_)) {
    correct_orientation(w);
    if (!w.ok()) return;
  }
  // OCR, with the page's language: the script's under -l auto.
  OcrEngine* ocr = nullptr;
  std::vector<OcrLine> ocr_lines;
  if (cfg_.ocr == OcrMode::kTesseract) {
    std::string lang = cfg_.lang;
    if (lang == "auto") {
      lang = language_for_script(w.script, installed_langs_);
      if (lang.empty()) lang = cfg_.auto_fallback_lang;
    }
    std::string error;
    ocr = engine_for(lang, &error);
    if (!ocr) {
      w.fail(PageError::kOcrFailed, error);
      return;
    }
    w.ocr_lang = lang;
  }
  if (ocr) {
    bool use_binary = cfg_.ocr_input == OcrInput::kBinary;
    if (cfg_.ocr_input == OcrInput::kAuto)
      use_binary = choose_binary_for_ocr({w.background_spread, w.noise_sigma}, w.specks_removed,
                                         int64_t{w.width} * w.height);
    use_binary = use_binary && !w.binary.empty();
    w.ocr_input = use_binary ? "binary" : "gray";
    const cv::Mat& input = use_binary ? w.binary : w.gray;
    const auto t0 = Clock::now();
    ocr->set_source(w.id.input, w.id.page);
    OcrResult r = ocr->recognize(input, dpi, w.stem);
    const auto t1 = Clock::now();
    w.times.ocr_ms = ms_between(t0, t1);
    stats_.ocr.add(t1 - t0);
    stats_.ocr_span(t0, t1);
    if (!r.ok) {
      w.fail(PageError::kOcrFailed, r.error);
      return;
    }
    w.text = std::move(r.text);
    w.ocr_confidence = r.mean_confidence;
    bool found = false;
    const std::string truth = read_truth_for(w.id.input, &found);
    if (found) {
      w.have_truth = true;
      const TextScore s = score_text(w.text, truth);
      w.cer = s.cer;
      w.wer = s.wer;
      if (cfg_.eval_raw && !w.decoded.gray.empty()) {
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
    write_ocr_outputs(w, r);
    ocr_lines = std::move(r.lines);
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
  std::string gray_rel;
  if (w.ok() && (cfg_.save_gray || w.binary.empty())) {
    EncodeResult e = encode_page(w.gray, cfg_.gray_format, w.decoded.dpi_x, false);
    const bool clash = wrote_binary && output_extension(cfg_.gray_format, false) ==
                                           std::string(output_extension(cfg_.binary_format, true));
    gray_rel = w.stem + (clash ? ".gray" : "") + output_extension(cfg_.gray_format, false);
    if (e.error != PageError::kNone)
      w.fail(e.error, e.message);
    else
      write_output(w, "gray", gray_rel, e.bytes);
  }
  // Last, the page's record for the document outputs (doc/page_artifact.hpp).
  if (w.ok() && (cfg_.documents.pdf || cfg_.documents.sidecar)) {
    const std::string binary_rel =
        wrote_binary ? w.stem + output_extension(cfg_.binary_format, true) : std::string();
    write_page_artifact(w, std::move(ocr_lines), binary_rel.empty() ? gray_rel : binary_rel,
                        !binary_rel.empty());
  }
  const auto tw1 = Clock::now();
  w.times.write_ms += ms_between(tw, tw1);
  stats_.write.add(tw1 - tw);
}

PageGeometry FinishStage::geometry_of(const PageWork& w) {
  return make_page_geometry(w.width, w.height, w.upright_turn_deg,
                            w.rotated ? -static_cast<double>(w.skew_deg) : 0.0, w.gray.cols,
                            w.gray.rows);
}

void FinishStage::write_ocr_outputs(PageWork& w, const OcrResult& r) {
  const PageFormats& f = cfg_.page_formats;
  const PageGeometry g = geometry_of(w);
  auto bytes = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  if (f.txt) write_output(w, "text", w.stem + ".txt", bytes(w.text));
  if (f.hocr) write_output(w, "hocr", w.stem + ".hocr", bytes(hocr_on_master(r.hocr, g)));
  if (f.alto)
    write_output(w, "alto", w.stem + ".xml", bytes(alto_on_master(r.alto, g, w.id.input)));
  if (f.tsv) write_output(w, "tsv", w.stem + ".tsv", bytes(tsv_on_master(r.tsv, g)));
}

void FinishStage::write_page_artifact(PageWork& w, std::vector<OcrLine> lines,
                                      const std::string& clean_rel, bool clean_is_binary) {
  PageArtifact a;
  a.key = w.key;
  a.input = w.id.input;
  a.page = w.id.page;
  a.master_w = w.width;
  a.master_h = w.height;
  a.dpi_x = w.decoded.dpi_x;
  a.dpi_y = w.decoded.dpi_y;
  a.format = w.decoded.format;
  a.source_channels = w.decoded.source_channels;
  a.source_depth_bits = w.decoded.source_depth_bits;
  a.pdf = w.decoded.pdf;
  a.geometry = geometry_of(w);
  a.clean_image = clean_rel;
  a.clean_is_binary = clean_is_binary;
  a.ocr = cfg_.ocr == OcrMode::kTesseract;
  a.lines = std::move(lines);
  a.text = w.text;
  const std::string text = serialize_page_artifact(a);
  const fs::path path = fs::path(cfg_.outdir) / page_artifact_path(w.stem);
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::string msg;
  if (write_file_atomic(path.string(), std::vector<uint8_t>(text.begin(), text.end()), &msg,
                        temp_dir_) != PageError::kNone) {
    w.fail(PageError::kWriteFailed, "cannot write the page's document record: " + msg);
    return;
  }
  // Listed with the outputs, so a resumed page whose record is gone is redone.
  w.outputs.emplace_back("document_record", page_artifact_path(w.stem));
}

}  // namespace pageprep::host
