#include "doc/text_layer.hpp"

#include <tesseract/baseapi.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <mutex>

namespace pageprep::host {
namespace {

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", std::fabs(v) < 5e-5 ? 0.0 : v);
  return b;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// ToUnicode: every 2-byte code is the UTF-16 code unit it names. bfrange
// entries may only differ in their last byte, so one range per high byte.
std::string identity_to_unicode() {
  std::string s =
      "/CIDInit /ProcSet findresource begin\n"
      "12 dict begin\n"
      "begincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n"
      "/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  char buf[64];
  for (int block = 0; block < 256; block += 100) {
    const int n = std::min(100, 256 - block);
    s += std::to_string(n) + " beginbfrange\n";
    for (int hi = block; hi < block + n; ++hi) {
      std::snprintf(buf, sizeof buf, "<%02X00> <%02XFF> <%02X00>\n", hi, hi, hi);
      s += buf;
    }
    s += "endbfrange\n";
  }
  s += "endcmap\n"
       "CMapName currentdict /CMap defineresource pop\n"
       "end\n"
       "end\n";
  return s;
}

}  // namespace

const std::string& tessdata_dir() {
  static std::once_flag once;
  static std::string dir;
  std::call_once(once, [] {
    tesseract::TessBaseAPI api;
    if (api.Init(nullptr, "osd", tesseract::OEM_DEFAULT) == 0 ||
        api.Init(nullptr, "eng", tesseract::OEM_DEFAULT) == 0) {
      dir = api.GetDatapath() ? api.GetDatapath() : "";
      api.End();
    }
  });
  return dir;
}

QPDFObjectHandle make_glyphless_font(QPDF& pdf, std::string* error) {
  std::string ttf;
  std::string tried;
  for (const std::string& dir :
       {tessdata_dir(), std::string("/usr/share/tesseract-ocr/5/tessdata/")}) {
    if (dir.empty()) continue;
    const std::string path = dir + (dir.back() == '/' ? "" : "/") + "pdf.ttf";
    ttf = read_all(path);
    tried += (tried.empty() ? "" : ", ") + path;
    if (!ttf.empty()) break;
  }
  if (ttf.empty()) {
    *error = "Tesseract's glyphless font pdf.ttf was not found (tried " + tried +
             "); it comes with the tesseract-ocr package";
    return QPDFObjectHandle::newNull();
  }
  QPDFObjectHandle font_file = pdf.newStream(ttf);
  font_file.getDict().replaceKey("/Length1",
                                 QPDFObjectHandle::newInteger(static_cast<long long>(ttf.size())));
  QPDFObjectHandle descriptor = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 5 /FontBBox [0 0 500 1000] "
      "/ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 >>"));
  descriptor.replaceKey("/FontFile2", font_file);
  // Every CID is drawn with glyph 1 of the glyphless font.
  std::string gid_map(65536 * 2, '\0');
  for (size_t i = 1; i < gid_map.size(); i += 2) gid_map[i] = 1;
  QPDFObjectHandle cid_to_gid = pdf.newStream(gid_map);
  QPDFObjectHandle cid_font = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 500 >>"));
  cid_font.replaceKey("/FontDescriptor", descriptor);
  cid_font.replaceKey("/CIDToGIDMap", cid_to_gid);
  QPDFObjectHandle to_unicode = pdf.newStream(identity_to_unicode());
  QPDFObjectHandle font = pdf.makeIndirectObject(QPDFObjectHandle::parse(
      "<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H >>"));
  font.replaceKey("/DescendantFonts", QPDFObjectHandle::newArray({cid_font}));
  font.replaceKey("/ToUnicode", to_unicode);
  return font;
}

std::string utf16_hex(const std::string& utf8, size_t* units) {
  std::string out = "<";
  size_t n = 0;
  char buf[8];
  auto put = [&](uint32_t u) {
    std::snprintf(buf, sizeof buf, "%04X", u);
    out += buf;
    ++n;
  };
  const auto* s = reinterpret_cast<const unsigned char*>(utf8.data());
  const size_t len = utf8.size();
  for (size_t i = 0; i < len;) {
    uint32_t cp = 0xFFFD;
    int extra = 0;
    const unsigned char c = s[i];
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, extra = 2;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, extra = 3;
    }
    bool ok = c < 0x80 || extra > 0;
    for (int k = 1; k <= extra; ++k) {
      if (i + static_cast<size_t>(k) >= len || (s[i + k] & 0xC0) != 0x80) {
        ok = false;
        extra = k - 1;
        break;
      }
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    i += static_cast<size_t>(extra) + 1;
    if (!ok) cp = 0xFFFD;
    if (cp >= 0x10000 && cp <= 0x10FFFF) {
      cp -= 0x10000;
      put(0xD800 + (cp >> 10));
      put(0xDC00 + (cp & 0x3FF));
    } else {
      put(cp > 0x10FFFF ? 0xFFFD : cp);
    }
  }
  out += ">";
  if (units) *units = n;
  return out;
}

