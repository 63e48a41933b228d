// pageprep-quality: does preprocessing make Tesseract read better?
//
// Generates a deterministic corpus (quality_corpus.hpp: 7 content kinds x 10
// degradation classes), runs each page through the same CPU executor that
// `pageprep run` uses under several step configurations, OCRs every variant
// with Tesseract, and reports per degradation class: CER/WER of the raw page,
// of each preprocessing variant and of the clean original; skew accuracy;
// binarization F-measure/PSNR against the generator's clean binary; an
// illumination signal sweep for switching background normalization per page;
// orientation/script detection on generated English, Chinese and Russian pages
// (Tesseract's OSD alone, and the default flow: the rows, a confident read,
// OSD when doubtful; ocr/page_reader.hpp); pages without usable text (never
// rotated, never turned); what we find on the real scans in
// shared/data/real-scans; and what detection costs against OCR.
//
// Usage (docs/QUALITY.md has the run that produced the published tables):
//   pageprep-quality [--pages-per-class N] [--jobs N] [--out DIR] [--quick]
//                    [--classes a,b,...] [--variants a,b,...] [--orientation-pages N]
//                    [--no-orientation] [--no-real] [--no-textless] [--real-dir DIR]
//                    [--save-images]
//
// Threading: --jobs worker threads pull whole pages from a shared counter.
// Each worker owns its OcrEngine, OrientationDetector, PageReader and executors (each
// executor with a one-thread pool), so workers share nothing but the result
// slots, which each page writes once. Results do not depend on --jobs.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "io/codec.hpp"
#include "model/page_work.hpp"
#include "ocr/ocr_engine.hpp"
#include "ocr/orientation.hpp"
#include "ocr/page_reader.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/page_signals.hpp"
#include "pipeline/run_config.hpp"
#include "quality_corpus.hpp"
#include "quality_metrics.hpp"
#include "support/page_generator.hpp"
#include "util/text_metrics.hpp"

namespace fs = std::filesystem;

namespace pageprep::quality {
namespace {

using host::OcrEngine;
using host::OrientationDetector;
using host::OrientationResult;
using host::PageWork;
using host::StepConfig;
using host::TextScore;

constexpr int kDpi = 300;

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// ---------------------------------------------------------------------------
// Variants: what Tesseract is handed.
// ---------------------------------------------------------------------------

/// kAuto: the per-page rule of `pageprep run --ocr-input auto` (page_signals.hpp).
enum class Source { kRaw, kClean, kGray, kBinary, kAuto };

struct Variant {
  std::string name;
  std::string description;
  Source source = Source::kGray;
  StepConfig steps;
  bool ocr = true;              ///< OCR it (else binarization metrics only)
  bool binary_metrics = false;  ///< score its binary against clean_binary
};

StepConfig steps_gray(bool background) {
  StepConfig s;
  s.background_norm = background;
  s.deskew = true;
  s.binarize = false;
  s.despeckle = false;
  return s;
}

StepConfig steps_binary(bool background, kernels::BinarizeMethod m, bool despeckle, int area,
                        bool border) {
  StepConfig s;
  s.background_norm = background;
  s.deskew = true;
  s.binarize = true;
  s.binarize_params = kernels::BinarizeParams{};
  s.binarize_params.method = m;
  s.despeckle = despeckle;
  s.despeckle_max_area = area;
  s.remove_border = border;
  return s;
}

std::vector<Variant> make_variants() {
  using M = kernels::BinarizeMethod;
  std::vector<Variant> v;
  v.push_back({"raw", "the degraded page as decoded", Source::kRaw, {}, true, false});
  v.push_back({"gray", "deskewed gray", Source::kGray, steps_gray(false), true, false});
  v.push_back({"gray+bg", "background-normalized, deskewed gray", Source::kGray, steps_gray(true),
               true, false});
  v.push_back({"sauvola", "deskewed, Sauvola binary", Source::kBinary,
               steps_binary(false, M::kSauvola, false, 0, false), true, true});
  v.push_back({"otsu", "deskewed, Otsu binary", Source::kBinary,
               steps_binary(false, M::kOtsu, false, 0, false), true, true});
  v.push_back({"sauvola+dsp", "Sauvola + despeckle (area 4 px at 300 dpi)", Source::kBinary,
               steps_binary(false, M::kSauvola, true, 0, false), true, true});
  v.push_back({"bg+sauvola+dsp", "background norm + Sauvola + despeckle", Source::kBinary,
               steps_binary(true, M::kSauvola, true, 0, false), true, true});
  v.push_back({"sauvola+dsp9", "Sauvola + despeckle area 9", Source::kBinary,
               steps_binary(false, M::kSauvola, true, 9, false), false, true});
  v.push_back({"sauvola+dsp25", "Sauvola + despeckle area 25", Source::kBinary,
               steps_binary(false, M::kSauvola, true, 25, false), false, true});
  v.push_back({"sauvola+dsp+border", "Sauvola + despeckle + dark-border removal", Source::kBinary,
               steps_binary(false, M::kSauvola, true, 0, true), false, true});
  v.push_back({"clean", "the clean original (upper bound)", Source::kClean, {}, true, false});
  // What `pageprep run` does with no options: the compiled-in defaults.
  const host::RunConfig defaults;
  Variant d;
  d.name = "default";
  d.description = std::string("pageprep run defaults (") + defaults.steps.canonical() +
                  "; ocr input " +
                  (defaults.ocr_input == host::OcrInput::kGray     ? "gray"
                   : defaults.ocr_input == host::OcrInput::kBinary ? "binary"
                                                                   : "auto, per page") +
                  ")";
  d.steps = defaults.steps;
  d.source = !defaults.steps.binarize                        ? Source::kGray
             : defaults.ocr_input == host::OcrInput::kBinary ? Source::kBinary
             : defaults.ocr_input == host::OcrInput::kAuto   ? Source::kAuto
                                                             : Source::kGray;
  d.ocr = true;
  v.push_back(d);
  return v;
}

// ---------------------------------------------------------------------------
// Results.
// ---------------------------------------------------------------------------

struct VariantResult {
  bool ran = false;
  std::string error;
  TextScore score;
  BinaryScore bin;
  float ocr_confidence = -1;
  bool same_as_earlier = false;  ///< OCR skipped: pixel-identical to an earlier variant
  double preprocess_ms = 0, ocr_ms = 0;
  // The default variant is read as `pageprep run` reads it (PageReader).
  std::string detected_by, lang;
  double detect_ms = 0;
  int reads = 0;
};

struct PageResult {
  bool done = false;
  std::string error;
  int ref_chars = 0;
  double truth_skew = 0;
  float skew_deg = 0, skew_confidence = 0;
  bool rotated = false;
  double spread = 0;
  double seconds = 0;
  std::vector<VariantResult> v;
};

/// What the default flow (PageReader) found on a page, without the text.
struct FlowRecord {
  bool ran = false;
  std::string error;
  bool known = false, turned = false;
  int32_t deg = 0;
  std::string detected_by, script, lang, note, model_missing_package;
  host::LayoutGuess guess = host::LayoutGuess::kNoText;
  host::TextLayout layout;  ///< the rows' signal
  int reads = 0;
  double detect_ms = 0, ocr_ms = 0, cer = -1;
  float ocr_confidence = -1;
};

struct OrientationRecord {
  bool done = false;
  std::string error;
  OrientationResult r;  ///< Tesseract's OSD alone, on the turned page
  std::string routed_language;
  int generated_glyphs = 0;
  FlowRecord flow;  ///< the default flow on the same page
};

struct NoTextRecord {
  bool done = false;
  std::string error;
  int32_t skew_lines = 0;
  float skew_deg = 0, skew_confidence = 0;
  bool rotated = false;
  std::string skew_note;
  FlowRecord flow;
};

struct RealScanRecord {
  bool done = false;
  std::string error;
  std::string file;
  int width = 0, height = 0;
  double dpi = 0;
  bool dpi_from_file = false;
  float skew_deg = 0, skew_confidence = 0;
  bool rotated = false;
  std::string skew_note;
  OrientationResult orient;
  std::string routed_language;
  float conf_raw = -1, conf_default = -1;
  std::string saved;
  int32_t skew_lines = 0;
  FlowRecord flow;
};

struct Options {
  int pages_per_class = 4;
  int jobs = 0;
  std::string out = "build/quality";
  bool quick = false;
  std::vector<std::string> classes;
  std::vector<std::string> variants;  ///< only these (all when empty)
  int orientation_pages = 4;
  bool orientation = true;
  bool real = true;
  bool textless = true;
  std::string real_dir;
  bool save_images = false;
};

// ---------------------------------------------------------------------------
// Workers.
// ---------------------------------------------------------------------------

cv::Mat as_gray(const cv::Mat& m) {
  if (m.channels() == 1) return m;
  cv::Mat g;
  cv::cvtColor(m, g, cv::COLOR_BGR2GRAY);
  return g;
}

/// The image `pageprep run --ocr-input auto` hands Tesseract for this page
/// (`scratch` holds the low-passed gray of a page that was not resampled).
const cv::Mat& ocr_image_auto(const cv::Mat& raw, const PageWork& w, cv::Mat* scratch) {
  const host::PageSignals sig = host::measure_page_signals(raw, w.decoded.dpi_x);
  const bool binary = !w.binary.empty() && host::choose_binary_for_ocr(sig, w.specks_removed,
                                                                       int64_t{w.width} * w.height);
  return binary ? w.binary : host::gray_for_ocr(w.gray, w.rotated, scratch);
}

class Worker {
 public:
  Worker(const std::vector<Variant>& variants, bool need_osd,
         const std::vector<std::string>& installed, size_t default_variant)
      : variants_(variants),
        reader_("auto", "eng", installed, /*may_turn=*/true),
        default_variant_(default_variant) {
    std::string err;
    if (!ocr_.init("eng", &err)) init_error_ = err;
    if (need_osd && !osd_.init(&err)) init_error_ = err;
    executors_.resize(variants.size());
    for (size_t i = 0; i < variants.size(); ++i) {
      if (variants[i].source == Source::kRaw || variants[i].source == Source::kClean) continue;
      executors_[i] = host::make_cpu_executor(variants[i].steps, 1, &err);
      if (!executors_[i]) init_error_ = variants[i].name + ": " + err;
    }
  }

