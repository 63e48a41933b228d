/// \file jpeg_route.hpp
/// \brief Which decoder a JPEG page goes to: nvJPEG on the device (gray
/// straight from the luma plane, NVJPEG_OUTPUT_Y) or libjpeg on the host
/// (codec_jpeg.cpp). A pure function of the file's header segments, so the
/// decision is tested without a GPU (issue 19 item 3).
///
/// The device decoder takes only what it decodes to the same gray as the CPU
/// path within the stated tolerance, and nothing that needs the host's rules:
///   - baseline or extended sequential Huffman (SOF0, SOF1), 8-bit samples;
///   - 1 component (gray) or 3 components stored as YCbCr (JFIF, or an Adobe
///     APP14 segment with transform 1): the luma plane IS the gray page;
///   - EXIF orientation 1 (or none): a flipped or turned page needs the host's
///     transpose/flip and its DPI axes swapped;
///   - the page within the device lane's size limits;
///   - an end-of-image marker at the end: a truncated file follows the CPU
///     decoder's truncation policy;
///   - no DCT-domain reduction asked for (DecodeLimits::reduce_to_side).
/// Everything else (progressive, 12-bit, lossless, arithmetic, CMYK/YCCK, RGB
/// without the colour transform, 2 or 4+ components, DNL heights, EXIF turns,
/// huge pages, damaged headers) goes to the CPU decoder, with the reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace pageprep::host {

enum class JpegDecoder { kCpu, kDevice };

/// What the route read from the header segments (up to the first scan).
struct JpegFrameInfo {
  uint8_t sof_marker = 0;  ///< 0xC0..0xCF, 0 when none was found
  int32_t precision = 0;   ///< bits per sample
  int32_t width = 0, height = 0, components = 0;
  bool rgb_ids = false;  ///< 3 components with ids 'R', 'G', 'B'
  bool jfif = false;
  bool adobe = false;            ///< an APP14 "Adobe" segment
  int32_t adobe_transform = -1;  ///< its transform byte (0 none/RGB/CMYK, 1 YCbCr, 2 YCCK)
  int32_t exif_orientation = 1;  ///< tag 0x0112 of IFD0, 1 when absent
  bool ends_with_eoi = false;    ///< the last two bytes are FF D9
};

struct JpegRouteLimits {
  int64_t max_width = 0;  ///< the device lane's page limits; 0 = no device lane
  int64_t max_height = 0;
  int64_t max_pixels = 0;
  bool reduce = false;  ///< the run asks for DCT-domain reduction
};

struct JpegRoute {
  JpegDecoder decoder = JpegDecoder::kCpu;
  std::string reason;  ///< why the CPU decoder, "" for the device
  JpegFrameInfo info;
};

/// Reads the markers up to the first start-of-scan. Never reads past `size`.
JpegFrameInfo read_jpeg_frame(const uint8_t* data, size_t size);

/// The decoder for one JPEG file's bytes, given the device's limits.
JpegRoute route_jpeg(const uint8_t* data, size_t size, const JpegRouteLimits& limits);

/// "cpu" or "device" (run.json's decoder names are built from these).
const char* jpeg_decoder_name(JpegDecoder d);

}  // namespace pageprep::host
