// One PDF image XObject to 8-bit gray, in the image's own pixel grid:
// - DCTDecode: the JPEG codestream through the JPEG decoder (EXIF orientation
//   ignored: PDF does not apply it);
// - JPXDecode: the JPEG 2000 data through openjp2 (codec_jp2.cpp);
// - CCITTFaxDecode: the G3/G4 data wrapped in a one-strip TIFF (built here, a
//   few dozen bytes of header) and decoded by libtiff;
// - general-purpose filters or none: qpdf decodes (predictors included) into a
//   bounded buffer, and the samples are converted here by colour space
//   (DeviceGray/RGB/CMYK, CalGray/CalRGB, ICCBased by component count,
//   Indexed), bits per component (1, 2, 4, 8, 16) and the /Decode array.
// Sizes are checked against the limits before any data is read.
#include <qpdf/Pipeline.hh>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "io/codec_internal.hpp"
#include "io/pdf_internal.hpp"

namespace pageprep::host::detail {
namespace {

using kernels::PixelFormat;
using kernels::cpu::ThreadPool;

// Collects at most `cap` bytes; the rest of the stream is counted, not kept
// (a decompression bomb costs time, never memory).
class BoundedBuffer : public Pipeline {
 public:
  explicit BoundedBuffer(size_t cap) : Pipeline("pageprep bounded buffer", nullptr), cap_(cap) {}
  void write(unsigned char const* data, size_t len) override {
    total_ += len;
    const size_t room = cap_ > bytes_.size() ? cap_ - bytes_.size() : 0;
    bytes_.insert(bytes_.end(), data, data + std::min(room, len));
  }
  void finish() override {}
  std::vector<uint8_t>& bytes() { return bytes_; }
  size_t total() const { return total_; }

