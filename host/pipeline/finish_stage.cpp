#include "pipeline/finish_stage.hpp"

#include <cmath>
#include <filesystem>

#include "doc/mixed_page.hpp"
#include "doc/ocr_outputs.hpp"
#include "doc/page_artifact.hpp"
#include "doc/page_geometry.hpp"
#include "io/atomic_file.hpp"
#include "io/codec.hpp"
#include "pageprep/kernels/picture_zones.hpp"
#include "pipeline/orientation_step.hpp"
#include "pipeline/page_signals.hpp"
#include "util/text_metrics.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

FinishStage::FinishStage(const RunConfig& cfg, RunStats& stats,
                         const std::vector<std::string>& installed_langs, std::string temp_dir)
    : cfg_(cfg), stats_(stats), installed_langs_(installed_langs), temp_dir_(std::move(temp_dir)) {
  if (cfg_.ocr == OcrMode::kTesseract) {
    const bool forced = cfg_.lang != "auto";
    reader_ = std::make_unique<PageReader>(cfg_.lang, forced ? cfg_.lang : cfg_.auto_fallback_lang,
                                           installed_langs_, detects_orientation(cfg_));
    // Only the renderings this run writes (each is another walk of the result).
    const PageFormats& f = cfg_.page_formats;
    reader_->set_renders(OcrRenders{f.hocr, f.alto, f.tsv});
  }
}

void FinishStage::preload() {
  if (!reader_) return;
  // The model most pages will need: the forced one, or the Latin model.
  std::string lang = cfg_.lang;
  if (lang == "auto") {
    lang = language_for_script("Latin", installed_langs_);
    if (lang.empty()) lang = cfg_.auto_fallback_lang;
  }
  std::string error;
  reader_->preload(lang, &error);
}

void FinishStage::write_output(PageWork& w, const std::string& kind, const std::string& rel,
                               const std::vector<uint8_t>& bytes) {
  const fs::path path = fs::path(cfg_.outdir) / rel;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::string msg;
  const int64_t cpu0 = thread_cpu_ns();
  const PageError e = write_file_atomic(path.string(), bytes, &msg, temp_dir_);
  stats_.cpu.write_ns += thread_cpu_ns() - cpu0;
  if (e != PageError::kNone) {
    w.fail(PageError::kWriteFailed, "cannot write " + path.string() + ": " + msg);
    return;
  }
  w.outputs.emplace_back(kind, rel);
}

void FinishStage::turn_by_osd(PageWork& w) {
  if (!osd_) {
    osd_ = std::make_unique<OrientationDetector>();
    std::string error;
    if (!osd_->init(&error)) {
      osd_.reset();
      w.fail(PageError::kOcrFailed, "orientation detection unavailable: " + error);
      return;
    }
  }
  const auto t0 = Clock::now();
  const double pre_ms = w.times.preprocess_ms;
  host::correct_orientation(w, *osd_, cfg_.steps, redo_);  // orientation_step.hpp
  // Detection time without the preprocessing a turn repeats.
  w.times.detect_ms += ms_between(t0, Clock::now()) - (w.times.preprocess_ms - pre_ms);
}

void FinishStage::read_page(PageWork& w, OcrResult* result) {
  ReaderPage page;
  page.gray = w.gray;
  page.binary = w.binary;
  page.dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  page.title = w.stem;
  page.source_name = w.id.input;
  page.source_page = w.id.page;
  // What Tesseract reads: the binary on unevenly lit or speckled pages (auto),
  // else the gray page (low-passed when it was not resampled).
  cv::Mat smoothed;
  auto input = [&](const ReaderPage& p) -> const cv::Mat& {
    bool use_binary = cfg_.ocr_input == OcrInput::kBinary;
    if (cfg_.ocr_input == OcrInput::kAuto)
      use_binary = choose_binary_for_ocr({w.background_spread, w.noise_sigma}, w.specks_removed,
                                         int64_t{w.width} * w.height);
    use_binary = use_binary && !p.binary.empty();
    w.ocr_input = use_binary ? "binary" : w.rotated ? "gray" : "gray, low-passed";
    return use_binary ? p.binary : gray_for_ocr(p.gray, w.rotated, &smoothed);
  };
  auto turn = [&](int32_t rotation_deg, ReaderPage* p, std::string* error) {
    if (!host::turn_upright(w, rotation_deg, cfg_.steps, redo_, error)) return false;
    p->gray = w.gray;
    p->binary = w.binary;
    return true;
  };
  const auto t0 = Clock::now();
  ReadOutcome o = reader_->read(&page, input, turn);
  const auto t1 = Clock::now();
  // The reads are OCR time; the rows and OSD are detection time.
  w.times.ocr_ms += o.ocr_ms;
  w.times.detect_ms += o.detect_ms;
  stats_.ocr.add(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(o.ocr_ms)));
  stats_.detect.add(std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double, std::milli>(o.detect_ms)));
  stats_.ocr_span(t0, t1);
  w.orientation_checked = o.orientation_checked;
  w.orientation_known = o.orientation_known;
  w.orientation_deg = o.orientation_deg;
  w.orientation_confidence = o.orientation_confidence;
  w.orientation_note = o.orientation_note;
  w.detected_by = o.detected_by;
  w.script = o.script;
  w.script_confidence = o.script_confidence;
  w.layout_lines = o.layout.lines;
  w.layout_ascender_ratio = o.layout.ascender_ratio();
  w.layout_core_share = o.layout.core_share;
  w.script_mismatch = o.script_mismatch;
  w.model_missing_script = o.model_missing_script;
  w.model_missing_package = o.model_missing_package;
  w.ocr_lang = o.lang;
  if (!w.ok()) return;  // a failed turn already says why
  if (!o.ok) {
    w.fail(PageError::kOcrFailed, o.error);
    return;
  }
  *result = std::move(o.read);
}

