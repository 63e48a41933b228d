#include "report/run_report.hpp"

#include <sys/resource.h>

#include "util/json_writer.hpp"

namespace pageprep::host {

std::string run_json(const RunReport& r) {
  const RunSummary& s = r.summary;
  const double wall = s.wall_s;
  const int64_t ocr_start = r.stats->first_ocr_start_ns.load(),
                ocr_end = r.stats->last_ocr_end_ns.load();
  const double ocr_window =
      ocr_end > ocr_start ? static_cast<double>(ocr_end - ocr_start) * 1e-9 : 0;
  JsonWriter j;
  j.begin_object();
  j.str("pageprep_version", PAGEPREP_VERSION);
  j.str("executor", r.executor);
  // Present only when --device auto found a device but fell back to the CPU.
  if (!r.cuda_fallback.empty()) j.str("cuda_fallback", r.cuda_fallback);
  j.key("threads").begin_object();
  j.num("cores", static_cast<int64_t>(r.budget.cores))
      .str("cores_from", r.budget.cores_source)
      .num("decode", static_cast<int64_t>(r.budget.decode_threads))
      .num("preprocess", static_cast<int64_t>(r.budget.preprocess_threads))
      .num(r.ocr ? "ocr_workers" : "writers", static_cast<int64_t>(r.budget.finish_threads));
  j.end_object();
  j.num("batch_pages", static_cast<int64_t>(r.batch_pages));
  j.num("pages_total", s.pages_total).num("pages_ok", s.pages_ok);
  j.num("pages_failed", s.pages_failed).num("pages_resumed", s.pages_resumed);
  j.num("pages_not_processed", s.pages_total - s.pages_ok - s.pages_failed - s.pages_resumed);
  j.num("wall_s", wall, 3);
  const int64_t processed = s.pages_ok + s.pages_failed;
  j.num("pages_per_s", wall > 0 ? static_cast<double>(processed) / wall : 0.0, 3);
  j.key("stage_busy_s").begin_object();
  j.num("decode", r.stats->decode.seconds(), 3).num("preprocess", r.stats->preprocess.seconds(), 3);
  j.num("detect", r.stats->detect.seconds(), 3);
  j.num("ocr", r.stats->ocr.seconds(), 3).num("write", r.stats->write.seconds(), 3);
  j.end_object();
  if (r.ocr) {
    // Busy share of the OCR workers between the first OCR start and the last
    // OCR end: the "pipeline filled" window.
    j.num("ocr_window_s", ocr_window, 3);
    j.num("ocr_utilization",
          ocr_window > 0 ? r.stats->ocr.seconds() / (ocr_window * r.budget.finish_threads) : 0.0,
          4);
  }
  if (r.ocr) {
    // Pages read in a language that does not fit their script, and pages
    // whose script has no installed model (each also has a stderr warning).
    j.num("pages_script_mismatch", r.stats->pages_script_mismatch.load());
    j.num("pages_model_missing", r.stats->pages_model_missing.load());
  }
  j.num("cuda_batches_retried_on_cpu", r.stats->cuda_retries.load());
  // Peak resident memory of the process: flat in the number of pages, since
  // every queue is bounded (docs/PERFORMANCE.md has the 200/2000-page runs).
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  j.num("peak_rss_mib", static_cast<double>(ru.ru_maxrss) / 1024.0, 1);
  j.begin_array("failures");
  for (const auto& rec : *r.failures) {
    j.begin_object();
    j.str("input", rec.input).num("page", static_cast<int64_t>(rec.page));
    j.str("error_code", rec.error_code).str("error", rec.message);
    j.end_object();
  }
  j.end_array();
  if (r.inputs_skipped) {
    j.key("inputs_skipped").begin_object();
    int64_t total = 0;
    for (const auto& [reason, n] : *r.inputs_skipped) {
      j.num(reason, n);
      total += n;
    }
    j.num("total", total);
    j.end_object();
  }
  if (r.documents) {
    j.num("documents_ok", s.documents_ok).num("documents_failed", s.documents_failed);
    j.begin_array("documents");
    for (const auto& d : *r.documents) {
      j.begin_object();
      j.str("input", d.input).str("status", d.ok ? "ok" : "error");
      if (!d.message.empty()) j.str(d.ok ? "note" : "error", d.message);
      j.key("outputs").begin_object();
      for (const auto& [kind, path] : d.outputs) j.str(kind, path);
      j.end_object();
      j.end_object();
    }
    j.end_array();
  }
  j.begin_array("input_warnings");
  for (const auto& w : *r.input_warnings) j.str_value(w);
  j.end_array();
  j.end_object();
  return j.text() + "\n";
}

}  // namespace pageprep::host
