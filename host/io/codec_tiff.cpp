// TIFF through libtiff over memory buffers: page counting, decoding (fast
// strip paths for 1/8/16-bit gray and 8-bit RGB, TIFFReadRGBAImageOriented for
// everything else) and encoding (G4 bilevel, LZW gray).
//
// libtiff's messages never reach stderr: each handle gets its own error and
// warning handlers (libtiff >= 4.5, TIFFOpenOptions), and the process-wide
// handlers are replaced once by ones that append to the calling thread's
// current capture, or drop the message when there is none (this also silences
// libtiff for other users in the process, e.g. Leptonica).
#include <tiffio.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "io/codec_internal.hpp"
#include "io/g4_encode.hpp"

namespace pageprep::host::detail {
namespace {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

// ------------------------------------------------------------ messages ----

struct Messages {
  std::string errors;
  std::string warnings;
};

void append_message(std::string* to, const char* module, const char* fmt, va_list ap) {
  if (to->size() > 2000) return;  // the first messages say what matters
  char buf[512];
  std::vsnprintf(buf, sizeof(buf), fmt, ap);
  if (!to->empty()) *to += "; ";
  if (module && *module) *to += std::string(module) + ": ";
  *to += buf;
}

thread_local Messages* t_capture = nullptr;

void global_error(const char* module, const char* fmt, va_list ap) {
  if (t_capture) append_message(&t_capture->errors, module, fmt, ap);
}
void global_warning(const char* module, const char* fmt, va_list ap) {
  if (t_capture) append_message(&t_capture->warnings, module, fmt, ap);
}

// Installs the process-wide fallback once and points it at `m` for this scope.
class CaptureScope {
 public:
  explicit CaptureScope(Messages* m) : previous_(t_capture) {
    static std::once_flag once;
    std::call_once(once, [] {
      TIFFSetErrorHandler(global_error);
      TIFFSetWarningHandler(global_warning);
    });
    t_capture = m;
  }
  ~CaptureScope() { t_capture = previous_; }
  CaptureScope(const CaptureScope&) = delete;
  CaptureScope& operator=(const CaptureScope&) = delete;

