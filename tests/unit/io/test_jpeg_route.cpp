// The JPEG decoder choice (io/jpeg_route.hpp): device (nvJPEG, gray from the
// luma plane) or CPU (libjpeg), a pure function of the header, tested on
// hand-built headers for every rule, on OpenCV-encoded files and on the real
// scans in ../shared/data/real-scans.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/jpeg_route.hpp"

namespace pageprep {
namespace {

using host::JpegDecoder;
using host::JpegRouteLimits;
using host::route_jpeg;

// A7200 x 10200 lane, as the CUDA executor's standing lanes.
const JpegRouteLimits kLane{7200, 10200, int64_t{7200} * 10200, false};

struct Builder {
  std::vector<uint8_t> b;
  Builder() {
    b.push_back(0xFF);
    b.push_back(0xD8);
  }
  void segment(uint8_t marker, const std::vector<uint8_t>& payload) {
    const size_t len = payload.size() + 2;
    b.insert(b.end(), {0xFF, marker, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)});
    b.insert(b.end(), payload.begin(), payload.end());
  }
  void jfif() { segment(0xE0, {'J', 'F', 'I', 'F', 0, 1, 2, 1, 0, 72, 0, 72, 0, 0}); }
  void adobe(uint8_t transform) {
    segment(0xEE, {'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, transform});
  }
  void exif(uint16_t orientation, bool little_endian) {
    std::vector<uint8_t> p{'E', 'x', 'i', 'f', 0, 0};
    auto u16 = [&](uint16_t v) {
      if (little_endian) {
        p.push_back(static_cast<uint8_t>(v));
        p.push_back(static_cast<uint8_t>(v >> 8));
      } else {
        p.push_back(static_cast<uint8_t>(v >> 8));
        p.push_back(static_cast<uint8_t>(v));
      }
    };
    auto u32 = [&](uint32_t v) {
      u16(static_cast<uint16_t>(little_endian ? v : v >> 16));
      u16(static_cast<uint16_t>(little_endian ? v >> 16 : v));
    };
    p.push_back(little_endian ? 'I' : 'M');
    p.push_back(little_endian ? 'I' : 'M');
    u16(42);
    u32(8);  // IFD0 right after the TIFF header
    u16(1);  // one entry: Orientation, SHORT, count 1, the value left-justified
    u16(0x0112);
    u16(3);
    u32(1);
    u16(orientation);
    u16(0);
    u32(0);  // no next IFD
    segment(0xE1, p);
  }
  void sof(uint8_t marker, uint8_t precision, uint16_t w, uint16_t h, int comps,
           const char* ids = "\1\2\3\4") {
    std::vector<uint8_t> p{precision,
                           static_cast<uint8_t>(h >> 8),
                           static_cast<uint8_t>(h),
                           static_cast<uint8_t>(w >> 8),
                           static_cast<uint8_t>(w),
                           static_cast<uint8_t>(comps)};
    for (int c = 0; c < comps; ++c) p.insert(p.end(), {static_cast<uint8_t>(ids[c]), 0x11, 0});
    segment(marker, p);
  }
  std::vector<uint8_t> finish(bool eoi = true) {
    segment(0xDA, {1, 1, 0, 0, 63, 0});
    b.insert(b.end(), {0x12, 0x34, 0xFF, 0x00, 0x56});
    if (eoi) b.insert(b.end(), {0xFF, 0xD9});
    return b;
  }
};

std::string route_reason(const std::vector<uint8_t>& f, const JpegRouteLimits& l = kLane) {
  const auto r = route_jpeg(f.data(), f.size(), l);
  return r.decoder == JpegDecoder::kDevice ? "device" : "cpu: " + r.reason;
}

std::vector<uint8_t> baseline(int comps, bool jfif = true) {
  Builder b;
  if (jfif) b.jfif();
  b.sof(0xC0, 8, 2480, 3508, comps);
  return b.finish();
}

TEST(JpegRoute, BaselineAndExtendedGrayOrYCbCrGoToTheDevice) {
  EXPECT_EQ(route_reason(baseline(1)), "device");
  EXPECT_EQ(route_reason(baseline(3)), "device");
  EXPECT_EQ(route_reason(baseline(3, /*jfif=*/false)), "device");  // YCbCr by default
  Builder e;
  e.sof(0xC1, 8, 100, 100, 3);
  EXPECT_EQ(route_reason(e.finish()), "device");
  Builder a;
  a.adobe(1);  // Adobe, transform YCbCr
  a.sof(0xC0, 8, 100, 100, 3);
  EXPECT_EQ(route_reason(a.finish()), "device");
  Builder x;
  x.exif(1, true);  // EXIF orientation 1 is upright
  x.sof(0xC0, 8, 100, 100, 3);
  EXPECT_EQ(route_reason(x.finish()), "device");
}

TEST(JpegRoute, EachRuleSendsThePageToTheCpuWithItsReason) {
  auto sof_only = [](uint8_t marker, uint8_t precision, int comps) {
    Builder b;
    b.jfif();
    b.sof(marker, precision, 640, 480, comps);
    return b.finish();
  };
  EXPECT_EQ(route_reason(sof_only(0xC2, 8, 3)), "cpu: progressive JPEG");
  EXPECT_EQ(route_reason(sof_only(0xC3, 8, 1)), "cpu: lossless JPEG");
  EXPECT_EQ(route_reason(sof_only(0xC9, 8, 3)), "cpu: arithmetic-coded JPEG");
  EXPECT_EQ(route_reason(sof_only(0xC5, 8, 3)), "cpu: hierarchical JPEG");
  EXPECT_EQ(route_reason(sof_only(0xC1, 12, 1)), "cpu: 12-bit samples");
  EXPECT_EQ(route_reason(sof_only(0xC0, 8, 4)), "cpu: CMYK/YCCK JPEG");
  EXPECT_EQ(route_reason(sof_only(0xC0, 8, 2)), "cpu: 2 components");
  Builder rgb;
  rgb.adobe(0);  // Adobe transform 0 with 3 components: RGB stored
  rgb.sof(0xC0, 8, 640, 480, 3);
  EXPECT_EQ(route_reason(rgb.finish()), "cpu: RGB JPEG (no colour transform)");
  Builder ids;
  ids.sof(0xC0, 8, 640, 480, 3, "RGB");  // libjpeg-turbo's rule: ids R, G, B
  EXPECT_EQ(route_reason(ids.finish()), "cpu: RGB JPEG (no colour transform)");
  for (bool le : {true, false}) {
    Builder turned;
    turned.exif(6, le);
    turned.sof(0xC0, 8, 640, 480, 3);
    EXPECT_EQ(route_reason(turned.finish()), "cpu: EXIF orientation 6") << "little endian " << le;
  }
  Builder dnl;
  dnl.sof(0xC0, 8, 640, 0, 1);
  EXPECT_EQ(route_reason(dnl.finish()), "cpu: height in a DNL marker");
  Builder huge;
  huge.sof(0xC0, 8, 10200, 7200, 3);  // landscape A3 600 dpi: wider than the lane
  EXPECT_EQ(route_reason(huge.finish()), "cpu: larger than the device lane");
  Builder cut;
  cut.sof(0xC0, 8, 640, 480, 3);
  EXPECT_EQ(route_reason(cut.finish(/*eoi=*/false)), "cpu: no end-of-image marker at the end");
  JpegRouteLimits reduce = kLane;
  reduce.reduce = true;
  EXPECT_EQ(route_reason(baseline(1), reduce), "cpu: DCT-domain reduction asked for");
  EXPECT_EQ(route_reason(baseline(1), JpegRouteLimits{}), "cpu: no device lane");
}

TEST(JpegRoute, DamagedHeadersGoToTheCpuWithoutReadingPastTheEnd) {
  const std::vector<uint8_t> full = baseline(3);
  // Every prefix, copied so that a read past its end is a heap overflow
  // (AddressSanitizer in the sanitizer build).
  for (size_t n = 0; n + 2 < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const auto r = route_jpeg(cut.data(), cut.size(), kLane);
    EXPECT_EQ(r.decoder, JpegDecoder::kCpu) << "prefix of " << n << " bytes";
    EXPECT_FALSE(r.reason.empty());
  }
  const std::vector<uint8_t> not_jpeg{'P', '5', '\n', 0xFF, 0xD9};
  EXPECT_EQ(route_reason(not_jpeg), "cpu: no frame header before the first scan");
  std::vector<uint8_t> bad_len{0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x01, 0xFF, 0xD9};
  EXPECT_EQ(route_reason(bad_len), "cpu: no frame header before the first scan");
}

TEST(JpegRoute, OpenCvEncodedFilesRouteByTheirFormat) {
  cv::Mat gray(300, 200, CV_8UC1, cv::Scalar(200));
  cv::Mat colour(300, 200, CV_8UC3, cv::Scalar(200, 100, 50));
  std::vector<uint8_t> buf;
  ASSERT_TRUE(cv::imencode(".jpg", gray, buf));
  EXPECT_EQ(route_reason(buf), "device");
  ASSERT_TRUE(cv::imencode(".jpg", colour, buf));
  EXPECT_EQ(route_reason(buf), "device");
  ASSERT_TRUE(cv::imencode(".jpg", colour, buf, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  EXPECT_EQ(route_reason(buf), "cpu: progressive JPEG");
  const auto info = host::read_jpeg_frame(buf.data(), buf.size());
  EXPECT_EQ(info.width, 200);
  EXPECT_EQ(info.height, 300);
  EXPECT_EQ(info.components, 3);
}

TEST(JpegRoute, RealScansGoToTheDevice) {
  const char* shared = std::getenv("PAGEPREP_SHARED_DIR");
  const std::filesystem::path dir =
      std::filesystem::path(shared ? shared : "../shared") / "data" / "real-scans";
  int seen = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".jpg") continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(route_reason(bytes), "device") << e.path();  // all baseline JFIF, 1 or 3 components
    ++seen;
  }
  EXPECT_EQ(seen, 5) << "the real scans at " << dir;
}

}  // namespace
}  // namespace pageprep
