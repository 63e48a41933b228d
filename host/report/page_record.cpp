#include "report/page_record.hpp"

#include "util/json_writer.hpp"

#include <cctype>

namespace pageprep::host {

std::string page_record_json(const PageWork& w) {
  JsonWriter j;
  j.begin_object();
  j.str("input", w.id.input).num("page", static_cast<int64_t>(w.id.page));
  j.num("ordinal", w.id.ordinal);
  j.str("status", w.ok() ? "ok" : "error");
  if (!w.ok()) j.str("error_code", error_code_name(w.error)).str("error", w.message);
  if (w.width > 0) {
    j.num("width", static_cast<int64_t>(w.width));
    j.num("height", static_cast<int64_t>(w.height));
    j.num("dpi", w.decoded.dpi_x, 1);
    j.str("dpi_source", w.decoded.pdf.valid && w.decoded.pdf.native ? "pdf image size on the page"
                        : w.decoded.pdf.valid                       ? "pdf rendering"
                                              : dpi_source_name(w.decoded.dpi_source));
    // What the file said, when it was not trusted (the DPI rule in io/codec.hpp).
    if (w.decoded.dpi_source != DpiSource::kFile && w.decoded.file_dpi_x > 0)
      j.num("dpi_file", w.decoded.file_dpi_x, 1);
    j.str("format", w.decoded.format);
    if (w.decoded.pdf.valid) j.str("pdf_page", w.decoded.pdf.how);
  }
  j.num("skew_deg", static_cast<double>(w.skew_deg), 3);
  j.num("skew_confidence", static_cast<double>(w.skew_confidence), 3);
  j.num("skew_text_lines", static_cast<int64_t>(w.skew_text_lines));
  j.boolean("rotated", w.rotated);
  if (!w.skew_note.empty()) j.str("skew_note", w.skew_note);
  j.num("specks_removed", w.specks_removed);
  if (w.border_pixels_removed) j.num("border_pixels_removed", w.border_pixels_removed);
  if (!w.split.part.empty()) {
    j.str("split_part", w.split.part);
    j.begin_array("source_box");
    for (int32_t v : {w.split.x, w.split.y, w.split.w, w.split.h}) j.raw_value(std::to_string(v));
    j.end_array();
    j.num("split_confidence", w.split.confidence, 3);
  }
  if (!w.split.note.empty()) j.str("split_note", w.split.note);
  if (w.cropped) {
    j.begin_array("crop_box");
    for (int32_t v : {w.crop_x, w.crop_y, w.crop_w, w.crop_h}) j.raw_value(std::to_string(v));
    j.end_array();
  }
  if (!w.crop_note.empty()) j.str("crop_note", w.crop_note);
  if (w.dewarp.checked) {
    // dewarp_max_px only on a remapped page (the review sheet draws those).
    j.num("dewarp_confidence", w.dewarp.confidence, 3);
    if (w.dewarp.applied) j.num("dewarp_max_px", w.dewarp.max_px, 2);
    if (!w.dewarp.note.empty()) j.str("dewarp_note", w.dewarp.note);
  }
  if (w.zones_checked) {
    // Picture zones (kernels/picture_zones.hpp), [x, y, w, h] on the master.
    j.begin_array("picture_zones");
    for (const auto& z : w.picture_zones) {
      j.begin_array();
      for (int32_t v : z) j.raw_value(std::to_string(v));
      j.end_array();
    }
    j.end_array();
  }
  if (!w.mixed_image.empty()) j.str("mixed_image", w.mixed_image);
  if (!w.executor.empty()) j.str("executor", w.executor);
  if (w.orientation_checked) {
    if (w.orientation_known)
      j.num("orientation", static_cast<int64_t>(w.orientation_deg));
    else
      j.str("orientation", "unknown");
    j.str("detected_by", w.detected_by);
    if (w.detected_by == "osd")
      j.num("orientation_confidence", static_cast<double>(w.orientation_confidence), 2);
    if (!w.orientation_known && !w.orientation_note.empty())
      j.str("orientation_note", w.orientation_note);
    j.str("script", w.script.empty() ? "unknown" : w.script);
    if (w.detected_by == "osd")
      j.num("script_confidence", static_cast<double>(w.script_confidence), 2);
  }
  if (w.layout_lines >= 0) {
    j.key("layout").begin_object();
    j.num("lines", static_cast<int64_t>(w.layout_lines));
    j.num("ascender_ratio", w.layout_ascender_ratio, 2).num("core_share", w.layout_core_share, 2);
    j.end_object();
  }
  if (w.script_mismatch) {
    j.key("script_mismatch").begin_object();
    j.str("detected", w.script).num("confidence", static_cast<double>(w.script_confidence), 2);
    j.str("lang", w.ocr_lang);
    j.end_object();
  }
  if (!w.model_missing_script.empty()) {
    j.key("model_missing").begin_object();
    j.str("script", w.model_missing_script).str("read_with", w.ocr_lang);
    j.str("package", w.model_missing_package);
    j.end_object();
  }
  if (!w.ocr_lang.empty()) j.str("ocr_lang", w.ocr_lang);
  if (!w.ocr_input.empty()) j.str("ocr_input", w.ocr_input);
  if (w.signals_measured)
    j.num("background_spread", w.background_spread, 3).num("noise_sigma", w.noise_sigma, 2);
  if (w.ocr_confidence >= 0) j.num("ocr_confidence", static_cast<double>(w.ocr_confidence), 1);
  if (w.ok() && !w.ocr_lang.empty()) {
    // A page where OCR found no word says so, rather than carrying a
    // confidence that a QA filter would take for good text.
    int64_t words = 0;
    bool in_word = false;
    for (const char c : w.text) {
      const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
      if (!space && !in_word) ++words;
      in_word = !space;
    }
    j.num("ocr_words", words);
    if (words == 0) j.str("ocr_note", "no text found");
  }
  if (w.have_truth) {
    j.num("cer", w.cer, 4).num("wer", w.wer, 4);
    if (w.cer_raw >= 0) j.num("cer_raw", w.cer_raw, 4).num("wer_raw", w.wer_raw, 4);
  }
  j.key("outputs").begin_object();
  for (const auto& [kind, path] : w.outputs) j.str(kind, path);
  j.end_object();
  j.key("timings_ms").begin_object();
  j.num("decode", w.times.decode_ms, 2).num("preprocess", w.times.preprocess_ms, 2);
  if (w.times.detect_ms > 0) j.num("detect", w.times.detect_ms, 2);
  if (w.times.background_ms > 0) j.num("background", w.times.background_ms, 2);
  if (w.times.skew_ms > 0) j.num("skew", w.times.skew_ms, 2);
  if (w.times.rotate_ms > 0) j.num("rotate", w.times.rotate_ms, 2);
  if (w.dewarp.checked) j.num("dewarp", w.dewarp.ms, 2);
  if (w.times.median_ms > 0) j.num("median", w.times.median_ms, 2);
  if (w.times.binarize_ms > 0) j.num("binarize", w.times.binarize_ms, 2);
  if (w.times.despeckle_ms > 0) j.num("despeckle", w.times.despeckle_ms, 2);
  if (w.times.border_ms > 0) j.num("border", w.times.border_ms, 2);
  j.num("ocr", w.times.ocr_ms, 2).num("write", w.times.write_ms, 2);
  j.end_object();
  j.end_object();
  return j.take();
}

PageRecord make_page_record(const PageWork& w) {
  PageRecord r;
  r.ordinal = w.id.ordinal;
  r.key = w.key;
  r.json = page_record_json(w);
  r.ok = w.ok();
  r.input = w.id.input;
  r.doc = w.doc_stem;
  r.page = w.id.page;
  r.part = w.split.part.empty() ? "" : w.split.part == "left" ? "L" : "R";
  r.parts = w.split.parts;
  r.error_code = error_code_name(w.error);
  r.message = w.message;
  r.skew_deg = w.skew_deg;
  r.have_cer = w.have_truth;
  r.cer = w.cer;
  r.cer_raw = w.cer_raw;
  r.script_mismatch = w.script_mismatch;
  r.model_missing = !w.model_missing_script.empty();
  if (w.script_mismatch) {
    r.warning = "script_mismatch: the page is " + w.script + " script (OSD), which -l " +
                w.ocr_lang + " does not read; run without -l to read each page in its script";
  } else if (r.model_missing) {
    r.warning =
        "model_missing: the page is " + w.model_missing_script +
        " script, and no installed model reads it; read with " + w.ocr_lang +
        (w.model_missing_package.empty() ? std::string()
                                         : " (apt-get install " + w.model_missing_package + ")");
  }
  return r;
}

}  // namespace pageprep::host