 private:
  Messages* previous_;
};

#if TIFFLIB_VERSION >= 20221213
int handle_error(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  append_message(&static_cast<Messages*>(user)->errors, module, fmt, ap);
  return 1;  // handled: the global handler is not called
}
int handle_warning(TIFF*, void* user, const char* module, const char* fmt, va_list ap) {
  append_message(&static_cast<Messages*>(user)->warnings, module, fmt, ap);
  return 1;
}
#endif

// ----------------------------------------------------------- client IO ----

struct MemReader {
  const uint8_t* data;
  toff_t size;
  toff_t pos;
};

tmsize_t reader_read(thandle_t h, void* buf, tmsize_t n) {
  auto* r = static_cast<MemReader*>(h);
  if (n <= 0 || r->pos >= r->size) return 0;
  const toff_t count = std::min<toff_t>(static_cast<toff_t>(n), r->size - r->pos);
  std::memcpy(buf, r->data + r->pos, static_cast<size_t>(count));
  r->pos += count;
  return static_cast<tmsize_t>(count);
}
tmsize_t reader_write(thandle_t, void*, tmsize_t) {
  return 0;
}
toff_t reader_seek(thandle_t h, toff_t off, int whence) {
  auto* r = static_cast<MemReader*>(h);
  const toff_t base = whence == SEEK_CUR ? r->pos : whence == SEEK_END ? r->size : 0;
  r->pos = base + off;
  return r->pos;
}
int noop_close(thandle_t) {
  return 0;
}
toff_t reader_size(thandle_t h) {
  return static_cast<MemReader*>(h)->size;
}
int reader_map(thandle_t h, void** base, toff_t* size) {
  auto* r = static_cast<MemReader*>(h);
  *base = const_cast<uint8_t*>(r->data);  // read-only mode: libtiff never writes here
  *size = r->size;
  return 1;
}
void noop_unmap(thandle_t, void*, toff_t) {}

// A regular file: mapped read-only (libtiff then reads the directories on the
// way to a page and that page's strips straight from the mapping, so only
// those pages of the file are ever touched), with pread() for anything libtiff
// reads through the read procedure. Nothing is copied into one big buffer, so
// a multi-page TIFF costs the same per page whatever its length, and a TIFF
// over 1 GiB is read like any other. (Like libtiff's own TIFFOpen, a file cut
// short by another process while mapped would raise SIGBUS.)
struct FdReader {
  int fd;
  toff_t size;
  toff_t pos;
};

tmsize_t fd_read(thandle_t h, void* buf, tmsize_t n) {
  auto* r = static_cast<FdReader*>(h);
  if (n <= 0 || r->pos >= r->size) return 0;
  size_t want = static_cast<size_t>(std::min<toff_t>(static_cast<toff_t>(n), r->size - r->pos));
  size_t got = 0;
  while (got < want) {
    const ssize_t k = ::pread(r->fd, static_cast<uint8_t*>(buf) + got, want - got,
                              static_cast<off_t>(r->pos + got));
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    got += static_cast<size_t>(k);
  }
  r->pos += got;
  return static_cast<tmsize_t>(got);
}
toff_t fd_seek(thandle_t h, toff_t off, int whence) {
  auto* r = static_cast<FdReader*>(h);
  const toff_t base = whence == SEEK_CUR ? r->pos : whence == SEEK_END ? r->size : 0;
  r->pos = base + off;
  return r->pos;
}
toff_t fd_size(thandle_t h) {
  return static_cast<FdReader*>(h)->size;
}
int fd_map(thandle_t h, void** base, toff_t* size) {
  auto* r = static_cast<FdReader*>(h);
  if (r->size == 0 || r->size > static_cast<toff_t>(SIZE_MAX)) return 0;
  void* p = ::mmap(nullptr, static_cast<size_t>(r->size), PROT_READ, MAP_PRIVATE, r->fd, 0);
  if (p == MAP_FAILED) return 0;  // libtiff falls back to fd_read
  *base = p;
  *size = r->size;
  return 1;
}
void fd_unmap(thandle_t, void* base, toff_t size) {
  ::munmap(base, static_cast<size_t>(size));
}

struct MemWriter {
  std::vector<uint8_t>* out;
  toff_t pos;
};

tmsize_t writer_read(thandle_t h, void* buf, tmsize_t n) {
  auto* w = static_cast<MemWriter*>(h);
  const toff_t size = w->out->size();
  if (n <= 0 || w->pos >= size) return 0;
  const toff_t count = std::min<toff_t>(static_cast<toff_t>(n), size - w->pos);
  std::memcpy(buf, w->out->data() + w->pos, static_cast<size_t>(count));
  w->pos += count;
  return static_cast<tmsize_t>(count);
}
tmsize_t writer_write(thandle_t h, void* buf, tmsize_t n) {
  auto* w = static_cast<MemWriter*>(h);
  if (n <= 0) return 0;
  const toff_t end = w->pos + static_cast<toff_t>(n);
  if (end > w->out->size()) w->out->resize(static_cast<size_t>(end));
  std::memcpy(w->out->data() + w->pos, buf, static_cast<size_t>(n));
  w->pos = end;
  return n;
}
toff_t writer_seek(thandle_t h, toff_t off, int whence) {
  auto* w = static_cast<MemWriter*>(h);
  const toff_t base = whence == SEEK_CUR ? w->pos : whence == SEEK_END ? w->out->size() : 0;
  w->pos = base + off;
  return w->pos;
}
toff_t writer_size(thandle_t h) {
  return static_cast<MemWriter*>(h)->out->size();
}
int writer_map(thandle_t, void**, toff_t*) {
  return 0;
}

TIFF* open_client(const char* name, const char* mode, thandle_t client, TIFFReadWriteProc rd,
                  TIFFReadWriteProc wr, TIFFSeekProc seek, TIFFSizeProc size, TIFFMapFileProc map,
                  Messages* msgs, TIFFUnmapFileProc unmap = noop_unmap) {
#if TIFFLIB_VERSION >= 20221213
  TIFFOpenOptions* opts = TIFFOpenOptionsAlloc();
  TIFFOpenOptionsSetErrorHandlerExtR(opts, handle_error, msgs);
  TIFFOpenOptionsSetWarningHandlerExtR(opts, handle_warning, msgs);
  TIFF* tif =
      TIFFClientOpenExt(name, mode, client, rd, wr, seek, noop_close, size, map, unmap, opts);
  TIFFOpenOptionsFree(opts);
  return tif;
#else
  (void)msgs;  // the CaptureScope's global handlers collect the messages
  return TIFFClientOpen(name, mode, client, rd, wr, seek, noop_close, size, map, unmap);
#endif
}

struct TiffCloser {
  TIFF* tif;
  ~TiffCloser() {
    if (tif) TIFFClose(tif);
  }
};

TIFF* open_reader(const std::string& name, MemReader* rd, Messages* msgs) {
  return open_client(name.c_str(), "r", rd, reader_read, reader_write, reader_seek, reader_size,
                     reader_map, msgs);
}

TIFF* open_fd_reader(const std::string& name, FdReader* rd, Messages* msgs) {
  return open_client(name.c_str(), "r", rd, fd_read, reader_write, fd_seek, fd_size, fd_map, msgs,
                     fd_unmap);
}

std::string first_error(const Messages& m, const char* fallback) {
  return m.errors.empty() ? std::string(fallback) : m.errors;
}

// ------------------------------------------------------------- decoding ----

// Reads every strip of a strip-organised page into `buf` (rows `row_bytes` apart).
bool read_strips(TIFF* tif, uint8_t* buf, int64_t row_bytes, uint32_t height, Messages* msgs,
                 std::string* what) {
  uint32_t rps = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_ROWSPERSTRIP, &rps);
  if (rps == 0 || rps > height) rps = height;
  const tstrip_t strips = TIFFNumberOfStrips(tif);
  for (tstrip_t s = 0; s < strips; ++s) {
    const int64_t row0 = int64_t{s} * rps;
    if (row0 >= height) break;
    const int64_t rows = std::min<int64_t>(rps, height - row0);
    const tmsize_t want = static_cast<tmsize_t>(rows * row_bytes);
    const tmsize_t got = TIFFReadEncodedStrip(tif, s, buf + row0 * row_bytes, want);
    if (got < 0 || !msgs->errors.empty()) {
      *what = "strip " + std::to_string(s) + ": " + first_error(*msgs, "read error");
      return false;
    }
    if (got < want) {
      *what = "strip " + std::to_string(s) + " decoded to " + std::to_string(got) + " of " +
              std::to_string(want) + " bytes";
      return false;
    }
  }
  if (int64_t{strips} * rps < height) {
    *what = "the strips cover fewer rows than the image height";
    return false;
  }
  return true;
}

void invert_rows(ThreadPool& pool, cv::Mat* m) {
  const int32_t w = m->cols;
  pool.parallel_for(m->rows, std::max<int64_t>(1, 65536 / std::max(1, w)),
                    [&](int64_t y0, int64_t y1) {
                      for (int64_t y = y0; y < y1; ++y) {
                        uint8_t* p = m->ptr<uint8_t>(static_cast<int>(y));
                        for (int32_t x = 0; x < w; ++x) p[x] = static_cast<uint8_t>(255 - p[x]);
                      }
                    });
}

}  // namespace

