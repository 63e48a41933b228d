#include "report/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "util/json_reader.hpp"
#include "util/json_writer.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

constexpr const char* kRecordTag = ",\"record\":";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool is_journal_name(const std::string& name) {
  return name.rfind("journal", 0) == 0 && name.size() > 6 &&
         name.compare(name.size() - 6, 6, ".jsonl") == 0;
}

// Parses a line written by append() that starts at `offset` in its file;
// false for anything else. The record is located, not copied.
bool parse_line(const std::string& line, int64_t offset, std::string* key, JournalEntry* e) {
  const size_t tag = line.rfind(kRecordTag);
  if (tag == std::string::npos || line.empty() || line.back() != '}') return false;
  const auto v = JsonValue::parse(line);
  if (!v || !v->is_object()) return false;
  const JsonValue* rec = v->get("record");
  const JsonValue* k = v->get("key");
  if (!rec || !rec->is_object() || !k || k->kind() != JsonValue::Kind::kString) return false;
  *key = k->as_string();
  e->ok = v->boolean("ok");
  e->time_ms = static_cast<int64_t>(v->num("t"));
  e->doc = v->str("doc");
  e->source = v->str("src");
  e->page = static_cast<int32_t>(v->num("page"));
  e->part = v->str("part");
  e->outputs.clear();
  if (const JsonValue* outs = rec->get("outputs"))
    for (const auto& [kind, path] : outs->members())
      if (path.kind() == JsonValue::Kind::kString) e->outputs.push_back(path.as_string());
  e->offset = offset + static_cast<int64_t>(tag + std::strlen(kRecordTag));
  e->length = static_cast<int64_t>(line.size() - 1 - (tag + std::strlen(kRecordTag)));
  return true;
}

}  // namespace

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