  const std::string& init_error() const { return init_error_; }

  // Runs one executor on a page the way the scheduler does.
  bool preprocess(size_t variant, const cv::Mat& gray, double dpi, PageWork* w) {
    w->decoded.gray = gray;
    w->decoded.dpi_x = w->decoded.dpi_y = dpi;
    w->width = gray.cols;
    w->height = gray.rows;
    std::vector<PageWork*> batch{w};
    executors_[variant]->process(batch);
    return w->ok();
  }

  /// The default flow, as `pageprep run` runs it: the default executor on
  /// `raw`, then PageReader (rows, a confident read, OSD when doubtful),
  /// turning and preprocessing again when OSD finds a quarter turn. `w` gets
  /// the final preprocessing; `truth` (when non-null) scores the read.
  FlowRecord read_flow(const cv::Mat& raw, int dpi, const std::string& title,
                       const std::string* truth, PageWork* w, host::ReadOutcome* outcome) {
    FlowRecord f;
    *w = PageWork{};
    if (!preprocess(default_variant_, raw, dpi, w)) {
      f.error = w->message;
      return f;
    }
    host::ReaderPage page;
    page.gray = w->gray;
    page.binary = w->binary;
    page.dpi = dpi;
    page.title = title;
    cv::Mat source = raw, scratch;
    const Source src = variants_[default_variant_].source;
    auto input = [&](const host::ReaderPage& p) -> const cv::Mat& {
      if (src == Source::kBinary && !p.binary.empty()) return p.binary;
      if (src == Source::kAuto) return ocr_image_auto(source, *w, &scratch);
      return p.gray;
    };
    auto turn = [&](int32_t deg, host::ReaderPage* p, std::string* err) {
      source = host::rotate_quarter_turns(source, -deg);
      *w = PageWork{};
      if (!preprocess(default_variant_, source, dpi, w)) {
        *err = w->message;
        return false;
      }
      p->gray = w->gray;
      p->binary = w->binary;
      return true;
    };
    host::ReadOutcome o = reader_.read(&page, input, turn);
    f.ran = o.ok;
    f.error = o.error;
    f.known = o.orientation_known;
    f.turned = o.turned;
    f.deg = o.orientation_deg;
    f.detected_by = o.detected_by;
    f.script = o.script;
    f.lang = o.lang;
    f.note = o.orientation_note;
    f.model_missing_package = o.model_missing_package;
    f.guess = o.guess;
    f.layout = o.layout;
    f.reads = o.reads;
    f.detect_ms = o.detect_ms;
    f.ocr_ms = o.ocr_ms;
    f.ocr_confidence = o.read.mean_confidence;
    if (truth && o.ok) f.cer = host::score_text(o.read.text, *truth).cer;
    if (outcome) *outcome = std::move(o);
    return f;
  }

