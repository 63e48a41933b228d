// Decoding a page, ours against the peers in the same binary (one thread,
// bytes in memory, gray out): docs/PERFORMANCE.md, "Decoding".
//
// - BM_Decode_Png_<Cpu|OpenCV|Spng>/dpi/z: the standard page as PNG, written
//   by our encoder (z:1, zlib level 1 with Z_RLE: what pageprep writes) or by
//   OpenCV at zlib level 6 with its default filters (z:6, like most scanning
//   software). Cpu is host::decode_page_from_memory (codec_png.cpp) into the
//   page-image allocator, as `pageprep run` on the CPU decodes; OpenCV
//   is cv::imdecode, the codec's path before codec_png.cpp (for 8-bit gray,
//   all of it); Spng is libspng 0.7 decoding to 8-bit gray (built when
//   libspng-dev is installed; a candidate we measured, not a dependency).
// - BM_Decode_PngRgb_<Cpu|OpenCV>: the page in colour (RGB, z:6); OpenCV is
//   imdecode plus the codec's gray conversion, as before.
// - BM_Decode_Jpeg_<Cpu|OpenCV>: the page as JPEG (quality 90).
// - BM_Decode_TiffG4_<Cpu|Leptonica>: the binarized page as CCITT G4 (our
//   encoder), through our codec (libtiff) and Leptonica's pixReadMemTiff.
#include <opencv2/imgcodecs.hpp>

#include <map>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "io/codec.hpp"
#include "pageprep/kernels/gray.hpp"
#include "pipeline/page_memory.hpp"

#ifdef PAGEPREP_BENCH_HAVE_SPNG
#include <spng.h>
#endif

namespace {

namespace b = pageprep::bench;
namespace host = pageprep::host;

/// The standard page (or its colour / binary variants) encoded once per process.
const std::vector<uint8_t>& encoded(const std::string& what, int dpi, int z) {
  static std::map<std::string, std::vector<uint8_t>> cache;
  const std::string key = what + std::to_string(dpi) + "/" + std::to_string(z);
  std::vector<uint8_t>& bytes = cache[key];
  if (!bytes.empty()) return bytes;
  if (what == "png" && z == 1) {
    bytes = host::encode_page(b::a4_page(dpi).gray, host::OutputFormat::kPng, dpi, false).bytes;
  } else if (what == "png") {
    cv::imencode(".png", b::a4_page(dpi).gray, bytes, {cv::IMWRITE_PNG_COMPRESSION, z});
  } else if (what == "rgb") {
    cv::imencode(".png", b::a4_color(dpi), bytes, {cv::IMWRITE_PNG_COMPRESSION, z});
  } else if (what == "jpeg") {
    cv::imencode(".jpg", b::a4_page(dpi).gray, bytes, {cv::IMWRITE_JPEG_QUALITY, 90});
  } else if (what == "g4") {
    bytes = host::encode_page(b::a4_binary(dpi), host::OutputFormat::kTiffG4, dpi, true).bytes;
  }
  return bytes;
}

void args_png(benchmark::internal::Benchmark* bm) {
  bm->ArgNames({"dpi", "z"});
  for (int dpi : {300, 600})
    for (int z : {1, 6}) bm->Args({dpi, z});
}

void decode_ours(benchmark::State& state, const std::vector<uint8_t>& bytes, int dpi) {
  auto& pool = b::pool(1);
  for (auto _ : state) {
    // Into the page-image allocator, as `pageprep run` on the CPU does.
    host::DecodeResult d =
        host::decode_page_from_memory(bytes, "bench", 0, {}, pool, host::page_image_allocator());
    if (d.error != host::PageError::kNone) {
      state.SkipWithError(d.message.c_str());
      break;
    }
    benchmark::DoNotOptimize(d.page.gray.data);
  }
  b::report_pages(state, 1, static_cast<int64_t>(b::a4_page(dpi).gray.total()));
  state.counters["file_MB"] = static_cast<double>(bytes.size()) / 1e6;
}

void decode_opencv(benchmark::State& state, const std::vector<uint8_t>& bytes, int dpi,
                   bool colour) {
  b::set_opencv_threads(1);
  auto& pool = b::pool(1);
  const cv::Mat buf(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<uint8_t*>(bytes.data()));
  for (auto _ : state) {
    cv::Mat m = cv::imdecode(buf, cv::IMREAD_UNCHANGED);
    if (m.empty()) {
      state.SkipWithError("imdecode failed");
      break;
    }
    if (colour) {  // what the codec did next: its gray conversion
      cv::Mat gray(m.rows, m.cols, CV_8UC1);
      const pageprep::kernels::ConstGrayView in{m.data, m.cols, m.rows,
                                                static_cast<int64_t>(m.step[0])};
      const pageprep::kernels::GrayView out = b::view(gray);
      if (!b::check(state,
                    pageprep::kernels::cpu::gray_convert(
                        pool, pageprep::kernels::PixelFormat::kBgr8, {&in, 1}, {&out, 1}),
                    "gray"))
        break;
      benchmark::DoNotOptimize(gray.data);
    }
    benchmark::DoNotOptimize(m.data);
  }
  b::report_pages(state, 1, static_cast<int64_t>(b::a4_page(dpi).gray.total()));
}

void BM_Decode_Png_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  decode_ours(state, encoded("png", dpi, static_cast<int>(state.range(1))), dpi);
}
BENCHMARK(BM_Decode_Png_Cpu)->Apply(args_png);