namespace {

PageCount count_open_tiff(TIFF* tif, Messages& msgs, const std::string& name) {
  PageCount c;
  const std::string prefix = name.empty() ? "" : name + ": ";
  if (!tif) {
    c.error = PageError::kCorrupt;
    c.message = prefix + "unreadable TIFF: " + first_error(msgs, "TIFFClientOpen failed");
    return c;
  }
  // A damaged chain of directories counts the readable ones, plus one when
  // libtiff met a broken link: that page then fails with libtiff's reason,
  // rather than a truncated book silently losing its last pages.
  msgs.errors.clear();
  const tdir_t dirs = TIFFNumberOfDirectories(tif);
  if (dirs == 0) {
    c.error = PageError::kCorrupt;
    c.message = prefix + "TIFF without a readable directory: " + first_error(msgs, "");
    return c;
  }
  const bool broken = !msgs.errors.empty();
  c.count = static_cast<int32_t>(std::min<tdir_t>(dirs, INT32_MAX - 1)) + (broken ? 1 : 0);
  return c;
}

DecodeResult decode_open_tiff(TIFF* tif, Messages& msgs, const std::string& name, int32_t page,
                              const DecodeLimits& limits, ThreadPool& pool);

}  // namespace

PageCount tiff_count_pages(const uint8_t* data, size_t size, const std::string& name) {
  Messages msgs;
  CaptureScope scope(&msgs);
  MemReader rd{data, size, 0};
  TiffCloser tc{open_reader(name, &rd, &msgs)};
  return count_open_tiff(tc.tif, msgs, name);
}

