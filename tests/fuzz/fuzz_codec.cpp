// libFuzzer harness for the page decoders. One source, one executable per
// target (tests/fuzz/CMakeLists.txt): PAGEPREP_FUZZ_TARGET names the target.
//
// A format target ("png", "jpeg", ...) puts that format's magic bytes in front
// of inputs that lack them, so the fuzzer spends its time inside that
// decoder rather than in the sniffer. "decode" is the codec entry point as
// the pipeline calls it (sniffing included); "count" counts pages and decodes
// each (multi-page TIFF); "pdf" does the same for PDF input (qpdf's parser,
// the page plan, image extraction, the page-count and limit checks; pages that
// need pdftoppm fail from memory by contract). Adding a decoder's target is one entry in kTargets
// and one name in CMakeLists.txt's PAGEPREP_FUZZ_TARGETS.
//
// Small decode limits keep every run fast; bugs that need big images are the
// corpus test's and the sanitizer run's to find.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "io/codec.hpp"

#ifndef PAGEPREP_FUZZ_TARGET
#error "PAGEPREP_FUZZ_TARGET must name the target"
#endif

namespace {

struct Target {
  const char* name;
  const char* magic;  // prepended when absent; "" for none
  size_t magic_size;
};

constexpr Target kTargets[] = {
    {"decode", "", 0},
    {"count", "", 0},
    {"png", "\x89PNG\r\n\x1a\n", 8},
    {"jpeg", "\xFF\xD8\xFF", 3},
    {"tiff", "II*\0", 4},
    {"pnm", "P", 1},
    {"webp", "RIFF", 4},
    {"jp2", "\0\0\0\x0CjP  \r\n\x87\n", 12},
    {"pdf", "%PDF-", 5},
};

const Target& target() {
  for (const Target& t : kTargets)
    if (std::strcmp(t.name, PAGEPREP_FUZZ_TARGET) == 0) return t;
  __builtin_trap();  // a target name without an entry above
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static pageprep::kernels::cpu::ThreadPool pool(1);
  pageprep::host::DecodeLimits limits;
  limits.max_pixels = 4'000'000;
  limits.max_dimension = 4096;
  limits.max_file_bytes = 8 << 20;
  const Target& t = target();
  std::vector<uint8_t> bytes;
  if (t.magic_size > 0 && (size < t.magic_size || std::memcmp(data, t.magic, t.magic_size) != 0))
    bytes.assign(t.magic, t.magic + t.magic_size);
  bytes.insert(bytes.end(), data, data + size);
  if (std::strcmp(t.name, "count") == 0 || std::strcmp(t.name, "pdf") == 0) {
    const auto c = pageprep::host::count_pages_from_memory(bytes, "fuzz");
    if (c.error != pageprep::host::PageError::kNone && c.message.empty()) __builtin_trap();
    for (int32_t p = 0; p < c.count && p < 4; ++p) {
      const auto r = pageprep::host::decode_page_from_memory(bytes, "fuzz", p, limits, pool);
      if ((r.error == pageprep::host::PageError::kNone) == r.page.gray.empty()) __builtin_trap();
      if (r.error != pageprep::host::PageError::kNone && r.message.empty()) __builtin_trap();
    }
    return 0;
  }
  const auto r = pageprep::host::decode_page_from_memory(bytes, "fuzz", 0, limits, pool);
  // A result is a page or an error with a message, never both or neither.
  if ((r.error == pageprep::host::PageError::kNone) == r.page.gray.empty()) __builtin_trap();
  if (r.error != pageprep::host::PageError::kNone && r.message.empty()) __builtin_trap();
  return 0;
}
