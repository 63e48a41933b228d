#include "pipeline/scheduler.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "doc/assemble.hpp"
#include "io/atomic_file.hpp"
#include "io/codec.hpp"
#include "io/file_read.hpp"
#include "io/inputs.hpp"
#include "io/output_names.hpp"
#include "model/page_work.hpp"
#include "model/run_stats.hpp"
#include "ocr/ocr_engine.hpp"
#include "ocr/orientation.hpp"
#include "pageprep/kernels/device.hpp"
#include "pipeline/bounded_queue.hpp"
#include "pipeline/crop_step.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/finish_stage.hpp"
#include "pipeline/page_signals.hpp"
#include "pipeline/page_task.hpp"
#include "pipeline/split_step.hpp"
#include "report/journal.hpp"
#include "report/live_feed.hpp"
#include "report/manifest.hpp"
#include "report/merged_report.hpp"
#include "report/page_record.hpp"
#include "report/progress.hpp"
#include "report/run_report.hpp"
#include "util/json_writer.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

std::atomic<bool> g_stop{false};

class Pipeline {
 public:
  Pipeline(const RunConfig& cfg, std::ostream& err) : cfg_(cfg), err_(err) {}

  RunSummary run();

 private:
  bool prepare_outdir(RunSummary* s);
  bool claim_outputs();
  bool write_manifest(int64_t resumed, std::string* error);
  bool outputs_present(const JournalEntry& e) const;
  std::unique_ptr<Executor> make_executor(std::string* error);
  void decode_loop(cv::MatAllocator* page_allocator);
  void executor_loop(Executor* ex);
  void finish_loop();
  void journal_loop();
  void list_documents();
  void assemble_loop();
  bool write_reports(const RunSummary& s);

  const RunConfig& cfg_;
  std::ostream& err_;
  std::mutex err_mutex_;
  ThreadBudget budget_;
  std::string executor_name_;
  std::string cuda_fallback_;  ///< why --device auto did not use the device, if it did not
  OutputDir outdir_;
  Journal journal_;
  PageTasks plan_;
  std::vector<PageTask>& tasks_ = plan_.pages;
  std::vector<std::string> input_warnings_;
  std::map<std::string, int64_t> inputs_skipped_;
  RunStats stats_;
  std::unique_ptr<Progress> progress_;

  std::unique_ptr<BoundedQueue<size_t>> task_q_;
  std::unique_ptr<BoundedQueue<std::unique_ptr<PageWork>>> batch_q_;
  std::unique_ptr<BoundedQueue<std::unique_ptr<PageWork>>> finish_q_;
  std::unique_ptr<BoundedQueue<PageRecord>> journal_q_;

  // Journal thread only: counts, and the failed pages for run.json.
  int64_t pages_ok_ = 0;
  int64_t pages_failed_ = 0;
  std::vector<PageRecord> failures_;
  std::vector<std::string> installed_langs_;
  bool journal_failed_ = false;
  LiveFeed feed_;
  bool feed_failed_ = false;

  // Documents (doc/assemble.hpp): a document is assembled, on the assembler
  // thread, once the journal thread has recorded the last of its pages.
  bool documents_on_ = false;
  std::vector<DocumentSpec> docs_;
  std::vector<size_t> doc_of_ordinal_;     // a page's document, by PageId::ordinal
  std::vector<int64_t> doc_remaining_;     // journal thread only, once started
  std::map<int64_t, int32_t> parts_seen_;  // journal thread only: halves recorded, by ordinal
  std::unique_ptr<BoundedQueue<size_t>> doc_q_;
  std::vector<DocumentResult> doc_results_;  // assembler thread only
};