 private:
  size_t cap_;
  size_t total_ = 0;
  std::vector<uint8_t> bytes_;
};

int int_or(QPDFObjectHandle o, int fallback) {
  return o.isNumber() ? static_cast<int>(std::lround(o.getNumericValue())) : fallback;
}
bool bool_or(QPDFObjectHandle o, bool fallback) {
  return o.isBool() ? o.getBoolValue() : fallback;
}

// The image's /DecodeParms dictionary for its (single) filter.
QPDFObjectHandle decode_parms(QPDFObjectHandle dict) {
  QPDFObjectHandle p = dict.getKey("/DecodeParms");
  if (p.isArray()) p = p.getArrayNItems() > 0 ? p.getArrayItem(p.getArrayNItems() - 1) : p;
  return p.isDictionary() ? p : QPDFObjectHandle::newDictionary();
}

// Whether /Decode inverts a one-component image ([1 0]).
bool decode_inverts(QPDFObjectHandle dict) {
  QPDFObjectHandle d = dict.getKey("/Decode");
  if (!d.isArray() || d.getArrayNItems() < 2) return false;
  QPDFObjectHandle lo = d.getArrayItem(0), hi = d.getArrayItem(1);
  return lo.isNumber() && hi.isNumber() && lo.getNumericValue() > hi.getNumericValue();
}

void invert(cv::Mat* m) {
  cv::Mat out;
  cv::bitwise_not(*m, out);
  *m = out;
}

std::vector<uint8_t> read_raw(QPDFObjectHandle image, const DecodeLimits& limits,
                              const std::string& name, DecodeResult* err) {
  QPDFObjectHandle len = image.getDict().getKey("/Length");
  if (len.isNumber() && len.getNumericValue() > static_cast<double>(limits.max_file_bytes)) {
    *err = decode_error(PageError::kTooLarge, name,
                        "image stream is " + std::to_string(int_or(len, 0)) +
                            " bytes; the limit is " + std::to_string(limits.max_file_bytes));
    return {};
  }
  std::shared_ptr<Buffer> b = image.getRawStreamData();
  std::vector<uint8_t> out(b->getBuffer(), b->getBuffer() + b->getSize());
  if (static_cast<int64_t>(out.size()) > limits.max_file_bytes)
    *err = decode_error(PageError::kTooLarge, name, "image stream exceeds the file size limit");
  return out;
}

void put16(std::vector<uint8_t>* v, uint32_t x) {
  v->push_back(static_cast<uint8_t>(x));
  v->push_back(static_cast<uint8_t>(x >> 8));
}
void put32(std::vector<uint8_t>* v, uint32_t x) {
  put16(v, x & 0xFFFF);
  put16(v, x >> 16);
}

// A little-endian TIFF holding `data` as its only strip, G3 (K >= 0) or G4.
std::vector<uint8_t> ccitt_as_tiff(const std::vector<uint8_t>& data, uint32_t width,
                                   uint32_t height, int k) {
  struct Tag {
    uint16_t tag, type;
    uint32_t value;
  };
  std::vector<Tag> tags = {
      {256, 4, width},            // ImageWidth
      {257, 4, height},           // ImageLength
      {258, 3, 1},                // BitsPerSample
      {259, 3, k < 0 ? 4u : 3u},  // Compression: T6 (G4) or T4 (G3)
      {262, 3, 0},                // Photometric: MinIsWhite (the coded colours as seen)
      {273, 4, 0},                // StripOffsets, patched below
      {277, 3, 1},                // SamplesPerPixel
      {278, 4, height},           // RowsPerStrip
      {279, 4, static_cast<uint32_t>(data.size())},  // StripByteCounts
  };
  if (k >= 0)
    tags.push_back({292, 4, k > 0 ? 1u : 0u});  // T4Options: 2-D coding
  else
    tags.push_back({293, 4, 0});  // T6Options
  std::vector<uint8_t> t = {'I', 'I', 42, 0};
  put32(&t, 8);
  const uint32_t data_offset = 8 + 2 + 12 * static_cast<uint32_t>(tags.size()) + 4;
  put16(&t, static_cast<uint32_t>(tags.size()));
  for (Tag g : tags) {
    if (g.tag == 273) g.value = data_offset;
    put16(&t, g.tag);
    put16(&t, g.type);
    put32(&t, 1);
    if (g.type == 3) {
      put16(&t, g.value);
      put16(&t, 0);
    } else {
      put32(&t, g.value);
    }
  }
  put32(&t, 0);  // no next IFD
  t.insert(t.end(), data.begin(), data.end());
  return t;
}

DecodeResult decode_ccitt(QPDFObjectHandle image, const std::string& name,
                          const DecodeLimits& limits, ThreadPool& pool) {
  QPDFObjectHandle dict = image.getDict();
  QPDFObjectHandle parms = decode_parms(dict);
  const int k = int_or(parms.getKey("/K"), 0);
  const int columns = int_or(parms.getKey("/Columns"), 1728);
  int rows = int_or(parms.getKey("/Rows"), 0);
  if (rows <= 0) rows = int_or(dict.getKey("/Height"), 0);
  std::string what;
  const PageError size_error = check_dimensions(columns, rows, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);
  if (bool_or(parms.getKey("/EncodedByteAlign"), false))
    return decode_error(PageError::kUnsupportedFormat, name,
                        "CCITT image with EncodedByteAlign is not supported");
  DecodeResult err;
  std::vector<uint8_t> raw = read_raw(image, limits, name, &err);
  if (err.error != PageError::kNone) return err;
  const std::vector<uint8_t> tiff =
      ccitt_as_tiff(raw, static_cast<uint32_t>(columns), static_cast<uint32_t>(rows), k);
  DecodeResult r = tiff_decode(tiff.data(), tiff.size(), "", 0, limits, pool);
  if (r.error != PageError::kNone) {
    const std::string m = r.message;
    return decode_error(PageError::kCorrupt, name, "CCITT fax data undecodable: " + m);
  }
  // The coded colours are black and white as seen unless BlackIs1 or
  // /Decode [1 0] swaps them (both: no swap).
  if (bool_or(parms.getKey("/BlackIs1"), false) != decode_inverts(dict)) invert(&r.page.gray);
  r.page.source_depth_bits = 1;
  return r;
}

// Number of colour components and whether the space is RGB/CMYK, for a
// /ColorSpace value; 0 for spaces we do not convert (Lab, Separation, ...).
struct Space {
  int components = 0;
  bool indexed = false;
  int base_components = 0;  // Indexed: the base space's components
  int hival = 0;
  std::vector<uint8_t> palette;
  std::string unsupported;
};

int components_of(QPDFObjectHandle cs, std::string* unsupported) {
  if (cs.isName()) {
    const std::string n = cs.getName();
    if (n == "/DeviceGray" || n == "/G" || n == "/CalGray") return 1;
    if (n == "/DeviceRGB" || n == "/RGB" || n == "/CalRGB") return 3;
    if (n == "/DeviceCMYK" || n == "/CMYK") return 4;
    *unsupported = "colour space " + n;
    return 0;
  }
  if (cs.isArray() && cs.getArrayNItems() >= 1 && cs.getArrayItem(0).isName()) {
    const std::string n = cs.getArrayItem(0).getName();
    if (n == "/CalGray") return 1;
    if (n == "/CalRGB") return 3;
    if (n == "/ICCBased" && cs.getArrayNItems() >= 2 && cs.getArrayItem(1).isStream()) {
      const int k = int_or(cs.getArrayItem(1).getDict().getKey("/N"), 0);
      if (k == 1 || k == 3 || k == 4) return k;
    }
    *unsupported = "colour space " + n;
    return 0;
  }
  *unsupported = "unreadable colour space";
  return 0;
}

Space read_space(QPDFObjectHandle dict) {
  Space s;
  if (bool_or(dict.getKey("/ImageMask"), false)) {
    s.components = 1;
    return s;
  }
  QPDFObjectHandle cs = dict.getKey("/ColorSpace");
  if (cs.isArray() && cs.getArrayNItems() == 4 && cs.getArrayItem(0).isName() &&
      (cs.getArrayItem(0).getName() == "/Indexed" || cs.getArrayItem(0).getName() == "/I")) {
    s.indexed = true;
    s.components = 1;
    s.base_components = components_of(cs.getArrayItem(1), &s.unsupported);
    s.hival = std::clamp(int_or(cs.getArrayItem(2), 0), 0, 255);
    QPDFObjectHandle lut = cs.getArrayItem(3);
    std::string bytes;
    if (lut.isString()) {
      bytes = lut.getStringValue();
    } else if (lut.isStream()) {
      std::shared_ptr<Buffer> b = lut.getStreamData(qpdf_dl_generalized);
      bytes.assign(reinterpret_cast<const char*>(b->getBuffer()), b->getSize());
    }
    s.palette.assign(bytes.begin(), bytes.end());
    const size_t need = static_cast<size_t>(s.hival + 1) * static_cast<size_t>(s.base_components);
    if (s.base_components > 0 && s.palette.size() < need) s.palette.resize(need, 0);
    return s;
  }
  s.components = components_of(cs, &s.unsupported);
  return s;
}

// Gray of one pixel from 8-bit components (RGB: the BT.601 weights of the
// shared gray conversion; CMYK: naive inversion).
inline uint8_t gray_of(const uint8_t* v, int n) {
  if (n == 1) return v[0];
  int r, g, b;
  if (n == 4) {
    r = 255 - std::min(255, v[0] + v[3]);
    g = 255 - std::min(255, v[1] + v[3]);
    b = 255 - std::min(255, v[2] + v[3]);
  } else {
    r = v[0], g = v[1], b = v[2];
  }
  return static_cast<uint8_t>((r * 299 + g * 587 + b * 114 + 500) / 1000);
}

DecodeResult decode_samples(QPDFObjectHandle image, const std::string& name,
                            const DecodeLimits& limits, ThreadPool& pool) {
  QPDFObjectHandle dict = image.getDict();
  const int w = int_or(dict.getKey("/Width"), 0), h = int_or(dict.getKey("/Height"), 0);
  std::string what;
  const PageError size_error = check_dimensions(w, h, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);
  const bool mask = bool_or(dict.getKey("/ImageMask"), false);
  const int bpc = mask ? 1 : int_or(dict.getKey("/BitsPerComponent"), 8);
  if (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16)
    return decode_error(PageError::kCorrupt, name,
                        "invalid BitsPerComponent " + std::to_string(bpc));
  const Space space = read_space(dict);
  if (space.components == 0 || (space.indexed && space.base_components == 0))
    return decode_error(PageError::kUnsupportedFormat, name,
                        "image in an unsupported " + space.unsupported);
  const int n = space.components;
  const size_t stride = (static_cast<size_t>(w) * n * bpc + 7) / 8;
  const size_t need = stride * static_cast<size_t>(h);
  if (static_cast<int64_t>(need) > limits.max_file_bytes * 4)
    return decode_error(PageError::kTooLarge, name, "image samples exceed the size limit");
  QPDFObjectHandle len = dict.getKey("/Length");
  if (len.isNumber() && len.getNumericValue() > static_cast<double>(limits.max_file_bytes))
    return decode_error(PageError::kTooLarge, name, "image stream exceeds the file size limit");
  BoundedBuffer buf(need);
  if (!image.pipeStreamData(&buf, 0, qpdf_dl_specialized, true, false))
    return decode_error(PageError::kCorrupt, name, "image data could not be decoded");
  std::vector<uint8_t>& s = buf.bytes();
  if (s.size() < need)
    return decode_error(PageError::kCorrupt, name,
                        "image data is truncated (" + std::to_string(s.size()) + " of " +
                            std::to_string(need) + " bytes)");
  const int maxv = (1 << bpc) - 1;
  // /Decode [1 0] swaps dark and light; for an image mask it makes 1 the
  // painted value (default: 0 paints, i.e. black ink, which 0 -> 0 gives).
  const bool inv = decode_inverts(dict);
  DecodeResult r;
  r.page.gray.create(h, w, CV_8UC1);
  const int out_n = space.indexed ? space.base_components : n;
  pool.parallel_for(h, std::max<int64_t>(1, 65536 / std::max(1, w)), [&](int64_t y0, int64_t y1) {
    std::vector<uint8_t> px(static_cast<size_t>(out_n));
    for (int64_t y = y0; y < y1; ++y) {
      const uint8_t* row = s.data() + static_cast<size_t>(y) * stride;
      uint8_t* o = r.page.gray.ptr<uint8_t>(static_cast<int>(y));
      for (int x = 0; x < w; ++x) {
        uint8_t comps[4];
        for (int c = 0; c < n; ++c) {
          const size_t i = static_cast<size_t>(x) * n + c;
          int v;
          if (bpc == 8) {
            v = row[i];
          } else if (bpc == 16) {
            v = row[2 * i] << 8 | row[2 * i + 1];
          } else {
            const size_t bit = i * bpc;
            v = (row[bit / 8] >> (8 - bpc - bit % 8)) & maxv;
          }
          if (space.indexed) {
            comps[c] = static_cast<uint8_t>(std::min(v, space.hival));
          } else {
            comps[c] = bpc == 8    ? static_cast<uint8_t>(v)
                       : bpc == 16 ? static_cast<uint8_t>((v * 255 + 32767) / 65535)
                                   : static_cast<uint8_t>((v * 255 + maxv / 2) / maxv);
          }
        }
        if (space.indexed) {
          const uint8_t* p =
              space.palette.data() + static_cast<size_t>(comps[0]) * space.base_components;
          o[x] = gray_of(p, out_n);
        } else {
          o[x] = gray_of(comps, n);
        }
      }
    }
  });
  if (inv && n == 1 && !space.indexed) invert(&r.page.gray);
  r.page.source_channels = out_n;
  r.page.source_depth_bits = bpc;
  return r;
}

}  // namespace

DecodeResult pdf_decode_image(QPDFObjectHandle image, const std::string& filter,
                              const std::string& name, const DecodeLimits& limits,
                              ThreadPool& pool) {
  QPDFObjectHandle dict = image.getDict();
  const int w = int_or(dict.getKey("/Width"), 0), h = int_or(dict.getKey("/Height"), 0);
  std::string what;
  const PageError size_error = check_dimensions(w, h, limits, &what);
  if (size_error != PageError::kNone) return decode_error(size_error, name, what);
  if (filter == "/CCITTFaxDecode") return decode_ccitt(image, name, limits, pool);
  if (filter == "/DCTDecode" || filter == "/JPXDecode") {
    DecodeResult err;
    std::vector<uint8_t> raw = read_raw(image, limits, name, &err);
    if (err.error != PageError::kNone) return err;
    DecodeResult r = filter == "/DCTDecode"
                         ? decode_embedded_jpeg(raw.data(), raw.size(), name, limits, pool)
                         : jp2_decode(raw.data(), raw.size(), name, limits, pool);
    if (r.error == PageError::kNone && filter == "/DCTDecode" && r.page.source_channels == 1 &&
        decode_inverts(dict))
      invert(&r.page.gray);
    return r;
  }
  return decode_samples(image, name, limits, pool);
}

}  // namespace pageprep::host::detail