namespace {

// One line's geometry in its level frame (user space turned by the quarter
// nearest the line's direction).
struct LevelLine {
  double ux = 1, uy = 0;  // unit direction of the baseline, Tesseract's page
  int quarter = 0;
  Affine to_level;
  double mid_x = 0;                    // the line's middle, level frame
  double p0x = 0, p0y = 0, slope = 0;  // its baseline, level frame
  bool has_slope = false;
};

LevelLine level_line(const OcrLine& line, const Affine& to_user) {
  LevelLine l;
  double ux = line.base_x1 - line.base_x0, uy = line.base_y1 - line.base_y0;
  const double len = std::hypot(ux, uy);
  if (len >= 1e-6 && ux > 0) l.ux = ux / len, l.uy = uy / len;
  const auto dir = to_user.apply_vector(l.ux, l.uy);
  l.quarter = static_cast<int>(std::lround(std::atan2(dir[1], dir[0]) / (M_PI / 2)));
  l.to_level = then(to_user, Affine::rotate_image_ccw(l.quarter * 90.0));
  const double slope = l.uy / l.ux;
  const double mx = (line.x0 + line.x1) / 2.0;
  const auto mid = l.to_level.apply(mx, line.base_y0 + (mx - line.base_x0) * slope);
  l.mid_x = mid[0];
  const auto p0 = l.to_level.apply(line.base_x0, line.base_y0);
  const auto p1 = l.to_level.apply(line.base_x0 + 1000 * l.ux, line.base_y0 + 1000 * l.uy);
  l.p0x = p0[0], l.p0y = p0[1];
  if (std::fabs(p1[0] - p0[0]) > 1e-6) {
    l.slope = (p1[1] - p0[1]) / (p1[0] - p0[0]);
    l.has_slope = true;
  }
  return l;
}

}  // namespace

std::string text_layer_content(const std::vector<OcrLine>& lines, const Affine& to_user,
                               const std::string& font_name) {
  // Each line is drawn level in its quarter's frame (see text_layer.hpp for
  // why), at the height where its baseline crosses one reference column: the
  // mean of the lines' middles, per quarter. All lines of a page share one
  // skew, so measured at one column their baselines keep their order and
  // their pitch, and no line lands on another (placing each line at its own
  // middle put a paragraph's short last line on the line above it).
  std::vector<LevelLine> geo;
  geo.reserve(lines.size());
  double ref_sum[4] = {0, 0, 0, 0};
  int ref_n[4] = {0, 0, 0, 0};
  for (const OcrLine& line : lines) {
    geo.push_back(level_line(line, to_user));
    if (line.words.empty()) continue;
    const int q = ((geo.back().quarter % 4) + 4) % 4;
    ref_sum[q] += geo.back().mid_x;
    ++ref_n[q];
  }
  std::string s;
  for (size_t li = 0; li < lines.size(); ++li) {
    const OcrLine& line = lines[li];
    if (line.words.empty()) continue;
    const LevelLine& g = geo[li];
    const double ux = g.ux, uy = g.uy;
    const double slope = uy / ux;
    const double height = std::max(1, line.y1 - line.y0);
    const double upx = uy, upy = -ux;  // perpendicular, pointing up (y is down)
    auto baseline_at = [&](double x) { return line.base_y0 + (x - line.base_x0) * slope; };
    const Affine& to_level = g.to_level;
    const Affine from_frame = Affine::rotate_image_ccw(g.quarter * 90.0).inverse();
    const int q = ((g.quarter % 4) + 4) % 4;
    const double x_ref = ref_sum[q] / ref_n[q];
    const double mx = (line.x0 + line.x1) / 2.0;
    const double base =
        g.has_slope ? g.p0y + (x_ref - g.p0x) * g.slope : to_level.apply(mx, baseline_at(mx))[1];
    const double h_user = std::hypot(to_level.c, to_level.d) * height;
    for (size_t i = 0; i < line.words.size(); ++i) {
      const OcrWord& w = line.words[i];
      const bool last = i + 1 == line.words.size();
      const double x0 = w.x0;
      const double x1 = last ? w.x1 : std::max(w.x1, line.words[i + 1].x0);
      size_t units = 0;
      const std::string hex = utf16_hex(last ? w.text : w.text + " ", &units);
      if (units == 0 || x1 <= x0) continue;
      // The word's box along its line (from its start to the next word's, one
      // line height up from the baseline), its extent in the level frame.
      const double by0 = baseline_at(x0), by1 = baseline_at(x1);
      const std::array<double, 2> c[4] = {to_level.apply(x0, by0), to_level.apply(x1, by1),
                                          to_level.apply(x0 + height * upx, by0 + height * upy),
                                          to_level.apply(x1 + height * upx, by1 + height * upy)};
      const double lx = std::min({c[0][0], c[1][0], c[2][0], c[3][0]});
      const double hx = std::max({c[0][0], c[1][0], c[2][0], c[3][0]});
      if (hx - lx <= 0 || h_user <= 0) continue;
      const double sx = (hx - lx) / (0.5 * static_cast<double>(units));
      // Text space (font size 1) -> level frame -> user space.
      const Affine m = then(Affine{sx, 0, 0, h_user, lx, base}, from_frame);
      s += num(m.a) + " " + num(m.b) + " " + num(m.c) + " " + num(m.d) + " " + num(m.e) + " " +
           num(m.f) + " Tm " + hex + " Tj\n";
    }
  }
  if (s.empty()) return s;
  return "BT\n3 Tr\n" + font_name + " 1 Tf\n" + s + "ET\n";
}

}  // namespace pageprep::host
