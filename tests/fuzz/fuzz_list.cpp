// libFuzzer harness for the list parser (stdin, @FILE, .txt/.lst): parse_list
// is pure (it touches no file), so any bytes are safe to feed it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/inputs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const pageprep::host::ListParse list = pageprep::host::parse_list(text);
  // Either a refusal or entries, each trimmed and never a comment.
  if (!list.error.empty() && !list.entries.empty()) __builtin_trap();
  for (const std::string& e : list.entries)
    if (e.empty() || e[0] == '#' || e.find('\n') != std::string::npos) __builtin_trap();
  return 0;
}