  void run_corpus_page(const CorpusPage& cp, const Options& opt, PageResult* out) {
    const auto t0 = std::chrono::steady_clock::now();
    testsupport::GeneratedPage g;
    std::string err;
    if (!testsupport::generate_page(cp.spec, cp.deg, &g, &err)) {
      out->error = "generate: " + err;
      out->done = true;
      return;
    }
    const cv::Mat raw = as_gray(g.degraded);
    out->truth_skew = g.skew_deg;
    out->spread = background_spread(raw, kDpi);
    out->v.resize(variants_.size());
    std::vector<std::pair<size_t, cv::Mat>> ocred;  // (variant, image handed to Tesseract)
    for (size_t i = 0; i < variants_.size(); ++i) {
      const Variant& var = variants_[i];
      VariantResult& vr = out->v[i];
      cv::Mat image;
      PageWork w;
      if (var.source == Source::kRaw) {
        image = raw;
      } else if (var.source == Source::kClean) {
        image = g.clean;
      } else {
        const auto tp = std::chrono::steady_clock::now();
        const bool ok = preprocess(i, raw, kDpi, &w);
        vr.preprocess_ms = ms_since(tp);
        if (!ok) {
          vr.error = w.message;
          continue;
        }
        cv::Mat scratch;
        image = var.source == Source::kBinary ? w.binary
                : var.source == Source::kAuto ? ocr_image_auto(raw, w, &scratch).clone()
                                              : w.gray;
        if (var.name == "default") {
          out->skew_deg = w.skew_deg;
          out->skew_confidence = w.skew_confidence;
          out->rotated = w.rotated;
        }
        if (var.binary_metrics && !cp.deg.skew_deg && !w.binary.empty())
          vr.bin = score_binary(w.binary, g.clean_binary);
      }
      vr.ran = true;
      if (opt.save_images && cp.index == 0) save_image(opt, cp.id, var.name, image);
      if (!var.ocr) continue;
      // Identical pixels read identically: reuse an earlier variant's OCR.
      bool reused = false;
      for (const auto& [j, m] : ocred) {
        if (m.size() == image.size() && cv::countNonZero(m != image) == 0) {
          vr.score = out->v[j].score;
          vr.ocr_confidence = out->v[j].ocr_confidence;
          vr.same_as_earlier = true;
          reused = true;
          break;
        }
      }
      if (var.name == "default") {
        // As `pageprep run` reads it: orientation and script by the rows, a
        // confident read, OSD when doubtful.
        PageWork fw;
        host::ReadOutcome o;
        const FlowRecord f = read_flow(raw, kDpi, cp.id, nullptr, &fw, &o);
        if (!f.ran) {
          vr.error = f.error;
          vr.ran = false;
          continue;
        }
        vr.ocr_ms = f.ocr_ms;
        vr.detect_ms = f.detect_ms;
        vr.detected_by = f.detected_by;
        vr.lang = f.lang;
        vr.reads = f.reads;
        vr.score = host::score_text(o.read.text, g.text);
        vr.ocr_confidence = o.read.mean_confidence;
        continue;
      }
      if (reused) continue;
      const auto to = std::chrono::steady_clock::now();
      host::OcrResult r = ocr_.recognize(image, kDpi, cp.id);
      vr.ocr_ms = ms_since(to);
      if (!r.ok) {
        vr.error = r.error;
        vr.ran = false;
        continue;
      }
      vr.score = host::score_text(r.text, g.text);
      vr.ocr_confidence = r.mean_confidence;
      ocred.emplace_back(i, image);
    }
    out->ref_chars = static_cast<int>(host::score_text("", g.text).ref_chars);
    out->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    out->done = true;
  }

  void run_orientation_case(const OrientationCase& oc, const std::vector<std::string>& installed,
                            OrientationRecord* out) {
    testsupport::GeneratedPage g;
    std::string err;
    if (!testsupport::generate_page(oc.spec, oc.deg, &g, &err)) {
      out->error = "generate: " + err;
      out->done = true;
      return;
    }
    out->generated_glyphs = g.glyphs;
    out->r = osd_.detect(as_gray(g.degraded), oc.spec.dpi);
    if (out->r.script_known)
      out->routed_language = host::language_for_script(out->r.script, installed);
    PageWork w;
    out->flow = read_flow(as_gray(g.degraded), oc.spec.dpi, oc.id, &g.text, &w, nullptr);
    out->done = true;
  }

  void run_no_text_case(const NoTextCase& nc, NoTextRecord* out) {
    testsupport::GeneratedPage g;
    std::string err;
    if (!testsupport::generate_page(nc.spec, nc.deg, &g, &err)) {
      out->error = "generate: " + err;
      out->done = true;
      return;
    }
    PageWork w;
    out->flow = read_flow(as_gray(g.degraded), nc.spec.dpi, nc.name, nullptr, &w, nullptr);
    out->skew_lines = w.skew_text_lines;
    out->skew_deg = w.skew_deg;
    out->skew_confidence = w.skew_confidence;
    out->rotated = w.rotated;
    out->skew_note = w.skew_note;
    out->done = true;
  }

  void run_real_scan(const std::string& path, const std::vector<std::string>& installed,
                     size_t default_variant, const Options& opt, RealScanRecord* out) {
    out->file = fs::path(path).filename().string();
    kernels::cpu::ThreadPool pool(1);
    host::DecodeResult d = host::decode_page(path, 0, host::DecodeLimits{}, pool);
    if (d.error != host::PageError::kNone) {
      out->error = d.message;
      out->done = true;
      return;
    }
    const cv::Mat& gray = d.page.gray;
    out->width = gray.cols;
    out->height = gray.rows;
    out->dpi = d.page.dpi_x;
    out->dpi_from_file = d.page.dpi_from_file;
    const int dpi = static_cast<int>(std::lround(d.page.dpi_x));
    out->orient = osd_.detect(gray, dpi);
    if (out->orient.script_known)
      out->routed_language = host::language_for_script(out->orient.script, installed);
    PageWork w;
    if (!preprocess(default_variant, gray, d.page.dpi_x, &w)) {
      out->error = w.message;
      out->done = true;
      return;
    }
    out->skew_deg = w.skew_deg;
    out->skew_confidence = w.skew_confidence;
    out->rotated = w.rotated;
    out->skew_note = w.skew_note;
    out->skew_lines = w.skew_text_lines;
    {
      PageWork fw;
      out->flow = read_flow(gray, dpi, out->file, nullptr, &fw, nullptr);
    }
    cv::Mat scratch;
    const cv::Mat& cleaned = variants_[default_variant].source == Source::kBinary ? w.binary
                             : variants_[default_variant].source == Source::kAuto
                                 ? ocr_image_auto(gray, w, &scratch)
                                 : w.gray;
    host::OcrResult a = ocr_.recognize(gray, dpi, out->file);
    host::OcrResult b = ocr_.recognize(cleaned, dpi, out->file);
    out->conf_raw = a.ok ? a.mean_confidence : -1;
    out->conf_default = b.ok ? b.mean_confidence : -1;
    // A viewable copy of what Tesseract gets, orientation-corrected when known.
    cv::Mat view = out->orient.known
                       ? host::rotate_quarter_turns(cleaned, -out->orient.rotation_deg)
                       : cleaned;
    const double s = std::min(1.0, 1400.0 / std::max(view.cols, view.rows));
    cv::Mat small;
    cv::resize(view, small, cv::Size(), s, s, cv::INTER_AREA);
    const fs::path dir = fs::path(opt.out) / "real";
    fs::create_directories(dir);
    out->saved = (dir / (fs::path(path).stem().string() + ".default.png")).string();
    cv::imwrite(out->saved, small);
    cv::Mat raw_small;
    cv::resize(gray, raw_small, cv::Size(), std::min(1.0, 1400.0 / std::max(gray.cols, gray.rows)),
               std::min(1.0, 1400.0 / std::max(gray.cols, gray.rows)), cv::INTER_AREA);
    cv::imwrite((dir / (fs::path(path).stem().string() + ".raw.png")).string(), raw_small);
    out->done = true;
  }

 private:
  void save_image(const Options& opt, const std::string& id, const std::string& variant,
                  const cv::Mat& image) {
    std::string stem = id;
    std::replace(stem.begin(), stem.end(), '/', '_');
    const fs::path dir = fs::path(opt.out) / "pages";
    fs::create_directories(dir);
    cv::imwrite((dir / (stem + "." + variant + ".png")).string(), image);
  }

