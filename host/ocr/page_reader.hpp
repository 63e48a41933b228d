/// \file page_reader.hpp
/// \brief Reads one preprocessed page in the right orientation and script:
/// the rows first, a confident read settling it, Tesseract's OSD only when
/// the rows cannot place the page or the read is doubtful.
///
/// The method, per page:
/// 1. The rows (text_layout.hpp, ~1 ms an A4 page) predict upright Latin,
///    upright CJK, upside-down Latin, something else, or no text at all.
/// 2. No text lines: read with the fallback model; orientation unknown, the
///    page is never turned (there is nothing to know it by).
/// 3. Upright by the rows: read at once with the model they point to
///    (first_reading_language: the forced -l, or for automatic language the
///    Latin model or the one installed CJK model). A mean word confidence of
///    at least kReadMinConfidence settles orientation (upright) and script
///    (the model's) without OSD: this is the path of ordinary pages, where
///    detection costs the millisecond of step 1.
/// 4. Otherwise OSD (OrientationDetector): a known quarter turn is corrected
///    through the caller's `turn` (which preprocesses the page again), the
///    script picks the model (automatic language; a script without an
///    installed model is read with the fallback and reported with the Debian
///    package that has one) or is checked against the forced -l
///    (script_mismatch). The read of step 3 is kept when the same model reads
///    the same pixels.
/// A wrong guess in step 1 costs time (a read, then OSD), never a wrong
/// answer: a read below kReadMinConfidence always goes on to OSD.
///
/// Threading: one PageReader per OCR worker thread, used by that thread only
/// (it owns Tesseract instances, which are not thread-safe).
#pragma once

#include <opencv2/core/mat.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ocr/ocr_engine.hpp"
#include "ocr/orientation.hpp"
#include "ocr/script_routing.hpp"
#include "ocr/text_layout.hpp"

namespace pageprep::host {

/// The page as the reader sees it; the caller keeps it current across turns.
struct ReaderPage {
  cv::Mat gray;    ///< deskewed gray
  cv::Mat binary;  ///< 0/255, may be empty
  int dpi = 300;
  std::string title;        ///< names the page inside its hOCR
  std::string source_name;  ///< the source image and 0-based page the outputs report
  int source_page = 0;      ///< (OcrEngine::set_source)
};

struct ReadOutcome {
  bool ok = false;
  std::string error;
  OcrResult read;    ///< the read that counts
  std::string lang;  ///< the model that made it
  // Orientation and script.
  bool orientation_checked = false;
  bool orientation_known = false;
  int32_t orientation_deg = 0;  ///< content was turned this much CCW (corrected when turned)
  float orientation_confidence = 0;
  std::string orientation_note;  ///< why unknown
  std::string detected_by;       ///< "rows" or "osd"
  std::string script;            ///< "" when unknown
  float script_confidence = 0;   ///< OSD's, when detected_by == "osd"
  bool turned = false;           ///< `turn` was called
  bool script_mismatch = false;
  std::string model_missing_script, model_missing_package;
  TextLayout layout;
  LayoutGuess guess = LayoutGuess::kNoText;
  int reads = 0;         ///< Tesseract reads made (1, or 2 when the first was not kept)
  double detect_ms = 0;  ///< the rows and OSD (not the turn's preprocessing)
  double ocr_ms = 0;     ///< all reads
};

class PageReader {
 public:
  /// `lang`: "auto" or a forced spec; `fallback`: the model for pages whose
  /// script stays unknown (or has no model); `installed` outlives the reader;
  /// `may_turn`: whether a page found turned a quarter is turned upright.
  PageReader(std::string lang, std::string fallback, const std::vector<std::string>& installed,
             bool may_turn);
  ~PageReader();
  PageReader(const PageReader&) = delete;
  PageReader& operator=(const PageReader&) = delete;

  /// Loads `lang`'s model now (so a run's OCR time excludes loading); false
  /// with *error set when it cannot.
  bool preload(const std::string& lang, std::string* error);

  /// Which image Tesseract reads: called before each read (the page may have
  /// been turned since). Returns the gray or the binary of `page`.
  using InputChoice = std::function<const cv::Mat&(const ReaderPage&)>;
  /// Turns the page's source by -rotation_deg and preprocesses it again,
  /// updating `page`; false with *error set when that fails.
  using Turn = std::function<bool(int32_t rotation_deg, ReaderPage* page, std::string* error)>;

  ReadOutcome read(ReaderPage* page, const InputChoice& input, const Turn& turn);

  /// The renderings each read makes (ocr_engine.hpp), for every engine of
  /// this reader, present and future. Default: all.
  void set_renders(const OcrRenders& renders);

  /// The engine for `lang` (created on first use), e.g. to read a raw page
  /// for evaluation; nullptr with *error set when it cannot load.
  OcrEngine* engine(const std::string& lang, std::string* error);

 private:
  OcrResult timed_read(OcrEngine* e, const cv::Mat& image, const ReaderPage& page,
                       ReadOutcome* out);
  OrientationResult osd(const ReaderPage& page, std::string* error);

  std::string lang_, fallback_;
  const std::vector<std::string>& installed_;
  bool may_turn_;
  OcrRenders renders_;
  std::map<std::string, std::unique_ptr<OcrEngine>> engines_;
  std::unique_ptr<OrientationDetector> osd_;
};

}  // namespace pageprep::host