bool Pipeline::prepare_outdir(RunSummary* s) {
  // stdin is read through poll(): a stop request ends the wait (file_read.hpp).
  InputList inputs = expand_inputs(cfg_.inputs, {cfg_.outdir});
  input_warnings_ = std::move(inputs.warnings);
  for (auto& line : inputs.skip_summary()) input_warnings_.push_back(std::move(line));
  inputs_skipped_ = inputs.skipped_counts();
  if (inputs.stopped || g_stop.load()) {
    err_ << "pageprep: interrupted while listing the inputs\n";
    s->exit_code = kExitInterrupted;
    return false;
  }
  std::vector<std::string> paths;
  paths.reserve(inputs.files.size());
  for (const auto& f : inputs.files) paths.push_back(f.path);
  const std::string unsafe = check_inputs_against_outdir(cfg_.inputs, paths, cfg_.outdir);
  if (!unsafe.empty()) {
    err_ << "pageprep: usage error: " << unsafe << "\n";
    s->exit_code = kExitUsage;
    return false;
  }
  std::string error;
  if (!outdir_.open(cfg_.outdir, cfg_.shard, &error) ||
      !journal_.open(outdir_.state_dir(), outdir_.journal_name(), &error) ||
      !feed_.open((fs::path(cfg_.outdir) / LiveFeed::file_name(cfg_.shard.role())).string(),
                  &error)) {
    err_ << "pageprep: fatal: " << error << "\n";
    s->exit_code = kExitFatal;
    return false;
  }
  plan_ = list_page_tasks(inputs, output_parameters_hash(cfg_), cfg_.limits);
  if (g_stop.load()) {
    err_ << "pageprep: interrupted while counting the pages\n";
    s->exit_code = kExitInterrupted;
    return false;
  }
  if (plan_.pages.empty() && !cfg_.shard.sharded()) {
    // Every input yields a page or an error entry, so this is a run given nothing.
    err_ << "pageprep: fatal: the inputs hold no pages\n";
    s->exit_code = kExitFatal;
    return false;
  }
  list_documents();  // every page of every document, before a shard keeps its own
  if (cfg_.shard.sharded()) {
    // Every shard lists every page (names and the partition need them all),
    // then keeps its own.
    std::vector<PageTask> mine;
    for (auto& t : plan_.pages)
      if (page_in_shard(plan_.documents[static_cast<size_t>(t.doc)].base, t.id.page, cfg_.shard))
        mine.push_back(std::move(t));
    plan_.pages = std::move(mine);
  }
  if (!claim_outputs()) {
    s->exit_code = kExitFatal;
    return false;
  }
  return true;
}

bool Pipeline::claim_outputs() {
  // Two inputs of this run that would share an output name: the later one's
  // pages fail, and it claims nothing (every shard sees every page, so all
  // shards decide alike).
  std::vector<DocumentNames> names(docs_.size());
  for (size_t d = 0; d < docs_.size(); ++d)
    names[d] = {docs_[d].input, docs_[d].base, docs_[d].page_stems};
  if (cfg_.steps.split)  // any page may come out as two halves (B/p0001L, B/p0001R)
    for (size_t d = 0; d < docs_.size(); ++d)
      for (size_t p = 0; p < docs_[d].page_stems.size(); ++p)
        for (bool left : {true, false})
          names[d].stems.push_back(half_stem(docs_[d].base, static_cast<int32_t>(p), left));
  const std::vector<std::string> shared = conflicts_within_run(names);
  for (auto& t : tasks_) {
    const std::string& why = shared[static_cast<size_t>(t.doc)];
    if (!why.empty() && t.pre_error == PageError::kNone) {
      t.pre_error = PageError::kOutputConflict;
      t.pre_message = t.id.input + ": " + why;
    }
  }
  // A shard claims the documents it has pages of.
  std::vector<int32_t> request_of(plan_.documents.size(), -1);
  std::vector<ClaimRequest> requests;
  for (const auto& t : tasks_) {
    const auto doc = static_cast<size_t>(t.doc);
    if (request_of[doc] >= 0 || !shared[doc].empty()) continue;
    const DocumentTask& d = plan_.documents[doc];
    request_of[doc] = static_cast<int32_t>(requests.size());
    requests.push_back({d.base, d.identity, d.pages});
  }
  std::string error;
  const std::vector<std::string> verdicts = outdir_.claim(requests, &error);
  if (verdicts.size() != requests.size()) {
    err_ << "pageprep: fatal: " << error << "\n";
    return false;
  }
  for (auto& t : tasks_) {
    if (request_of[static_cast<size_t>(t.doc)] < 0) continue;  // refused above
    const std::string& why = verdicts[static_cast<size_t>(request_of[static_cast<size_t>(t.doc)])];
    if (!why.empty() && t.pre_error == PageError::kNone) {
      t.pre_error = PageError::kOutputConflict;
      t.pre_message = t.id.input + ": " + why;
    }
  }
  return true;
}

