#include "pageprep/host/scheduler.hpp"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "pageprep/host/atomic_file.hpp"
#include "pageprep/host/bounded_queue.hpp"
#include "pageprep/host/codec.hpp"
#include "pageprep/host/executor.hpp"
#include "pageprep/host/inputs.hpp"
#include "pageprep/host/journal.hpp"
#include "pageprep/host/json_writer.hpp"
#include "pageprep/host/ocr_engine.hpp"
#include "pageprep/host/orientation.hpp"
#include "pageprep/host/page_signals.hpp"
#include "pageprep/host/page_work.hpp"
#include "pageprep/host/progress.hpp"
#include "pageprep/host/text_metrics.hpp"
#include "pageprep/kernels/device.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
std::atomic<bool> g_stop{false};

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

/// A page to do, before it is decoded: cheap, so the whole run's list fits in memory.
struct PageTask {
  PageId id;
  std::string stem;
  std::string key;
  PageError pre_error = PageError::kNone;  ///< failed before decoding (e.g. page count)
  std::string pre_message;
};

/// A finished page as the journal stage sees it: images already freed.
struct PageRecord {
  int64_t ordinal = 0;
  std::string key;
  std::string json;
  bool ok = false;
  std::string input;
  int32_t page = 0;
  std::string error_code;
  std::string message;
  double skew_deg = 0;
  bool have_cer = false;
  double cer = -1, cer_raw = -1;
};

/// Busy time per stage, summed over the stage's threads.
struct StageClock {
  std::atomic<int64_t> busy_ns{0};
  void add(Clock::duration d) {
    busy_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
  double seconds() const { return static_cast<double>(busy_ns.load()) * 1e-9; }
};

struct RunStats {
  StageClock decode, preprocess, ocr, write;
  std::atomic<int64_t> first_ocr_start_ns{INT64_MAX};
  std::atomic<int64_t> last_ocr_end_ns{0};
  Clock::time_point t0 = Clock::now();
  std::atomic<int64_t> cuda_retries{0};

  int64_t since_start_ns(Clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t - t0).count();
  }
  void ocr_span(Clock::time_point start, Clock::time_point end) {
    const int64_t s = since_start_ns(start), e = since_start_ns(end);
    int64_t cur = first_ocr_start_ns.load();
    while (s < cur && !first_ocr_start_ns.compare_exchange_weak(cur, s)) {
    }
    cur = last_ocr_end_ns.load();
    while (e > cur && !last_ocr_end_ns.compare_exchange_weak(cur, e)) {
    }
  }
};

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// Every option that changes a page's outputs; hashed into journal keys.
std::string output_parameters(const RunConfig& cfg) {
  std::ostringstream s;
  s << "v1|" << cfg.steps.canonical() << "|ocr=" << static_cast<int>(cfg.ocr)
    << "|lang=" << cfg.lang << "|ocrin=" << static_cast<int>(cfg.ocr_input)
    << "|bf=" << static_cast<int>(cfg.binary_format) << "|gf=" << static_cast<int>(cfg.gray_format)
    << "|sg=" << cfg.save_gray << "|sb=" << cfg.save_binary << "|raw=" << cfg.eval_raw
    << "|orient=" << detects_orientation(cfg) << "|fallback=" << cfg.auto_fallback_lang;
  return s.str();
}

/// Output stems mirror the inputs' paths below their common folder.
std::vector<std::string> output_stems(const std::vector<std::string>& paths) {
  std::vector<fs::path> abs;
  abs.reserve(paths.size());
  for (const auto& p : paths) abs.push_back(fs::absolute(p).lexically_normal());
  fs::path common;
  if (!abs.empty()) {
    common = abs[0].parent_path();
    for (const auto& p : abs) {
      while (!common.empty() && p.lexically_relative(common).native().rfind("..", 0) == 0)
        common = common.parent_path();
    }
  }
  std::vector<std::string> stems;
  std::set<std::string> used;
  for (const auto& p : abs) {
    fs::path rel = p.lexically_relative(common);
    if (rel.empty() || rel.native().rfind("..", 0) == 0) rel = p.filename();
    std::string stem = (rel.parent_path() / rel.stem()).string();
    if (stem.empty()) stem = "page";
    std::string unique = stem;
    for (int n = 2; used.count(unique); ++n) unique = stem + "-" + std::to_string(n);
    used.insert(unique);
    stems.push_back(unique);
  }
  return stems;
}

