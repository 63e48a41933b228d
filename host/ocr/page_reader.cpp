#include "ocr/page_reader.hpp"

#include <chrono>
#include <utility>

namespace pageprep::host {
namespace {

using Clock = std::chrono::steady_clock;
double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

PageReader::PageReader(std::string lang, std::string fallback,
                       const std::vector<std::string>& installed, bool may_turn)
    : lang_(std::move(lang)),
      fallback_(std::move(fallback)),
      installed_(installed),
      may_turn_(may_turn) {}

PageReader::~PageReader() = default;

OcrEngine* PageReader::engine(const std::string& lang, std::string* error) {
  auto it = engines_.find(lang);
  if (it != engines_.end()) return it->second.get();
  auto e = std::make_unique<OcrEngine>();
  std::string local;
  if (!e->init(lang, error ? error : &local)) return nullptr;
  e->set_renders(renders_);
  return (engines_[lang] = std::move(e)).get();
}

void PageReader::set_renders(const OcrRenders& renders) {
  renders_ = renders;
  for (auto& [lang, e] : engines_) e->set_renders(renders);
}

bool PageReader::preload(const std::string& lang, std::string* error) {
  return engine(lang, error) != nullptr;
}

OcrResult PageReader::timed_read(OcrEngine* e, const cv::Mat& image, const ReaderPage& page,
                                 ReadOutcome* out) {
  const auto t0 = Clock::now();
  e->set_source(page.source_name, page.source_page);
  OcrResult r = e->recognize(image, page.dpi, page.title);
  out->ocr_ms += ms_between(t0, Clock::now());
  ++out->reads;
  return r;
}

OrientationResult PageReader::osd(const ReaderPage& page, std::string* error) {
  if (!osd_) {
    auto d = std::make_unique<OrientationDetector>();
    if (!d->init(error)) return {};
    osd_ = std::move(d);
  }
  return osd_->detect(page.binary.empty() ? page.gray : page.binary, page.dpi);
}

ReadOutcome PageReader::read(ReaderPage* page, const InputChoice& input, const Turn& turn) {
  ReadOutcome out;
  const bool forced = lang_ != "auto";
  auto fail = [&](std::string why) {
    out.ok = false;
    out.error = std::move(why);
    return out;
  };
  auto read_with = [&](const std::string& lang, OcrResult* r) {
    std::string error;
    OcrEngine* e = engine(lang, &error);
    if (!e) {
      out.error = error;
      return false;
    }
    *r = timed_read(e, input(*page), *page, &out);
    if (!r->ok) out.error = r->error;
    return r->ok;
  };

  // 1. The rows.
  auto t = Clock::now();
  const cv::Mat& ink = page->binary.empty() ? page->gray : page->binary;
  out.layout = measure_text_layout(ink, page->dpi);
  if (needs_columns(out.layout)) {
    // CJK-looking rows: upright only if the columns look less like lines.
    const TextLayout columns = measure_column_layout(ink, page->dpi);
    out.guess = guess_layout(out.layout, &columns);
  } else {
    out.guess = guess_layout(out.layout);
  }
  out.detect_ms += ms_between(t, Clock::now());
  out.orientation_checked = true;

  // 2. No text lines: nothing to turn, no script to find.
  if (out.guess == LayoutGuess::kNoText) {
    out.detected_by = "rows";
    out.orientation_note =
        "too little text (" + std::to_string(out.layout.lines) + " text lines in the rows)";
    out.lang = fallback_;
    if (!read_with(fallback_, &out.read)) return fail(out.error);
    out.ok = true;
    return out;
  }

  // 3. A first read with the model the rows point to; a confident one settles it.
  const std::string first = first_reading_language(out.guess, lang_, installed_);
  OcrResult first_read;
  if (!first.empty()) {
    if (!read_with(first, &first_read)) return fail(out.error);
    if (first_read.mean_confidence >= kReadMinConfidence) {
      out.detected_by = "rows";
      out.orientation_known = true;
      out.orientation_deg = 0;
      out.script = script_of_language(first);
      out.lang = first;
      out.read = std::move(first_read);
      out.ok = true;
      return out;
    }
  }

  // 4. OSD: orientation (turning the page when allowed) and script.
  t = Clock::now();
  std::string error;
  const OrientationResult o = osd(*page, &error);
  out.detect_ms += ms_between(t, Clock::now());
  if (!error.empty()) return fail("orientation detection unavailable: " + error);
  out.detected_by = "osd";
  out.orientation_known = o.known;
  out.orientation_deg = o.known ? o.rotation_deg : 0;
  out.orientation_confidence = o.orientation_confidence;
  out.orientation_note = o.reason;
  out.script = o.script_known ? o.script : "";
  out.script_confidence = o.script_confidence;
  if (may_turn_ && o.known && o.rotation_deg != 0) {
    if (!turn(o.rotation_deg, page, &error)) return fail(error);
    out.turned = true;
  }

  // 5. The model: the forced one (flagged when it cannot read the script),
  // or the script's installed model (said when there is none).
  std::string lang = fallback_;
  if (forced) {
    if (o.script_known && language_fits_script(lang_, o.script) == ScriptFit::kContradicts)
      out.script_mismatch = true;
  } else if (o.script_known) {
    lang = language_for_script(o.script, installed_);
    if (lang.empty()) {
      lang = fallback_;
      out.model_missing_script = o.script;
      out.model_missing_package = package_for_script(o.script);
    }
  }
  out.lang = lang;
  if (!first.empty() && first == lang && !out.turned) {
    out.read = std::move(first_read);  // the same model on the same pixels
  } else if (!read_with(lang, &out.read)) {
    return fail(out.error);
  }
  out.ok = true;
  return out;
}

}  // namespace pageprep::host