// What this process set out to do, for `pageprep report` (written at start).
// A shard first checks that the other shards of its array in OUTDIR ran
// with its output options (manifest.hpp); --force starts a new array.
bool Pipeline::write_manifest(int64_t resumed, std::string* error) {
  Manifest m;
  m.role = cfg_.shard.role();
  m.shard = cfg_.shard.index + 1;
  m.shards = cfg_.shard.count;
  m.pages = static_cast<int64_t>(tasks_.size());
  m.resumed = resumed;
  m.started_ms = static_cast<int64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  m.pid = static_cast<int64_t>(::getpid());
  m.options = array_parameters_hash(cfg_);
  if (cfg_.shard.sharded() && !cfg_.force) {
    for (const Manifest& other : read_manifests(outdir_.state_dir())) {
      if (other.shards != m.shards || other.role == m.role || other.options.empty() ||
          other.options == m.options)
        continue;
      *error = "shard " + std::to_string(m.shard) + "/" + std::to_string(m.shards) +
               " has other output options than shard " + std::to_string(other.shard) + "/" +
               std::to_string(other.shards) + " in " + cfg_.outdir +
               " (the shards of one array must share them: OCR, language, steps, image and "
               "document outputs); run it with the array's options, or start a new array "
               "with --force on every shard";
      return false;
    }
  }
  const std::string text = manifest_json(m);
  std::string msg;
  const std::string path =
      (fs::path(outdir_.state_dir()) / manifest_file_name(cfg_.shard.role())).string();
  if (write_file_atomic(path, std::vector<uint8_t>(text.begin(), text.end()), &msg,
                        outdir_.temp_dir()) != PageError::kNone) {
    *error = "cannot write " + path + ": " + msg;
    return false;
  }
  return true;
}

// A page done earlier counts as done only while its outputs are all there.
bool Pipeline::outputs_present(const JournalEntry& e) const {
  std::error_code ec;
  for (const auto& rel : e.outputs)
    if (!fs::is_regular_file(fs::path(cfg_.outdir) / rel, ec)) return false;
  return true;
}

std::unique_ptr<Executor> Pipeline::make_executor(std::string* error) {
  const ExecutorFactories f =
      cfg_.executor_factories ? *cfg_.executor_factories : default_executor_factories();
  ExecutorChoice c = choose_executor(cfg_, budget_.preprocess_threads, f);
  if (!c.executor) {
    *error = c.error;
    return nullptr;
  }
  if (!c.cuda_fallback.empty()) {
    cuda_fallback_ = c.cuda_fallback;
    err_ << "pageprep: warning: --device auto: the CUDA device cannot be used (" << c.cuda_fallback
         << "); preprocessing runs on the CPU\n";
  }
  if (!c.cuda) {
    // The threads were planned for the device's executor; the CPU needs its own plan.
    ThreadBudget cpu = plan_threads(cfg_, budget_.cores, /*cuda=*/false);
    cpu.cores_source = budget_.cores_source;
    const bool remake = cpu.preprocess_threads != budget_.preprocess_threads;
    budget_ = cpu;
    if (remake) {
      c = choose_executor(cfg_, budget_.preprocess_threads, f);
      if (!c.executor) {
        *error = c.error;
        return nullptr;
      }
    }
  }
  return std::move(c.executor);
}

/// With OCR on, background stages yield to the OCR workers (Linux: per-thread nice).
void lower_thread_priority_if(bool lower) {
  if (lower) setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 5);
}