PageCount tiff_count_pages_fd(int fd, int64_t size, const std::string& name) {
  Messages msgs;
  CaptureScope scope(&msgs);
  FdReader rd{fd, static_cast<toff_t>(size), 0};
  TiffCloser tc{open_fd_reader(name, &rd, &msgs)};
  return count_open_tiff(tc.tif, msgs, name);
}

DecodeResult tiff_decode(const uint8_t* data, size_t size, const std::string& name, int32_t page,
                         const DecodeLimits& limits, ThreadPool& pool) {
  Messages msgs;
  CaptureScope scope(&msgs);
  MemReader rd{data, size, 0};
  TiffCloser tc{open_reader(name, &rd, &msgs)};
  return decode_open_tiff(tc.tif, msgs, name, page, limits, pool);
}

DecodeResult tiff_decode_fd(int fd, int64_t size, const std::string& name, int32_t page,
                            const DecodeLimits& limits, ThreadPool& pool) {
  Messages msgs;
  CaptureScope scope(&msgs);
  FdReader rd{fd, static_cast<toff_t>(size), 0};
  TiffCloser tc{open_fd_reader(name, &rd, &msgs)};
  return decode_open_tiff(tc.tif, msgs, name, page, limits, pool);
}

namespace {

DecodeResult decode_open_tiff(TIFF* tif, Messages& msgs, const std::string& name, int32_t page,
                              const DecodeLimits& limits, ThreadPool& pool) {
  if (!tif)
    return decode_error(PageError::kCorrupt, name,
                        "unreadable TIFF: " + first_error(msgs, "TIFFClientOpen failed"));
  // TIFFSetDirectory walks the chain only as far as `page`: counting every
  // directory for each page would make a long TIFF cost the square of its length.
  msgs.errors.clear();
  if (page < 0 || !TIFFSetDirectory(tif, static_cast<tdir_t>(page)) || !msgs.errors.empty()) {
    const std::string why = first_error(msgs, "TIFFSetDirectory failed");
    msgs.errors.clear();
    const tdir_t dirs = page < 0 ? 0 : TIFFNumberOfDirectories(tif);
    if (page < 0 || static_cast<tdir_t>(page) >= dirs)
      return decode_error(PageError::kCorrupt, name,
                          "page " + std::to_string(page) + " out of range: the TIFF has " +
                              std::to_string(dirs) + " readable page(s)");
    return decode_error(PageError::kCorrupt, name,
                        "cannot read TIFF directory " + std::to_string(page) + ": " + why);
  }

  uint32_t w = 0, h = 0;
  if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &w) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &h))
    return decode_error(PageError::kCorrupt, name, "TIFF directory without image size");
  std::string what;
  const PageError size_error = check_dimensions(w, h, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);

  uint16_t bps = 1, spp = 1, planar = PLANARCONFIG_CONTIG, format = SAMPLEFORMAT_UINT;
  uint16_t orientation = ORIENTATION_TOPLEFT, compression = COMPRESSION_NONE, photo = 0;
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &orientation);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
  if (!TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photo)) {
    // Missing in some fax files: fax convention is white-is-zero.
    const bool fax = compression == COMPRESSION_CCITTRLE || compression == COMPRESSION_CCITTFAX3 ||
                     compression == COMPRESSION_CCITTFAX4 || compression == COMPRESSION_CCITTRLEW;
    photo = fax ? PHOTOMETRIC_MINISWHITE : spp >= 3 ? PHOTOMETRIC_RGB : PHOTOMETRIC_MINISBLACK;
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, photo);
  }

  DecodeResult r;
  r.page.format = "tiff";
  r.page.source_channels = spp;
  r.page.source_depth_bits = bps;
  r.page.gray.create(static_cast<int>(h), static_cast<int>(w), CV_8UC1);
  const int32_t wi = static_cast<int32_t>(w);
  const int32_t hi = static_cast<int32_t>(h);
  const bool gray_photo = photo == PHOTOMETRIC_MINISWHITE || photo == PHOTOMETRIC_MINISBLACK;
  const bool fast = !TIFFIsTiled(tif) && planar == PLANARCONFIG_CONTIG &&
                    format == SAMPLEFORMAT_UINT && orientation == ORIENTATION_TOPLEFT &&
                    ((spp == 1 && gray_photo && (bps == 1 || bps == 8 || bps == 16)) ||
                     (spp == 3 && photo == PHOTOMETRIC_RGB && bps == 8));
  const int64_t row_bytes = (int64_t{w} * spp * bps + 7) / 8;
  if (fast && TIFFScanlineSize64(tif) == static_cast<uint64_t>(row_bytes)) {
    const bool white_is_zero = photo == PHOTOMETRIC_MINISWHITE;
    std::vector<uint8_t> buf;
    uint8_t* dst = r.page.gray.data;  // 8-bit gray decodes in place (continuous Mat)
    if (bps != 8 || spp != 1) {
      buf.resize(static_cast<size_t>(row_bytes * h));
      dst = buf.data();
    }
    if (!read_strips(tif, dst, row_bytes, h, &msgs, &what))
      return decode_error(PageError::kCorrupt, name, "damaged TIFF: " + what);
    kernels::Status s;
    if (bps == 1) {
      unpack_bits_rows(pool, dst, row_bytes, white_is_zero, &r.page.gray);
    } else if (bps == 8 && spp == 1) {
      if (white_is_zero) invert_rows(pool, &r.page.gray);
    } else if (bps == 16) {
      s = to_gray(pool, PixelFormat::kGray16, dst, row_bytes, wi, hi, &r.page.gray);
      if (s && white_is_zero) invert_rows(pool, &r.page.gray);
    } else {
      s = to_gray(pool, PixelFormat::kRgb8, dst, row_bytes, wi, hi, &r.page.gray);
    }
    if (!s) return decode_error(PageError::kInternal, name, s.message());
  } else {
    char emsg[1024] = "";
    if (!TIFFRGBAImageOK(tif, emsg))
      return decode_error(PageError::kUnsupportedFormat, name,
                          std::string("TIFF layout not supported: ") + emsg);
    std::vector<uint32_t> raster(static_cast<size_t>(w) * h);
    if (!TIFFReadRGBAImageOriented(tif, w, h, raster.data(), ORIENTATION_TOPLEFT, 1) ||
        !msgs.errors.empty())
      return decode_error(PageError::kCorrupt, name,
                          "damaged TIFF: " + first_error(msgs, "TIFFReadRGBAImage failed"));
    // libtiff's RGBA is premultiplied: onto white is c + (255 - a). The word is
    // rewritten as bytes R, G, B, 255 (kRgba8) whatever the host's byte order.
    uint32_t* px = raster.data();
    pool.parallel_for(hi, std::max<int64_t>(1, 16384 / std::max(1, wi)),
                      [&](int64_t y0, int64_t y1) {
                        for (int64_t i = y0 * wi; i < y1 * wi; ++i) {
                          const uint32_t v = px[i];
                          const uint32_t bg = 255u - TIFFGetA(v);
                          uint8_t* b = reinterpret_cast<uint8_t*>(px + i);
                          b[0] = static_cast<uint8_t>(std::min(255u, TIFFGetR(v) + bg));
                          b[1] = static_cast<uint8_t>(std::min(255u, TIFFGetG(v) + bg));
                          b[2] = static_cast<uint8_t>(std::min(255u, TIFFGetB(v) + bg));
                          b[3] = 255;
                        }
                      });
    const kernels::Status s =
        to_gray(pool, PixelFormat::kRgba8, reinterpret_cast<const uint8_t*>(raster.data()),
                int64_t{wi} * 4, wi, hi, &r.page.gray);
    if (!s) return decode_error(PageError::kInternal, name, s.message());
  }

  float xres = 0, yres = 0;
  uint16_t unit = RESUNIT_INCH;
  TIFFGetField(tif, TIFFTAG_XRESOLUTION, &xres);
  TIFFGetField(tif, TIFFTAG_YRESOLUTION, &yres);
  TIFFGetFieldDefaulted(tif, TIFFTAG_RESOLUTIONUNIT, &unit);
  const double scale = unit == RESUNIT_INCH ? 1.0 : unit == RESUNIT_CENTIMETER ? 2.54 : 0.0;
  set_file_dpi(&r.page, xres * scale, yres * scale);
  return r;
}

}  // namespace