std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return std::to_string(static_cast<long long>(st.st_size)) + ":" +
         std::to_string(static_cast<long long>(st.st_mtim.tv_sec)) + "." +
         std::to_string(static_cast<long long>(st.st_mtim.tv_nsec));
}

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
    j.str("dpi_source", w.decoded.dpi_from_file ? "file" : "assumed 300");
    j.str("format", w.decoded.format);
  }
  j.num("skew_deg", static_cast<double>(w.skew_deg), 3);
  j.num("skew_confidence", static_cast<double>(w.skew_confidence), 3);
  j.boolean("rotated", w.rotated);
  if (!w.skew_note.empty()) j.str("skew_note", w.skew_note);
  j.num("specks_removed", w.specks_removed);
  if (w.border_pixels_removed) j.num("border_pixels_removed", w.border_pixels_removed);
  if (!w.executor.empty()) j.str("executor", w.executor);
  if (w.orientation_checked) {
    if (w.orientation_known)
      j.num("orientation", static_cast<int64_t>(w.orientation_deg));
    else
      j.str("orientation", "unknown");
    j.num("orientation_confidence", static_cast<double>(w.orientation_confidence), 2);
    j.str("script", w.script.empty() ? "unknown" : w.script);
    j.num("script_confidence", static_cast<double>(w.script_confidence), 2);
  }
  if (!w.ocr_lang.empty()) j.str("ocr_lang", w.ocr_lang);
  if (!w.ocr_input.empty()) j.str("ocr_input", w.ocr_input);
  if (w.signals_measured)
    j.num("background_spread", w.background_spread, 3).num("noise_sigma", w.noise_sigma, 2);
  if (w.ocr_confidence >= 0) j.num("ocr_confidence", static_cast<double>(w.ocr_confidence), 1);
  if (w.have_truth) {
    j.num("cer", w.cer, 4).num("wer", w.wer, 4);
    if (w.cer_raw >= 0) j.num("cer_raw", w.cer_raw, 4).num("wer_raw", w.wer_raw, 4);
  }
  j.key("outputs").begin_object();
  for (const auto& [kind, path] : w.outputs) j.str(kind, path);
  j.end_object();
  j.key("timings_ms").begin_object();
  j.num("decode", w.times.decode_ms, 2).num("preprocess", w.times.preprocess_ms, 2);
  if (w.times.background_ms > 0) j.num("background", w.times.background_ms, 2);
  if (w.times.skew_ms > 0) j.num("skew", w.times.skew_ms, 2);
  if (w.times.rotate_ms > 0) j.num("rotate", w.times.rotate_ms, 2);
  if (w.times.median_ms > 0) j.num("median", w.times.median_ms, 2);
  if (w.times.binarize_ms > 0) j.num("binarize", w.times.binarize_ms, 2);
  if (w.times.despeckle_ms > 0) j.num("despeckle", w.times.despeckle_ms, 2);
  if (w.times.border_ms > 0) j.num("border", w.times.border_ms, 2);
  j.num("ocr", w.times.ocr_ms, 2).num("write", w.times.write_ms, 2);
  j.end_object();
  j.end_object();
  return j.take();
}

class Pipeline {
 public:
  Pipeline(const RunConfig& cfg, std::ostream& err) : cfg_(cfg), err_(err) {}

  RunSummary run();

 private:
  bool prepare_outdir();
  void enumerate();
  std::unique_ptr<Executor> make_executor(std::string* error);
  void decode_loop();
  void executor_loop(Executor* ex);
  void finish_loop();
  void journal_loop();
  /// What one finish thread owns for the whole run (never shared).
  struct FinishWorker {
    std::map<std::string, std::unique_ptr<OcrEngine>> engines;  ///< by language
    std::unique_ptr<OrientationDetector> osd;
    std::unique_ptr<Executor> redo;  ///< CPU executor for pages turned a quarter
  };
  OcrEngine* engine_for(FinishWorker& fw, const std::string& lang, std::string* error);
  void correct_orientation(PageWork& w, FinishWorker& fw);
  void finish_page(PageWork& w, FinishWorker& fw);
  void write_output(PageWork& w, const std::string& kind, const std::string& rel,
                    const std::vector<uint8_t>& bytes);
  PageRecord make_record(const PageWork& w);
  bool write_reports(const RunSummary& s);