void Pipeline::decode_loop(cv::MatAllocator* page_allocator) {
  lower_thread_priority_if(cfg_.ocr == OcrMode::kTesseract);
  kernels::cpu::ThreadPool pool(1);  // decode threads are the parallelism
  while (auto idx = task_q_->pop()) {
    const PageTask& t = tasks_[*idx];
    auto w = std::make_unique<PageWork>();
    w->id = t.id;
    w->stem = t.stem;
    w->doc_stem = plan_.documents[static_cast<size_t>(t.doc)].base;
    w->doc_pages = plan_.documents[static_cast<size_t>(t.doc)].pages;
    w->key = t.key;
    const auto t0 = Clock::now();
    if (t.pre_error != PageError::kNone) {
      w->fail(t.pre_error, t.pre_message);
    } else {
      try {
        // Decoded pages go straight where the executor reads them (the CUDA
        // executor's pinned slab) when the decoder supports it.
        const int64_t cpu0 = thread_cpu_ns();
        DecodeResult r = decode_page(t.id.input, t.id.page, cfg_.limits, pool, page_allocator);
        stats_.decode_cpu_ns += thread_cpu_ns() - cpu0;
        if (r.error != PageError::kNone)
          w->fail(r.error, r.message);
        else
          w->decoded = std::move(r.page);
        w->width = w->decoded.gray.cols;
        w->height = w->decoded.gray.rows;
      } catch (const std::exception& e) {
        w->fail(error_for_exception(e), std::string("decoder threw: ") + e.what());
      }
    }
    // The split comes first: each half is then cropped and processed as a page.
    std::vector<std::unique_ptr<PageWork>> pages;
    try {
      if (cfg_.steps.split && w->ok()) {
        pages = split_spread(w, plan_.documents[static_cast<size_t>(t.doc)].base,
                             cfg_.steps.right_to_left, pool, page_allocator);
      } else {
        pages.push_back(std::move(w));
      }
    } catch (const std::exception& e) {  // w is still whole (split_step.hpp)
      pages.clear();
      w->fail(error_for_exception(e), std::string("split threw: ") + e.what());
      pages.push_back(std::move(w));
    }
    for (auto& p : pages) {
      try {
        if (p->ok() && cfg_.steps.crop_page) crop_to_page(*p, pool, page_allocator);
        if (p->ok() && cfg_.ocr == OcrMode::kTesseract && cfg_.ocr_input == OcrInput::kAuto) {
          const PageSignals sig = measure_page_signals(p->decoded.gray, p->decoded.dpi_x);
          p->signals_measured = true;
          p->background_spread = sig.background_spread;
          p->noise_sigma = sig.noise_sigma;
        }
      } catch (const std::exception& e) {
        p->fail(error_for_exception(e), std::string("preparing the page threw: ") + e.what());
      }
    }
    const auto t1 = Clock::now();
    stats_.decode.add(t1 - t0);
    for (auto& p : pages) {
      p->times.decode_ms = ms_between(t0, t1) / static_cast<double>(pages.size());
      // Failed pages skip preprocessing but still get a record.
      auto& q = p->ok() ? *batch_q_ : *finish_q_;
      q.push(p);
    }
  }
}