  const std::vector<Variant>& variants_;
  OcrEngine ocr_;
  OrientationDetector osd_;
  host::PageReader reader_;
  size_t default_variant_ = 0;
  std::vector<std::unique_ptr<host::Executor>> executors_;
  std::string init_error_;
};

// ---------------------------------------------------------------------------
// Report.
// ---------------------------------------------------------------------------

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}
std::string pct(double v) {
  return v < 0 ? "-" : fmt("%.2f", 100.0 * v);
}

struct Agg {
  int64_t edits = 0, chars = 0, wedits = 0, words = 0;
  int pages = 0;
  void add(const TextScore& s) {
    edits += s.edits;
    chars += s.ref_chars;
    wedits += s.word_edits;
    words += s.ref_words;
    ++pages;
  }
  // Micro-averaged: total edits over total truth characters. Blank pages add
  // only their insertions.
  double cer() const {
    return chars > 0 ? static_cast<double>(edits) / static_cast<double>(chars) : -1;
  }
  double wer() const {
    return words > 0 ? static_cast<double>(wedits) / static_cast<double>(words) : -1;
  }
};

class Report {
 public:
  Report(const Options& opt, const std::vector<Variant>& variants,
         const std::vector<CorpusPage>& corpus, const std::vector<PageResult>& pages,
         const std::vector<OrientationCase>& ocases, const std::vector<OrientationRecord>& orec,
         const std::vector<RealScanRecord>& real, const std::vector<NoTextCase>& ntcases,
         const std::vector<NoTextRecord>& ntrec, double seconds)
      : opt_(opt),
        variants_(variants),
        corpus_(corpus),
        pages_(pages),
        ocases_(ocases),
        orec_(orec),
        real_(real),
        ntcases_(ntcases),
        ntrec_(ntrec),
        seconds_(seconds) {
    for (size_t i = 0; i < variants.size(); ++i)
      if (variants[i].ocr) ocr_variants_.push_back(i);
    for (const CorpusPage& p : corpus)
      if (std::find(classes_.begin(), classes_.end(), p.cls) == classes_.end())
        classes_.push_back(p.cls);
  }

  std::string markdown() {
    header();
    ocr_tables();
    targets();
    skew();
    binarization();
    illumination();
    orientation();
    orientation_flow();
    no_text();
    real_scans();
    timing();
    detection_cost();
    return s_.str();
  }

  std::string pages_csv() const {
    std::ostringstream c;
    c << "page,class,content,skew_truth,skew_est,skew_conf,rotated,spread,ref_chars,variant,cer,"
         "wer,edits,ocr_conf,fmeasure,psnr,preprocess_ms,ocr_ms,detected_by,lang,reads,detect_ms,"
         "error\n";
    for (size_t k = 0; k < corpus_.size(); ++k) {
      const PageResult& r = pages_[k];
      for (size_t i = 0; i < variants_.size() && i < r.v.size(); ++i) {
        const VariantResult& v = r.v[i];
        c << corpus_[k].id << ',' << degradation_classes()[corpus_[k].cls].name << ','
          << contents()[corpus_[k].content].name << ',' << fmt("%.3f", r.truth_skew) << ','
          << fmt("%.3f", r.skew_deg) << ',' << fmt("%.3f", r.skew_confidence) << ',' << r.rotated
          << ',' << fmt("%.4f", r.spread) << ',' << r.ref_chars << ',' << variants_[i].name << ','
          << fmt("%.5f", v.score.cer) << ',' << fmt("%.5f", v.score.wer) << ',' << v.score.edits
          << ',' << fmt("%.1f", v.ocr_confidence) << ',' << fmt("%.4f", v.bin.fmeasure) << ','
          << fmt("%.2f", v.bin.psnr) << ',' << fmt("%.0f", v.preprocess_ms) << ','
          << fmt("%.0f", v.ocr_ms) << ',' << v.detected_by << ',' << v.lang << ',' << v.reads << ','
          << fmt("%.2f", v.detect_ms) << ',' << (v.error.empty() ? r.error : v.error) << '\n';
      }
    }
    return c.str();
  }

 private:
  size_t variant_index(const std::string& name) const {
    for (size_t i = 0; i < variants_.size(); ++i)
      if (variants_[i].name == name) return i;
    return variants_.size();
  }

  Agg agg(int cls, size_t variant) const {
    Agg a;
    for (size_t k = 0; k < corpus_.size(); ++k) {
      if (cls >= 0 && corpus_[k].cls != cls) continue;
      const PageResult& r = pages_[k];
      if (!r.done || !r.error.empty() || variant >= r.v.size() || !r.v[variant].ran) continue;
      a.add(r.v[variant].score);
    }
    return a;
  }

  void header() {
    char date[64];
    const std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M", std::localtime(&now));
    s_ << "# pageprep quality run\n\n"
       << "- date: " << date << "; wall time " << fmt("%.0f", seconds_) << " s with " << opt_.jobs
       << " worker(s)\n"
       << "- corpus: " << corpus_.size() << " generated A4 pages at 300 dpi ("
       << opt_.pages_per_class << " per class; page i of class c has content (i + c) mod 7)\n"
       << "- CER/WER: micro-averaged (total edits / total truth characters or words of the "
          "class), in %; blank pages add only their insertions\n\n"
       << "Variants (what Tesseract 5 eng, PSM_AUTO, LSTM is handed):\n\n";
    for (const Variant& v : variants_)
      s_ << "- `" << v.name << "`: " << v.description
         << (v.ocr ? "" : " (binarization metrics only)") << "\n";
    s_ << "\nContent cycle: ";
    for (size_t i = 0; i < contents().size(); ++i) s_ << (i ? ", " : "") << contents()[i].name;
    s_ << "\n\nDegradation classes:\n\n";
    for (int c : classes_)
      s_ << "- `" << degradation_classes()[c].name << "`: " << degradation_classes()[c].description
         << "\n";
    int failed = 0;
    for (const PageResult& r : pages_) failed += !r.error.empty();
    if (failed) s_ << "\n**" << failed << " page(s) failed; see pages.csv.**\n";
    s_ << "\n";
  }

  void ocr_table(const char* title, bool wer) {
    s_ << "## " << title << "\n\n| class | pages |";
    for (size_t i : ocr_variants_) s_ << ' ' << variants_[i].name << " |";
    s_ << "\n|---|---|";
    for (size_t k = 0; k < ocr_variants_.size(); ++k) s_ << "---|";
    s_ << "\n";
    for (int c = -1; c < static_cast<int>(classes_.size()); ++c) {
      const int cls = c < 0 ? -1 : classes_[c];
      if (c < 0) continue;  // the "all" row goes last
      row(cls, wer);
    }
    row(-1, wer);
    s_ << "\n";
  }

  void row(int cls, bool wer) {
    s_ << "| " << (cls < 0 ? "**all**" : degradation_classes()[cls].name) << " | "
       << agg(cls, 0).pages << " |";
    for (size_t i : ocr_variants_) {
      const Agg a = agg(cls, i);
      s_ << ' ' << pct(wer ? a.wer() : a.cer()) << " |";
    }
    s_ << "\n";
  }

  void ocr_tables() {
    ocr_table("Tesseract CER (%) by degradation class and variant", false);
    ocr_table("Tesseract WER (%) by degradation class and variant", true);
    // Per content kind, all classes together: where do errors come from?
    s_ << "## CER (%) by content kind (all classes)\n\n| content |";
    for (size_t i : ocr_variants_) s_ << ' ' << variants_[i].name << " |";
    s_ << "\n|---|";
    for (size_t k = 0; k < ocr_variants_.size(); ++k) s_ << "---|";
    s_ << "\n";
    for (size_t ct = 0; ct < contents().size(); ++ct) {
      s_ << "| " << contents()[ct].name << " |";
      for (size_t i : ocr_variants_) {
        Agg a;
        for (size_t k = 0; k < corpus_.size(); ++k)
          if (corpus_[k].content == static_cast<int>(ct) && pages_[k].error.empty() &&
              i < pages_[k].v.size() && pages_[k].v[i].ran)
            a.add(pages_[k].v[i].score);
        s_ << ' ' << (a.chars > 0 ? pct(a.cer()) : std::to_string(a.edits) + " ins") << " |";
      }
      s_ << "\n";
    }
    s_ << "\n(blank pages have no truth characters: the cell counts inserted characters)\n\n";
  }

