/// \file codec.hpp
/// \brief Page decoding (PNG, JPEG, TIFF, PNM, WebP to 8-bit gray) and encoding
/// (PNG, TIFF G4, PNM).
///
/// Contract:
/// - Every function reports, never throws, and never writes to stderr: OpenCV's
///   log is silenced and libtiff's messages are captured per handle into the
///   result's message.
/// - The format is detected from the magic bytes, never from the extension.
/// - Sizes come from the file's header and are checked against DecodeLimits
///   BEFORE any pixel is decoded (decompression-bomb guard).
/// - Truncated files are errors (kCorrupt), never partially gray pages: PNG must
///   reach its IEND chunk, JPEG its EOI marker (the entropy-coded data is walked
///   marker by marker), a binary PNM its full raster, WebP its RIFF size, and
///   libtiff must decode every strip without an error.
/// - Colour and 16-bit pages are converted with kernels::cpu::gray_convert.
///   Alpha is composited onto WHITE first (a transparent pixel is paper, not
///   ink). 1-bit pages become 0/255 (MINISWHITE and MINISBLACK honoured).
/// - Resolution: PNG pHYs (metre unit), JPEG JFIF density (dpi or dpcm) or else
///   EXIF XResolution/YResolution, TIFF X/YRESOLUTION with RESOLUTIONUNIT (inch
///   when the tag is absent, per the TIFF spec; unit "none" = no resolution).
///   A dpi that PNG's metre unit cannot represent exactly (300 dpi = 11811
///   px/m = 299.9994 dpi) is rounded to the integer when within 0.05. The
///   file's value is then judged by resolve_dpi() (below): only a plausible one
///   is used, and DecodedPage::dpi_source says where the dpi came from.
/// - JPEG EXIF orientation is applied. TIFF orientations that need a transpose
///   (LEFTTOP..LEFTBOT) are read without the transpose.
/// - Thread safety: all functions may be called concurrently from any thread.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "io/page.hpp"
#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"

