// Internal helpers shared by the codec files (not a public header):
//   codec_sniff.cpp    magic bytes -> Format, and what unknown bytes look like
//   codec_headers.cpp  PNG/JPEG/WebP headers: size, depth, DPI, completeness
//   codec_pnm.cpp      PNM parsed and decoded by hand
//   codec_pixels.cpp   colour/alpha/16-bit/1-bit rows to 8-bit gray, and back to bits
//   codec_decode.cpp   file reading, the decode entry points, page counts
//   codec_encode.cpp   PNG, PNM and the encode entry point
//   codec_tiff.cpp     libtiff reading and writing
//   codec_png.cpp      PNG decoding (libdeflate; OpenCV only for interlaced pages)
//   codec_jp2.cpp      JPEG 2000 (JP2, J2K) through openjp2
// PDF pages go through io/pdf_document.hpp (pdf_*.cpp), which uses these.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "io/codec.hpp"
#include "pageprep/kernels/gray.hpp"

namespace pageprep::host::detail {

/// A failed decode with "<name>: <what>".
DecodeResult decode_error(PageError e, const std::string& name, const std::string& what);

/// kNone, or kCorrupt / kTooLarge with the reason in `what`.
PageError check_dimensions(int64_t width, int64_t height, const DecodeLimits& limits,
                           std::string* what);

/// Stores a resolution read from the file, applying the sanity range; either
/// axis absent or insane means "absent" (300, dpi_from_file = false). A missing
/// `y` (<= 0) takes `x`.
void set_file_dpi(DecodedPage* page, double x, double y);

/// Converts one page of pixels in `format` (rows `pitch` bytes apart) to gray.
/// `dst` must already be CV_8UC1 of the same size.
kernels::Status to_gray(kernels::cpu::ThreadPool& pool, kernels::PixelFormat format,
                        const uint8_t* src, int64_t pitch, int32_t width, int32_t height,
                        cv::Mat* dst);

/// 8 output bytes per input byte of packed 1-bit pixels, MSB first:
/// `one_is_black` chooses MINISWHITE (1 = black = 0) or MINISBLACK.
void unpack_bits_rows(kernels::cpu::ThreadPool& pool, const uint8_t* packed, int64_t packed_pitch,
                      bool one_is_black, cv::Mat* dst);

/// Packs rows of a CV_8UC1 page to 1 bit per pixel, MSB first: bit = 1 where
/// the pixel is black (< 128) when `one_is_black`, else where it is white.
void pack_bits_rows(const cv::Mat& src, bool one_is_black, uint8_t* packed, int64_t packed_pitch);

/// Composites straight (non-premultiplied) alpha onto white in place (CV_8UC4).
void composite_onto_white(kernels::cpu::ThreadPool& pool, cv::Mat* bgra);

struct Header;
/// PNG by our own decoder (codec_png.cpp): libdeflate, fused unfilter and
/// gray conversion, the page allocated with `allocator` (nullptr: OpenCV's
/// default). The header has passed parse_png and the limits. `*handled` is
/// false for interlaced pages, which the caller decodes with OpenCV.
DecodeResult png_decode(const uint8_t* d, size_t n, const std::string& name,
                        cv::MatAllocator* allocator, bool* handled);

/// TIFF (libtiff over the buffer). Messages come without the name prefix.
PageCount tiff_count_pages(const uint8_t* data, size_t size, const std::string& name);
DecodeResult tiff_decode(const uint8_t* data, size_t size, const std::string& name, int32_t page,
                         const DecodeLimits& limits, kernels::cpu::ThreadPool& pool);
/// TIFF read from an open regular file through a read-only mapping: only the
/// directories on the way to `page` and that page's strips or tiles are
/// touched, whatever the file's size. `fd` stays open (the caller closes it).
PageCount tiff_count_pages_fd(int fd, int64_t size, const std::string& name);
DecodeResult tiff_decode_fd(int fd, int64_t size, const std::string& name, int32_t page,
                            const DecodeLimits& limits, kernels::cpu::ThreadPool& pool);

/// JPEG through libjpeg (codec_jpeg.cpp): `h` from parse_jpeg; EXIF
/// orientation applied (swapping h's dpi axes for quarter turns); libjpeg's
/// warnings about the data make the page kCorrupt. `denom` (1, 2, 4, 8):
/// libjpeg's DCT scaling (DecodeLimits::reduce_to_side); h's dpi is divided by it.
DecodeResult jpeg_decode(const uint8_t* data, size_t size, Header* h, const std::string& name,
                         kernels::cpu::ThreadPool& pool, int denom = 1);
EncodeResult tiff_encode(const cv::Mat& page, double dpi, bool is_binary);
/// Which G4 coder writes the strip: ours (g4_encode.hpp, the default) or
/// libtiff's (the reference the tests compare ours with, byte for byte).
enum class G4Coder { kOwn, kLibtiff };
/// A binary page already packed (1 = black, MSB first; `pitch` bytes per row,
/// at least (width + 7) / 8) as TIFF G4: the bytes tiff_encode() writes for
/// the same page unpacked.
EncodeResult tiff_encode_g4_packed(const uint8_t* packed, int64_t pitch, int32_t width,
                                   int32_t height, double dpi, G4Coder coder = G4Coder::kOwn);

/// JPEG 2000: a JP2 file or a raw J2K codestream (codec_jp2.cpp).
bool is_jp2_signature(const uint8_t* d, size_t n);
bool is_j2k_signature(const uint8_t* d, size_t n);
DecodeResult jp2_decode(const uint8_t* d, size_t n, const std::string& name,
                        const DecodeLimits& limits, kernels::cpu::ThreadPool& pool);

/// A JPEG codestream embedded in a PDF (DCTDecode): the header checks of
/// parse_jpeg, then the decoder with EXIF orientation ignored, since PDF
/// viewers do not apply it (codec_decode.cpp).
DecodeResult decode_embedded_jpeg(const uint8_t* d, size_t n, const std::string& name,
                                  const DecodeLimits& limits, kernels::cpu::ThreadPool& pool);

// ------------------------------------------------------------------ bytes ----

inline uint32_t be16(const uint8_t* p) {
  return static_cast<uint32_t>(p[0] << 8 | p[1]);
}
inline uint32_t be32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}
inline uint32_t le16(const uint8_t* p) {
  return static_cast<uint32_t>(p[1] << 8 | p[0]);
}
inline uint32_t le24(const uint8_t* p) {
  return static_cast<uint32_t>(p[2] << 16 | p[1] << 8 | p[0]);
}
inline uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[3]) << 24 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[1]) << 8 | p[0];
}