void BM_Decode_Png_OpenCV(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  decode_opencv(state, encoded("png", dpi, static_cast<int>(state.range(1))), dpi, false);
}
BENCHMARK(BM_Decode_Png_OpenCV)->Apply(args_png);

#ifdef PAGEPREP_BENCH_HAVE_SPNG
void BM_Decode_Png_Spng(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const std::vector<uint8_t>& bytes = encoded("png", dpi, static_cast<int>(state.range(1)));
  std::vector<uint8_t> out;
  for (auto _ : state) {
    spng_ctx* ctx = spng_ctx_new(0);
    spng_set_png_buffer(ctx, bytes.data(), bytes.size());
    size_t size = 0;
    int rc = spng_decoded_image_size(ctx, SPNG_FMT_G8, &size);
    if (rc == 0) {
      out.resize(size);
      rc = spng_decode_image(ctx, out.data(), size, SPNG_FMT_G8, 0);
    }
    spng_ctx_free(ctx);
    if (rc != 0) {
      state.SkipWithError(spng_strerror(rc));
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  b::report_pages(state, 1, static_cast<int64_t>(b::a4_page(dpi).gray.total()));
}
BENCHMARK(BM_Decode_Png_Spng)->Apply(args_png);
#endif

void BM_Decode_PngRgb_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  decode_ours(state, encoded("rgb", dpi, 6), dpi);
}
BENCHMARK(BM_Decode_PngRgb_Cpu)->Apply(b::args_dpi);

void BM_Decode_PngRgb_OpenCV(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  decode_opencv(state, encoded("rgb", dpi, 6), dpi, true);
}
BENCHMARK(BM_Decode_PngRgb_OpenCV)->Apply(b::args_dpi);

void BM_Decode_Jpeg_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  decode_ours(state, encoded("jpeg", dpi, 0), dpi);
}
BENCHMARK(BM_Decode_Jpeg_Cpu)->Apply(b::args_dpi);

void BM_Decode_Jpeg_OpenCV(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  decode_opencv(state, encoded("jpeg", dpi, 0), dpi, false);
}
BENCHMARK(BM_Decode_Jpeg_OpenCV)->Apply(b::args_dpi);

void BM_Decode_TiffG4_Cpu(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  decode_ours(state, encoded("g4", dpi, 0), dpi);
}
BENCHMARK(BM_Decode_TiffG4_Cpu)->Apply(b::args_dpi);

void BM_Decode_TiffG4_Leptonica(benchmark::State& state) {
  const int dpi = static_cast<int>(state.range(0));
  const std::vector<uint8_t>& bytes = encoded("g4", dpi, 0);
  b::quiet_leptonica();
  for (auto _ : state) {
    PIX* pix = pixReadMemTiff(bytes.data(), bytes.size(), 0);
    if (pix == nullptr) {
      state.SkipWithError("pixReadMemTiff failed");
      break;
    }
    benchmark::DoNotOptimize(pix);
    pixDestroy(&pix);
  }
  b::report_pages(state, 1, static_cast<int64_t>(b::a4_page(dpi).gray.total()));
}
BENCHMARK(BM_Decode_TiffG4_Leptonica)->Apply(b::args_dpi);

}  // namespace
BENCHMARK_MAIN();
