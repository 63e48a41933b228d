// nvJPEG gray (NVJPEG_OUTPUT_Y, io/nvjpeg_decoder.hpp) against the CPU path's
// gray (libjpeg RGB -> the gray kernel, io/codec_jpeg.cpp) on generated and
// real JPEGs, within the stated tolerance (mean |difference| <= 0.5, at most
// 1 % of pixels off by more than 3, none by more than 32: the CPU path's
// clamped RGB alone moves a few saturated pixels by up to 16, measured on the
// CPU by tests/unit/io/test_jpeg_luma.cpp), with the figures printed; and refusals of
// bytes nvJPEG cannot decode. Needs libnvjpeg.so.13 on dlopen's path (on the
// lent machine: carried, LD_LIBRARY_PATH); a device without it FAILS, so a
// device check cannot pass without having compared.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "io/codec.hpp"
#include "io/jpeg_route.hpp"
#include "parity/device_batch.hpp"

#if defined(PAGEPREP_HAVE_NVJPEG)
#include "io/nvjpeg_decoder.hpp"

namespace pageprep {
namespace {

constexpr int kMaxAbsDiff = 32;
constexpr double kMaxMeanAbsDiff = 0.5;
constexpr double kMaxShareOver3 = 0.01;

// A page-like image: paper gradient, dark strokes, coloured ink, noise.
cv::Mat synthetic_page(int w, int h, bool colour, uint64_t seed) {
  cv::Mat m(h, w, colour ? CV_8UC3 : CV_8UC1);
  std::mt19937_64 rng(seed);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const bool ink = ((x / 7 + y / 11) % 9 == 0) && (y % 23 > 4);
      const int paper = 235 - (x + y) * 20 / (w + h) + static_cast<int>(rng() % 9) - 4;
      const int v = ink ? 30 + static_cast<int>(rng() % 20) : paper;
      if (colour) {
        const bool red = ink && (x / 97) % 3 == 0;
        m.at<cv::Vec3b>(y, x) =
            red ? cv::Vec3b(40, 40, 200)
                : cv::Vec3b(cv::saturate_cast<uint8_t>(v - 6), cv::saturate_cast<uint8_t>(v),
                            cv::saturate_cast<uint8_t>(v + 5));
      } else {
        m.at<uint8_t>(y, x) = cv::saturate_cast<uint8_t>(v);
      }
    }
  return m;
}

struct Sample {
  std::string name;
  std::vector<uint8_t> bytes;
};

std::vector<Sample> samples() {
  std::vector<Sample> s;
  std::vector<uint8_t> buf;
  const cv::Mat gray = synthetic_page(1237, 1753, false, 1);
  const cv::Mat colour = synthetic_page(1241, 1749, true, 2);
  cv::imencode(".jpg", gray, buf, {cv::IMWRITE_JPEG_QUALITY, 90});
  s.push_back({"generated gray q90", buf});
  cv::imencode(".jpg", colour, buf, {cv::IMWRITE_JPEG_QUALITY, 85});
  s.push_back({"generated colour 4:2:0 q85", buf});
  // OpenCV 4.6 (Debian 12) has no sampling-factor flag: its colour JPEGs are 4:2:0.
  cv::imencode(".jpg", colour, buf, {cv::IMWRITE_JPEG_QUALITY, 97});
  s.push_back({"generated colour 4:2:0 q97", buf});
  const char* shared = std::getenv("PAGEPREP_SHARED_DIR");
  const std::filesystem::path dir =
      std::filesystem::path(shared ? shared : "../shared") / "data" / "real-scans";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".jpg") continue;
    std::ifstream in(e.path(), std::ios::binary);
    s.push_back({e.path().filename().string(),
                 std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), {})});
  }
  return s;
}

