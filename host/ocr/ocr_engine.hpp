/// \file ocr_engine.hpp
/// \brief One Tesseract instance, owned by one OCR worker thread.
///
/// Threading contract: an OcrEngine is created once per worker thread and used
/// only by that thread for the whole run (TessBaseAPI is not thread-safe, and
/// re-initializing it per page costs ~100 ms). Pages are handed over in memory;
/// no temporary files. The process must set OMP_THREAD_LIMIT=1 before the first
/// engine is created, so workers x OpenMP threads never oversubscribe the cores
/// (set_ocr_thread_limit()).
#pragma once

#include <opencv2/core/mat.hpp>

#include <memory>
#include <string>
#include <vector>

namespace tesseract {
class TessBaseAPI;
}

namespace pageprep::host {

/// Sets OMP_THREAD_LIMIT=1 unless the user already set it. Call before any OcrEngine exists.
void set_ocr_thread_limit();

/// Installed Tesseract languages (from the tessdata folder Tesseract uses).
std::vector<std::string> installed_ocr_languages();

/// A recognized word and its text line, in the coordinates of the image
/// Tesseract was given (pixel edges: a box [x0, x1) x [y0, y1)).
struct OcrWord {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  float confidence = 0;
  std::string text;  ///< UTF-8
};
struct OcrLine {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  /// The baseline through two points (Tesseract's Baseline()).
  int base_x0 = 0, base_y0 = 0, base_x1 = 0, base_y1 = 0;
  std::vector<OcrWord> words;
};

struct OcrResult {
  bool ok = false;
  std::string error;
  std::string text;            ///< UTF-8 plain text
  std::string hocr;            ///< a complete hOCR document for the page
  std::string alto;            ///< Tesseract's ALTO <Page> element (GetAltoText)
  std::string tsv;             ///< Tesseract's TSV rows, without the header (GetTSVText)
  std::vector<OcrLine> lines;  ///< words by text line, in reading order
  /// Mean confidence (0..100) of the words that hold text; -1 when there is
  /// no such word (a blank or noise-only page): absent, never a high number.
  float mean_confidence = -1;
  int words = 0;  ///< words that hold text
};

/// The renderings recognize() makes besides the text, the lines and the mean
/// confidence (always made). Each of Tesseract's renderers walks the whole
/// result again: hOCR, ALTO and TSV together add ~15% to a page's OCR time
/// (docs/PERFORMANCE.md), so a run makes only those it writes.
struct OcrRenders {
  bool hocr = true;
  bool alto = true;
  bool tsv = true;
};

class OcrEngine {
 public:
  OcrEngine();
  ~OcrEngine();
  OcrEngine(const OcrEngine&) = delete;
  OcrEngine& operator=(const OcrEngine&) = delete;

  /// Loads `lang` (e.g. "eng", "eng+deu"); returns false with *error set on failure.
  bool init(const std::string& lang, std::string* error);

  /// Recognizes an 8-bit gray or 0/255 binary page at `dpi`. `title` names the
  /// page inside the hOCR document.
  OcrResult recognize(const cv::Mat& page, int dpi, const std::string& title);

  /// The source image and 0-based page number the next recognize() reports in
  /// its hOCR (image "...", ppageno), ALTO and TSV; kept until changed.
  void set_source(const std::string& image_name, int page_number);

  /// Which renderings the next recognize() calls make; kept until changed.
  void set_renders(const OcrRenders& renders) { renders_ = renders; }

  const std::string& language() const { return lang_; }

 private:
  std::unique_ptr<tesseract::TessBaseAPI> api_;
  std::string lang_;
  int page_number_ = 0;
  OcrRenders renders_;
};

}  // namespace pageprep::host