  const RunConfig& cfg_;
  std::ostream& err_;
  std::mutex err_mutex_;
  ThreadBudget budget_;
  std::string params_;
  std::string executor_name_;
  Journal journal_;
  std::vector<PageTask> tasks_;
  std::vector<std::string> input_warnings_;
  RunStats stats_;
  std::unique_ptr<Progress> progress_;

  std::unique_ptr<BoundedQueue<size_t>> task_q_;
  std::unique_ptr<BoundedQueue<std::unique_ptr<PageWork>>> batch_q_;
  std::unique_ptr<BoundedQueue<std::unique_ptr<PageWork>>> finish_q_;
  std::unique_ptr<BoundedQueue<PageRecord>> journal_q_;

  std::vector<PageRecord> records_;  // journal thread only
  std::vector<std::string> installed_langs_;
  bool journal_failed_ = false;
};

bool Pipeline::prepare_outdir() {
  std::error_code ec;
  fs::create_directories(cfg_.outdir, ec);
  if (ec || !fs::is_directory(cfg_.outdir)) {
    err_ << "pageprep: fatal: cannot create output folder '" << cfg_.outdir
         << "': " << (ec ? ec.message() : "exists and is not a folder") << "\n";
    return false;
  }
  // A probe write catches read-only folders before any page is processed.
  std::string msg;
  const std::string probe = (fs::path(cfg_.outdir) / ".pageprep-write-test").string();
  if (write_file_atomic(probe, {'o', 'k'}, &msg) != PageError::kNone) {
    err_ << "pageprep: fatal: output folder '" << cfg_.outdir << "' is not writable: " << msg
         << "\n";
    return false;
  }
  fs::remove(probe, ec);
  // Temporary files of a run killed mid-write are never valid outputs.
  for (auto it = fs::recursive_directory_iterator(cfg_.outdir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && is_atomic_temp_name(it->path().filename().string()))
      fs::remove(it->path(), ec);
  }
  std::string jerr;
  if (!journal_.open(cfg_.outdir, &jerr)) {
    err_ << "pageprep: fatal: " << jerr << "\n";
    return false;
  }
  return true;
}

void Pipeline::enumerate() {
  InputList list = expand_inputs(cfg_.inputs, std::cin);
  input_warnings_ = list.warnings;
  std::vector<std::string> paths;
  for (const auto& f : list.files) paths.push_back(f.path);
  const auto stems = output_stems(paths);
  const std::string phash = hex64(fnv1a64(params_));
  int64_t ordinal = 0;
  for (size_t i = 0; i < paths.size(); ++i) {
    const PageCount pc = count_pages(paths[i], cfg_.limits);
    const std::string ident = file_identity(paths[i]);
    const int32_t n = pc.error == PageError::kNone ? std::max(1, pc.count) : 1;
    for (int32_t p = 0; p < n; ++p) {
      PageTask t;
      t.id = {paths[i], p, ordinal++};
      t.stem = n > 1 ? stems[i] + ".p" +
                           (p < 1000 ? std::string(p < 10    ? "000"
                                                   : p < 100 ? "00"
                                                             : "0")
                                     : "") +
                           std::to_string(p)
                     : stems[i];
      t.key = fs::absolute(paths[i]).lexically_normal().string() + "|" + std::to_string(p) + "|" +
              ident + "|" + phash;
      if (pc.error != PageError::kNone) {
        t.pre_error = pc.error;
        t.pre_message = pc.message;
      }
      tasks_.push_back(std::move(t));
    }
  }
}

std::unique_ptr<Executor> Pipeline::make_executor(std::string* error) {
  const bool want_cuda = cfg_.device == DeviceChoice::kCuda ||
                         (cfg_.device == DeviceChoice::kAuto && kernels::cuda_device_count() > 0);
  if (!want_cuda) return make_cpu_executor(cfg_.steps, budget_.preprocess_threads, error);
  if (kernels::cuda_device_count() == 0) {
    *error = "--device cuda: no CUDA device is usable here (" +
             kernels::cuda_device_description(cfg_.cuda_device) + ")";
    return nullptr;
  }
  auto fallback = make_cpu_executor(cfg_.steps, budget_.preprocess_threads, error);
  if (!fallback) return nullptr;
  return make_cuda_executor(cfg_.steps, cfg_.cuda_device, cfg_.batch_pages, std::move(fallback),
                            error);
}

