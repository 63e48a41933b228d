#include "report/live_feed.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pageprep::host {

LiveFeed::~LiveFeed() {
  if (file_) std::fclose(file_);
}

std::string LiveFeed::file_name(const std::string& role) {
  return role == "run" ? "pages.live.jsonl" : "pages.live." + role + ".jsonl";
}

bool LiveFeed::open(const std::string& path, std::string* error) {
  file_ = std::fopen(path.c_str(), "ab");
  if (!file_) *error = "cannot open the live feed " + path + ": " + std::strerror(errno);
  return file_ != nullptr;
}

bool LiveFeed::append(const std::vector<const std::string*>& records, std::string* error) {
  if (!file_) return false;
  std::string text;
  for (const std::string* r : records) {
    text += *r;
    text += '\n';
  }
  if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0 ||
      ::fsync(::fileno(file_)) != 0) {
    *error = std::string("live feed write failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

}  // namespace pageprep::host
