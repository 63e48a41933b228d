#include "support/corrupt_corpus.hpp"

#include <tiffio.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdio>
#include <cstring>
#include <random>

#include "io/codec.hpp"

namespace pageprep::testsupport {
namespace {

using Bytes = std::vector<uint8_t>;

// A page-like image: text-ish strokes on paper.
cv::Mat page_image(int w, int h, int type, uint64_t seed) {
  cv::Mat m(h, w, type, cv::Scalar::all(235));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 60; ++i) {
    const int x = static_cast<int>(rng() % static_cast<uint64_t>(w));
    const int y = static_cast<int>(rng() % static_cast<uint64_t>(h));
    cv::rectangle(m, {x, y}, {x + 2 + static_cast<int>(rng() % 9), y + 3},
                  cv::Scalar::all(static_cast<double>(rng() % 60)), cv::FILLED);
  }
  return m;
}

Bytes cv_encode(const std::string& ext, const cv::Mat& m, const std::vector<int>& params = {}) {
  Bytes out;
  if (!cv::imencode(ext, m, out, params)) out.clear();
  return out;
}

Bytes own_encode(const cv::Mat& m, host::OutputFormat f, bool binary) {
  return host::encode_page(m, f, 300, binary).bytes;
}

// A 3-page TIFF written by libtiff through a temporary file.
Bytes three_page_tiff() {
  char path[] = "/tmp/pageprep_corpus_XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return {};
  ::close(fd);
  TIFF* t = TIFFOpen(path, "w");
  if (!t) return {};
  for (int p = 0; p < 3; ++p) {
    const cv::Mat m = page_image(48, 40, CV_8UC1, 100 + static_cast<uint64_t>(p));
    TIFFSetField(t, TIFFTAG_IMAGEWIDTH, 48);
    TIFFSetField(t, TIFFTAG_IMAGELENGTH, 40);
    TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 8);
    TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
    TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISBLACK);
    TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_DEFLATE);
    TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, 16);
    for (int y = 0; y < 40; ++y)
      TIFFWriteScanline(t, const_cast<uint8_t*>(m.ptr<uint8_t>(y)), static_cast<uint32_t>(y), 0);
    TIFFWriteDirectory(t);
  }
  TIFFClose(t);
  Bytes out;
  if (FILE* f = std::fopen(path, "rb")) {
    uint8_t buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;)
      out.insert(out.end(), buf, buf + n);
    std::fclose(f);
  }
  ::unlink(path);
  return out;
}

// ---------------------------------------------------------- byte edits ----

uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}
void put_be32(Bytes* b, size_t at, uint32_t v) {
  (*b)[at] = uint8_t(v >> 24);
  (*b)[at + 1] = uint8_t(v >> 16);
  (*b)[at + 2] = uint8_t(v >> 8);
  (*b)[at + 3] = uint8_t(v);
}
uint32_t get_be32(const Bytes& b, size_t at) {
  return uint32_t(b[at]) << 24 | uint32_t(b[at + 1]) << 16 | uint32_t(b[at + 2]) << 8 | b[at + 3];
}
// Offset of a PNG chunk's length field, or 0.
size_t png_chunk(const Bytes& b, const char* type) {
  for (size_t at = 8; at + 12 <= b.size();) {
    if (std::memcmp(&b[at + 4], type, 4) == 0) return at;
    at += 12 + get_be32(b, at);
  }
  return 0;
}
void png_fix_crc(Bytes* b, size_t chunk) {
  const uint32_t len = get_be32(*b, chunk);
  put_be32(b, chunk + 8 + len, crc32(&(*b)[chunk + 4], len + 4));
}
// Offset of the first JPEG marker 0xFF `m` (its 0xFF byte), or 0.
size_t jpeg_marker(const Bytes& b, uint8_t m) {
  for (size_t i = 2; i + 1 < b.size(); ++i)
    if (b[i] == 0xFF && b[i + 1] == m) return i;
  return 0;
}
// Little-endian classic TIFF: the first IFD's entry for `tag`, or 0.
size_t tiff_entry(const Bytes& b, uint16_t tag) {
  if (b.size() < 8) return 0;
  const uint32_t ifd = b[4] | b[5] << 8 | b[6] << 16 | uint32_t(b[7]) << 24;
  if (ifd + 2 > b.size()) return 0;
  const uint32_t n = b[ifd] | b[ifd + 1] << 8;
  for (uint32_t i = 0; i < n && ifd + 2 + 12 * (i + 1) <= b.size(); ++i) {
    const size_t e = ifd + 2 + 12 * i;
    if ((b[e] | b[e + 1] << 8) == tag) return e;
  }
  return 0;
}
void tiff_set_value(Bytes* b, size_t entry, uint32_t v) {
  for (int k = 0; k < 4; ++k) (*b)[entry + 8 + static_cast<size_t>(k)] = uint8_t(v >> (8 * k));
}
uint32_t tiff_ifd(const Bytes& b) {
  return b[4] | b[5] << 8 | b[6] << 16 | uint32_t(b[7]) << 24;
}

