// Page decoding entry points: reading the file (with its size limit), the
// format by magic bytes, header-first size checks, then the format's decoder
// (codec_png.cpp; OpenCV for JPEG/WebP and interlaced PNG; codec_pnm.cpp,
// codec_tiff.cpp) and page counts.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>

#include "io/codec_internal.hpp"
#include "io/file_read.hpp"
#include "io/pdf_document.hpp"
#include "pageprep/kernels/ops/gray_ops.hpp"

namespace pageprep::host {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

namespace detail {

DecodeResult decode_error(PageError e, const std::string& name, const std::string& what) {
  DecodeResult r;
  r.error = e;
  r.message = name.empty() ? what : name + ": " + what;
  return r;
}

PageError check_dimensions(int64_t width, int64_t height, const DecodeLimits& limits,
                           std::string* what) {
  const std::string size = std::to_string(width) + "x" + std::to_string(height);
  if (width <= 0 || height <= 0) {
    *what = "invalid image size " + size + " in the header";
    return PageError::kCorrupt;
  }
  if (width > limits.max_dimension || height > limits.max_dimension) {
    *what = "image is " + size + " px; the limit is " + std::to_string(limits.max_dimension) +
            " px per side";
    return PageError::kTooLarge;
  }
  if (width * height > limits.max_pixels) {
    *what = "image is " + size + " = " + std::to_string(width * height) + " px; the limit is " +
            std::to_string(limits.max_pixels) + " px";
    return PageError::kTooLarge;
  }
  return PageError::kNone;
}

void set_file_dpi(DecodedPage* page, double x, double y) {
  if (!(y > 0)) y = x;
  // Metre and centimetre units cannot hold integral dpi exactly (300 dpi is
  // 11811 px/m = 299.9994 dpi); snap values that are that close.
  auto snap = [](double v) {
    if (!std::isfinite(v) || v < 0) return 0.0;
    const double r = std::round(v);
    return std::fabs(v - r) < 0.05 ? r : v;
  };
  // Whether to trust it is resolve_dpi()'s call, once the pixel size is known.
  page->file_dpi_x = snap(x);
  page->file_dpi_y = snap(y);
}

void silence_libraries_once() {
  static std::once_flag once;
  std::call_once(once,
                 [] { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT); });
}

}  // namespace detail

namespace {

using namespace detail;

// --------------------------------------------------------------- files ----

// Files and pipes are read by io/file_read.cpp: never a blocking open, and a
// stop request ends any wait.
ReadResult read_file(const std::string& path, const DecodeLimits& limits, int64_t max_read) {
  return read_path(path, limits.max_file_bytes, max_read, limits.pipe_wait_ms);
}

// A regular file that starts with TIFF's magic: libtiff reads the pages it
// needs from the descriptor (a multi-page TIFF is never read whole per page,
// and a TIFF over max_file_bytes is not refused whole). Returns -1 (and
// leaves `fd_out` closed) for anything else.
int open_if_tiff(const std::string& path, int* fd_out, int64_t* size_out) {
  *fd_out = -1;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return -1;
  uint8_t head[16];
  ssize_t n;
  do {
    n = ::pread(fd, head, sizeof head, 0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
      sniff(head, static_cast<size_t>(n)) != Format::kTiff) {
    ::close(fd);
    return -1;
  }
  *fd_out = fd;
  *size_out = st.st_size;
  return 0;
}

// ------------------------------------------------------- OpenCV decode ----

// imdecode output (8/16-bit, 1/3/4 channels) to 8-bit gray.
DecodeResult mat_to_gray(cv::Mat m, const std::string& name, ThreadPool& pool) {
  DecodeResult r;
  if (m.depth() == CV_16U && m.channels() > 1) {
    // 16-bit colour: to 8 bits per sample first (the same rounding as kGray16).
    cv::Mat m8(m.rows, m.cols, CV_MAKETYPE(CV_8U, m.channels()));
    const int64_t row = int64_t{m.cols} * m.channels();
    pool.parallel_for(m.rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, row)),
                      [&](int64_t y0, int64_t y1) {
                        for (int64_t y = y0; y < y1; ++y) {
                          const uint16_t* s = m.ptr<uint16_t>(static_cast<int>(y));
                          uint8_t* o = m8.ptr<uint8_t>(static_cast<int>(y));
                          for (int64_t i = 0; i < row; ++i)
                            o[i] = kernels::ops::gray16_to_gray8(s[i]);
                        }
                      });
    m = m8;
  }
  if (m.type() == CV_8UC1) {
    r.page.gray = m;
    return r;
  }
  if (m.type() == CV_8UC2) {  // gray + alpha: expand to BGRA
    cv::Mat bgra(m.rows, m.cols, CV_8UC4);
    for (int y = 0; y < m.rows; ++y) {
      const uint8_t* s = m.ptr<uint8_t>(y);
      uint8_t* o = bgra.ptr<uint8_t>(y);
      for (int x = 0; x < m.cols; ++x) {
        o[4 * x] = o[4 * x + 1] = o[4 * x + 2] = s[2 * x];
        o[4 * x + 3] = s[2 * x + 1];
      }
    }
    m = bgra;
  }
  PixelFormat format;
  if (m.type() == CV_16UC1) {
    format = PixelFormat::kGray16;
  } else if (m.type() == CV_8UC3) {
    format = PixelFormat::kBgr8;
  } else if (m.type() == CV_8UC4) {
    composite_onto_white(pool, &m);
    format = PixelFormat::kBgra8;
  } else {
    return decode_error(PageError::kCorrupt, name,
                        "decoder returned an unexpected pixel type " + std::to_string(m.type()));
  }
  r.page.gray.create(m.rows, m.cols, CV_8UC1);
  const kernels::Status s = detail::to_gray(pool, format, m.data, static_cast<int64_t>(m.step[0]),
                                            m.cols, m.rows, &r.page.gray);
  if (!s) return decode_error(PageError::kInternal, name, s.message());
  return r;
}