  void targets() {
    const size_t d = variant_index("default"), raw = variant_index("raw"),
                 clean = variant_index("clean");
    s_ << "## Targets on the default output\n\n"
       << "| class | raw CER | default CER | clean CER | default <= raw | skewed: >= 50% below "
          "raw | default <= 1.2 x clean |\n|---|---|---|---|---|---|---|\n";
    for (int cls : classes_) {
      const double r = agg(cls, raw).cer(), dd = agg(cls, d).cer(), c = agg(cls, clean).cer();
      const bool skewed = degradation_classes()[cls].skewed;
      s_ << "| " << degradation_classes()[cls].name << " | " << pct(r) << " | " << pct(dd) << " | "
         << pct(c) << " | " << (dd <= r ? "met" : "**not met**") << " | "
         << (skewed ? (dd <= 0.5 * r ? "met" : "**not met**") : "n/a") << " | "
         << (dd <= 1.2 * c + 1e-12 ? "met" : "**not met**") << " |\n";
    }
    s_ << "\n";
  }

  void skew() {
    std::vector<std::pair<double, std::string>> err;  // |applied - truth| on skewed text pages
    std::vector<std::pair<double, std::string>> straight;
    for (size_t k = 0; k < corpus_.size(); ++k) {
      const PageResult& r = pages_[k];
      if (!r.done || !r.error.empty()) continue;
      const double applied = r.rotated ? r.skew_deg : 0.0;
      const double e = std::abs(applied - r.truth_skew);
      if (r.truth_skew == 0.0) {
        straight.emplace_back(std::abs(applied), corpus_[k].id);
      } else if (contents()[corpus_[k].content].layout != testsupport::Layout::kBlank) {
        err.emplace_back(e, corpus_[k].id);
      }
    }
    s_ << "## Deskew accuracy (the default executor's applied correction)\n\n";
    if (!err.empty()) {
      std::sort(err.begin(), err.end());
      double sum = 0, sum80 = 0;
      int within = 0;
      const size_t n80 = std::max<size_t>(1, err.size() * 8 / 10);
      const double n = static_cast<double>(err.size());
      for (size_t i = 0; i < err.size(); ++i) {
        sum += err[i].first;
        if (i < n80) sum80 += err[i].first;
        within += err[i].first <= 0.1;
      }
      s_ << "| skewed text pages | MAE (deg) | MAE best 80% | within 0.1 deg | worst (deg) | worst "
            "page |\n|---|---|---|---|---|---|\n| "
         << err.size() << " | " << fmt("%.4f", sum / n) << " | "
         << fmt("%.4f", sum80 / static_cast<double>(n80)) << " | "
         << fmt("%.1f%%", 100.0 * within / n) << " | " << fmt("%.3f", err.back().first) << " | "
         << err.back().second << " |\n\n";
      s_ << "Targets: MAE <= 0.05 deg " << (sum / n <= 0.05 ? "met" : "**not met**")
         << "; >= 90% within 0.1 deg " << (within >= 0.9 * n ? "met" : "**not met**")
         << "; worst <= 0.5 deg " << (err.back().first <= 0.5 ? "met" : "**not met**") << ".\n\n";
    }
    if (!straight.empty()) {
      std::sort(straight.begin(), straight.end());
      int over = 0;
      for (const auto& e : straight) over += e.first > 0.05;
      s_ << "Straight (0 deg) pages: " << straight.size() << ", largest applied rotation "
         << fmt("%.3f", straight.back().first) << " deg (" << straight.back().second << "), "
         << over << " above 0.05 deg: target \"no straight page made crooked\" "
         << (over == 0 ? "met" : "**not met**") << ".\n\n";
    }
  }

  void binarization() {
    std::vector<size_t> bv;
    for (size_t i = 0; i < variants_.size(); ++i)
      if (variants_[i].binary_metrics) bv.push_back(i);
    s_ << "## Binarization against the clean binary (unskewed classes)\n\n"
       << "F-measure of ink (%) / PSNR (dB), mean over pages (F-measure over pages with ink).\n\n"
       << "| class |";
    for (size_t i : bv) s_ << ' ' << variants_[i].name << " |";
    s_ << "\n|---|";
    for (size_t k = 0; k < bv.size(); ++k) s_ << "---|";
    s_ << "\n";
    for (int cls : classes_) {
      if (degradation_classes()[cls].skewed) continue;
      s_ << "| " << degradation_classes()[cls].name << " |";
      for (size_t i : bv) {
        double fm = 0, ps = 0;
        int nf = 0, np = 0;
        for (size_t k = 0; k < corpus_.size(); ++k) {
          if (corpus_[k].cls != cls || !pages_[k].error.empty() || i >= pages_[k].v.size() ||
              !pages_[k].v[i].ran)
            continue;
          const BinaryScore& b = pages_[k].v[i].bin;
          if (b.fmeasure >= 0) {
            fm += b.fmeasure;
            ++nf;
          }
          ps += b.psnr;
          ++np;
        }
        s_ << ' ' << (nf ? fmt("%.2f", 100.0 * fm / nf) : "-") << " / "
           << (np ? fmt("%.1f", ps / np) : "-") << " |";
      }
      s_ << "\n";
    }
    s_ << "\n";
  }

  void illumination() {
    const size_t g = variant_index("gray"), gb = variant_index("gray+bg");
    s_ << "## Background normalization per page: the illumination signal\n\n"
       << "Signal = background_spread() of the raw page (quality_metrics.hpp). Adaptive = "
          "`gray+bg` when signal > t, else `gray`. CER (%) over all pages:\n\n"
       << "| rule | CER | WER |\n|---|---|---|\n";
    auto rule = [&](const char* name, const std::function<bool(const PageResult&)>& use_bg) {
      Agg a;
      for (size_t k = 0; k < corpus_.size(); ++k) {
        const PageResult& r = pages_[k];
        if (!r.error.empty() || r.v.size() <= std::max(g, gb)) continue;
        a.add(r.v[use_bg(r) ? gb : g].score);
      }
      s_ << "| " << name << " | " << pct(a.cer()) << " | " << pct(a.wer()) << " |\n";
    };
    rule("always gray", [](const PageResult&) { return false; });
    rule("always gray+bg", [](const PageResult&) { return true; });
    for (double t : {0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2}) {
      const std::string name = "adaptive t=" + fmt("%.2f", t);
      rule(name.c_str(), [t](const PageResult& r) { return r.spread > t; });
    }
    s_ << "\nSignal by class (min / mean / max):\n\n| class | min | mean | max "
          "|\n|---|---|---|---|\n";
    for (int cls : classes_) {
      double mn = 1e9, mx = -1e9, sum = 0;
      int n = 0;
      for (size_t k = 0; k < corpus_.size(); ++k) {
        if (corpus_[k].cls != cls || !pages_[k].error.empty()) continue;
        mn = std::min(mn, pages_[k].spread);
        mx = std::max(mx, pages_[k].spread);
        sum += pages_[k].spread;
        ++n;
      }
      if (n)
        s_ << "| " << degradation_classes()[cls].name << " | " << fmt("%.3f", mn) << " | "
           << fmt("%.3f", sum / n) << " | " << fmt("%.3f", mx) << " |\n";
    }
    s_ << "\n";
  }