TEST(NvjpegParity, GrayMatchesTheCpuPathWithinTolerance) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  const host::LoadedSymbols& lib = host::nvjpeg_library();
  ASSERT_TRUE(lib.ok()) << "nvJPEG not loadable (" << lib.error
                        << "): put libnvjpeg.so.13 on LD_LIBRARY_PATH";
  std::string why;
  auto dec = host::NvjpegDecoder::create(lib, &why);
  ASSERT_TRUE(dec) << why;
  kernels::cpu::ThreadPool pool(2);
  const host::JpegRouteLimits lane{7200, 10200, int64_t{7200} * 10200, false};
  const std::vector<Sample> all = samples();
  ASSERT_GE(all.size(), 8u) << "3 generated + 5 real scans";
  for (const Sample& s : all) {
    const auto route = host::route_jpeg(s.bytes.data(), s.bytes.size(), lane);
    ASSERT_EQ(route.decoder, host::JpegDecoder::kDevice) << s.name << ": " << route.reason;
    const host::DecodeResult cpu = host::decode_page_from_memory(s.bytes, s.name, 0, {}, pool);
    ASSERT_EQ(cpu.error, host::PageError::kNone) << cpu.message;
    const int w = route.info.width, h = route.info.height;
    ASSERT_EQ(cpu.page.gray.cols, w);
    ASSERT_EQ(cpu.page.gray.rows, h);
    uint8_t* d = nullptr;
    size_t pitch = 0;
    ASSERT_EQ(cudaMallocPitch(reinterpret_cast<void**>(&d), &pitch, w + 5, h), cudaSuccess);
    ASSERT_EQ(cudaMemset2D(d, pitch, testsupport::kPoison, w + 5, h), cudaSuccess);
    const host::NvjpegResult r =
        dec->decode_gray(s.bytes.data(), s.bytes.size(), d, pitch, w, h, nullptr);
    ASSERT_EQ(r.outcome, host::NvjpegOutcome::kOk) << s.name << ": " << r.message;
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    cv::Mat got(h, w + 5, CV_8UC1);
    ASSERT_EQ(cudaMemcpy2D(got.data, got.step[0], d, pitch, w + 5, h, cudaMemcpyDeviceToHost),
              cudaSuccess);
    cudaFree(d);
    int max_diff = 0;
    double sum = 0;
    int64_t over3 = 0;
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const int diff =
            std::abs(int{got.at<uint8_t>(y, x)} - int{cpu.page.gray.at<uint8_t>(y, x)});
        max_diff = std::max(max_diff, diff);
        sum += diff;
        over3 += diff > 3;
      }
    for (int y = 0; y < h; ++y)
      for (int x = w; x < w + 5; ++x)
        ASSERT_EQ(got.at<uint8_t>(y, x), testsupport::kPoison) << s.name << ": wrote past the row";
    const double mean = sum / (static_cast<double>(w) * h);
    const double share_over3 = static_cast<double>(over3) / (static_cast<double>(w) * h);
    std::cout << "nvjpeg vs cpu gray: " << s.name << " " << w << "x" << h << " max |d| " << max_diff
              << " mean |d| " << mean << " share |d|>3 " << share_over3 << "\n";
    EXPECT_LE(max_diff, kMaxAbsDiff) << s.name;
    EXPECT_LE(mean, kMaxMeanAbsDiff) << s.name;
    EXPECT_LE(share_over3, kMaxShareOver3) << s.name;
  }
}

TEST(NvjpegParity, BytesNvjpegCannotDecodeAreRefusedNotFaults) {
  PAGEPREP_REQUIRE_CUDA_DEVICE();
  const host::LoadedSymbols& lib = host::nvjpeg_library();
  ASSERT_TRUE(lib.ok()) << "nvJPEG not loadable (" << lib.error << ")";
  std::string why;
  auto dec = host::NvjpegDecoder::create(lib, &why);
  ASSERT_TRUE(dec) << why;
  uint8_t* d = nullptr;
  ASSERT_EQ(cudaMalloc(reinterpret_cast<void**>(&d), 64 * 64), cudaSuccess);
  const std::vector<uint8_t> not_jpeg(512, 0x42);
  EXPECT_EQ(dec->decode_gray(not_jpeg.data(), not_jpeg.size(), d, 64, 64, 64, nullptr).outcome,
            host::NvjpegOutcome::kRefused);
  // A real JPEG whose header disagrees with the size the caller routed it by.
  std::vector<uint8_t> buf;
  cv::imencode(".jpg", synthetic_page(64, 48, false, 3), buf);
  EXPECT_EQ(dec->decode_gray(buf.data(), buf.size(), d, 64, 64, 64, nullptr).outcome,
            host::NvjpegOutcome::kRefused);
  cudaFree(d);
}

}  // namespace
}  // namespace pageprep

#endif  // PAGEPREP_HAVE_NVJPEG
