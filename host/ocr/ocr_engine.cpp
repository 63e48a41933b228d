#include "ocr/ocr_engine.hpp"

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/renderer.h>
#include <tesseract/resultiterator.h>

#include <cctype>
#include <cstdlib>
#include <memory>

namespace pageprep::host {
namespace {

struct TessTextDeleter {
  void operator()(char* p) const { delete[] p; }
};
using TessText = std::unique_ptr<char[], TessTextDeleter>;

std::string hocr_document(const std::string& body, const std::string& title) {
  // Tesseract's GetHOCRText returns the page div only; wrap it the way its own
  // hOCR renderer does so each .hocr file is a complete, valid document.
  std::string doc =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
      "    \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
      "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n"
      "  <title>";
  for (char c : title) {
    if (c == '<')
      doc += "&lt;";
    else if (c == '>')
      doc += "&gt;";
    else if (c == '&')
      doc += "&amp;";
    else
      doc.push_back(c);
  }
  doc +=
      "</title>\n"
      "  <meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
      "  <meta name='ocr-system' content='tesseract " +
      std::string(tesseract::TessBaseAPI::Version()) +
      " via pageprep' />\n"
      "  <meta name='ocr-capabilities' content='ocr_page ocr_carea ocr_par ocr_line ocrx_word "
      "ocrp_wconf'/>\n </head>\n <body>\n" +
      body + " </body>\n</html>\n";
  return doc;
}

}  // namespace

void set_ocr_thread_limit() {
  setenv("OMP_THREAD_LIMIT", "1", /*overwrite=*/0);
}

std::vector<std::string> installed_ocr_languages() {
  tesseract::TessBaseAPI api;
  std::vector<std::string> langs;
  // Init with osd only to learn the datapath cheaply; fall back to eng.
  if (api.Init(nullptr, "osd", tesseract::OEM_DEFAULT) != 0 &&
      api.Init(nullptr, "eng", tesseract::OEM_DEFAULT) != 0)
    return langs;
  api.GetAvailableLanguagesAsVector(&langs);
  return langs;
}

OcrEngine::OcrEngine() : api_(std::make_unique<tesseract::TessBaseAPI>()) {}
OcrEngine::~OcrEngine() {
  if (api_) api_->End();
}

bool OcrEngine::init(const std::string& lang, std::string* error) {
  lang_ = lang;
  if (api_->Init(nullptr, lang.c_str(), tesseract::OEM_LSTM_ONLY) != 0) {
    *error = "tesseract could not load language '" + lang + "' (is tesseract-ocr-" + lang +
             " installed? TESSDATA_PREFIX=" +
             (std::getenv("TESSDATA_PREFIX") ? std::getenv("TESSDATA_PREFIX") : "unset") + ")";
    return false;
  }
  api_->SetPageSegMode(tesseract::PSM_AUTO);
  // Tesseract's own debug chatter would interleave with our progress output.
  api_->SetVariable("debug_file", "/dev/null");
  return true;
}

void OcrEngine::set_source(const std::string& image_name, int page_number) {
  api_->SetInputName(image_name.c_str());
  page_number_ = page_number;
}

namespace {

// Words by text line, from Tesseract's result iterator, and in the same walk
// the mean confidence of the words that hold text. Tesseract's own
// MeanTextConf() also averages words whose text is blank, so a page of noise
// with no text at all could report 95; with no word at all the mean is
// undefined, and -1 says "absent" (pages.jsonl then has no ocr_confidence).
void read_lines(tesseract::TessBaseAPI& api, OcrResult* r) {
  r->words = 0;
  r->mean_confidence = -1.0f;
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (!it) return;
  using tesseract::RIL_TEXTLINE;
  using tesseract::RIL_WORD;
  std::vector<OcrLine>& lines = r->lines;
  double sum = 0;
  do {
    if (it->Empty(RIL_WORD)) continue;
    if (it->IsAtBeginningOf(RIL_TEXTLINE) || lines.empty()) {
      OcrLine l;
      it->BoundingBox(RIL_TEXTLINE, &l.x0, &l.y0, &l.x1, &l.y1);
      if (!it->Baseline(RIL_TEXTLINE, &l.base_x0, &l.base_y0, &l.base_x1, &l.base_y1)) {
        l.base_x0 = l.x0, l.base_x1 = l.x1, l.base_y0 = l.base_y1 = l.y1;
      }
      lines.push_back(l);
    }
    OcrWord w;
    it->BoundingBox(RIL_WORD, &w.x0, &w.y0, &w.x1, &w.y1);
    w.confidence = it->Confidence(RIL_WORD);
    TessText t(it->GetUTF8Text(RIL_WORD));
    w.text = t ? t.get() : "";
    bool blank = true;
    for (const char c : w.text)
      if (!std::isspace(static_cast<unsigned char>(c))) blank = false;
    if (!blank) {
      sum += w.confidence;
      ++r->words;
    }
    if (!w.text.empty()) lines.back().words.push_back(std::move(w));
  } while (it->Next(RIL_WORD));
  if (r->words > 0) r->mean_confidence = static_cast<float>(sum / r->words);
}

}  // namespace

OcrResult OcrEngine::recognize(const cv::Mat& page, int dpi, const std::string& title) {
  OcrResult r;
  if (page.empty() || page.type() != CV_8UC1) {
    r.error = "OCR needs a non-empty 8-bit gray page";
    return r;
  }
  api_->SetImage(page.data, page.cols, page.rows, 1, static_cast<int>(page.step[0]));
  api_->SetSourceResolution(dpi);
  if (api_->Recognize(nullptr) != 0) {
    r.error = "tesseract Recognize() failed";
    api_->Clear();
    return r;
  }
  TessText text(api_->GetUTF8Text());
  r.text = text ? text.get() : "";
  if (renders_.hocr) {
    TessText hocr(api_->GetHOCRText(page_number_));
    r.hocr = hocr_document(hocr ? hocr.get() : "", title);
  }
  if (renders_.alto) {
    TessText alto(api_->GetAltoText(page_number_));
    r.alto = alto ? alto.get() : "";
  }
  if (renders_.tsv) {
    TessText tsv(api_->GetTSVText(page_number_));
    r.tsv = tsv ? tsv.get() : "";
  }
  read_lines(*api_, &r);
  r.ok = true;
  api_->Clear();
  return r;
}

}  // namespace pageprep::host