  void orientation() {
    if (ocases_.empty()) return;
    s_ << "## Orientation and script (Tesseract OSD with our gates: >= "
       << host::kOrientationMinGlyphs
       << " glyphs, confidence >= " << fmt("%.1f", host::kOrientationMinConfidence) << ")\n\n"
       << "| language | page kind | pages | correct | unknown | wrong | accuracy (correct / all) "
          "| script right | routed right |\n|---|---|---|---|---|---|---|---|---|\n";
    for (const char* lang : {"eng", "chi_sim", "rus"}) {
      for (int text = 1; text >= 0; --text) {
        int n = 0, correct = 0, unknown = 0, wrong = 0, script_ok = 0, routed_ok = 0;
        for (size_t k = 0; k < ocases_.size(); ++k) {
          if (ocases_[k].spec.language != lang || ocases_[k].text_page != (text == 1)) continue;
          const OrientationRecord& o = orec_[k];
          if (!o.done || !o.error.empty()) continue;
          ++n;
          if (!o.r.known)
            ++unknown;
          else if (o.r.rotation_deg == ocases_[k].deg.rotate90)
            ++correct;
          else
            ++wrong;
          const std::string want_script = std::string(lang) == "eng"       ? "Latin"
                                          : std::string(lang) == "chi_sim" ? "Han"
                                                                           : "Cyrillic";
          script_ok += o.r.script_known && o.r.script == want_script;
          routed_ok += o.routed_language == lang;
        }
        if (!n) continue;
        s_ << "| " << lang << " | " << (text ? "text (>= 50 glyphs)" : "sparse / blank") << " | "
           << n << " | " << correct << " | " << unknown << " | " << wrong << " | "
           << fmt("%.1f%%", 100.0 * correct / n) << " | " << script_ok << " | " << routed_ok
           << " |\n";
      }
    }
    // Threshold sweep on Tesseract's raw answer (text and sparse/blank pages together).
    s_ << "\nConfidence threshold sweep (all orientation pages, glyph rule kept):\n\n"
       << "| min confidence | correct | unknown | wrong |\n|---|---|---|---|\n";
    for (double t : {0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0}) {
      int correct = 0, unknown = 0, wrong = 0;
      for (size_t k = 0; k < ocases_.size(); ++k) {
        const OrientationRecord& o = orec_[k];
        if (!o.done || !o.error.empty()) continue;
        const bool known = o.r.glyphs >= host::kOrientationMinGlyphs &&
                           o.r.orientation_confidence >= t &&
                           o.r.reason.find("OSD") == std::string::npos;
        if (!known)
          ++unknown;
        else if (o.r.raw_rotation_deg == ocases_[k].deg.rotate90)
          ++correct;
        else
          ++wrong;
      }
      s_ << "| " << fmt("%.1f", t) << " | " << correct << " | " << unknown << " | " << wrong
         << " |\n";
    }
    s_ << "\nEvery orientation page (conf = Tesseract's orientation confidence):\n\n"
       << "| page | truth | found | known | conf | glyphs | script (conf) | routed | reason |\n"
       << "|---|---|---|---|---|---|---|---|---|\n";
    for (size_t k = 0; k < ocases_.size(); ++k) {
      const OrientationRecord& o = orec_[k];
      s_ << "| " << ocases_[k].id << " | " << ocases_[k].deg.rotate90 << " | "
         << o.r.raw_rotation_deg << " | " << (o.r.known ? "yes" : "no") << " | "
         << fmt("%.2f", o.r.orientation_confidence) << " | " << o.r.glyphs << " | " << o.r.script
         << " (" << fmt("%.2f", o.r.script_confidence) << ") | " << o.routed_language << " | "
         << (o.error.empty() ? o.r.reason : o.error) << " |\n";
    }
    s_ << "\n";
  }

  static const char* guess_name(host::LayoutGuess g) {
    switch (g) {
      case host::LayoutGuess::kNoText:
        return "no text";
      case host::LayoutGuess::kLatinUpright:
        return "Latin upright";
      case host::LayoutGuess::kLatinTurned:
        return "Latin turned";
      case host::LayoutGuess::kCjkUpright:
        return "CJK upright";
      case host::LayoutGuess::kUnsure:
        return "unsure";
    }
    return "?";
  }

  static std::string flow_orientation(const FlowRecord& f) {
    if (!f.ran) return "error: " + f.error;
    return f.known ? std::to_string(f.deg) : std::string("unknown");
  }