/// With OCR on, background stages yield to the OCR workers (Linux: per-thread nice).
void lower_thread_priority_if(bool lower) {
  if (lower) setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 5);
}

void Pipeline::decode_loop() {
  lower_thread_priority_if(cfg_.ocr == OcrMode::kTesseract);
  kernels::cpu::ThreadPool pool(1);  // decode threads are the parallelism
  while (auto idx = task_q_->pop()) {
    const PageTask& t = tasks_[*idx];
    auto w = std::make_unique<PageWork>();
    w->id = t.id;
    w->stem = t.stem;
    w->key = t.key;
    const auto t0 = Clock::now();
    if (t.pre_error != PageError::kNone) {
      w->fail(t.pre_error, t.pre_message);
    } else {
      try {
        DecodeResult r = decode_page(t.id.input, t.id.page, cfg_.limits, pool);
        if (r.error != PageError::kNone)
          w->fail(r.error, r.message);
        else
          w->decoded = std::move(r.page);
        w->width = w->decoded.gray.cols;
        w->height = w->decoded.gray.rows;
        if (cfg_.ocr == OcrMode::kTesseract && cfg_.ocr_input == OcrInput::kAuto) {
          const PageSignals sig = measure_page_signals(w->decoded.gray, w->decoded.dpi_x);
          w->signals_measured = true;
          w->background_spread = sig.background_spread;
          w->noise_sigma = sig.noise_sigma;
        }
      } catch (const std::exception& e) {
        w->fail(PageError::kInternal, std::string("decoder threw: ") + e.what());
      }
    }
    const auto t1 = Clock::now();
    w->times.decode_ms = ms_between(t0, t1);
    stats_.decode.add(t1 - t0);
    // Failed pages skip preprocessing but still get a record.
    auto& q = w->ok() ? *batch_q_ : *finish_q_;
    q.push(w);
  }
}

void Pipeline::executor_loop(Executor* ex) {
  lower_thread_priority_if(cfg_.ocr == OcrMode::kTesseract);
  std::vector<std::unique_ptr<PageWork>> batch;
  std::vector<PageWork*> raw;
  bool open = true;
  while (open) {
    batch.clear();
    int64_t bytes = 0;
    Clock::time_point first;
    while (static_cast<int>(batch.size()) < cfg_.batch_pages && bytes < cfg_.batch_bytes) {
      std::optional<std::unique_ptr<PageWork>> item;
      if (batch.empty()) {
        item = batch_q_->pop();
        first = Clock::now();
      } else {
        const auto left = std::chrono::milliseconds(cfg_.batch_latency_ms) - (Clock::now() - first);
        if (left <= Clock::duration::zero()) break;
        bool timed_out = false;
        item = batch_q_->pop_for(left, &timed_out);
        if (!item && timed_out) break;
      }
      if (!item) {
        open = false;
        break;
      }
      bytes += (*item)->decoded_bytes();
      batch.push_back(std::move(*item));
    }
    if (batch.empty()) continue;
    raw.clear();
    for (auto& p : batch) raw.push_back(p.get());
    const auto t0 = Clock::now();
    ex->process(raw);
    stats_.preprocess.add(Clock::now() - t0);
    for (auto& p : batch) {
      if (p->executor.find("retry") != std::string::npos) ++stats_.cuda_retries;
      // Free the source early unless a later stage reads it again.
      if (!cfg_.eval_raw && !detects_orientation(cfg_)) p->decoded.gray.release();
      finish_q_->push(p);
    }
  }
}