// A JPEG whose EXIF orientation turns it by 90 degrees swaps the header's
// width and height, and its dpi axes (in `h`).
DecodeResult decode_with_opencv(const uint8_t* d, size_t n, Format f, Header* hp,
                                const std::string& name, ThreadPool& pool,
                                bool apply_orientation = true) {
  Header& h = *hp;
  // JPEG: ANYCOLOR|ANYDEPTH keeps gray as gray and applies the EXIF
  // orientation (unless embedded in a PDF); PNG/WebP: UNCHANGED keeps alpha
  // and 16 bits.
  const int flags = f == Format::kJpeg ? (cv::IMREAD_ANYCOLOR | cv::IMREAD_ANYDEPTH |
                                          (apply_orientation ? 0 : cv::IMREAD_IGNORE_ORIENTATION))
                                       : cv::IMREAD_UNCHANGED;
  const cv::Mat buf(1, static_cast<int>(n), CV_8UC1, const_cast<uint8_t*>(d));
  cv::Mat m;
  try {
    m = cv::imdecode(buf, flags);
  } catch (const cv::Exception& e) {
    return decode_error(PageError::kCorrupt, name,
                        std::string(format_name(f)) + " decoder failed: " + e.msg);
  }
  if (m.empty())
    return decode_error(PageError::kCorrupt, name,
                        std::string(format_name(f)) +
                            " decoder rejected the data (damaged or unsupported variant)");
  const bool rotated =
      f == Format::kJpeg && m.cols == h.height && m.rows == h.width && h.width != h.height;
  if (!rotated && (m.cols != h.width || m.rows != h.height))
    return decode_error(PageError::kCorrupt, name,
                        "decoded size " + std::to_string(m.cols) + "x" + std::to_string(m.rows) +
                            " differs from the header's " + std::to_string(h.width) + "x" +
                            std::to_string(h.height));
  if (rotated) std::swap(h.dpi_x, h.dpi_y);
  return mat_to_gray(std::move(m), name, pool);
}

