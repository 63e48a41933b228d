#include "report/merged_report.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <vector>

#include "io/atomic_file.hpp"
#include "report/manifest.hpp"
#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

// The journal file a role writes (OutputDir::journal_name's rule).
std::string journal_of(const std::string& role) {
  return role == "run" ? "journal.jsonl" : "journal." + role + ".jsonl";
}

}  // namespace

bool write_pages_jsonl(const Journal& journal, const std::string& outdir,
                       const std::string& temp_dir, std::string* error) {
  const auto pages = journal.latest_pages();
  std::string msg;
  const PageError e = write_file_atomic_with((fs::path(outdir) / "pages.jsonl").string(),
                                             [&](int fd) {
                                               std::string chunk;
                                               for (const JournalEntry* p : pages) {
                                                 chunk += journal.record(*p);
                                                 chunk += '\n';
                                                 if (chunk.size() >= (1u << 20)) {
                                                   if (!write_all(fd, chunk.data(), chunk.size()))
                                                     return false;
                                                   chunk.clear();
                                                 }
                                               }
                                               return write_all(fd, chunk.data(), chunk.size());
                                             },
                                             &msg, temp_dir);
  if (e != PageError::kNone) *error = "cannot write pages.jsonl: " + msg;
  return e == PageError::kNone;
}

