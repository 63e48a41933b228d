#include "pipeline/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "report/json_writer.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

constexpr const char* kKeyPrefix = "{\"key\":";
constexpr const char* kRecordTag = ",\"ok\":";

// Parses a line written by append(); returns false for anything else.
bool parse_line(const std::string& line, std::string* key, JournalEntry* entry) {
  if (line.rfind(kKeyPrefix, 0) != 0 || line.back() != '}') return false;
  // The key is a JSON string we wrote: find its closing quote, skipping escapes.
  size_t i = std::strlen(kKeyPrefix);
  if (i >= line.size() || line[i] != '"') return false;
  const size_t open = i;
  for (++i; i < line.size() && line[i] != '"'; ++i)
    if (line[i] == '\\' && i + 1 < line.size()) ++i;
  if (i >= line.size()) return false;
  ++i;
  std::string k;  // the exact bytes append() escaped (non-UTF-8 names included)
  if (!json_unescape(std::string_view(line).substr(open, i - open), &k)) return false;
  const size_t tag = line.find(kRecordTag, i);
  if (tag != i) return false;
  i += std::strlen(kRecordTag);
  bool ok;
  if (line.compare(i, 4, "true") == 0) {
    ok = true;
    i += 4;
  } else if (line.compare(i, 5, "false") == 0) {
    ok = false;
    i += 5;
  } else {
    return false;
  }
  const std::string rec_tag = ",\"record\":";
  if (line.compare(i, rec_tag.size(), rec_tag) != 0) return false;
  i += rec_tag.size();
  entry->record = line.substr(i, line.size() - 1 - i);
  if (entry->record.empty() || entry->record.front() != '{' || entry->record.back() != '}')
    return false;
  entry->ok = ok;
  *key = std::move(k);
  return true;
}

}  // namespace

uint64_t fnv1a64(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

Journal::~Journal() {
  if (file_) std::fclose(file_);
}

bool Journal::open(const std::string& outdir, std::string* error) {
  const fs::path dir = fs::path(outdir) / ".pageprep";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    *error = "cannot create " + dir.string() + ": " + ec.message();
    return false;
  }
  const fs::path path = dir / "journal.jsonl";
  {
    std::ifstream in(path, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t start = 0;
    while (start < content.size()) {
      const size_t nl = content.find('\n', start);
      if (nl == std::string::npos) {  // torn last line from a crash
        ++ignored_lines_;
        break;
      }
      std::string key;
      JournalEntry entry;
      if (parse_line(content.substr(start, nl - start), &key, &entry))
        entries_[key] = std::move(entry);
      else
        ++ignored_lines_;
      start = nl + 1;
    }
    if (!content.empty() && content.back() != '\n') {
      // Cut the torn tail so the next append starts on a fresh line.
      fs::resize_file(path, content.rfind('\n') == std::string::npos ? 0 : content.rfind('\n') + 1,
                      ec);
    }
  }
  file_ = std::fopen(path.c_str(), "ab");
  if (!file_) {
    *error = "cannot open " + path.string() + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

const JournalEntry* Journal::find(const std::string& key) const {
  const auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

bool Journal::append(const std::string& key, const std::string& record_json, bool ok,
                     std::string* error) {
  std::string line = std::string(kKeyPrefix) + JsonWriter::escape(key) + kRecordTag +
                     (ok ? "true" : "false") + ",\"record\":" + record_json + "}\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0 ||
      ::fsync(::fileno(file_)) != 0) {
    *error = std::string("journal write failed: ") + std::strerror(errno);
    return false;
  }
  entries_[key] = JournalEntry{record_json, ok};
  return true;
}

}  // namespace pageprep::host