DecodeResult decode_bytes(const uint8_t* d, size_t n, const std::string& name, int32_t page,
                          const DecodeLimits& limits, ThreadPool& pool,
                          cv::MatAllocator* gray_allocator) {
  silence_libraries_once();
  if (n == 0) return decode_error(PageError::kEmptyFile, name, "empty file (0 bytes)");
  if (static_cast<int64_t>(n) > limits.max_file_bytes || n > static_cast<size_t>(INT_MAX))
    return decode_error(
        PageError::kTooLarge, name,
        std::to_string(n) + " bytes; the limit is " + std::to_string(limits.max_file_bytes));
  const Format f = sniff(d, n);
  if (f == Format::kUnknown)
    return decode_error(PageError::kUnsupportedFormat, name, describe_unknown(d, n));
  if (f == Format::kPdf) {  // from memory; files go through pdf_decode_page directly
    DecodeResult r =
        pdf_decode_page_memory(std::vector<uint8_t>(d, d + n), name, page, limits, pool);
    if (r.error == PageError::kNone) resolve_dpi(&r.page, limits.image_dpi);
    return r;
  }
  if (f == Format::kTiff) {
    DecodeResult r = detail::tiff_decode(d, n, name, page, limits, pool);
    if (r.error != PageError::kNone)
      r.page.gray.release();
    else
      resolve_dpi(&r.page, limits.image_dpi);
    return r;
  }
  if (page != 0)
    return decode_error(
        PageError::kCorrupt, name,
        "page " + std::to_string(page) + " out of range: a " + format_name(f) + " file has 1 page");

  if (f == Format::kJp2) {
    DecodeResult r = detail::jp2_decode(d, n, name, limits, pool);
    if (r.error != PageError::kNone)
      r.page.gray.release();
    else
      resolve_dpi(&r.page, limits.image_dpi);
    return r;
  }

  PnmHeader pnm;
  Header h;
  switch (f) {
    case Format::kPng:
      h = parse_png(d, n);
      break;
    case Format::kJpeg:
      h = parse_jpeg(d, n);
      break;
    case Format::kWebp:
      h = parse_webp(d, n);
      break;
    case Format::kPnm:
      pnm = parse_pnm(d, n);
      h = pnm.h;
      h.complete = true;  // checked against the raster size while decoding
      break;
    default:
      break;
  }
  if (!h.error.empty()) return decode_error(PageError::kCorrupt, name, h.error);
  std::string what;
  const PageError size_error = detail::check_dimensions(h.width, h.height, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);
  if (!h.unsupported.empty())
    return decode_error(PageError::kUnsupportedFormat, name, h.unsupported);
  if (!h.complete) return decode_error(PageError::kCorrupt, name, h.truncation);

  DecodeResult r;
  bool handled = false;
  if (f == Format::kPng) r = png_decode(d, n, name, gray_allocator, &handled);
  if (!handled)
    r = f == Format::kPnm ? decode_pnm(d, n, pnm, name, pool, gray_allocator)
        : f == Format::kJpeg
            ? jpeg_decode(d, n, &h, name, pool,
                          jpeg_reduce_denominator(h.width, h.height, limits.reduce_to_side))
            : decode_with_opencv(d, n, f, &h, name, pool);
  if (r.error != PageError::kNone) {
    r.page.gray.release();
    return r;
  }
  r.page.format = format_name(f);
  r.page.source_channels = h.channels;
  r.page.source_depth_bits = h.depth;
  detail::set_file_dpi(&r.page, h.dpi_x, h.dpi_y);
  resolve_dpi(&r.page, limits.image_dpi);
  return r;
}

// Every decode runs under this: an exception becomes the page's error.
template <typename Fn>
DecodeResult guarded(const std::string& name, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    const PageError code = error_for_exception(e);
    return decode_error(code, name,
                        code == PageError::kOutOfMemory
                            ? std::string("out of memory while decoding (") + e.what() + ")"
                            : std::string("unexpected exception: ") + e.what());
  } catch (...) {
    return decode_error(PageError::kInternal, name, "unexpected exception");
  }
}

DecodeResult guarded_decode(const uint8_t* d, size_t n, const std::string& name, int32_t page,
                            const DecodeLimits& limits, ThreadPool& pool,
                            cv::MatAllocator* gray_allocator) {
  return guarded(name,
                 [&] { return decode_bytes(d, n, name, page, limits, pool, gray_allocator); });
}

}  // namespace

DecodeResult detail::decode_embedded_jpeg(const uint8_t* d, size_t n, const std::string& name,
                                          const DecodeLimits& limits, ThreadPool& pool) {
  silence_libraries_once();
  if (sniff(d, n) != Format::kJpeg)
    return decode_error(PageError::kCorrupt, name, "DCTDecode image is not a JPEG codestream");
  Header h = parse_jpeg(d, n);
  if (!h.error.empty()) return decode_error(PageError::kCorrupt, name, h.error);
  std::string what;
  const PageError size_error = check_dimensions(h.width, h.height, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);
  if (!h.unsupported.empty())
    return decode_error(PageError::kUnsupportedFormat, name, h.unsupported);
  if (!h.complete) return decode_error(PageError::kCorrupt, name, h.truncation);
  DecodeResult r = decode_with_opencv(d, n, Format::kJpeg, &h, name, pool, false);
  if (r.error != PageError::kNone) {
    r.page.gray.release();
    return r;
  }
  r.page.source_channels = h.channels;
  r.page.source_depth_bits = h.depth;
  return r;
}