Bytes text(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

}  // namespace

std::vector<CorruptCase> valid_samples() {
  std::vector<CorruptCase> v;
  auto add = [&](const char* name, const char* ext, Bytes b) {
    if (!b.empty()) v.push_back({name, std::string(name) + ext, std::move(b), false});
  };
  const cv::Mat gray = page_image(120, 90, CV_8UC1, 1);
  const cv::Mat bgr = page_image(96, 64, CV_8UC3, 2);
  cv::Mat bin;
  cv::threshold(gray, bin, 128, 255, cv::THRESH_BINARY);
  cv::Mat g16;
  gray.convertTo(g16, CV_16U, 257);
  add("png_gray", ".png", cv_encode(".png", gray));
  add("png_rgb", ".png", cv_encode(".png", bgr));
  add("png_16bit", ".png", cv_encode(".png", g16));
  add("jpeg_gray", ".jpg", cv_encode(".jpg", gray, {cv::IMWRITE_JPEG_QUALITY, 90}));
  add("jpeg_rgb", ".jpg", cv_encode(".jpg", bgr, {cv::IMWRITE_JPEG_QUALITY, 90}));
  add("jpeg_progressive", ".jpg", cv_encode(".jpg", bgr, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}));
  add("tiff_g4", ".tif", own_encode(bin, host::OutputFormat::kTiffG4, true));
  add("tiff_lzw", ".tif", own_encode(gray, host::OutputFormat::kTiffG4, false));
  add("tiff_3pages", ".tif", three_page_tiff());
  add("pnm_p5", ".pgm", own_encode(gray, host::OutputFormat::kPnm, false));
  add("pnm_p4", ".pbm", own_encode(bin, host::OutputFormat::kPnm, true));
  add("pnm_p6", ".ppm", cv_encode(".ppm", bgr));
  if (cv::haveImageWriter(".webp"))
    add("webp", ".webp", cv_encode(".webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 101}));
  return v;
}

std::vector<CorruptCase> corrupt_corpus(uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<CorruptCase> out;
  auto add = [&](const CorruptCase& base, const std::string& damage, Bytes b, bool must_fail) {
    const std::string ext = base.file_name.substr(base.file_name.rfind('.'));
    out.push_back(
        {base.kind + "/" + damage, base.kind + "-" + damage + ext, std::move(b), must_fail});
  };
  const std::vector<CorruptCase> samples = valid_samples();

  for (const CorruptCase& s : samples) {
    const Bytes& b = s.bytes;
    const size_t n = b.size();
    // Damage any format gets. Truncations and a broken magic must fail; bit
    // flips and zeroed ranges inside the data may leave a decodable page.
    add(s, "empty", {}, true);
    add(s, "magic_only", Bytes(b.begin(), b.begin() + 4), true);
    add(s, "truncated_16", Bytes(b.begin(), b.begin() + 16), true);
    add(s, "truncated_half", Bytes(b.begin(), b.begin() + static_cast<long>(n / 2)), true);
    Bytes magic = b;
    magic[0] ^= 0x55;
    add(s, "wrong_magic", magic, true);
    Bytes zero_head = b;
    std::fill(zero_head.begin(), zero_head.begin() + std::min<size_t>(64, n), 0);
    add(s, "zeroed_header", zero_head, true);
    Bytes random(n);
    for (auto& x : random) x = static_cast<uint8_t>(rng());
    add(s, "random_bytes", random, true);
    add(s, "all_ff", Bytes(n, 0xFF), true);
    Bytes flips = b;
    for (int k = 0; k < 24; ++k) flips[n / 4 + rng() % (n - n / 4)] ^= uint8_t(1u << (rng() % 8));
    add(s, "bit_flips_in_data", flips, false);
    Bytes zeroed = b;
    std::fill(zeroed.begin() + static_cast<long>(n / 2),
              zeroed.begin() + static_cast<long>(n / 2 + n / 4), 0);
    add(s, "zeroed_middle", zeroed, false);
    Bytes doubled = b;
    doubled.insert(doubled.end(), b.begin(), b.end());
    add(s, "trailing_copy", doubled, false);
  }

  auto sample = [&](const std::string& kind) -> const CorruptCase& {
    for (const auto& s : samples)
      if (s.kind == kind) return s;
    return samples.front();
  };

  // ----------------------------------------------------------------- PNG --
  {
    const CorruptCase& s = sample("png_gray");
    auto ihdr_edit = [&](const char* damage, size_t off, uint32_t v, bool fix_crc,
                         bool must_fail = true) {
      Bytes b = s.bytes;
      put_be32(&b, 8 + 8 + off, v);
      if (fix_crc) png_fix_crc(&b, 8);
      add(s, damage, b, must_fail);
    };
    ihdr_edit("absurd_width", 0, 0x7FFFFFFF, true);
    ihdr_edit("absurd_size", 0, 60000, true);  // 60000 x 90: over the side limit
    ihdr_edit("zero_width", 0, 0, true);
    ihdr_edit("bad_ihdr_crc", 0, 121, false);
    Bytes depth = s.bytes;
    depth[24] = 3;  // bit depth 3
    png_fix_crc(&depth, 8);
    add(s, "invalid_bit_depth", depth, true);
    Bytes ctype = s.bytes;
    ctype[25] = 5;  // no such colour type
    png_fix_crc(&ctype, 8);
    add(s, "invalid_colour_type", ctype, true);
    const size_t idat = png_chunk(s.bytes, "IDAT");
    if (idat) {
      Bytes crc = s.bytes;
      crc[idat + 8 + get_be32(crc, idat) + 1] ^= 0xFF;
      add(s, "bad_idat_crc", crc, true);
      Bytes no_idat(s.bytes.begin(), s.bytes.begin() + static_cast<long>(idat));
      no_idat.insert(no_idat.end(), s.bytes.end() - 12, s.bytes.end());  // IEND
      add(s, "missing_idat", no_idat, true);
      Bytes huge = s.bytes;
      put_be32(&huge, idat, 0x7FFFFFF0);  // chunk length past the end
      add(s, "idat_length_past_end", huge, true);
    }
  }
  // ---------------------------------------------------------------- JPEG --
  {
    const CorruptCase& s = sample("jpeg_gray");
    const size_t sof = jpeg_marker(s.bytes, 0xC0);
    if (sof) {
      auto sof_edit = [&](const char* damage, size_t off, std::initializer_list<uint8_t> v) {
        Bytes b = s.bytes;
        size_t i = 0;
        for (const uint8_t x : v) b[sof + off + i++] = x;
        add(s, damage, b, true);
      };
      sof_edit("height_zero", 5, {0, 0});
      sof_edit("absurd_size", 5, {0xFF, 0xFF, 0xFF, 0xFF});
      sof_edit("precision_12", 4, {12});
      sof_edit("zero_components", 9, {0});
    }
    const size_t sos = jpeg_marker(s.bytes, 0xDA);
    if (sos) {
      const size_t data = sos + 2 + (size_t{s.bytes[sos + 2]} << 8 | s.bytes[sos + 3]);
      Bytes cut(s.bytes.begin(),
                s.bytes.begin() + static_cast<long>(data + (s.bytes.size() - data) / 3));
      cut.insert(cut.end(), {0xFF, 0xD9});
      add(s, "scan_cut_eoi_kept", cut, true);
      Bytes extra(s.bytes.begin(), s.bytes.end() - 2);
      extra.insert(extra.end(), {0x01, 0x02, 0x03, 0xFF, 0xD9});
      // libjpeg reads bytes after the last MCU as padding unless they happen
      // to break a marker: detected for some bytes (CodecSafety), not all.
      add(s, "extraneous_bytes", extra, false);
      Bytes no_scan(s.bytes.begin(), s.bytes.begin() + static_cast<long>(sos));
      no_scan.insert(no_scan.end(), {0xFF, 0xD9});
      add(s, "no_scan", no_scan, true);
    }
    const size_t dht = jpeg_marker(s.bytes, 0xC4);
    if (dht) {
      Bytes b = s.bytes;
      std::fill(b.begin() + static_cast<long>(dht + 5), b.begin() + static_cast<long>(dht + 21), 0);
      add(s, "empty_huffman_table", b, true);
    }
    const size_t dqt = jpeg_marker(s.bytes, 0xDB);
    if (dqt) {
      Bytes b = s.bytes;
      b[dqt + 2] = 0;
      b[dqt + 3] = 1;  // segment length 1
      add(s, "segment_length_1", b, true);
    }
  }
  // ---------------------------------------------------------------- TIFF --
  {
    const CorruptCase& s = sample("tiff_lzw");
    auto entry_edit = [&](const char* damage, uint16_t tag, uint32_t v) {
      Bytes b = s.bytes;
      const size_t e = tiff_entry(b, tag);
      if (!e) return;
      if (tag == 258 || tag == 259 || tag == 262 || tag == 277) {
        b[e + 8] = uint8_t(v);
        b[e + 9] = uint8_t(v >> 8);
      } else {
        tiff_set_value(&b, e, v);
      }
      add(s, damage, b, true);
    };
    entry_edit("absurd_width", 256, 1000000000);
    entry_edit("zero_height", 257, 0);
    entry_edit("bits_per_sample_3", 258, 3);
    entry_edit("unknown_compression", 259, 12345);
    entry_edit("strip_offset_past_end", 273, 0x7FFFFF00);
    entry_edit("samples_per_pixel_0", 277, 0);
    Bytes ifd_past = s.bytes;
    ifd_past[4] = 0xF0;
    ifd_past[5] = 0xFF;
    ifd_past[6] = 0xFF;
    ifd_past[7] = 0x7F;
    add(s, "ifd_offset_past_end", ifd_past, true);
    Bytes ifd_zero = s.bytes;
    std::fill(ifd_zero.begin() + 4, ifd_zero.begin() + 8, 0);
    add(s, "ifd_offset_zero", ifd_zero, true);
    Bytes many = s.bytes;
    const uint32_t ifd = tiff_ifd(many);
    if (ifd + 2 <= many.size()) {
      many[ifd] = 0xFF;
      many[ifd + 1] = 0xFF;  // 65535 entries
      add(s, "ifd_entry_count_huge", many, true);
    }
    Bytes big = s.bytes;
    big[2] = 43;  // BigTIFF magic on a classic file
    add(s, "bigtiff_magic_on_classic", big, true);

    // A multi-page file whose last directory points back at the first: a loop.
    const CorruptCase& m = sample("tiff_3pages");
    Bytes loop = m.bytes;
    uint32_t at = tiff_ifd(loop), last = 0;
    for (int guard = 0; at && at + 2 <= loop.size() && guard < 10; ++guard) {
      last = at;
      const uint32_t cnt = loop[at] | loop[at + 1] << 8;
      const size_t next = at + 2 + 12 * size_t{cnt};
      if (next + 4 > loop.size()) break;
      at = loop[next] | loop[next + 1] << 8 | loop[next + 2] << 16 | uint32_t(loop[next + 3]) << 24;
    }
    if (last) {
      const uint32_t cnt = loop[last] | loop[last + 1] << 8;
      const size_t next = last + 2 + 12 * size_t{cnt};
      const uint32_t first = tiff_ifd(loop);
      for (int k = 0; k < 4; ++k) loop[next + static_cast<size_t>(k)] = uint8_t(first >> (8 * k));
      // The loop is found when counting; the pages before it stay readable,
      // so this case only must not hang or crash.
      add(m, "ifd_loop", loop, false);
    }
    Bytes g4 = sample("tiff_g4").bytes;
    const size_t strip = tiff_entry(g4, 279);
    if (strip) {
      tiff_set_value(&g4, strip, 0xFFFFFFF0u);  // strip byte count far past the end
      add(sample("tiff_g4"), "strip_bytes_past_end", g4, true);
    }
  }
  // ----------------------------------------------------------------- PNM --
  {
    const CorruptCase& s = sample("pnm_p5");
    add(s, "maxval_zero", text("P5\n4 4\n0\n" + std::string(16, 'x')), true);
    add(s, "maxval_70000", text("P5\n4 4\n70000\n" + std::string(32, 'x')), true);
    add(s, "absurd_size", text("P5\n999999 999999\n255\nxx"), true);
    add(s, "negative_width", text("P5\n-4 4\n255\n" + std::string(16, 'x')), true);
    add(s, "no_raster", text("P5\n64 64\n255\n"), true);
    add(s, "comment_only", text("P5\n# just a comment\n"), true);
    add(s, "size_overflow", text("P5\n4294967296 2\n255\nxx"), true);
    add(sample("pnm_p4"), "raster_short",
        Bytes(sample("pnm_p4").bytes.begin(), sample("pnm_p4").bytes.end() - 3), true);
    CorruptCase p2{"pnm_p2", "pnm_p2.pgm", {}, false};
    add(p2, "ascii_not_numbers", text("P2\n2 2\n255\n1 2 x y\n"), true);
    // Samples over maxval are clamped (a lenient reader's choice, codec_pnm.cpp).
    add(p2, "ascii_value_over_maxval", text("P2\n2 2\n15\n1 2 3 99\n"), false);
  }
  // ---------------------------------------------------------------- WebP --
  for (const auto& s : samples) {
    if (s.kind != "webp") continue;
    Bytes riff = s.bytes;
    put_be32(&riff, 4, 0xFFFFFF7F);  // RIFF size (little-endian) 0x7FFFFFFF
    add(s, "riff_size_past_end", riff, true);
    Bytes fourcc = s.bytes;
    fourcc[8] = 'X';
    add(s, "not_webp_fourcc", fourcc, true);
    Bytes vp8 = s.bytes;
    if (vp8.size() > 40) std::fill(vp8.begin() + 20, vp8.begin() + 40, 0xEE);
    add(s, "vp8_header_garbage", vp8, true);
  }
  return out;
}

}  // namespace pageprep::testsupport
