// The corrupt-input corpus (support/corrupt_corpus.hpp) through every decode
// entry point: no crash, no hang, and for each case that must fail an error
// code with a message that names the file. Cases whose damage can leave a
// decodable page (bit flips in pixels) must only decode or fail cleanly.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "io/codec.hpp"
#include "support/corrupt_corpus.hpp"

namespace pageprep {
namespace {

namespace fs = std::filesystem;
using host::DecodeLimits;
using host::DecodeResult;
using host::PageError;

TEST(CorruptCorpus, HasAtLeastFortyKindsAcrossEveryFormat) {
  const auto corpus = testsupport::corrupt_corpus();
  std::set<std::string> damages, formats;
  for (const auto& c : corpus) {
    damages.insert(c.kind.substr(c.kind.find('/') + 1));
    formats.insert(c.kind.substr(0, c.kind.find('_')));
  }
  EXPECT_GE(damages.size(), 40u);
  for (const char* f : {"png", "jpeg", "tiff", "pnm"}) EXPECT_TRUE(formats.count(f)) << f;
  RecordProperty("cases", static_cast<int>(corpus.size()));
  RecordProperty("kinds", static_cast<int>(damages.size()));
}

TEST(CorruptCorpus, ValidSamplesDecode) {
  kernels::cpu::ThreadPool pool(2);
  for (const auto& s : testsupport::valid_samples()) {
    const host::PageCount c = host::count_pages_from_memory(s.bytes, s.file_name);
    ASSERT_EQ(c.error, PageError::kNone) << s.kind << ": " << c.message;
    for (int32_t p = 0; p < c.count; ++p) {
      const DecodeResult r = host::decode_page_from_memory(s.bytes, s.file_name, p, {}, pool);
      EXPECT_EQ(r.error, PageError::kNone) << s.kind << ": " << r.message;
    }
  }
}

// Decodes every page the count says there is (at least page 0).
void check_case(const testsupport::CorruptCase& c, const std::string& name,
                const std::function<host::PageCount()>& count,
                const std::function<DecodeResult(int32_t)>& decode, int* decoded) {
  const host::PageCount pc = count();
  if (pc.error != PageError::kNone) {
    EXPECT_FALSE(pc.message.empty()) << c.kind;
  }
  bool any_error = pc.error != PageError::kNone;
  const int32_t pages = pc.error == PageError::kNone ? std::max(1, std::min(pc.count, 8)) : 1;
  for (int32_t p = 0; p < pages; ++p) {
    const DecodeResult r = decode(p);
    if (r.error == PageError::kNone) {
      EXPECT_FALSE(r.page.gray.empty()) << c.kind;
      EXPECT_EQ(r.page.gray.type(), CV_8UC1) << c.kind;
      ++*decoded;
      continue;
    }
    any_error = true;
    EXPECT_TRUE(r.page.gray.empty()) << c.kind << ": an error with pixels";
    EXPECT_EQ(r.message.rfind(name + ": ", 0), 0u) << c.kind << ": " << r.message;
    EXPECT_GT(r.message.size(), name.size() + 8) << c.kind << ": " << r.message;
    EXPECT_NE(r.error, PageError::kInternal) << c.kind << ": " << r.message;
  }
  if (c.must_fail) {
    EXPECT_TRUE(any_error) << c.kind << " decoded as a good page";
  }
}

TEST(CorruptCorpus, FromMemoryEveryCaseFailsCleanlyOrDecodes) {
  kernels::cpu::ThreadPool pool(2);
  int decoded = 0, cases = 0;
  for (const auto& c : testsupport::corrupt_corpus()) {
    ++cases;
    check_case(
        c, c.file_name, [&] { return host::count_pages_from_memory(c.bytes, c.file_name); },
        [&](int32_t p) { return host::decode_page_from_memory(c.bytes, c.file_name, p, {}, pool); },
        &decoded);
  }
  RecordProperty("cases", cases);
  RecordProperty("decoded_despite_damage", decoded);
}

TEST(CorruptCorpus, FromFilesEveryCaseFailsCleanlyOrDecodes) {
  // The file path has its own TIFF reader (a mapping, not a buffer).
  char tmpl[] = "/tmp/pageprep_corpus_files_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const fs::path dir = tmpl;
  kernels::cpu::ThreadPool pool(2);
  int decoded = 0;
  for (const auto& c : testsupport::corrupt_corpus()) {
    const std::string path = (dir / c.file_name).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(c.bytes.data()),
               static_cast<std::streamsize>(c.bytes.size()));
    check_case(
        c, path, [&] { return host::count_pages(path); },
        [&](int32_t p) { return host::decode_page(path, p, DecodeLimits{}, pool); }, &decoded);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
}

}  // namespace
}  // namespace pageprep