void Pipeline::write_output(PageWork& w, const std::string& kind, const std::string& rel,
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

OcrEngine* Pipeline::engine_for(FinishWorker& fw, const std::string& lang, std::string* error) {
  auto it = fw.engines.find(lang);
  if (it != fw.engines.end()) return it->second.get();
  auto engine = std::make_unique<OcrEngine>();
  if (!engine->init(lang, error)) return nullptr;
  return (fw.engines[lang] = std::move(engine)).get();
}

void Pipeline::correct_orientation(PageWork& w, FinishWorker& fw) {
  if (!fw.osd) {
    fw.osd = std::make_unique<OrientationDetector>();
    std::string error;
    if (!fw.osd->init(&error)) {
      w.fail(PageError::kOcrFailed, "orientation detection unavailable: " + error);
      return;
    }
  }
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  const OrientationResult o = fw.osd->detect(w.binary.empty() ? w.gray : w.binary, dpi);
  w.orientation_checked = true;
  w.orientation_known = o.known;
  w.orientation_deg = o.known ? o.rotation_deg : 0;
  w.orientation_confidence = o.orientation_confidence;
  w.script = o.script_known ? o.script : "";
  w.script_confidence = o.script_confidence;
  if (!o.known || o.rotation_deg == 0 || w.decoded.gray.empty()) return;
  // A page turned a quarter was deskewed sideways: turn the source upright
  // and preprocess it again, so deskew and binarization see real text lines.
  if (!fw.redo) {
    std::string error;
    fw.redo = make_cpu_executor(cfg_.steps, 1, &error);
    if (!fw.redo) {
      w.fail(PageError::kPreprocessFailed, error);
      return;
    }
  }
  w.decoded.gray = rotate_quarter_turns(w.decoded.gray, -o.rotation_deg);
  w.gray.release();
  w.binary.release();
  const double decode_ms = w.times.decode_ms, pre_ms = w.times.preprocess_ms;
  std::vector<PageWork*> one{&w};
  fw.redo->process(one);
  w.times.decode_ms = decode_ms;
  w.times.preprocess_ms += pre_ms;
  w.executor += " + cpu (after orientation)";
}

void Pipeline::finish_page(PageWork& w, FinishWorker& fw) {
  if (!w.ok()) return;
  const int dpi = static_cast<int>(std::lround(w.decoded.dpi_x));
  if (detects_orientation(cfg_)) {
    correct_orientation(w, fw);
    if (!w.ok()) return;
  }
  // OCR, with the page's language: the script's under -l auto.
  OcrEngine* ocr = nullptr;
  if (cfg_.ocr == OcrMode::kTesseract) {
    std::string lang = cfg_.lang;
    if (lang == "auto") {
      lang = language_for_script(w.script, installed_langs_);
      if (lang.empty()) lang = cfg_.auto_fallback_lang;
    }
    std::string error;
    ocr = engine_for(fw, lang, &error);
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

void Pipeline::finish_loop() {
  FinishWorker fw;
  if (cfg_.ocr == OcrMode::kTesseract && cfg_.lang != "auto") {
    // Load the model before the first page arrives, so OCR time excludes
    // model loading. A failure here recurs on each page, which reports it.
    std::string error;
    engine_for(fw, cfg_.lang, &error);
  }
  while (auto item = finish_q_->pop()) {
    PageWork& w = **item;
    try {
      finish_page(w, fw);
    } catch (const std::exception& e) {
      w.fail(PageError::kInternal, std::string("finishing threw: ") + e.what());
    }
    PageRecord rec = make_record(w);
    item->reset();  // images freed before the record moves on
    journal_q_->push(rec);
  }
}

PageRecord Pipeline::make_record(const PageWork& w) {
  PageRecord r;
  r.ordinal = w.id.ordinal;
  r.key = w.key;
  r.json = page_record_json(w);
  r.ok = w.ok();
  r.input = w.id.input;
  r.page = w.id.page;
  r.error_code = error_code_name(w.error);
  r.message = w.message;
  r.skew_deg = w.skew_deg;
  r.have_cer = w.have_truth;
  r.cer = w.cer;
  r.cer_raw = w.cer_raw;
  return r;
}

void Pipeline::journal_loop() {
  for (;;) {
    bool timed_out = false;
    auto rec = journal_q_->pop_for(std::chrono::milliseconds(250), &timed_out);
    if (!rec) {
      if (timed_out) {
        progress_->tick();
        continue;
      }
      break;
    }
    std::string jerr;
    if (!journal_failed_ && !journal_.append(rec->key, rec->json, rec->ok, &jerr)) {
      journal_failed_ = true;
      std::lock_guard<std::mutex> lock(err_mutex_);
      err_ << "pageprep: error: " << jerr << " (this run cannot be resumed)\n";
    }
    if (!rec->ok) {
      std::lock_guard<std::mutex> lock(err_mutex_);
      progress_->clear_line();
      err_ << "pageprep: error: " << rec->input << " [page " << rec->page
           << "]: " << rec->error_code << ": " << rec->message << "\n";
    }
    progress_->page_done(rec->ok);
    records_.push_back(std::move(*rec));
  }
}

bool Pipeline::write_reports(const RunSummary& s) {
  // pages.jsonl: one line per page of this run, in input order, from the
  // journal (so pages done by an earlier run keep their record).
  std::string lines;
  for (const auto& t : tasks_) {
    const JournalEntry* e = journal_.find(t.key);
    if (e) {
      lines += e->record;
      lines += '\n';
    }
  }
  std::string msg;
  bool ok =
      write_file_atomic((fs::path(cfg_.outdir) / "pages.jsonl").string(),
                        std::vector<uint8_t>(lines.begin(), lines.end()), &msg) == PageError::kNone;
  if (!ok) err_ << "pageprep: error: cannot write pages.jsonl: " << msg << "\n";

  const double wall = s.wall_s;
  const int64_t ocr_start = stats_.first_ocr_start_ns.load(),
                ocr_end = stats_.last_ocr_end_ns.load();
  const double ocr_window =
      ocr_end > ocr_start ? static_cast<double>(ocr_end - ocr_start) * 1e-9 : 0;
  JsonWriter j;
  j.begin_object();
  j.str("pageprep_version", PAGEPREP_VERSION);
  j.str("executor", executor_name_);
  j.key("threads").begin_object();
  j.num("cores", static_cast<int64_t>(budget_.cores))
      .num("decode", static_cast<int64_t>(budget_.decode_threads))
      .num("preprocess", static_cast<int64_t>(budget_.preprocess_threads))
      .num(cfg_.ocr == OcrMode::kTesseract ? "ocr_workers" : "writers",
           static_cast<int64_t>(budget_.finish_threads));
  j.end_object();
  j.num("batch_pages", static_cast<int64_t>(cfg_.batch_pages));
  j.num("pages_total", s.pages_total).num("pages_ok", s.pages_ok);
  j.num("pages_failed", s.pages_failed).num("pages_resumed", s.pages_resumed);
  j.num("pages_not_processed", s.pages_total - s.pages_ok - s.pages_failed - s.pages_resumed);
  j.num("wall_s", wall, 3);
  const int64_t processed = s.pages_ok + s.pages_failed;
  j.num("pages_per_s", wall > 0 ? static_cast<double>(processed) / wall : 0.0, 3);
  j.key("stage_busy_s").begin_object();
  j.num("decode", stats_.decode.seconds(), 3).num("preprocess", stats_.preprocess.seconds(), 3);
  j.num("ocr", stats_.ocr.seconds(), 3).num("write", stats_.write.seconds(), 3);
  j.end_object();
  if (cfg_.ocr == OcrMode::kTesseract) {
    // Busy share of the OCR workers between the first OCR start and the last
    // OCR end: the "pipeline filled" window.
    j.num("ocr_window_s", ocr_window, 3);
    j.num("ocr_utilization",
          ocr_window > 0 ? stats_.ocr.seconds() / (ocr_window * budget_.finish_threads) : 0.0, 4);
  }
  j.num("cuda_batches_retried_on_cpu", stats_.cuda_retries.load());
  // Peak resident memory of the process: flat in the number of pages, since
  // every queue is bounded (docs/PERFORMANCE.md has the 200/2000-page runs).
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  j.num("peak_rss_mib", static_cast<double>(ru.ru_maxrss) / 1024.0, 1);
  j.begin_array("failures");
  for (const auto& r : records_) {
    if (r.ok) continue;
    j.begin_object();
    j.str("input", r.input).num("page", static_cast<int64_t>(r.page));
    j.str("error_code", r.error_code).str("error", r.message);
    j.end_object();
  }
  j.end_array();
  j.begin_array("input_warnings");
  for (const auto& w : input_warnings_) j.str_value(w);
  j.end_array();
  j.end_object();
  const std::string run_json = j.text() + "\n";
  if (write_file_atomic((fs::path(cfg_.outdir) / "run.json").string(),
                        std::vector<uint8_t>(run_json.begin(), run_json.end()),
                        &msg) != PageError::kNone) {
    err_ << "pageprep: error: cannot write run.json: " << msg << "\n";
    ok = false;
  }
  return ok;
}

RunSummary Pipeline::run() {
  RunSummary s;
  budget_ = plan_threads(cfg_, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  params_ = output_parameters(cfg_);
  if (!prepare_outdir()) {
    s.exit_code = kExitFatal;
    return s;
  }
  enumerate();
  for (const auto& w : input_warnings_) err_ << "pageprep: warning: " << w << "\n";
  s.pages_total = static_cast<int64_t>(tasks_.size());

  std::string error;
  std::unique_ptr<Executor> ex = make_executor(&error);
  if (!ex) {
    err_ << "pageprep: fatal: " << error << "\n";
    s.exit_code = kExitFatal;
    return s;
  }
  executor_name_ = ex->name();
  if (cfg_.ocr == OcrMode::kTesseract || detects_orientation(cfg_)) {
    set_ocr_thread_limit();
    installed_langs_ = installed_ocr_languages();
    // A language that is not installed would fail every page: refuse to start.
    if (cfg_.ocr == OcrMode::kTesseract) {
      std::string langs = cfg_.lang == "auto" ? cfg_.auto_fallback_lang : cfg_.lang;
      for (size_t b = 0; b <= langs.size();) {
        const size_t e = std::min(langs.find('+', b), langs.size());
        const std::string one = langs.substr(b, e - b);
        if (!one.empty() && std::find(installed_langs_.begin(), installed_langs_.end(), one) ==
                                installed_langs_.end()) {
          err_ << "pageprep: fatal: Tesseract language '" << one
               << "' is not installed (Debian: apt-get install tesseract-ocr-" << one << ")\n";
          s.exit_code = kExitFatal;
          return s;
        }
        b = e + 1;
      }
    }
    if (detects_orientation(cfg_) && std::find(installed_langs_.begin(), installed_langs_.end(),
                                               "osd") == installed_langs_.end()) {
      err_ << "pageprep: fatal: orientation detection needs Tesseract's osd data "
              "(apt-get install tesseract-ocr-osd), or pass --no-rotate-pages\n";
      s.exit_code = kExitFatal;
      return s;
    }
  }

  // Pages done by an earlier run with the same parameters, outputs intact.
  std::vector<size_t> todo;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    const JournalEntry* e = cfg_.force ? nullptr : journal_.find(tasks_[i].key);
    if (e && e->ok) {
      ++s.pages_resumed;
    } else {
      todo.push_back(i);
    }
  }

  progress_ = std::make_unique<Progress>(err_, err_mutex_, static_cast<int64_t>(todo.size()),
                                         cfg_.quiet, cfg_.progress_interval_s);
  if (!cfg_.quiet)
    err_ << "pageprep: " << tasks_.size() << " page(s), " << s.pages_resumed
         << " already done; executor " << executor_name_ << ", " << budget_.finish_threads
         << (cfg_.ocr == OcrMode::kTesseract ? " OCR worker(s)" : " writer(s)") << "\n";

  const size_t depth = static_cast<size_t>(std::max(1, cfg_.batch_pages));
  task_q_ = std::make_unique<BoundedQueue<size_t>>(budget_.decode_threads * 2);
  // Enough decoded pages to fill the next batch while one is processed.
  batch_q_ = std::make_unique<BoundedQueue<std::unique_ptr<PageWork>>>(
      depth + static_cast<size_t>(budget_.decode_threads));
  finish_q_ = std::make_unique<BoundedQueue<std::unique_ptr<PageWork>>>(
      static_cast<size_t>(budget_.finish_threads) + depth);
  journal_q_ = std::make_unique<BoundedQueue<PageRecord>>(256);

  stats_.t0 = Clock::now();
  std::vector<std::thread> decoders, finishers;
  for (int i = 0; i < budget_.decode_threads; ++i) decoders.emplace_back([this] { decode_loop(); });
  std::thread executor([this, &ex] { executor_loop(ex.get()); });
  for (int i = 0; i < budget_.finish_threads; ++i)
    finishers.emplace_back([this] { finish_loop(); });
  std::thread journal([this] { journal_loop(); });

  bool interrupted = false;
  for (size_t idx : todo) {
    if (g_stop.load()) {
      interrupted = true;
      break;
    }
    task_q_->push(idx);
  }
  task_q_->close();
  for (auto& t : decoders) t.join();
  batch_q_->close();
  executor.join();
  finish_q_->close();
  for (auto& t : finishers) t.join();
  journal_q_->close();
  journal.join();
  progress_->finish();

  s.wall_s = std::chrono::duration<double>(Clock::now() - stats_.t0).count();
  for (const auto& r : records_) (r.ok ? s.pages_ok : s.pages_failed)++;
  const bool reports_ok = write_reports(s);

  if (!cfg_.quiet) {
    const int64_t processed = s.pages_ok + s.pages_failed;
    char buf[256];
    std::snprintf(
        buf, sizeof buf,
        "pageprep: done: %lld ok, %lld failed, %lld already done, in %.2f s (%.2f pages/s)\n",
        static_cast<long long>(s.pages_ok), static_cast<long long>(s.pages_failed),
        static_cast<long long>(s.pages_resumed), s.wall_s,
        s.wall_s > 0 ? static_cast<double>(processed) / s.wall_s : 0.0);
    err_ << buf;
  }
  if (interrupted || g_stop.load())
    s.exit_code = kExitInterrupted;
  else if (!reports_ok || journal_failed_)
    s.exit_code = kExitFatal;
  else if (s.pages_failed > 0)
    s.exit_code = kExitPagesFailed;
  return s;
}

}  // namespace

ThreadBudget plan_threads(const RunConfig& cfg, int cores) {
  ThreadBudget b;
  b.cores = std::max(1, cfg.jobs > 0 ? cfg.jobs : cores);
  if (cfg.ocr == OcrMode::kTesseract) {
    // OCR is >= 95% of the CPU work (docs/PERFORMANCE.md: preprocessing is
    // ~5% of Tesseract's time per page), so OCR workers take every core and
    // run single-threaded (OMP_THREAD_LIMIT=1). Decoding and preprocessing
    // run on background threads at lower priority (nice +5, see
    // lower_thread_priority), which fill the gaps without taking a core from
    // OCR. Giving decoding a whole core instead cost 65% against tesseract
    // alone on 2 cores.
    b.finish_threads = b.cores;
    b.decode_threads = std::max(1, b.cores / 8);
    b.preprocess_threads = std::max(1, b.cores / 8);
  } else {
    // Without OCR, decoding, preprocessing and encoding are the work.
    b.decode_threads = std::max(1, b.cores / 2);
    b.finish_threads = std::max(1, b.cores - b.decode_threads);
    b.preprocess_threads = b.cores;
  }
  return b;
}

bool detects_orientation(const RunConfig& cfg) {
  if (cfg.ocr == OcrMode::kTesseract && cfg.lang == "auto") return true;
  switch (cfg.rotate_pages) {
    case RotatePages::kOn:
      return true;
    case RotatePages::kOff:
      return false;
    case RotatePages::kAuto:
      return cfg.ocr == OcrMode::kTesseract;
  }
  return false;
}

std::string StepConfig::canonical() const {
  std::ostringstream s;
  s << "bg=" << background_norm << ";deskew=" << deskew << ";max=" << max_skew_deg
    << ";minconf=" << skew_min_confidence << ";expand=" << expand_canvas << ";median=" << median
    << ";bin=" << binarize << ";method=" << static_cast<int>(binarize_params.method)
    << ";win=" << binarize_params.window << ";k=" << binarize_params.k << ";r=" << binarize_params.r
    << ";despeckle=" << despeckle << ";area=" << despeckle_max_area << ";border=" << remove_border;
  return s.str();
}

RunSummary run_pipeline(const RunConfig& cfg, std::ostream& err) {
  try {
    Pipeline p(cfg, err);
    return p.run();
  } catch (const std::exception& e) {
    err << "pageprep: fatal: " << e.what() << "\n";
    RunSummary s;
    s.exit_code = kExitFatal;
    return s;
  }
}

void request_stop() {
  g_stop.store(true);
}

}  // namespace pageprep::host
