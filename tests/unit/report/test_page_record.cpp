// page_record: a hand-built PageWork gives the pages.jsonl line and journal
// record we expect field by field (issue 23 item 7). Values are chosen by hand
// here; the JSON is read back with pageprep's reader, not compared to itself.
#include <gtest/gtest.h>

#include <string>

#include "report/page_record.hpp"
#include "util/json_reader.hpp"

namespace pageprep {
namespace {

using host::JsonValue;
using host::PageWork;

PageWork ok_page() {
  PageWork w;
  w.id.input = "scans/a.png";
  w.id.page = 3;
  w.id.ordinal = 7;
  w.key = "k-a-3";
  w.doc_stem = "a";
  w.width = 2480;
  w.height = 3508;
  w.decoded.dpi_x = 300;
  w.decoded.dpi_source = host::DpiSource::kFile;
  w.decoded.format = "png";
  w.skew_deg = 1.25f;
  w.skew_confidence = 0.5f;
  w.skew_text_lines = 40;
  w.rotated = true;
  w.specks_removed = 12;
  w.executor = "cpu";
  w.ocr_lang = "eng";
  w.ocr_input = "gray";
  w.text = "  hello   world\nthree\t";
  w.ocr_confidence = 91.5f;
  w.outputs = {{"txt", "a.txt"}, {"pdf", "a.pdf"}};
  w.times.decode_ms = 1.5;
  w.times.ocr_ms = 20;
  return w;
}

JsonValue parse(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << "one line of JSON";
  auto v = JsonValue::parse(line);
  EXPECT_TRUE(v && v->is_object()) << line;
  return v ? *v : JsonValue();
}

TEST(PageRecord, OkPageCarriesItsMeasurements) {
  const JsonValue v = parse(host::page_record_json(ok_page()));
  EXPECT_EQ(v.str("input"), "scans/a.png");
  EXPECT_EQ(v.num("page"), 3);
  EXPECT_EQ(v.num("ordinal"), 7);
  EXPECT_EQ(v.str("status"), "ok");
  EXPECT_EQ(v.get("error_code"), nullptr);
  EXPECT_EQ(v.num("width"), 2480);
  EXPECT_EQ(v.num("height"), 3508);
  EXPECT_EQ(v.num("dpi"), 300);
  EXPECT_EQ(v.str("dpi_source"), "file");
  EXPECT_EQ(v.get("dpi_file"), nullptr) << "a trusted file DPI is not repeated";
  EXPECT_EQ(v.str("format"), "png");
  EXPECT_DOUBLE_EQ(v.num("skew_deg"), 1.25);
  EXPECT_EQ(v.num("skew_text_lines"), 40);
  EXPECT_TRUE(v.boolean("rotated"));
  EXPECT_EQ(v.num("specks_removed"), 12);
  EXPECT_EQ(v.get("border_pixels_removed"), nullptr);
  EXPECT_EQ(v.str("executor"), "cpu");
  EXPECT_EQ(v.str("ocr_lang"), "eng");
  EXPECT_EQ(v.str("ocr_input"), "gray");
  EXPECT_DOUBLE_EQ(v.num("ocr_confidence"), 91.5);
  EXPECT_EQ(v.num("ocr_words"), 3) << "hello, world, three";
  EXPECT_EQ(v.get("ocr_note"), nullptr);
  EXPECT_EQ(v.get("orientation"), nullptr) << "not checked, not reported";
  EXPECT_EQ(v.get("cer"), nullptr);
  const JsonValue* outputs = v.get("outputs");
  ASSERT_NE(outputs, nullptr);
  EXPECT_EQ(outputs->str("txt"), "a.txt");
  EXPECT_EQ(outputs->str("pdf"), "a.pdf");
  const JsonValue* t = v.get("timings_ms");
  ASSERT_NE(t, nullptr);
  EXPECT_DOUBLE_EQ(t->num("decode"), 1.5);
  EXPECT_DOUBLE_EQ(t->num("ocr"), 20);
  EXPECT_EQ(t->get("skew"), nullptr) << "zero per-operation times are left out";
}

TEST(PageRecord, FailedPageSaysWhy) {
  PageWork w;
  w.id.input = "bad.tif";
  w.fail(host::PageError::kCorrupt, "truncated strip");
  w.fail(host::PageError::kOcrFailed, "a later error does not replace the first");
  const JsonValue v = parse(host::page_record_json(w));
  EXPECT_EQ(v.str("status"), "error");
  EXPECT_EQ(v.str("error_code"), "corrupt");
  EXPECT_EQ(v.str("error"), "truncated strip");
  EXPECT_EQ(v.get("width"), nullptr) << "never decoded: no size";
  EXPECT_EQ(v.get("ocr_words"), nullptr);

  const host::PageRecord r = host::make_page_record(w);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error_code, "corrupt");
  EXPECT_EQ(r.message, "truncated strip");
  EXPECT_TRUE(r.warning.empty());
}

TEST(PageRecord, PageWithoutWordsSaysSoInsteadOfAConfidence) {
  PageWork w = ok_page();
  w.text = " \n\t ";
  const JsonValue v = parse(host::page_record_json(w));
  EXPECT_EQ(v.num("ocr_words"), 0);
  EXPECT_EQ(v.str("ocr_note"), "no text found");
}

TEST(PageRecord, UntrustedFileDpiAndPdfRenderingAreNamed) {
  PageWork w = ok_page();
  w.decoded.dpi_source = host::DpiSource::kEstimated;
  w.decoded.file_dpi_x = 72;
  JsonValue v = parse(host::page_record_json(w));
  EXPECT_EQ(v.str("dpi_source"), "estimated");
  EXPECT_EQ(v.num("dpi_file"), 72);

  w.decoded.pdf.valid = true;
  w.decoded.pdf.native = false;
  w.decoded.pdf.how = "rendered";
  v = parse(host::page_record_json(w));
  EXPECT_EQ(v.str("dpi_source"), "pdf rendering");
  EXPECT_EQ(v.str("pdf_page"), "rendered");
  w.decoded.pdf.native = true;
  v = parse(host::page_record_json(w));
  EXPECT_EQ(v.str("dpi_source"), "pdf image size on the page");
}

TEST(PageRecord, OrientationUnknownAndOsdConfidence) {
  PageWork w = ok_page();
  w.orientation_checked = true;
  w.orientation_known = false;
  w.detected_by = "rows";
  w.orientation_note = "too few lines";
  JsonValue v = parse(host::page_record_json(w));
  EXPECT_EQ(v.str("orientation"), "unknown");
  EXPECT_EQ(v.str("orientation_note"), "too few lines");
  EXPECT_EQ(v.str("script"), "unknown");
  EXPECT_EQ(v.get("orientation_confidence"), nullptr) << "only OSD has a confidence";

  w.orientation_known = true;
  w.orientation_deg = 180;
  w.detected_by = "osd";
  w.orientation_confidence = 4.5f;
  w.script = "Latin";
  w.script_confidence = 2.25f;
  v = parse(host::page_record_json(w));
  EXPECT_EQ(v.num("orientation"), 180);
  EXPECT_EQ(v.get("orientation_note"), nullptr);
  EXPECT_DOUBLE_EQ(v.num("orientation_confidence"), 4.5);
  EXPECT_EQ(v.str("script"), "Latin");
  EXPECT_DOUBLE_EQ(v.num("script_confidence"), 2.25);
}

TEST(PageRecord, TruthMetricsAndSignals) {
  PageWork w = ok_page();
  w.have_truth = true;
  w.cer = 0.0125;
  w.wer = 0.05;
  w.signals_measured = true;
  w.background_spread = 0.125;
  w.noise_sigma = 6.5;
  const JsonValue v = parse(host::page_record_json(w));
  EXPECT_DOUBLE_EQ(v.num("cer"), 0.0125);
  EXPECT_DOUBLE_EQ(v.num("wer"), 0.05);
  EXPECT_EQ(v.get("cer_raw"), nullptr) << "no raw CER measured";
  EXPECT_DOUBLE_EQ(v.num("background_spread"), 0.125);
  EXPECT_DOUBLE_EQ(v.num("noise_sigma"), 6.5);

  const host::PageRecord r = host::make_page_record(w);
  EXPECT_TRUE(r.have_cer);
  EXPECT_DOUBLE_EQ(r.cer, 0.0125);
  EXPECT_DOUBLE_EQ(r.cer_raw, -1);
}

TEST(PageRecord, RecordKeepsTheSummaryFieldsAndTheWarnings) {
  PageWork w = ok_page();
  host::PageRecord r = host::make_page_record(w);
  EXPECT_EQ(r.ordinal, 7);
  EXPECT_EQ(r.key, "k-a-3");
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.input, "scans/a.png");
  EXPECT_EQ(r.doc, "a");
  EXPECT_EQ(r.page, 3);
  EXPECT_EQ(r.error_code, "none");
  EXPECT_FLOAT_EQ(static_cast<float>(r.skew_deg), 1.25f);
  EXPECT_EQ(r.json, host::page_record_json(w));
  EXPECT_TRUE(r.warning.empty());

  w.script_mismatch = true;
  w.script = "Cyrillic";
  r = host::make_page_record(w);
  EXPECT_TRUE(r.script_mismatch);
  EXPECT_EQ(r.warning,
            "script_mismatch: the page is Cyrillic script (OSD), which -l eng does not read; "
            "run without -l to read each page in its script");
  const JsonValue v = parse(r.json);
  const JsonValue* m = v.get("script_mismatch");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->str("detected"), "Cyrillic");
  EXPECT_EQ(m->str("lang"), "eng");

  w.script_mismatch = false;
  w.model_missing_script = "Greek";
  w.model_missing_package = "tesseract-ocr-ell";
  r = host::make_page_record(w);
  EXPECT_TRUE(r.model_missing);
  EXPECT_EQ(r.warning,
            "model_missing: the page is Greek script, and no installed model reads it; read "
            "with eng (apt-get install tesseract-ocr-ell)");
  w.model_missing_package.clear();
  r = host::make_page_record(w);
  EXPECT_EQ(r.warning,
            "model_missing: the page is Greek script, and no installed model reads it; read "
            "with eng");
}

}  // namespace
}  // namespace pageprep