// The executor stage. Batches close on pages, bytes or latency; up to
// max_in_flight() of them are in the executor at once (one per device lane;
// one on the CPU), and done batches are handed to the finish pool in order as
// soon as they are retired. While batches are in flight the stage never
// blocks on the batch queue for long, so finished work moves on promptly.
void Pipeline::executor_loop(Executor* ex) {
  lower_thread_priority_if(cfg_.ocr == OcrMode::kTesseract);
  std::deque<std::vector<std::unique_ptr<PageWork>>> in_flight;
  std::vector<std::unique_ptr<PageWork>> batch;
  const auto hand_on = [&](const PageBatch& done) {
    std::vector<std::unique_ptr<PageWork>> pages = std::move(in_flight.front());
    in_flight.pop_front();
    for (size_t i = 0; i < pages.size(); ++i) {
      PageWork* p = pages[i].get();
      if (i >= done.size() || done[i] != p)
        p->fail(PageError::kInternal, "executor returned its batches out of order");
      if (p->executor.find("retry") != std::string::npos) ++stats_.cuda_retries;
      // Free the source early unless a later stage reads it again.
      if (!cfg_.eval_raw && !detects_orientation(cfg_)) p->decoded.gray.release();
      finish_q_->push(pages[i]);
    }
  };
  const auto retire_ready = [&](bool wait) {
    PageBatch done;
    while (!in_flight.empty() && ex->retire(wait, &done)) {
      hand_on(done);
      wait = false;
    }
  };
  constexpr auto kPoll = std::chrono::milliseconds(2);
  bool open = true;
  while (open || !in_flight.empty()) {
    retire_ready(/*wait=*/false);
    if (!open) {
      retire_ready(/*wait=*/true);
      continue;
    }
    if (static_cast<int>(in_flight.size()) >= ex->max_in_flight()) {
      retire_ready(/*wait=*/true);
      continue;
    }
    batch.clear();
    int64_t bytes = 0;
    Clock::time_point first;
    while (static_cast<int>(batch.size()) < cfg_.batch_pages && bytes < cfg_.batch_bytes) {
      std::optional<std::unique_ptr<PageWork>> item;
      bool timed_out = false;
      if (batch.empty()) {
        // Wait for the first page, retiring finished batches meanwhile.
        if (in_flight.empty()) {
          item = batch_q_->pop();
        } else {
          item = batch_q_->pop_for(kPoll, &timed_out);
          if (!item && timed_out) {
            retire_ready(/*wait=*/false);
            continue;
          }
        }
        first = Clock::now();
      } else {
        const auto left = std::chrono::milliseconds(cfg_.batch_latency_ms) - (Clock::now() - first);
        if (left <= Clock::duration::zero()) break;
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
    PageBatch raw;
    for (auto& p : batch) raw.push_back(p.get());
    in_flight.push_back(std::move(batch));
    const auto t0 = Clock::now();
    ex->submit(std::move(raw));
    stats_.preprocess.add(Clock::now() - t0);
  }
}

void Pipeline::finish_loop() {
  FinishStage stage(cfg_, stats_, installed_langs_, outdir_.temp_dir());
  stage.preload();
  const bool keep_packed = binary_packed_suffices(cfg_);
  while (auto item = finish_q_->pop()) {
    PageWork& w = **item;
    try {
      const int64_t cpu0 = thread_cpu_ns();
      // Device results: copied out here, in parallel; a binary page that is
      // only encoded is encoded from its packed rows (held until the page is freed).
      if (!keep_packed) unpack_results(w);
      stats_.cpu.unpack_ns += thread_cpu_ns() - cpu0;
      stage.finish(w);
    } catch (const std::exception& e) {
      w.fail(error_for_exception(e), std::string("finishing threw: ") + e.what());
    }
    PageRecord rec = make_page_record(w);
    item->reset();  // images freed before the record moves on
    journal_q_->push(rec);
  }
}

void Pipeline::journal_loop() {
  std::vector<PageRecord> batch;
  std::vector<JournalLine> lines;
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
    // Group commit: whatever else is already waiting shares one fsync.
    batch.clear();
    batch.push_back(std::move(*rec));
    while (batch.size() < 256) {
      bool empty = false;
      auto more = journal_q_->pop_for(std::chrono::milliseconds(0), &empty);
      if (!more) break;
      batch.push_back(std::move(*more));
    }
    lines.clear();
    std::vector<const std::string*> records;
    for (const auto& r : batch) {
      // The input's identity keys its records in pages.jsonl (journal.hpp).
      std::string source;
      if (r.ordinal >= 0 && static_cast<size_t>(r.ordinal) < doc_of_ordinal_.size())
        source = plan_.documents[doc_of_ordinal_[static_cast<size_t>(r.ordinal)]].identity.path;
      lines.push_back({r.key, r.ok, r.doc, r.page, r.json, source, r.part});
      records.push_back(&r.json);
    }
    std::string jerr;
    // The feed first: a crash between the two repeats a page in the feed
    // (when it is redone) rather than losing it.
    if (!feed_failed_ && !feed_.append(records, &jerr)) {
      feed_failed_ = true;
      std::lock_guard<std::mutex> lock(err_mutex_);
      err_ << "pageprep: error: " << jerr << "\n";
    }
    if (!journal_failed_ && !journal_.append(lines, &jerr)) {
      journal_failed_ = true;
      std::lock_guard<std::mutex> lock(err_mutex_);
      err_ << "pageprep: error: " << jerr << " (this run cannot be resumed)\n";
    }
    for (auto& r : batch) {
      if (!r.ok) {
        std::lock_guard<std::mutex> lock(err_mutex_);
        progress_->clear_line();
        err_ << "pageprep: error: " << r.input << " [page " << r.page << "]: " << r.error_code
             << ": " << r.message << "\n";
      } else if (!r.warning.empty()) {
        // One line per page read in a language that does not fit its script,
        // or whose script has no installed model (also in pages.jsonl, run.json).
        std::lock_guard<std::mutex> lock(err_mutex_);
        progress_->clear_line();
        err_ << "pageprep: warning: " << r.input << " [page " << r.page << "]: " << r.warning
             << "\n";
      }
      stats_.pages_script_mismatch += r.script_mismatch;
      stats_.pages_model_missing += r.model_missing;
      // A split page (the run's unit of progress and of documents) is done
      // when the records of both its halves are in.
      bool page_done = true;
      if (r.parts > 1) {
        int32_t& seen = parts_seen_[r.ordinal];
        page_done = ++seen >= r.parts;
        if (page_done) parts_seen_.erase(r.ordinal);
      }
      if (page_done) progress_->page_done(r.ok);
      if (page_done && documents_on_ && r.ordinal >= 0 &&
          static_cast<size_t>(r.ordinal) < doc_of_ordinal_.size()) {
        size_t d = doc_of_ordinal_[static_cast<size_t>(r.ordinal)];
        if (--doc_remaining_[d] == 0) doc_q_->push(d);
      }
      if (r.ok) {
        ++pages_ok_;
      } else {
        ++pages_failed_;
        r.json.clear();
        failures_.push_back(std::move(r));
      }
    }
  }
}

void Pipeline::list_documents() {
  docs_.assign(plan_.documents.size(), DocumentSpec{});
  for (size_t d = 0; d < plan_.documents.size(); ++d) {
    docs_[d].input = plan_.documents[d].path;
    docs_[d].base = plan_.documents[d].base;
    // A shard finishes only its part of a document: the document is built
    // when the records of all its pages are there (by whichever shard ends
    // last, or by `pageprep report`).
    docs_[d].complete_only = cfg_.shard.sharded();
    docs_[d].split = cfg_.steps.split;
    docs_[d].right_to_left = cfg_.steps.right_to_left;
  }
  doc_of_ordinal_.assign(plan_.pages.size(), 0);
  for (const PageTask& t : plan_.pages) {
    DocumentSpec& d = docs_[static_cast<size_t>(t.doc)];
    d.page_stems.push_back(t.stem);
    d.page_keys.push_back(t.key);
    if (t.id.ordinal >= 0 && static_cast<size_t>(t.id.ordinal) < doc_of_ordinal_.size())
      doc_of_ordinal_[static_cast<size_t>(t.id.ordinal)] = static_cast<size_t>(t.doc);
  }
}

void Pipeline::assemble_loop() {
  lower_thread_priority_if(cfg_.ocr == OcrMode::kTesseract);
  while (auto d = doc_q_->pop()) {
    const DocumentSpec& doc = docs_[*d];
    AssembleResult a;
    try {
      a = assemble_document(cfg_.outdir, doc, cfg_.documents, outdir_.temp_dir());
    } catch (const std::exception& e) {
      a.ok = false;
      a.message = std::string("assembly threw: ") + e.what();
    }
    if (a.skipped && a.outputs.empty()) continue;  // nothing to build (yet)
    DocumentResult r;
    r.input = doc.input;
    r.ok = a.ok;
    r.message = a.message;
    r.outputs = a.outputs;
    r.pages_without_text = a.pages_without_text;
    if (!a.ok || !a.message.empty()) {
      std::lock_guard<std::mutex> lock(err_mutex_);
      progress_->clear_line();
      err_ << "pageprep: " << (a.ok ? "warning: " : "error: ") << doc.input
           << ": document outputs: " << a.message << "\n";
    }
    doc_results_.push_back(std::move(r));
  }
}

bool Pipeline::write_reports(const RunSummary& s) {
  // pages.jsonl: the latest record of every page any run or shard wrote into
  // this OUTDIR (all journals), sorted by document and page, so runs into one
  // OUTDIR add up instead of hiding each other. A shard reads the journals
  // again: the other shards went on writing during its run.
  std::string msg;
  bool ok = true;
  {
    Journal now;
    const Journal* j = &journal_;
    if (cfg_.shard.sharded()) {
      if (now.open(outdir_.state_dir(), "", &msg)) j = &now;
    }
    if (!write_pages_jsonl(*j, cfg_.outdir, outdir_.temp_dir(), &msg)) {
      err_ << "pageprep: error: " << msg << "\n";
      ok = false;
    }
  }

  RunReport report;
  report.summary = s;
  report.executor = executor_name_;
  report.cuda_fallback = cuda_fallback_;
  report.budget = budget_;
  report.ocr = cfg_.ocr == OcrMode::kTesseract;
  report.batch_pages = cfg_.batch_pages;
  report.stats = &stats_;
  report.failures = &failures_;
  report.input_warnings = &input_warnings_;
  report.inputs_skipped = &inputs_skipped_;
  report.documents = documents_on_ ? &doc_results_ : nullptr;
  const std::string run_text = run_json(report);
  const std::string run_name =
      cfg_.shard.sharded() ? "run." + cfg_.shard.role() + ".json" : "run.json";
  if (write_file_atomic((fs::path(cfg_.outdir) / run_name).string(),
                        std::vector<uint8_t>(run_text.begin(), run_text.end()), &msg,
                        outdir_.temp_dir()) != PageError::kNone) {
    err_ << "pageprep: error: cannot write " << run_name << ": " << msg << "\n";
    ok = false;
  }
  return ok;
}

RunSummary Pipeline::run() {
  RunSummary s;
  std::string cores_source;
  // Threads planned for the device's executor when one will be tried
  // (make_executor() replans if the CPU executor runs instead).
  const bool try_cuda = cfg_.device == DeviceChoice::kCuda ||
                        (cfg_.device == DeviceChoice::kAuto &&
                         (cfg_.executor_factories ? cfg_.executor_factories->cuda_device_count()
                                                  : kernels::cuda_device_count()) > 0);
  budget_ = plan_threads(cfg_, available_cores(&cores_source), try_cuda);
  budget_.cores_source = cfg_.jobs > 0 ? "--jobs" : cores_source;
  if (!prepare_outdir(&s)) return s;
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
          std::string package = "tesseract-ocr-" + one;
          std::replace(package.begin(), package.end(), '_', '-');
          err_ << "pageprep: fatal: Tesseract language '" << one
               << "' is not installed (Debian: apt-get install " << package << ")\n";
          s.exit_code = kExitFatal;
          return s;
        }
        b = e + 1;
      }
    }
    // OSD finds turned pages, and, with OCR on, the script of pages the rows
    // cannot place (ocr/page_reader.hpp).
    if (std::find(installed_langs_.begin(), installed_langs_.end(), "osd") ==
        installed_langs_.end()) {
      err_ << "pageprep: fatal: orientation and script detection need Tesseract's osd data "
              "(apt-get install tesseract-ocr-osd)\n";
      s.exit_code = kExitFatal;
      return s;
    }
  }

  // Pages done by an earlier run with the same parameters, outputs intact.
  std::vector<size_t> todo;
  int64_t outputs_lost = 0;
  for (size_t i = 0; i < tasks_.size(); ++i) {
    const bool lookup = !cfg_.force && tasks_[i].pre_error == PageError::kNone;
    const JournalEntry* e = lookup ? journal_.find(tasks_[i].key) : nullptr;
    if (lookup && cfg_.steps.split && !(e && e->ok)) {
      // A split page is done when both its halves are (split_step.hpp); one
      // half alone (a run stopped between them) redoes the page.
      const JournalEntry* l = journal_.find(half_key(tasks_[i].key, true));
      const JournalEntry* r = journal_.find(half_key(tasks_[i].key, false));
      if (l && r) {
        const bool both = l->ok && r->ok && outputs_present(*l) && outputs_present(*r);
        if (both) {
          ++s.pages_resumed;
          continue;
        }
        if (l->ok && r->ok) ++outputs_lost;
        todo.push_back(i);
        continue;
      }
    }
    if (e && e->ok && outputs_present(*e)) {
      ++s.pages_resumed;
    } else {
      if (e && e->ok) ++outputs_lost;
      todo.push_back(i);
    }
  }
  {
    std::string merr;
    if (!write_manifest(s.pages_resumed, &merr)) {
      err_ << "pageprep: fatal: " << merr << "\n";
      s.exit_code = kExitFatal;
      return s;
    }
  }
  if (outputs_lost > 0)
    err_ << "pageprep: warning: " << outputs_lost
         << " page(s) done by an earlier run are missing outputs; they are done again\n";

  documents_on_ = cfg_.documents.pdf || cfg_.documents.sidecar;
  if (documents_on_) {
    doc_remaining_.assign(docs_.size(), 0);
    for (size_t idx : todo) ++doc_remaining_[static_cast<size_t>(tasks_[idx].doc)];
    doc_q_ = std::make_unique<BoundedQueue<size_t>>(docs_.size());
    // Documents of this process all of whose pages an earlier run did:
    // assembled now (a no-op when their outputs are up to date).
    std::vector<bool> mine(docs_.size(), false);
    for (const PageTask& t : tasks_) mine[static_cast<size_t>(t.doc)] = true;
    for (size_t d = 0; d < docs_.size(); ++d)
      if (mine[d] && doc_remaining_[d] == 0) doc_q_->push(d);
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
  cv::MatAllocator* const page_allocator = ex->page_allocator();
  for (int i = 0; i < budget_.decode_threads; ++i)
    decoders.emplace_back([this, page_allocator] {
      // Named for profilers (perf report --sort comm) and top -H.
      pthread_setname_np(pthread_self(), "pp-decode");
      decode_loop(page_allocator);
      stats_.cpu.decode_threads_ns += thread_cpu_ns();
    });
  std::thread executor([this, &ex] {
    pthread_setname_np(pthread_self(), "pp-executor");
    executor_loop(ex.get());
    stats_.cpu.executor_ns += thread_cpu_ns();
  });
  for (int i = 0; i < budget_.finish_threads; ++i)
    finishers.emplace_back([this] {
      pthread_setname_np(pthread_self(), "pp-finish");
      finish_loop();
      stats_.cpu.finish_threads_ns += thread_cpu_ns();
    });
  std::thread journal([this] {
    pthread_setname_np(pthread_self(), "pp-journal");
    journal_loop();
    stats_.cpu.journal_ns += thread_cpu_ns();
  });
  std::thread assembler;
  if (documents_on_) assembler = std::thread([this] { assemble_loop(); });

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
  if (documents_on_) {
    doc_q_->close();
    assembler.join();
  }
  progress_->finish();

  s.wall_s = std::chrono::duration<double>(Clock::now() - stats_.t0).count();
  s.decode_cpu_s = static_cast<double>(stats_.decode_cpu_ns.load()) * 1e-9;
  const auto secs = [](const std::atomic<int64_t>& ns) {
    return static_cast<double>(ns.load()) * 1e-9;
  };
  s.cpu_split = {secs(stats_.cpu.decode_threads_ns), secs(stats_.cpu.executor_ns),
                 secs(stats_.cpu.finish_threads_ns), secs(stats_.cpu.journal_ns),
                 secs(stats_.cpu.unpack_ns),         secs(stats_.cpu.encode_ns),
                 secs(stats_.cpu.write_ns)};
  s.pages_ok = pages_ok_;
  s.pages_failed = pages_failed_;
  for (const auto& d : doc_results_) (d.ok ? s.documents_ok : s.documents_failed)++;
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
  else if (s.pages_failed > 0 || s.documents_failed > 0)
    s.exit_code = kExitPagesFailed;
  return s;
}

}  // namespace

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
  request_io_stop();  // ends waits on stdin, FIFOs and listing
}

}  // namespace pageprep::host