  // The default flow (PageReader) on the orientation pages: what `pageprep
  // run` does with no options.
  void orientation_flow() {
    if (ocases_.empty()) return;
    s_ << "## Orientation and script: the default flow (rows, a confident read, OSD when "
          "doubtful)\n\n"
       << "What `pageprep run` does with no options (ocr/page_reader.hpp): the rows of the "
          "deskewed page guess; a read with mean confidence >= "
       << fmt("%.0f", host::kReadMinConfidence)
       << " settles an upright page without OSD; otherwise OSD. Correct = the page was found "
          "turned by its true quarter turn (and turned back); routed = read with the expected "
          "model (eng, chi_sim, rus when installed).\n\n"
       << "| language | page kind | pages | correct | unknown | wrong | accuracy | by rows | "
          "routed right | mean CER (%) | detection / OCR time |\n"
       << "|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const char* lang : {"eng", "chi_sim", "rus"}) {
      for (int text = 1; text >= 0; --text) {
        int n = 0, correct = 0, unknown = 0, wrong = 0, rows = 0, routed = 0, ncer = 0;
        double det = 0, ocr = 0, cer = 0;
        for (size_t k = 0; k < ocases_.size(); ++k) {
          if (ocases_[k].spec.language != lang || ocases_[k].text_page != (text == 1)) continue;
          const FlowRecord& f = orec_[k].flow;
          if (!orec_[k].done || !f.ran) continue;
          ++n;
          if (!f.known)
            ++unknown;
          else if (f.deg == ocases_[k].deg.rotate90)
            ++correct;
          else
            ++wrong;
          rows += f.detected_by == "rows";
          routed += f.lang == lang;
          det += f.detect_ms;
          ocr += f.ocr_ms;
          if (f.cer >= 0) {
            cer += f.cer;
            ++ncer;
          }
        }
        if (!n) continue;
        s_ << "| " << lang << " | " << (text ? "text" : "sparse / blank") << " | " << n << " | "
           << correct << " | " << unknown << " | " << wrong << " | "
           << fmt("%.1f%%", 100.0 * correct / n) << " | " << rows << " | " << routed << " | "
           << (ncer ? fmt("%.2f", 100.0 * cer / ncer) : "-") << " | "
           << (ocr > 0 ? fmt("%.1f%%", 100.0 * det / ocr) : "-") << " |\n";
      }
    }
    s_ << "\nEvery page (flow; the rows' signal: strip lines, ascender/descender ink ratio, core "
          "share, valley share; ocr/text_layout.hpp):\n\n| page | truth | found | by | rows guess "
          "| "
          "lines | ratio | core | valley | script | model | reads | detect ms | OCR ms | CER (%) | "
          "note |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (size_t k = 0; k < ocases_.size(); ++k) {
      const FlowRecord& f = orec_[k].flow;
      s_ << "| " << ocases_[k].id << " | " << ocases_[k].deg.rotate90 << " | "
         << flow_orientation(f) << " | " << f.detected_by << " | " << guess_name(f.guess) << " | "
         << f.layout.lines << " | " << fmt("%.2f", f.layout.ascender_ratio()) << " | "
         << fmt("%.2f", f.layout.core_share) << " | " << fmt("%.3f", f.layout.valley_share) << " | "
         << f.script << " | " << f.lang << " | " << f.reads << " | " << fmt("%.1f", f.detect_ms)
         << " | " << fmt("%.0f", f.ocr_ms) << " | " << pct(f.cer) << " | " << f.note << " |\n";
    }
    s_ << "\n";
  }

  void no_text() {
    if (ntcases_.empty()) return;
    s_ << "## Pages without usable text: never rotated, never turned\n\n"
       << "The default executor and the default flow on generated pages with no text lines "
          "(skew evidence: text lines in the best strip, deskew.hpp; orientation: the rows "
          "and OSD, page_reader.hpp).\n\n"
       << "| page | skew text lines | skew (deg) | skew conf | rotated | skew note | "
          "orientation | turned | by |\n|---|---|---|---|---|---|---|---|---|\n";
    int rotated = 0, turned = 0;
    for (size_t k = 0; k < ntcases_.size(); ++k) {
      const NoTextRecord& r = ntrec_[k];
      if (!r.error.empty()) {
        s_ << "| " << ntcases_[k].name << " | error: " << r.error << " ||||||||\n";
        continue;
      }
      rotated += r.rotated;
      turned += r.flow.turned;
      s_ << "| " << ntcases_[k].name << " | " << r.skew_lines << " | " << fmt("%.3f", r.skew_deg)
         << " | " << fmt("%.2f", r.skew_confidence) << " | " << (r.rotated ? "**yes**" : "no")
         << " | " << r.skew_note << " | " << flow_orientation(r.flow) << " | "
         << (r.flow.turned ? "**yes**" : "no") << " | " << r.flow.detected_by << " |\n";
    }
    s_ << "\nTarget \"a page with too little text to know its skew is never rotated\": "
       << (rotated == 0 ? "met" : "**not met**") << " (" << rotated << " of " << ntcases_.size()
       << " rotated); never turned a quarter: " << (turned == 0 ? "met" : "**not met**") << " ("
       << turned << " turned).\n\n";
  }

  // What detection cost on the corpus pages read by the default flow.
  void detection_cost() {
    const size_t d = variant_index("default");
    double det = 0, ocr = 0;
    int n = 0, rows = 0, two_reads = 0;
    std::vector<double> shares;
    for (const PageResult& r : pages_) {
      if (d >= r.v.size() || !r.v[d].ran) continue;
      const VariantResult& v = r.v[d];
      ++n;
      det += v.detect_ms;
      ocr += v.ocr_ms;
      rows += v.detected_by == "rows";
      two_reads += v.reads > 1;
      if (v.ocr_ms > 0) shares.push_back(v.detect_ms / v.ocr_ms);
    }
    if (!n) return;
    std::sort(shares.begin(), shares.end());
    s_ << "## Detection cost on the corpus (default flow)\n\n"
       << "| pages | settled by the rows | by OSD | read twice | detection ms | OCR ms | detection "
          "/ OCR (all pages) | median per page | worst page |\n|---|---|---|---|---|---|---|---|"
          "---|\n"
       << "| " << n << " | " << rows << " | " << n - rows << " | " << two_reads << " | "
       << fmt("%.0f", det) << " | " << fmt("%.0f", ocr) << " | "
       << fmt("%.2f%%", ocr > 0 ? 100.0 * det / ocr : 0.0) << " | "
       << (shares.empty() ? "-" : fmt("%.2f%%", 100.0 * shares[shares.size() / 2])) << " | "
       << (shares.empty() ? "-" : fmt("%.2f%%", 100.0 * shares.back())) << " |\n\n"
       << "(OCR ms counts every read, a second one included; detection ms is the rows and, "
          "where it ran, OSD.)\n\n";
  }

  void real_scans() {
    if (real_.empty()) return;
    s_ << "## Real scans (no truth text)\n\n"
       << "| file | size | dpi | skew (deg) | skew conf | skew text lines | rotated | orientation "
          "(OSD) | orient conf | script (conf) | glyphs | routed | Tesseract mean conf raw -> "
          "default | flow: orientation | by | model | missing model |\n"
       << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (const RealScanRecord& r : real_) {
      if (!r.error.empty()) {
        s_ << "| " << r.file << " | error: " << r.error << " |||||||||||||||\n";
        continue;
      }
      s_ << "| " << r.file << " | " << r.width << "x" << r.height << " | " << fmt("%.0f", r.dpi)
         << (r.dpi_from_file ? "" : " (assumed)") << " | " << fmt("%.2f", r.skew_deg) << " | "
         << fmt("%.2f", r.skew_confidence) << " | " << r.skew_lines << " | "
         << (r.rotated ? "yes" : "no (" + r.skew_note + ")") << " | "
         << (r.orient.known ? std::to_string(r.orient.rotation_deg)
                            : "unknown (" + std::to_string(r.orient.raw_rotation_deg) + "?)")
         << " | " << fmt("%.2f", r.orient.orientation_confidence) << " | " << r.orient.script
         << " (" << fmt("%.2f", r.orient.script_confidence) << ") | " << r.orient.glyphs << " | "
         << r.routed_language << " | " << fmt("%.1f", r.conf_raw) << " -> "
         << fmt("%.1f", r.conf_default) << " | " << flow_orientation(r.flow)
         << (r.flow.turned ? " (turned)" : "") << " | " << r.flow.detected_by << " | "
         << r.flow.lang << " | " << r.flow.model_missing_package << " |\n";
    }
    s_ << "\n";
  }

  void timing() {
    s_ << "## Time per page and variant (one core each, ms; mean over pages)\n\n"
       << "| variant | preprocess | OCR |\n|---|---|---|\n";
    for (size_t i = 0; i < variants_.size(); ++i) {
      double pre = 0, ocr = 0;
      int n = 0, no = 0;
      for (const PageResult& r : pages_) {
        if (i >= r.v.size() || !r.v[i].ran) continue;
        pre += r.v[i].preprocess_ms;
        ++n;
        if (r.v[i].ocr_ms > 0) {
          ocr += r.v[i].ocr_ms;
          ++no;
        }
      }
      if (n)
        s_ << "| " << variants_[i].name << " | " << fmt("%.0f", pre / n) << " | "
           << (no ? fmt("%.0f", ocr / no) : "-") << " |\n";
    }
    s_ << "\n";
  }

  const Options& opt_;
  const std::vector<Variant>& variants_;
  const std::vector<CorpusPage>& corpus_;
  const std::vector<PageResult>& pages_;
  const std::vector<OrientationCase>& ocases_;
  const std::vector<OrientationRecord>& orec_;
  const std::vector<RealScanRecord>& real_;
  const std::vector<NoTextCase>& ntcases_;
  const std::vector<NoTextRecord>& ntrec_;
  double seconds_;
  std::vector<size_t> ocr_variants_;
  std::vector<int> classes_;
  std::ostringstream s_;
};

// ---------------------------------------------------------------------------
// main
// ---------------------------------------------------------------------------