void Journal::load_file(int32_t index, bool own) {
  const std::string& path = files_[static_cast<size_t>(index)];
  std::ifstream in(path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0;
  while (start < content.size()) {
    const size_t nl = content.find('\n', start);
    if (nl == std::string::npos) {  // torn last line from a crash, or a line being written
      ++ignored_lines_;
      break;
    }
    std::string key;
    JournalEntry entry;
    entry.file = index;
    if (parse_line(content.substr(start, nl - start), static_cast<int64_t>(start), &key, &entry)) {
      auto it = entries_.find(key);
      // Later lines win within a file; across files the later time wins.
      if (it == entries_.end() || entry.time_ms >= it->second.time_ms || it->second.file == index)
        entries_[key] = std::move(entry);
    } else {
      ++ignored_lines_;
    }
    start = nl + 1;
  }
  if (own) {
    own_size_ = static_cast<int64_t>(
        content.rfind('\n') == std::string::npos ? 0 : content.rfind('\n') + 1);
    if (static_cast<int64_t>(content.size()) != own_size_) {
      // Cut our own torn tail so the next append starts on a fresh line.
      std::error_code ec;
      fs::resize_file(path, static_cast<uintmax_t>(own_size_), ec);
    }
  }
}

bool Journal::open(const std::string& state_dir, const std::string& own_name, std::string* error) {
  std::error_code ec;
  std::vector<std::string> names;
  for (fs::directory_iterator d(state_dir, ec), end; !ec && d != end; d.increment(ec)) {
    const std::string n = d->path().filename().string();
    if (is_journal_name(n)) names.push_back(n);
  }
  if (!own_name.empty() && std::find(names.begin(), names.end(), own_name) == names.end())
    names.push_back(own_name);
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    if (n == own_name) own_index_ = static_cast<int32_t>(files_.size());
    files_.push_back((fs::path(state_dir) / n).string());
  }
  for (int32_t i = 0; i < static_cast<int32_t>(files_.size()); ++i)
    if (i != own_index_ && fs::exists(files_[static_cast<size_t>(i)], ec)) load_file(i, false);
  if (own_index_ < 0) return true;
  const std::string& own = files_[static_cast<size_t>(own_index_)];
  if (fs::exists(own, ec)) load_file(own_index_, true);
  file_ = std::fopen(own.c_str(), "ab");
  if (!file_) {
    *error = "cannot open " + own + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

const JournalEntry* Journal::find(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

bool Journal::append(const std::vector<JournalLine>& lines, std::string* error) {
  if (!file_) {
    *error = "journal is not open for writing";
    return false;
  }
  std::string text;
  std::vector<std::pair<std::string, JournalEntry>> added;
  const int64_t t = now_ms();
  for (const auto& l : lines) {
    JsonWriter w;
    w.begin_object().str("key", l.key).boolean("ok", l.ok).str("doc", l.doc);
    if (!l.source.empty()) w.str("src", l.source);
    w.num("page", static_cast<int64_t>(l.page));
    if (!l.part.empty()) w.str("part", l.part);
    w.num("t", t).raw("record", l.record_json);
    w.end_object();
    const std::string line = w.take() + "\n";
    std::string key;
    JournalEntry e;
    e.file = own_index_;
    if (!parse_line(line.substr(0, line.size() - 1), own_size_ + static_cast<int64_t>(text.size()),
                    &key, &e)) {
      *error = "journal: the record of " + l.key + " is not a JSON object";
      return false;
    }
    added.emplace_back(std::move(key), std::move(e));
    text += line;
  }
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0 ||
      ::fsync(::fileno(file_)) != 0) {
    *error = std::string("journal write failed: ") + std::strerror(errno);
    return false;
  }
  own_size_ += static_cast<int64_t>(text.size());
  for (auto& [k, e] : added) entries_[k] = std::move(e);
  return true;
}

std::string Journal::record(const JournalEntry& e) const {
  if (e.file < 0 || e.file >= static_cast<int32_t>(files_.size()) || e.length <= 0) return "";
  if (e.file == own_index_ && file_) std::fflush(file_);
  const int fd = ::open(files_[static_cast<size_t>(e.file)].c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string out(static_cast<size_t>(e.length), '\0');
  const ssize_t n = ::pread(fd, out.data(), out.size(), e.offset);
  ::close(fd);
  if (n != static_cast<ssize_t>(out.size())) return "";
  return out;
}

std::vector<const JournalEntry*> Journal::latest_pages() const {
  const auto later = [](const JournalEntry* a, const JournalEntry* b) {
    return a->time_ms != b->time_ms ? a->time_ms > b->time_ms
           : a->file != b->file     ? a->file > b->file
                                    : a->offset > b->offset;
  };
  // The latest entry of every (document, page, part, input); an old line
  // without "src" stands for its document's input.
  using Slot = std::tuple<std::string, int32_t, std::string, std::string>;
  std::map<Slot, const JournalEntry*> latest;
  for (const auto& [key, e] : entries_) {
    auto& slot = latest[{e.doc, e.page, e.part, e.source}];
    if (!slot || later(&e, slot)) slot = &e;
  }
  // One input page is listed once: when its document base changed (a file
  // with the same stem appeared beside it, so its base now keeps the
  // extension, output_names.hpp), the entry under the old base names outputs
  // the input no longer owns, and only the latest entry of (input, page, part)
  // stands. Old lines without "src" cannot be matched to an input and stay.
  std::map<std::tuple<std::string, int32_t, std::string>, const JournalEntry*> newest_of_input;
  for (const auto& [k, e] : latest) {
    if (e->source.empty()) continue;
    auto& slot = newest_of_input[{e->source, e->page, e->part}];
    if (!slot || later(e, slot)) slot = e;
  }
  for (auto it = latest.begin(); it != latest.end();) {
    const JournalEntry* e = it->second;
    if (!e->source.empty() && newest_of_input[{e->source, e->page, e->part}] != e)
      it = latest.erase(it);
    else
      ++it;
  }
  // Of a page's whole entry and its halves, the later kind wins.
  const auto superseded = [&](const Slot& k, const JournalEntry* e) {
    const auto& [doc, page, part, source] = k;
    const std::vector<std::string> others =
        part.empty() ? std::vector<std::string>{"L", "R"} : std::vector<std::string>{""};
    for (const auto& o : others) {
      const auto it = latest.find({doc, page, o, source});
      if (it != latest.end() && later(it->second, e)) return true;
    }
    return false;
  };
  // Ok entries of one (document, page, part) share its outputs: the latest wrote them.
  std::map<std::tuple<std::string, int32_t, std::string>, const JournalEntry*> owner;
  for (const auto& [k, e] : latest) {
    if (!e->ok) continue;
    auto& slot = owner[{e->doc, e->page, e->part}];
    if (!slot || later(e, slot)) slot = e;
  }
  std::vector<const JournalEntry*> out;
  out.reserve(latest.size());
  for (const auto& [k, e] : latest)
    if ((!e->ok || owner[{e->doc, e->page, e->part}] == e) && !superseded(k, e)) out.push_back(e);
  return out;
}

}  // namespace pageprep::host