// --------------------------------------------------------------- formats ----

enum class Format { kUnknown, kPng, kJpeg, kTiff, kPnm, kWebp, kJp2, kPdf };

/// "%PDF-" within the first 1024 bytes.
bool is_pdf_signature(const uint8_t* d, size_t n);
/// The format the magic bytes say (codec_sniff.cpp).
Format sniff(const uint8_t* d, size_t n);
/// "png", "jpeg", "tiff", "pnm", "webp", "jp2", "pdf"; "" for kUnknown.
const char* format_name(Format f);
/// What unrecognised bytes look like, for the kUnsupportedFormat message.
std::string describe_unknown(const uint8_t* d, size_t n);

/// Silences OpenCV's log once per process (codecs report, never print).
void silence_libraries_once();

// --------------------------------------------------------------- headers ----

/// What a format's header says, read before any pixel is decoded (codec_headers.cpp).
struct Header {
  int64_t width = 0;
  int64_t height = 0;
  int32_t channels = 1;
  int32_t depth = 8;
  double dpi_x = 0;  // 0: absent
  double dpi_y = 0;
  bool complete = false;    // the end-of-data marker was found
  std::string truncation;   // why not complete
  std::string error;        // structural damage: kCorrupt
  std::string unsupported;  // recognised but not decodable: kUnsupportedFormat
};

Header parse_png(const uint8_t* d, size_t n);
Header parse_jpeg(const uint8_t* d, size_t n);
Header parse_webp(const uint8_t* d, size_t n);

// ------------------------------------------------------------------- PNM ----

struct PnmHeader {
  Header h;
  int kind = 0;  // 1..6
  int64_t maxval = 1;
  size_t data = 0;  // offset of the raster
};

/// PNM is parsed and decoded by hand (codec_pnm.cpp).
PnmHeader parse_pnm(const uint8_t* d, size_t n);
/// Decodes the raster of a PNM whose header has passed the limits, straight
/// into a gray page from `gray_allocator` when one is given (the executor's
/// page memory: huge-page mappings on the CPU path, the pinned slab on CUDA).
DecodeResult decode_pnm(const uint8_t* d, size_t n, const PnmHeader& p, const std::string& name,
                        kernels::cpu::ThreadPool& pool, cv::MatAllocator* gray_allocator = nullptr);

}  // namespace pageprep::host::detail
