// Format sniffing: magic bytes to Format, and a description of bytes that are
// no page format we decode.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "io/codec_internal.hpp"

namespace pageprep::host::detail {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

namespace {

// `S` is a string literal, possibly with NULs: its length is N - 1.
template <size_t N>
bool starts_with(const uint8_t* d, size_t n, const char (&s)[N]) {
  return n >= N - 1 && std::memcmp(d, s, N - 1) == 0;
}

}  // namespace

bool is_pdf_signature(const uint8_t* d, size_t n) {
  // Readers accept "%PDF-" anywhere in the first KiB (after a mail header, say).
  const size_t m = std::min<size_t>(n, 1024);
  for (size_t i = 0; i + 5 <= m; ++i)
    if (std::memcmp(d + i, "%PDF-", 5) == 0) return true;
  return false;
}

Format sniff(const uint8_t* d, size_t n) {
  static const uint8_t kPngSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (n >= 8 && std::memcmp(d, kPngSig, 8) == 0) return Format::kPng;
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF) return Format::kJpeg;
  if (n >= 4 && ((d[0] == 'I' && d[1] == 'I' && (d[2] == 42 || d[2] == 43) && d[3] == 0) ||
                 (d[0] == 'M' && d[1] == 'M' && d[2] == 0 && (d[3] == 42 || d[3] == 43))))
    return Format::kTiff;
  if (n >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '6' &&
      (d[2] == ' ' || d[2] == '\t' || d[2] == '\n' || d[2] == '\r' || d[2] == '#'))
    return Format::kPnm;
  if (n >= 12 && std::memcmp(d, "RIFF", 4) == 0 && std::memcmp(d + 8, "WEBP", 4) == 0)
    return Format::kWebp;
  if (is_jp2_signature(d, n) || is_j2k_signature(d, n)) return Format::kJp2;
  if (is_pdf_signature(d, n)) return Format::kPdf;
  return Format::kUnknown;
}

const char* format_name(Format f) {
  switch (f) {
    case Format::kPng:
      return "png";
    case Format::kJpeg:
      return "jpeg";
    case Format::kTiff:
      return "tiff";
    case Format::kPnm:
      return "pnm";
    case Format::kWebp:
      return "webp";
    case Format::kJp2:
      return "jp2";
    case Format::kPdf:
      return "pdf";
    case Format::kUnknown:
      break;
  }
  return "";
}

// What unrecognised bytes look like, for the kUnsupportedFormat message.
std::string describe_unknown(const uint8_t* d, size_t n) {
  if (starts_with(d, n, "GIF8")) return "unsupported image format: GIF";
  if (starts_with(d, n, "BM") && n >= 14) return "unsupported image format: BMP";
  if (starts_with(d, n, "P7")) return "unsupported image format: PAM (P7)";
  if (n >= 12 && std::memcmp(d + 4, "ftyp", 4) == 0)
    return "unsupported format: ISO media (HEIF/AVIF/MP4)";
  if (starts_with(d, n, "PK\x03\x04")) return "not an image: looks like a ZIP archive";
  if (starts_with(d, n, "\x1F\x8B")) return "not an image: looks like gzip data";
  if (starts_with(d, n,
                  "\x7F"
                  "ELF"))
    return "not an image: looks like an executable";
  if (starts_with(d, n, "RIFF")) return "unsupported format: a RIFF file that is not WebP";
  // Text: no control bytes other than whitespace in the first KiB (UTF-8 bytes
  // >= 0x80 are allowed).
  const size_t m = std::min<size_t>(n, 1024);
  bool text = true;
  for (size_t i = 0; i < m && text; ++i) {
    const uint8_t c = d[i];
    text = c >= 0x20 ? c != 0x7F : (c == '\t' || c == '\n' || c == '\r' || c == '\f');
  }
  if (text) return "not an image: looks like text";
  char hex[64];
  int len = 0;
  for (size_t i = 0; i < std::min<size_t>(n, 8); ++i)
    len += std::snprintf(hex + len, sizeof(hex) - static_cast<size_t>(len), " %02x", d[i]);
  return std::string("not an image: unrecognised binary data (starts with") + hex + ")";
}

}  // namespace pageprep::host::detail