int report_outdir(const std::string& outdir, std::ostream& out, std::ostream& err) {
  const std::string state = (fs::path(outdir) / ".pageprep").string();
  std::error_code ec;
  if (!fs::is_directory(state, ec)) {
    err << "pageprep: fatal: '" << outdir << "' is not a pageprep output folder (no .pageprep)\n";
    return kReportFatal;
  }
  Journal journal;
  std::string error;
  if (!journal.open(state, "", &error)) {
    err << "pageprep: fatal: " << error << "\n";
    return kReportFatal;
  }

  // The latest array (or whole run): the manifests of the most recent start
  // that share its shard count.
  std::vector<Manifest> manifests = read_manifests(state);
  std::vector<Manifest> current;
  if (!manifests.empty()) {
    const auto latest = std::max_element(
        manifests.begin(), manifests.end(),
        [](const Manifest& a, const Manifest& b) { return a.started_ms < b.started_ms; });
    for (const auto& m : manifests)
      if (m.shards == latest->shards) current.push_back(m);
    std::sort(current.begin(), current.end(),
              [](const Manifest& a, const Manifest& b) { return a.shard < b.shard; });
  }
  const int64_t shards = current.empty() ? 0 : current.front().shards;
  // Shards of one array share their output options (manifest.hpp): name those
  // that do not, as failures; the array's documents cannot be right.
  std::vector<std::string> mismatched;
  for (const auto& m : current)
    if (!m.options.empty() && !current.front().options.empty() &&
        m.options != current.front().options)
      mismatched.push_back("shard " + std::to_string(m.shard) + "/" + std::to_string(m.shards));
  int64_t assigned = 0;
  for (const auto& m : current) assigned += m.pages;
  // What the latest array has done: pages it found done when it started, and
  // pages each of its writers finished since.
  std::map<std::string, int64_t> done_since_start;
  for (const auto& [key, e] : journal.entries()) {
    const std::string name =
        fs::path(journal.files()[static_cast<size_t>(e.file)]).filename().string();
    for (const auto& m : current)
      if (journal_of(m.role) == name && e.time_ms >= m.started_ms) ++done_since_start[m.role];
  }
  int64_t remaining = 0;
  for (const auto& m : current)
    remaining += std::max<int64_t>(0, m.pages - m.resumed - done_since_start[m.role]);

  // Per writer: pages whose latest entry it wrote, and its time span.
  struct Writer {
    int64_t ok = 0, failed = 0, first_ms = INT64_MAX, last_ms = 0;
  };
  std::map<int32_t, Writer> writers;
  const auto latest = journal.latest_pages();
  for (const JournalEntry* e : latest) {
    Writer& w = writers[e->file];
    (e->ok ? w.ok : w.failed)++;
  }
  for (const auto& [key, e] : journal.entries()) {
    Writer& w = writers[e.file];
    w.first_ms = std::min(w.first_ms, e.time_ms);
    w.last_ms = std::max(w.last_ms, e.time_ms);
  }
  int64_t ok = 0, failed = 0;
  for (const JournalEntry* e : latest) (e->ok ? ok : failed)++;

  if (!write_pages_jsonl(journal, outdir, "", &error)) {
    err << "pageprep: error: " << error << "\n";
    return kReportFatal;
  }

  JsonWriter j;
  j.begin_object();
  j.str("pageprep_version", PAGEPREP_VERSION);
  j.str("report", "merged");
  j.num("shards", shards);
  j.num("pages_assigned", assigned);
  j.num("pages_recorded", static_cast<int64_t>(latest.size()));
  j.num("pages_ok", ok).num("pages_failed", failed);
  j.num("pages_remaining", remaining);
  int64_t span_first = INT64_MAX, span_last = 0;
  j.begin_array("writers");
  const auto& files = journal.files();
  for (int32_t f = 0; f < static_cast<int32_t>(files.size()); ++f) {
    const std::string name = fs::path(files[static_cast<size_t>(f)]).filename().string();
    const Writer& w = writers[f];
    j.begin_object().str("journal", name);
    for (const auto& m : manifests)
      if (journal_of(m.role) == name) {
        j.str("role", m.role).num("pages_assigned", m.pages);
        break;
      }
    j.num("pages_ok", w.ok).num("pages_failed", w.failed);
    if (w.last_ms > 0) {
      span_first = std::min(span_first, w.first_ms);
      span_last = std::max(span_last, w.last_ms);
      const double s = static_cast<double>(w.last_ms - w.first_ms) * 1e-3;
      j.num("first_page_ms", w.first_ms).num("last_page_ms", w.last_ms);
      // Between its first and last page: (pages - 1) intervals.
      j.num("pages_per_s", s > 0 ? static_cast<double>(w.ok + w.failed - 1) / s : 0.0, 3);
    }
    j.end_object();
  }
  j.end_array();
  if (span_last > 0) {
    const double s = static_cast<double>(span_last - span_first) * 1e-3;
    j.num("wall_s", s, 3);
    j.num("pages_per_s", s > 0 ? static_cast<double>(ok + failed - 1) / s : 0.0, 3);
  }
  j.begin_array("failures");
  for (const JournalEntry* e : latest) {
    if (e->ok) continue;
    const auto rec = JsonValue::parse(journal.record(*e));
    j.begin_object();
    j.str("input", rec ? rec->str("input") : "").num("page", static_cast<int64_t>(e->page));
    j.str("error_code", rec ? rec->str("error_code") : "")
        .str("error", rec ? rec->str("error") : "");
    j.end_object();
  }
  j.end_array();
  j.begin_array("shards_with_other_options");
  for (const auto& m : mismatched) j.str_value(m);
  j.end_array();
  j.boolean("complete", remaining == 0);
  j.end_object();
  const std::string text = j.take() + "\n";
  std::string msg;
  if (write_file_atomic((fs::path(outdir) / "run.json").string(),
                        std::vector<uint8_t>(text.begin(), text.end()), &msg) != PageError::kNone) {
    err << "pageprep: error: cannot write run.json: " << msg << "\n";
    return kReportFatal;
  }
  out << "pageprep report: " << latest.size() << " page(s) recorded: " << ok << " ok, " << failed
      << " failed";
  if (shards > 0)
    out << "; " << assigned << " assigned to " << current.size() << " of " << shards
        << (shards == 1 ? " run" : " shards") << ", " << remaining << " remaining";
  out << "\n";
  for (const auto& m : mismatched)
    err << "pageprep report: error: " << m << " ran with other output options than shard "
        << current.front().shard << "/" << current.front().shards
        << " (OCR, language, steps, image or document outputs): rerun it with the array's "
           "options\n";
  if (!mismatched.empty()) return kReportFailures;
  if (remaining > 0 || static_cast<int64_t>(current.size()) < shards) return kReportIncomplete;
  return failed > 0 ? kReportFailures : kReportComplete;
}

}  // namespace pageprep::host
