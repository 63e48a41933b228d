// Speed claims that unit tests used to assert (issue 23: no test asserts a
// time); each row names the test that keeps the behaviour:
//   BM_HugePngHeaderRefused  a 100000 x 100000 PNG header is refused from the
//                            header alone (CodecTest.HugePngHeaderIsTooLargeWithoutDecoding;
//                            the test asserted < 50 ms)
//   BM_ScoreTextPageSized    CER of two ~3000-character pages, the full matrix
//                            (TextMetrics.PageSizedTextIsScoredInFull; < 1000 ms)
//   BM_GeneratePage          the synthetic A4 300 dpi page, clean and degraded
//                            (PageGenerator tests; the Timing test asserted < 5 s)
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "io/codec.hpp"
#include "support/page_generator.hpp"
#include "util/text_metrics.hpp"

namespace {

uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void put_be32(std::vector<uint8_t>* v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v->push_back(static_cast<uint8_t>(x >> s));
}

void put_chunk(std::vector<uint8_t>* png, const char* type, const std::vector<uint8_t>& body) {
  put_be32(png, static_cast<uint32_t>(body.size()));
  const size_t start = png->size();
  png->insert(png->end(), type, type + 4);
  png->insert(png->end(), body.begin(), body.end());
  put_be32(png, crc32(png->data() + start, png->size() - start));
}

void BM_HugePngHeaderRefused(benchmark::State& state) {
  std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> ihdr;
  put_be32(&ihdr, 100000);
  put_be32(&ihdr, 100000);
  ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});
  put_chunk(&png, "IHDR", ihdr);
  put_chunk(&png, "IDAT", {0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF});
  put_chunk(&png, "IEND", {});
  pageprep::kernels::cpu::ThreadPool pool(1);
  for (auto _ : state) {
    const auto r = pageprep::host::decode_page_from_memory(png, "bench", 0,
                                                           pageprep::host::DecodeLimits{}, pool);
    if (r.error != pageprep::host::PageError::kTooLarge)
      state.SkipWithError("not refused as too large");
    benchmark::DoNotOptimize(r.error);
  }
}
BENCHMARK(BM_HugePngHeaderRefused)->Unit(benchmark::kMillisecond);

void BM_ScoreTextPageSized(benchmark::State& state) {
  std::mt19937_64 rng(7);
  std::string a, b;
  for (int i = 0; i < 3000; ++i) {
    a += static_cast<char>('a' + rng() % 26);
    b += static_cast<char>('a' + rng() % 26);
    if (i % 7 == 6) a += ' ', b += ' ';
  }
  for (auto _ : state) benchmark::DoNotOptimize(pageprep::host::score_text(a, b).cer);
}
BENCHMARK(BM_ScoreTextPageSized)->Unit(benchmark::kMillisecond);

// Arg 0: clean; 1: skew 3, noise 5, specks 30, illumination 0.3.
void BM_GeneratePage(benchmark::State& state) {
  pageprep::testsupport::PageSpec spec;
  spec.seed = 71;
  pageprep::testsupport::Degradation deg;
  if (state.range(0) == 1) {
    deg.skew_deg = 3;
    deg.noise_sigma = 5;
    deg.speck_density = 30;
    deg.illumination = 0.3;
  }
  for (auto _ : state) {
    pageprep::testsupport::GeneratedPage page;
    std::string err;
    if (!pageprep::testsupport::generate_page(spec, deg, &page, &err))
      state.SkipWithError(err.c_str());
    benchmark::DoNotOptimize(page.glyphs);
  }
}
BENCHMARK(BM_GeneratePage)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