std::string sniff_format(const uint8_t* data, size_t size) {
  return format_name(sniff(data, size));
}

PageCount count_pages_from_memory(const std::vector<uint8_t>& bytes,
                                  const std::string& name_for_errors) {
  silence_libraries_once();
  PageCount c;
  auto fail = [&](PageError e, const std::string& what) {
    c.error = e;
    c.message = name_for_errors.empty() ? what : name_for_errors + ": " + what;
    return c;
  };
  if (bytes.empty()) return fail(PageError::kEmptyFile, "empty file (0 bytes)");
  const Format f = sniff(bytes.data(), bytes.size());
  if (f == Format::kUnknown)
    return fail(PageError::kUnsupportedFormat, describe_unknown(bytes.data(), bytes.size()));
  if (f == Format::kPdf) return pdf_count_pages_memory(bytes, name_for_errors);
  if (f != Format::kTiff) {
    c.count = 1;
    return c;
  }
  try {
    return detail::tiff_count_pages(bytes.data(), bytes.size(), name_for_errors);
  } catch (const std::exception& e) {
    return fail(PageError::kInternal, std::string("unexpected exception: ") + e.what());
  }
}

namespace {

// A regular file that starts like a PDF: PDFs are read by qpdf from the file
// (lazily, page by page), never into memory whole. Pipes and devices are read
// once, whole, as before.
bool is_pdf_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const ReadResult head = read_path(path, std::numeric_limits<int64_t>::max(), 1024);
  return head.error == PageError::kNone &&
         sniff(head.bytes.data(), head.bytes.size()) == Format::kPdf;
}

}  // namespace

PageCount count_pages(const std::string& path, const DecodeLimits& limits) {
  PageCount c;
  auto fail = [&](PageError e, const std::string& message) {
    c.error = e;
    c.message = message;
    return c;
  };
  // A pipe cannot be looked into without taking its bytes from the decoder:
  // it is one page (a multi-page TIFF through a pipe gives its first page).
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode)) {
    c.count = 1;
    return c;
  }
  // Only TIFF and PDF need more than the magic bytes; a PDF may exceed
  // max_file_bytes (its page tree is all qpdf reads here).
  if (is_pdf_file(path)) return pdf_count_pages(path);
  int fd = -1;
  int64_t size = 0;
  if (open_if_tiff(path, &fd, &size) == 0) {
    silence_libraries_once();
    try {
      c = detail::tiff_count_pages_fd(fd, size, path);
    } catch (const std::exception& e) {
      c = fail(error_for_exception(e), path + ": " + e.what());
    }
    ::close(fd);
    return c;
  }
  const ReadResult head = read_file(path, limits, 16);
  if (head.error != PageError::kNone) return fail(head.error, head.message);
  return count_pages_from_memory(head.bytes, path);
}

DecodeResult decode_page(const std::string& path, int32_t page, const DecodeLimits& limits,
                         ThreadPool& pool, cv::MatAllocator* gray_allocator) {
  if (is_pdf_file(path)) {
    DecodeResult r = pdf_decode_page(path, page, limits, pool);
    if (r.error == PageError::kNone) resolve_dpi(&r.page, limits.image_dpi);
    return r;
  }
  int fd = -1;
  int64_t size = 0;
  if (open_if_tiff(path, &fd, &size) == 0) {
    silence_libraries_once();
    DecodeResult r = guarded(path, [&] {
      DecodeResult t = detail::tiff_decode_fd(fd, size, path, page, limits, pool);
      if (t.error == PageError::kNone) resolve_dpi(&t.page, limits.image_dpi);
      return t;
    });
    ::close(fd);
    if (r.error != PageError::kNone) r.page.gray.release();
    return r;
  }
  return guarded(path, [&] {
    ReadResult file = read_file(path, limits, limits.max_file_bytes);
    if (file.error != PageError::kNone) {
      DecodeResult r;
      r.error = file.error;
      r.message = file.message;
      return r;
    }
    return decode_bytes(file.bytes.data(), file.bytes.size(), path, page, limits, pool,
                        gray_allocator);
  });
}

DecodeResult decode_page_from_memory(const std::vector<uint8_t>& bytes,
                                     const std::string& name_for_errors, int32_t page,
                                     const DecodeLimits& limits, ThreadPool& pool,
                                     cv::MatAllocator* gray_allocator) {
  return guarded_decode(bytes.data(), bytes.size(), name_for_errors, page, limits, pool,
                        gray_allocator);
}

}  // namespace pageprep::host