void FinishStage::finish(PageWork& w) {
  if (!w.ok()) return;
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  if (cfg_.ocr == OcrMode::kNone && detects_orientation(cfg_)) {
    turn_by_osd(w);
    if (!w.ok()) return;
  }
  std::vector<OcrLine> ocr_lines;
  if (cfg_.ocr == OcrMode::kTesseract) {
    OcrResult r;
    read_page(w, &r);
    if (!w.ok()) return;
    find_zones(w);  // on the page as read (a turn redoes it), before ALTO names them
    if (!w.ok()) return;
    std::string error;
    OcrEngine* ocr = reader_->engine(w.ocr_lang, &error);  // made by the read
    w.text = std::move(r.text);
    w.ocr_confidence = r.mean_confidence;
    bool found = false;
    // A split half's truth is the master's NAME-L.gt.txt or NAME-R.gt.txt.
    std::string truth_of = w.id.input;
    if (!w.split.part.empty()) {
      const size_t slash = truth_of.find_last_of('/');
      const size_t dot = truth_of.find_last_of('.');
      const size_t at = dot != std::string::npos && (slash == std::string::npos || dot > slash + 1)
                            ? dot
                            : truth_of.size();
      truth_of.insert(at, w.split.part == "left" ? "-L" : "-R");
    }
    const std::string truth = read_truth_for(truth_of, &found);
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
    write_ocr_outputs(w, r);
    ocr_lines = std::move(r.lines);
    w.times.write_ms += ms_between(tw, Clock::now());
  }
  if (!w.zones_checked) find_zones(w);
  if (!w.ok()) return;
  // Images.
  const auto tw = Clock::now();
  // The binary page as an executor delivered it (packed; see
  // binary_packed_suffices, never with --image-format mixed), or unpacked.
  const bool packed = w.binary.empty() && !w.binary_packed.empty();
  const bool wrote_binary = cfg_.save_binary && (packed || !w.binary.empty());
  bool clean_is_binary = wrote_binary;
  if (wrote_binary && cfg_.mixed_image && !packed) {
    const int64_t cpu0 = thread_cpu_ns();
    EncodeResult e = encode_mixed_page(w);
    stats_.cpu.encode_ns += thread_cpu_ns() - cpu0;
    clean_is_binary = w.mixed_image == "bilevel";
    if (e.error != PageError::kNone)
      w.fail(e.error, e.message);
    else
      write_output(w, "binary", w.stem + ".png", e.bytes);
  } else if (wrote_binary) {
    const int64_t cpu0 = thread_cpu_ns();
    EncodeResult e = packed ? encode_packed_page(w.binary_packed, w.binary_packed_width,
                                                 cfg_.binary_format, w.decoded.dpi_x)
                            : encode_page(w.binary, cfg_.binary_format, w.decoded.dpi_x, true);
    stats_.cpu.encode_ns += thread_cpu_ns() - cpu0;
    if (e.error != PageError::kNone)
      w.fail(e.error, e.message);
    else
      write_output(w, "binary", w.stem + output_extension(cfg_.binary_format, true), e.bytes);
  }
  std::string gray_rel;
  if (w.ok() && (cfg_.save_gray || (w.binary.empty() && !packed))) {
    const int64_t cpu0 = thread_cpu_ns();
    EncodeResult e = encode_page(w.gray, cfg_.gray_format, w.decoded.dpi_x, false);
    stats_.cpu.encode_ns += thread_cpu_ns() - cpu0;
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
                        !binary_rel.empty() && clean_is_binary);
  }
  const auto tw1 = Clock::now();
  w.times.write_ms += ms_between(tw, tw1);
  stats_.write.add(tw1 - tw);
}