namespace pageprep::host {

/// The DPI rule (issue 9 defect 9, issue 11 item 3). A file's resolution is
/// trusted when it is finite, in [kMinPlausibleDpi, kMaxPlausibleDpi], puts
/// neither side of the page over kMaxPageInches, and does not claim more than
/// kHighDpi for a page whose longer side is under kMinHighDpiPageInches (a
/// 2550x3300 px scan tagged 2400 dpi would be a 1.4-inch page, and despeckle
/// tuned for 2400 dpi would erase its glyphs). Otherwise the dpi is
/// --image-dpi N when given (dpi_source "option"), else estimated from the
/// pixel size assuming a letter or A4 page (longer side 11 or 11.69 in),
/// snapped to a common scanner resolution within 3% ("estimated"), else 300
/// ("default") when the estimate falls outside [kMinPlausibleDpi, 1200].
constexpr double kMinPlausibleDpi = 100.0;
/// The wider range a PDF image's own resolution must fall in before it is
/// taken natively (io/pdf_document.cpp); the DPI rule above still applies.
constexpr double kMinSaneDpi = 50.0;
constexpr double kMaxSaneDpi = 4800.0;
constexpr double kMaxPlausibleDpi = 4800.0;
constexpr double kMaxPageInches = 20.0;
constexpr double kHighDpi = 600.0;
constexpr double kMinHighDpiPageInches = 3.0;
/// The resolution used when nothing better is known.
constexpr double kDefaultDpi = 300.0;

/// Defaults: the largest page the executors process (kernels::kMaxPageSide,
/// kernels::kMaxPagePixels), so every page that decodes is processed, and
/// nothing is decoded that would then be refused.
struct DecodeLimits {
  int64_t max_file_bytes = 1LL << 30;             ///< 1 GiB
  int32_t max_dimension = kernels::kMaxPageSide;  ///< px per side
  int64_t max_pixels = kernels::kMaxPagePixels;   ///< decoded pixels, checked from the header
  /// --image-dpi: the dpi of pages whose file has none or an implausible one
  /// (0: estimate it). Not a limit, but every decode needs it.
  double image_dpi = 0;
  /// How long a FIFO given as an input may take to deliver its first byte.
  int pipe_wait_ms = 30000;
  /// Not a limit but how PDF pages that are not one scanned image (vector
  /// graphics, born-digital text, several images) are rasterized: at this
  /// resolution (`--pdf-dpi`). A PDF file itself may exceed max_file_bytes
  /// (it is read lazily); each embedded image stream may not.
  double pdf_dpi = 300.0;
  /// Not a limit but a request for a small copy (the review sheet's
  /// thumbnails, report/review_sheet.hpp): when > 0, a JPEG is decoded at
  /// libjpeg's smallest DCT scale of 1/2, 1/4 or 1/8 that keeps its longer side
  /// at least this many pixels (each side ceil(side / 2^k)), and a JPEG 2000
  /// at the lowest resolution level (1/2 to 1/32, as far as its levels go)
  /// that does: much faster than the whole page. Its dpi is the file's divided
  /// by the same factor. Size limits are still checked on the file's own size;
  /// other formats ignore it.
  int32_t reduce_to_side = 0;
};

/// The JPEG scale denominator (1, 2, 4 or 8) reduce_to_side picks for a page
/// of `width` x `height`.
int32_t jpeg_reduce_denominator(int64_t width, int64_t height, int32_t reduce_to_side);

/// Applies the DPI rule above to a decoded page whose file_dpi_x/y hold what
/// the file said (0: nothing): sets dpi_x, dpi_y, dpi_source, dpi_from_file.
void resolve_dpi(DecodedPage* page, double image_dpi);

/// The rule's parts, for tests and reports.
bool dpi_is_plausible(double dpi_x, double dpi_y, int64_t width, int64_t height);
/// 0 when no estimate fits.
double estimate_dpi_from_size(int64_t width, int64_t height);

/// The number of pages in a file (TIFF: directories; PDF: pages, from the page
/// tree without decoding any content; others: 1), or an error.
struct PageCount {
  int32_t count = 0;
  PageError error = PageError::kNone;
  std::string message;
};
PageCount count_pages(const std::string& path, const DecodeLimits& limits = {});
PageCount count_pages_from_memory(const std::vector<uint8_t>& bytes,
                                  const std::string& name_for_errors);

/// A decoded page, or an error (then `page.gray` is empty).
struct DecodeResult {
  DecodedPage page;
  PageError error = PageError::kNone;
  std::string message;
};

/// Decodes page `page` (0-based; TIFF directory) of `path` to 8-bit gray.
/// Errors: kNotFound, kUnreadable (permissions, a directory, I/O), kEmptyFile,
/// kTooLarge (file bytes or header dimensions over `limits`),
/// kUnsupportedFormat (message says what the bytes look like), kCorrupt
/// (recognised format that fails to decode, or `page` out of range).
/// `gray_allocator` (optional): allocates the decoded gray page, e.g. in the
/// CUDA executor's pinned memory. The PNG and PNM decoders write their rows
/// straight into it; other decoders ignore it.
DecodeResult decode_page(const std::string& path, int32_t page, const DecodeLimits& limits,
                         kernels::cpu::ThreadPool& pool,
                         cv::MatAllocator* gray_allocator = nullptr);

/// The same from bytes in memory (stdin, tests). `name_for_errors` prefixes messages.
DecodeResult decode_page_from_memory(const std::vector<uint8_t>& bytes,
                                     const std::string& name_for_errors, int32_t page,
                                     const DecodeLimits& limits, kernels::cpu::ThreadPool& pool,
                                     cv::MatAllocator* gray_allocator = nullptr);

/// A PNG's compressed image data as it stands in the file, for a PDF to embed
/// unchanged (/FlateDecode with /DecodeParms /Predictor 15, which is PNG's
/// own filtering): no decode, no deflate. Only for what a PDF image shows the
/// same way: non-interlaced gray of 1, 2, 4 or 8 bits and 8-bit RGB, without
/// transparency (tRNS), colour profile or gamma chunks left aside. CRCs of
/// IHDR and IDAT are checked; the zlib data is not inflated.
struct PngStream {
  int32_t width = 0, height = 0;
  int32_t depth = 0;   ///< bits per sample: 1, 2, 4 or 8
  int32_t colors = 0;  ///< 1 (gray) or 3 (RGB)
  std::string zlib;    ///< the IDAT payloads, joined
};
/// True and *out filled when `bytes` is such a PNG; false otherwise (then the
/// caller decodes the page and compresses it itself).
bool png_stream_for_pdf(const std::string& bytes, PngStream* out);

/// What the magic bytes say: "png", "jpeg", "tiff", "pnm", "webp", or "" when
/// none of those.
std::string sniff_format(const uint8_t* data, size_t size);

/// Output formats.
/// - kPng: 8-bit gray, or 1-bit gray when `is_binary`; zlib level 1 with the
///   Z_RLE strategy, for throughput. Measured on a 2480x3508 gray page (one
///   core of the dev VM): Z_RLE 203 ms / 2.88 MB; default strategy level 1
///   251 ms / 3.34 MB, level 6 987 ms / 2.91 MB. pHYs carries the dpi.
/// - kTiffG4: binary pages as 1-bit CCITT G4, PHOTOMETRIC_MINISWHITE, one strip,
///   X/YRESOLUTION in inches. A non-binary page is written as 8-bit gray LZW
///   (horizontal predictor) rather than failing.
/// - kPnm: P4 (binary, 1 = black) or P5 (gray). PNM has no resolution field.
enum class OutputFormat { kPng, kTiffG4, kPnm };

/// The file extension for a format, with the dot: ".png", ".tif", ".pbm"/".pgm".
const char* output_extension(OutputFormat fmt, bool is_binary);

struct EncodeResult {
  std::vector<uint8_t> bytes;
  PageError error = PageError::kNone;
  std::string message;
};

/// Encodes a CV_8UC1 page (or, as PNG and not `is_binary`, a CV_8UC3 BGR page
/// as 8-bit RGB). When `is_binary`, pixels >= 128 are white and the
/// rest black (a 0/255 page round-trips exactly). `dpi` <= 0 writes no
/// resolution. Errors: kInternal for an empty or non-CV_8UC1 Mat, kWriteFailed
/// when the encoder fails.
EncodeResult encode_page(const cv::Mat& gray_or_binary, OutputFormat fmt, double dpi,
                         bool is_binary);

/// Encodes a binary page given at 1 bit per pixel as executors deliver it
/// (kernels/pack.hpp: 1 = ink, MSB first; `packed` is CV_8UC1 with
/// (width + 7) / 8 or more columns of bytes, `width` pixels per row). The
/// bytes are those encode_page() writes for the same page unpacked to 0/255.
/// TIFF G4 and PBM are written from the packed rows (no 8-bit page is made);
/// PNG unpacks first. Errors as encode_page(), and kInternal for a `width`
/// that does not fit the rows.
EncodeResult encode_packed_page(const cv::Mat& packed, int32_t width, OutputFormat fmt, double dpi);

}  // namespace pageprep::host