void usage() {
  std::printf(
      "usage: pageprep-quality [options]\n"
      "  --pages-per-class N   pages per degradation class (default 4)\n"
      "  --jobs N              worker threads, one Tesseract each (default: cores)\n"
      "  --out DIR             report folder (default build/quality): quality.md, pages.csv,\n"
      "                        real/*.png\n"
      "  --quick               1 page per class, 1 orientation page per angle (~3 min)\n"
      "  --classes a,b         only these degradation classes\n"
      "  --variants a,b        only these variants (e.g. raw,default,clean; default: all)\n"
      "  --orientation-pages N text pages per language and quarter turn (default 4)\n"
      "  --no-orientation      skip the orientation/script cases\n"
      "  --no-real             skip the real scans\n"
      "  --no-textless         skip the pages without usable text\n"
      "  --real-dir DIR        real scans (default $PAGEPREP_SHARED_DIR/data/real-scans)\n"
      "  --save-images         write page 0 of each class, every variant, to DIR/pages\n");
}

bool parse(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&](std::string* v) {
      if (i + 1 >= argc) return false;
      *v = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      usage();
      std::exit(0);
    } else if (a == "--pages-per-class" && next(&v)) {
      o->pages_per_class = std::max(1, std::atoi(v.c_str()));
    } else if (a == "--jobs" && next(&v)) {
      o->jobs = std::max(1, std::atoi(v.c_str()));
    } else if (a == "--out" && next(&v)) {
      o->out = v;
    } else if (a == "--quick") {
      o->quick = true;
    } else if (a == "--classes" && next(&v)) {
      std::stringstream ss(v);
      std::string c;
      while (std::getline(ss, c, ',')) o->classes.push_back(c);
    } else if (a == "--variants" && next(&v)) {
      std::stringstream ss(v);
      std::string c;
      while (std::getline(ss, c, ',')) o->variants.push_back(c);
    } else if (a == "--no-textless") {
      o->textless = false;
    } else if (a == "--orientation-pages" && next(&v)) {
      o->orientation_pages = std::max(1, std::atoi(v.c_str()));
    } else if (a == "--no-orientation") {
      o->orientation = false;
    } else if (a == "--no-real") {
      o->real = false;
    } else if (a == "--real-dir" && next(&v)) {
      o->real_dir = v;
    } else if (a == "--save-images") {
      o->save_images = true;
    } else {
      std::fprintf(stderr, "pageprep-quality: bad argument '%s'\n", a.c_str());
      usage();
      return false;
    }
  }
  if (o->quick) {
    o->pages_per_class = 1;
    o->orientation_pages = 1;
  }
  if (o->jobs <= 0) o->jobs = std::max(1u, std::thread::hardware_concurrency());
  if (o->real_dir.empty()) {
    const char* env = std::getenv("PAGEPREP_SHARED_DIR");
    o->real_dir = std::string(env ? env : PAGEPREP_DEFAULT_SHARED_DIR) + "/data/real-scans";
  }
  return true;
}

int run(int argc, char** argv) {
  Options opt;
  if (!parse(argc, argv, &opt)) return 2;
  host::set_ocr_thread_limit();
  fs::create_directories(opt.out);

  std::vector<Variant> variants = make_variants();
  if (!opt.variants.empty()) {
    std::vector<Variant> kept;
    for (Variant& v : variants)
      if (std::find(opt.variants.begin(), opt.variants.end(), v.name) != opt.variants.end() ||
          v.name == "default")
        kept.push_back(std::move(v));
    variants = std::move(kept);
  }
  size_t default_variant = 0;
  for (size_t i = 0; i < variants.size(); ++i)
    if (variants[i].name == "default") default_variant = i;
  const std::vector<CorpusPage> corpus = make_corpus(opt.pages_per_class, opt.classes);
  const bool chinese = !testsupport::find_cjk_font().empty();
  const std::vector<OrientationCase> ocases =
      opt.orientation ? make_orientation_cases(opt.orientation_pages, chinese, /*russian=*/true)
                      : std::vector<OrientationCase>{};
  const std::vector<NoTextCase> ntcases =
      opt.textless ? make_no_text_cases() : std::vector<NoTextCase>{};
  std::vector<std::string> real_files;
  if (opt.real && fs::is_directory(opt.real_dir)) {
    for (const auto& e : fs::directory_iterator(opt.real_dir)) {
      const std::string ext = e.path().extension().string();
      if (ext == ".png" || ext == ".jpg" || ext == ".tif" || ext == ".tiff")
        real_files.push_back(e.path().string());
    }
    std::sort(real_files.begin(), real_files.end());
  }
  const std::vector<std::string> installed = host::installed_ocr_languages();

  std::vector<PageResult> pages(corpus.size());
  std::vector<OrientationRecord> orec(ocases.size());
  std::vector<RealScanRecord> real(real_files.size());
  std::vector<NoTextRecord> ntrec(ntcases.size());
  const size_t total = corpus.size() + ocases.size() + real_files.size() + ntcases.size();
  std::fprintf(stderr,
               "pageprep-quality: %zu corpus pages x %zu variants, %zu orientation pages, %zu real "
               "scans, %d worker(s)%s\n",
               corpus.size(), variants.size(), ocases.size(), real_files.size(), opt.jobs,
               chinese ? "" : " (no CJK font: English orientation pages only)");

  std::atomic<size_t> next{0}, finished{0};
  std::mutex log_mutex;
  std::string fatal;
  const auto t0 = std::chrono::steady_clock::now();
  auto work = [&]() {
    Worker w(variants, !ocases.empty() || !real_files.empty(), installed, default_variant);
    if (!w.init_error().empty()) {
      std::lock_guard<std::mutex> lock(log_mutex);
      fatal = w.init_error();
      next = total;
      return;
    }
    for (size_t j; (j = next++) < total;) {
      std::string label;
      if (j < corpus.size()) {
        w.run_corpus_page(corpus[j], opt, &pages[j]);
        label = corpus[j].id + (pages[j].error.empty() ? "" : " FAILED: " + pages[j].error);
      } else if (j < corpus.size() + ocases.size()) {
        const size_t k = j - corpus.size();
        w.run_orientation_case(ocases[k], installed, &orec[k]);
        label = "orientation " + ocases[k].id;
      } else if (j < corpus.size() + ocases.size() + real_files.size()) {
        const size_t k = j - corpus.size() - ocases.size();
        w.run_real_scan(real_files[k], installed, default_variant, opt, &real[k]);
        label = "real " + real[k].file + (real[k].error.empty() ? "" : " FAILED: " + real[k].error);
      } else {
        const size_t k = j - corpus.size() - ocases.size() - real_files.size();
        w.run_no_text_case(ntcases[k], &ntrec[k]);
        label = "no text: " + ntcases[k].name;
      }
      const size_t n = ++finished;
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::lock_guard<std::mutex> lock(log_mutex);
      std::fprintf(stderr, "[%4zu/%zu %6.0f s] %s\n", n, total, s, label.c_str());
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < opt.jobs; ++i) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  if (!fatal.empty()) {
    std::fprintf(stderr, "pageprep-quality: %s\n", fatal.c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Report report(opt, variants, corpus, pages, ocases, orec, real, ntcases, ntrec, seconds);
  const std::string md = report.markdown();
  std::cout << md;
  std::ofstream(fs::path(opt.out) / "quality.md") << md;
  std::ofstream(fs::path(opt.out) / "pages.csv") << report.pages_csv();
  std::fprintf(stderr, "pageprep-quality: wrote %s/quality.md and pages.csv\n", opt.out.c_str());
  return 0;
}

}  // namespace
}  // namespace pageprep::quality

int main(int argc, char** argv) {
  return pageprep::quality::run(argc, argv);
}