void FinishStage::find_zones(PageWork& w) {
  // Looked for where something uses them: ALTO and pages.jsonl with OCR, the
  // mixed page. Cheap next to OCR (cell sums, one pass over the page).
  if (w.gray.empty() || !(cfg_.mixed_image || cfg_.ocr == OcrMode::kTesseract)) return;
  const auto t0 = Clock::now();
  if (!zone_pool_) zone_pool_ = std::make_unique<kernels::cpu::ThreadPool>(1);
  std::vector<kernels::PictureZone> zones;
  const kernels::ConstGrayView view{w.gray.data, w.gray.cols, w.gray.rows,
                                    static_cast<int64_t>(w.gray.step)};
  const kernels::Status st = kernels::cpu::find_picture_zones(
      *zone_pool_, view, static_cast<float>(w.decoded.dpi_x), &zones);
  if (!st) {
    w.fail(PageError::kInternal, "picture zones: " + st.message());
    return;
  }
  w.zones_processed.clear();
  for (const auto& z : zones) w.zones_processed.push_back({z.x, z.y, z.width, z.height});
  w.picture_zones = zones_on_master(w.zones_processed, geometry_of(w));
  w.zones_checked = true;
  w.times.detect_ms += ms_between(t0, Clock::now());
}

EncodeResult FinishStage::encode_mixed_page(PageWork& w) {
  if (w.zones_processed.empty()) {
    w.mixed_image = "bilevel";  // a text page: the binary page, as a 1-bit PNG
    return encode_page(w.binary, OutputFormat::kPng, w.decoded.dpi_x, true);
  }
  cv::Mat colour;
  if (w.decoded.source_channels >= 3 && w.decoded.format != "pdf") {
    const cv::Mat master =
        read_colour_master(w.id.input, w.id.page, w.width, w.height);  // empty: keep gray
    if (!master.empty())
      colour = colour_zones_on_processed(master, geometry_of(w), w.zones_processed);
  }
  w.mixed_image = colour.empty() ? "gray" : "rgb";
  return encode_page(compose_mixed_page(w.binary, w.gray, colour, w.zones_processed),
                     OutputFormat::kPng, w.decoded.dpi_x, false);
}

PageGeometry FinishStage::geometry_of(const PageWork& w) {
  // A split half (split_step.hpp) and a cropped page (crop_step.hpp) were
  // turned and deskewed as their box; its offset takes their boxes back onto
  // the whole master.
  const PixelBox r = region_of(w);
  return make_region_geometry(
      w.width, w.height, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0, w.upright_turn_deg,
      w.rotated ? -static_cast<double>(w.skew_deg) : 0.0, w.gray.cols, w.gray.rows);
}

PixelBox FinishStage::region_of(const PageWork& w) {
  const bool half = !w.split.part.empty();
  PixelBox b{0, 0, half ? w.split.w : w.width, half ? w.split.h : w.height};
  if (half) b = {w.split.x, w.split.y, w.split.x + w.split.w, w.split.y + w.split.h};
  if (w.cropped)
    b = {b.x0 + w.crop_x, b.y0 + w.crop_y, b.x0 + w.crop_x + w.crop_w, b.y0 + w.crop_y + w.crop_h};
  return b;
}

void FinishStage::write_ocr_outputs(PageWork& w, const OcrResult& r) {
  const PageFormats& f = cfg_.page_formats;
  const PageGeometry g = geometry_of(w);
  auto bytes = [](const std::string& s) { return std::vector<uint8_t>(s.begin(), s.end()); };
  if (f.txt) write_output(w, "text", w.stem + ".txt", bytes(w.text));
  if (f.hocr) write_output(w, "hocr", w.stem + ".hocr", bytes(hocr_on_master(r.hocr, g)));
  if (f.alto)
    write_output(w, "alto", w.stem + ".xml",
                 bytes(alto_on_master(r.alto, g, w.id.input, w.picture_zones)));
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
  const PixelBox r = region_of(w);
  if (r.x0 != 0 || r.y0 != 0 || r.x1 != w.width || r.y1 != w.height) {
    a.region_x = r.x0;
    a.region_y = r.y0;
    a.region_w = r.x1 - r.x0;
    a.region_h = r.y1 - r.y0;
  }
  if (!w.split.part.empty()) {
    a.view_x = w.split.x;
    a.view_y = w.split.y;
    a.view_w = w.split.w;
    a.view_h = w.split.h;
  }
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