namespace {

/// One TIFF page of `w` x `h` pixels into `r` (tags as documented in
/// codec.hpp); `write_strips` writes the image data. False with r's error set.
template <typename WriteStrips>
bool tiff_write_page(uint32_t w, uint32_t h, double dpi, bool is_binary, EncodeResult& r,
                     WriteStrips&& write_strips) {
  Messages msgs;
  CaptureScope scope(&msgs);
  auto fail = [&](const char* fallback) {
    r.bytes.clear();
    r.error = PageError::kWriteFailed;
    r.message = "TIFF encoder failed: " + first_error(msgs, fallback);
    return false;
  };
  MemWriter wr{&r.bytes, 0};
  TiffCloser tc{open_client("memory", "w", &wr, writer_read, writer_write, writer_seek, writer_size,
                            writer_map, &msgs)};
  TIFF* tif = tc.tif;
  if (!tif) return fail("TIFFClientOpen failed");
  TIFFSetField(tif, TIFFTAG_IMAGEWIDTH, w);
  TIFFSetField(tif, TIFFTAG_IMAGELENGTH, h);
  TIFFSetField(tif, TIFFTAG_SAMPLESPERPIXEL, 1);
  TIFFSetField(tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
  TIFFSetField(tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
  TIFFSetField(tif, TIFFTAG_SOFTWARE, "pageprep");
  if (dpi > 0) {
    TIFFSetField(tif, TIFFTAG_XRESOLUTION, dpi);
    TIFFSetField(tif, TIFFTAG_YRESOLUTION, dpi);
    TIFFSetField(tif, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
  }
  if (is_binary) {
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 1);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX4);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
    TIFFSetField(tif, TIFFTAG_FILLORDER, FILLORDER_MSB2LSB);
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, h);  // G4 gains nothing from more strips
  } else {
    TIFFSetField(tif, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(tif, TIFFTAG_COMPRESSION, COMPRESSION_LZW);
    TIFFSetField(tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
    TIFFSetField(tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
  }
  if (!write_strips(tif)) return fail("TIFFWriteEncodedStrip failed");
  if (!TIFFWriteDirectory(tif) || !msgs.errors.empty()) return fail("TIFFWriteDirectory failed");
  TIFFClose(tc.tif);
  tc.tif = nullptr;
  if (!msgs.errors.empty()) return fail("TIFFClose failed");
  return true;
}

}  // namespace

EncodeResult tiff_encode_g4_packed(const uint8_t* packed, int64_t pitch, int32_t width,
                                   int32_t height, double dpi, G4Coder coder) {
  EncodeResult r;
  const int64_t row = (int64_t{width} + 7) / 8;
  if (coder == G4Coder::kOwn) {
    // Our coder (g4_encode.hpp: libtiff's bit stream, several times faster);
    // libtiff writes the container around the raw strip.
    std::vector<uint8_t> strip;
    strip.reserve(static_cast<size_t>(row * height / 8 + 64));
    g4_encode(packed, pitch, width, height, &strip);
    tiff_write_page(
        static_cast<uint32_t>(width), static_cast<uint32_t>(height), dpi, true, r, [&](TIFF* tif) {
          return TIFFWriteRawStrip(tif, 0, strip.data(), static_cast<tmsize_t>(strip.size())) >= 0;
        });
    return r;
  }
  // libtiff's G4 coder reads whole rows of (width + 7) / 8 bytes and only the
  // first `width` bits of each: the strip is the packed rows as they are.
  std::vector<uint8_t> contiguous;
  const uint8_t* strip = packed;
  if (pitch != row) {
    contiguous.resize(static_cast<size_t>(row * height));
    for (int32_t y = 0; y < height; ++y)
      std::memcpy(contiguous.data() + y * row, packed + y * pitch, static_cast<size_t>(row));
    strip = contiguous.data();
  }
  tiff_write_page(static_cast<uint32_t>(width), static_cast<uint32_t>(height), dpi, true, r,
                  [&](TIFF* tif) {
                    // The coder only reads the strip (MSB2LSB fill order: no bit reversal).
                    return TIFFWriteEncodedStrip(tif, 0, const_cast<uint8_t*>(strip),
                                                 static_cast<tmsize_t>(row * height)) >= 0;
                  });
  return r;
}

EncodeResult tiff_encode(const cv::Mat& m, double dpi, bool is_binary) {
  if (is_binary) {
    const int64_t pitch = (m.cols + 7) / 8;
    std::vector<uint8_t> packed(static_cast<size_t>(pitch * m.rows));
    pack_bits_rows(m, /*one_is_black=*/true, packed.data(), pitch);
    return tiff_encode_g4_packed(packed.data(), pitch, m.cols, m.rows, dpi);
  }
  EncodeResult r;
  const uint32_t w = static_cast<uint32_t>(m.cols);
  const uint32_t h = static_cast<uint32_t>(m.rows);
  const uint32_t rps = std::max<uint32_t>(1, std::min<uint32_t>(h, 65536 / std::max(1u, w)));
  const cv::Mat c = m.isContinuous() ? m : m.clone();
  tiff_write_page(w, h, dpi, false, r, [&](TIFF* tif) {
    TIFFSetField(tif, TIFFTAG_ROWSPERSTRIP, rps);
    for (uint32_t row0 = 0, s = 0; row0 < h; row0 += rps, ++s) {
      const uint32_t rows = std::min(rps, h - row0);
      if (TIFFWriteEncodedStrip(tif, s,
                                const_cast<uint8_t*>(c.ptr<uint8_t>(static_cast<int>(row0))),
                                static_cast<tmsize_t>(int64_t{rows} * w)) < 0)
        return false;
    }
    return true;
  });
  return r;
}

}  // namespace pageprep::host::detail
