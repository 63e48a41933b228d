// pageprep-synth: writes synthetic pages with ground truth for tests, benchmarks,
// the quality harness and the demo. See usage() for the flags.
//
// Output per page i (1-based): DIR/page-%04d.<fmt>, DIR/page-%04d.gt.txt (the exact
// text, UTF-8, the OCR-D/tesstrain convention) and one line of DIR/manifest.jsonl
// with every generation parameter, so any page can be regenerated with
// generate_page(). Page i uses seed S + i - 1.
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "support/corpus_text.hpp"
#include "support/page_bed.hpp"
#include "support/page_curl.hpp"
#include "support/page_generator.hpp"

namespace {

using pageprep::testsupport::Degradation;
using pageprep::testsupport::GeneratedPage;
using pageprep::testsupport::Layout;
using pageprep::testsupport::PageSpec;
using pageprep::testsupport::Rng;

void usage(std::ostream& os) {
  os << "usage: pageprep-synth --out DIR [--count N] [--seed S] [--dpi 300]\n"
        "  [--layout single|two|table|figure|sparse|blank|photo|chart|signature|\n"
        "   pagenumber|word|engraving|mix] [--font NAME|mix] [--font-pt 11] [--sparse-lines N]\n"
        "  [--skew-max DEG | --skew DEG] [--noise SIGMA] [--specks PER_MPX] [--blur SIGMA]\n"
        "  [--illumination 0..1] [--yellow 0..1] [--contrast 0..1] [--border PX] [--jpeg Q]\n"
        "  [--color] [--lang eng|rus|chi_sim] [--rotate90 0|90|180|270] [--format png|tif|jpg]\n"
        "  [--preset demo|degraded|clean] [--clean-out DIR2]\n"
        "  [--bed LEVEL [--bed-texture AMP]]\n"
        "  [--curl PX [--curl-side right|left] [--curl-flat F] [--curl-spread K]\n"
        "   [--curl-shadow DEPTH] [--flat-out DIR3]]\n"
        "Writes DIR/page-0001.<fmt>, DIR/page-0001.gt.txt and DIR/manifest.jsonl.\n"
        "--clean-out also writes the clean pages under DIR2 with the same names.\n"
        "--bed puts each degraded page on a scanner bed of that gray level (60-240 px each\n"
        "side; textured with --bed-texture); the manifest gives its page_box [x,y,w,h].\n"
        "--curl bends the degraded page's lines towards the binding (right edge unless\n"
        "--curl-side left) by up to PX pixels (tests/support/page_curl.hpp: the outer F of\n"
        "the width stays flat, default 0.4; the foot bends by 1+K, the head by 1-K, default\n"
        "0.3; optional gutter shadow 0..1); the manifest's \"curl\" gives the field's\n"
        "parameters. --flat-out writes the same degraded pages before the curl.\n"
        "The manifest gives picture_boxes [[x,y,w,h],...] of photo/figure/engraving blocks\n"
        "on unskewed, unturned pages ([] otherwise).\n"
        "Presets set defaults that explicit flags override:\n"
        "  clean     no degradation\n"
        "  demo      6 pages, mixed layouts and fonts, skew +-[1,5] deg, mild noise and specks,\n"
        "            page 2 with uneven illumination, page 3 with dark borders\n"
        "  degraded  mixed layouts, skew +-10, noise 10, specks 150/Mpx, blur 0.8, illumination\n"
        "            0.5, contrast 0.7, JPEG 70, dark borders on every other page\n";
}

struct Options {
  std::string out, clean_out, format = "png", preset, layout = "single", font = "DejaVuSerif";
  std::string lang = "eng", flat_out, curl_side = "right";
  double curl = 0, curl_flat = 0.4, curl_spread = 0.3, curl_shadow = 0;
  std::optional<int> count, border, jpeg, rotate90, bed;
  int sparse_lines = 0;
  double bed_texture = 0;
  uint64_t seed = 1;
  int dpi = 300;
  double font_pt = 11.0;
  std::optional<double> skew, skew_max, noise, specks, blur, illumination, yellow, contrast;
  bool color = false, layout_given = false, font_given = false;
};

const std::string kNumeric[] = {
    "--count",  "--seed",      "--dpi",         "--font-pt",      "--skew",        "--skew-max",
    "--noise",  "--specks",    "--blur",        "--illumination", "--yellow",      "--contrast",
    "--border", "--jpeg",      "--rotate90",    "--bed",          "--bed-texture", "--sparse-lines",
    "--curl",   "--curl-flat", "--curl-spread", "--curl-shadow"};

bool parse_args(int argc, char** argv, Options* o, std::string* err) {
  auto need = [&](int& i) -> const char* {
    if (i + 1 >= argc) {
      *err = std::string("missing value for ") + argv[i];
      return nullptr;
    }
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = nullptr;
    auto num = [&](double* d) {
      if ((v = need(i)) == nullptr) return false;
      char* end = nullptr;
      *d = std::strtod(v, &end);
      if (end == v || *end != '\0' || !std::isfinite(*d)) {
        *err = "bad number for " + a + ": " + v;
        return false;
      }
      return true;
    };
    double d = 0;
    if (a == "--help" || a == "-h") {
      usage(std::cout);
      std::exit(0);
    } else if (a == "--color") {
      o->color = true;
    } else if (a == "--out" || a == "--clean-out" || a == "--format" || a == "--preset" ||
               a == "--layout" || a == "--font" || a == "--lang" || a == "--flat-out" ||
               a == "--curl-side") {
      if ((v = need(i)) == nullptr) return false;
      if (a == "--out") o->out = v;
      if (a == "--clean-out") o->clean_out = v;
      if (a == "--format") o->format = v;
      if (a == "--preset") o->preset = v;
      if (a == "--layout") o->layout = v, o->layout_given = true;
      if (a == "--font") o->font = v, o->font_given = true;
      if (a == "--lang") o->lang = v;
      if (a == "--flat-out") o->flat_out = v;
      if (a == "--curl-side") o->curl_side = v;
    } else if (std::find(std::begin(kNumeric), std::end(kNumeric), a) == std::end(kNumeric)) {
      *err = "unknown option: " + a;
      return false;
    } else if (!num(&d)) {
      if (err->empty()) *err = "unknown option: " + a;
      return false;
    } else if (a == "--count") {
      o->count = static_cast<int>(d);
    } else if (a == "--seed") {
      o->seed = static_cast<uint64_t>(d);
    } else if (a == "--dpi") {
      o->dpi = static_cast<int>(d);
    } else if (a == "--font-pt") {
      o->font_pt = d;
    } else if (a == "--skew") {
      o->skew = d;
    } else if (a == "--skew-max") {
      o->skew_max = d;
    } else if (a == "--noise") {
      o->noise = d;
    } else if (a == "--specks") {
      o->specks = d;
    } else if (a == "--blur") {
      o->blur = d;
    } else if (a == "--illumination") {
      o->illumination = d;
    } else if (a == "--yellow") {
      o->yellow = d;
    } else if (a == "--contrast") {
      o->contrast = d;
    } else if (a == "--border") {
      o->border = static_cast<int>(d);
    } else if (a == "--jpeg") {
      o->jpeg = static_cast<int>(d);
    } else if (a == "--rotate90") {
      o->rotate90 = static_cast<int>(d);
    } else if (a == "--bed") {
      o->bed = static_cast<int>(d);
    } else if (a == "--bed-texture") {
      o->bed_texture = d;
    } else if (a == "--sparse-lines") {
      o->sparse_lines = static_cast<int>(d);
    } else if (a == "--curl") {
      o->curl = d;
    } else if (a == "--curl-flat") {
      o->curl_flat = d;
    } else if (a == "--curl-spread") {
      o->curl_spread = d;
    } else if (a == "--curl-shadow") {
      o->curl_shadow = d;
    } else {
      *err = "unknown option: " + a;
      return false;
    }
  }
  if (o->out.empty())
    *err = "--out is required";
  else if (o->format != "png" && o->format != "tif" && o->format != "jpg")
    *err = "--format must be png, tif or jpg";
  else if (!o->preset.empty() && o->preset != "demo" && o->preset != "degraded" &&
           o->preset != "clean")
    *err = "--preset must be demo, degraded or clean";
  else if (o->lang != "eng" && o->lang != "chi_sim" && o->lang != "rus")
    *err = "--lang must be eng, rus or chi_sim";
  else if (o->count && (*o->count < 0 || *o->count > 100000))
    *err = "--count out of range";
  else if (o->sparse_lines < 0 || o->sparse_lines > 1000)
    *err = "--sparse-lines must be 0..1000";
  else if (o->bed && (*o->bed < 0 || *o->bed > 255))
    *err = "--bed must be a gray level 0..255";
  else if (o->bed_texture < 0 || o->bed_texture > 127 || (o->bed_texture > 0 && !o->bed))
    *err = "--bed-texture needs --bed and must be 0..127";
  else if (o->curl < 0 || o->curl > 400)
    *err = "--curl must be 0..400 pixels";
  else if (o->curl_side != "right" && o->curl_side != "left")
    *err = "--curl-side must be right or left";
  else if (o->curl_flat < 0 || o->curl_flat > 0.95 || o->curl_spread < 0 || o->curl_spread > 1 ||
           o->curl_shadow < 0 || o->curl_shadow > 1)
    *err = "--curl-flat must be 0..0.95, --curl-spread and --curl-shadow 0..1";
  else if (!o->flat_out.empty() && o->curl <= 0)
    *err = "--flat-out needs --curl";
  Layout l{};
  if (err->empty() && o->layout != "mix" && !pageprep::testsupport::parse_layout(o->layout, &l))
    *err = "unknown layout: " + o->layout;
  return err->empty();
}

// --- DPI in PNG (pHYs) and JPEG (JFIF density): OpenCV writes neither. ---

uint32_t crc32(const uint8_t* p, size_t n) {
  static const auto table = [] {
    std::vector<uint32_t> t(256);
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

void put_be32(std::vector<uint8_t>* v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v->push_back(static_cast<uint8_t>(x >> s));
}

/// Inserts a pHYs chunk after IHDR (signature 8 bytes + IHDR 25 bytes).
void png_set_dpi(std::vector<uint8_t>* png, int dpi) {
  if (png->size() < 33 || std::string(png->begin() + 12, png->begin() + 16) != "IHDR") return;
  const uint32_t ppm = static_cast<uint32_t>(std::lround(dpi / 0.0254));
  std::vector<uint8_t> chunk;
  put_be32(&chunk, 9);
  for (char c : std::string("pHYs")) chunk.push_back(static_cast<uint8_t>(c));
  put_be32(&chunk, ppm);
  put_be32(&chunk, ppm);
  chunk.push_back(1);  // unit: metre
  put_be32(&chunk, crc32(chunk.data() + 4, chunk.size() - 4));
  png->insert(png->begin() + 33, chunk.begin(), chunk.end());
}

/// Sets the density fields of a leading JFIF APP0 segment to dots per inch.
void jpeg_set_dpi(std::vector<uint8_t>* jpg, int dpi) {
  auto& b = *jpg;
  if (b.size() < 18 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF || b[3] != 0xE0 ||
      std::string(b.begin() + 6, b.begin() + 11) != std::string("JFIF\0", 5))
    return;
  b[13] = 1;
  b[14] = b[16] = static_cast<uint8_t>(dpi >> 8);
  b[15] = b[17] = static_cast<uint8_t>(dpi & 0xFF);
}

bool write_image(const std::string& path, const cv::Mat& img, const std::string& fmt, int dpi) {
  std::vector<uint8_t> buf;
  if (fmt == "tif") {
    return cv::imwrite(
        path, img,
        {cv::IMWRITE_TIFF_RESUNIT, 2, cv::IMWRITE_TIFF_XDPI, dpi, cv::IMWRITE_TIFF_YDPI, dpi});
  }
  if (fmt == "png") {
    if (!cv::imencode(".png", img, buf, {cv::IMWRITE_PNG_COMPRESSION, 3})) return false;
    png_set_dpi(&buf, dpi);
  } else {
    if (!cv::imencode(".jpg", img, buf, {cv::IMWRITE_JPEG_QUALITY, 92})) return false;
    jpeg_set_dpi(&buf, dpi);
  }
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(buf.data()), static_cast<std::streamsize>(buf.size()));
  return static_cast<bool>(f);
}

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += c;
    }
  }
  return o + "\"";
}

/// Fixed notation (never an exponent, so simple parsers and regexes read it),
/// trailing zeros trimmed.
std::string json_number(double d) {
  char b[64];
  std::snprintf(b, sizeof b, "%.9f", d);
  std::string s = b;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string err;
  if (!parse_args(argc, argv, &o, &err)) {
    std::cerr << "pageprep-synth: " << err << "\n";
    usage(std::cerr);
    return 2;
  }
  const bool demo = o.preset == "demo", degraded = o.preset == "degraded";
  const int count = o.count.value_or(demo ? 6 : 1);
  const std::string layout_choice =
      (o.layout_given || o.preset.empty() || o.preset == "clean") ? o.layout : "mix";
  const std::string font_choice = o.font_given ? o.font : (demo ? "mix" : o.font);
  static const char* const kFonts[] = {"DejaVuSerif", "LiberationSerif-Regular", "DejaVuSans",
                                       "LiberationSans-Regular", "LiberationMono-Regular"};
  static const Layout kMix[] = {Layout::kSingleColumn, Layout::kTwoColumn, Layout::kTable,
                                Layout::kFigure, Layout::kSparse};

  std::error_code ec;
  std::filesystem::create_directories(o.out, ec);
  if (!o.clean_out.empty()) std::filesystem::create_directories(o.clean_out, ec);
  if (!o.flat_out.empty()) std::filesystem::create_directories(o.flat_out, ec);
  std::ofstream manifest(o.out + "/manifest.jsonl");
  if (!manifest) {
    std::cerr << "pageprep-synth: cannot write " << o.out << "/manifest.jsonl\n";
    return 1;
  }
  Rng choice(o.seed ^ 0xC401CE5ull);  // per-page choices (skew, preset variety)
  for (int i = 0; i < count; ++i) {
    PageSpec spec;
    spec.seed = o.seed + static_cast<uint64_t>(i);
    spec.dpi = o.dpi;
    spec.width_px = PageSpec::a4_width_px(o.dpi);
    spec.height_px = PageSpec::a4_height_px(o.dpi);
    spec.font_pt = o.font_pt;
    spec.sparse_lines = o.sparse_lines;
    spec.language = o.lang;
    spec.font = font_choice == "mix" ? kFonts[i % 5] : font_choice;
    if (layout_choice == "mix")
      spec.layout = kMix[i % 5];
    else
      pageprep::testsupport::parse_layout(layout_choice, &spec.layout);

    Degradation d;
    // Draw every per-page random value, used or not, so pages do not depend on flags.
    const double skew_sign = choice.chance(0.5) ? 1.0 : -1.0;
    const double skew_u = choice.uniform01(), noise_u = choice.uniform01(),
                 speck_u = choice.uniform01();
    if (demo) {
      d.skew_deg = skew_sign * (1.0 + 4.0 * skew_u);
      d.noise_sigma = 3.0 + 5.0 * noise_u;
      d.speck_density = 10.0 + 30.0 * speck_u;
      if (i % 6 == 1) d.illumination = 0.5;
      if (i % 6 == 2) d.dark_border_px = o.dpi / 4;
      if (i % 6 == 4) d.blur_sigma = 0.7;
    } else if (degraded) {
      d.skew_deg = skew_sign * (0.5 + 9.5 * skew_u);
      d.noise_sigma = 10.0;
      d.speck_density = 150.0;
      d.blur_sigma = 0.8;
      d.illumination = 0.5;
      d.contrast = 0.7;
      d.jpeg_quality = 70;
      if (i % 2 == 1) d.dark_border_px = o.dpi / 5;
    }
    if (o.skew_max) d.skew_deg = skew_sign * skew_u * *o.skew_max;
    if (o.skew) d.skew_deg = *o.skew;
    if (o.noise) d.noise_sigma = *o.noise;
    if (o.specks) d.speck_density = *o.specks;
    if (o.blur) d.blur_sigma = *o.blur;
    if (o.illumination) d.illumination = *o.illumination;
    if (o.yellow) d.paper_yellow = *o.yellow;
    if (o.contrast) d.contrast = *o.contrast;
    if (o.border) d.dark_border_px = *o.border;
    if (o.jpeg) d.jpeg_quality = *o.jpeg;
    if (o.rotate90) d.rotate90 = *o.rotate90;
    d.color = o.color;

    GeneratedPage page;
    if (!pageprep::testsupport::generate_page(spec, d, &page, &err)) {
      std::cerr << "pageprep-synth: page " << i + 1 << ": " << err << "\n";
      return 1;
    }
    char stem[32];
    std::snprintf(stem, sizeof stem, "page-%04d", i + 1);
    const std::string file = std::string(stem) + "." + o.format;
    pageprep::testsupport::CurlSpec curl;
    curl.depth_px = o.curl;
    curl.binding_right = o.curl_side == "right";
    curl.flat_fraction = o.curl_flat;
    curl.spread = o.curl_spread;
    curl.shadow_depth = o.curl_shadow;
    if (o.curl > 0) {
      if (!o.flat_out.empty() &&
          !write_image(o.flat_out + "/" + file, page.degraded, o.format, spec.dpi)) {
        std::cerr << "pageprep-synth: cannot write " << o.flat_out << "/" << file << "\n";
        return 1;
      }
      page.degraded = pageprep::testsupport::curl_page(page.degraded, curl);
    }
    cv::Rect page_box(0, 0, page.degraded.cols, page.degraded.rows);
    if (o.bed) {
      pageprep::testsupport::BedSpec bed;
      bed.bed_level = *o.bed;
      bed.texture_amplitude = o.bed_texture;
      auto on_bed = pageprep::testsupport::place_on_bed(page.degraded, bed, spec.seed ^ 0xBEDull);
      page.degraded = on_bed.image;
      page_box = on_bed.page_box;
    }
    if (!write_image(o.out + "/" + file, page.degraded, o.format, spec.dpi) ||
        (!o.clean_out.empty() &&
         !write_image(o.clean_out + "/" + file, page.clean, o.format, spec.dpi))) {
      std::cerr << "pageprep-synth: cannot write " << file << "\n";
      return 1;
    }
    {
      std::ofstream gt(o.out + "/" + stem + ".gt.txt", std::ios::binary);
      gt << page.text;
      if (!gt) {
        std::cerr << "pageprep-synth: cannot write " << stem << ".gt.txt\n";
        return 1;
      }
    }
    manifest << "{\"file\":" << json_string(file)
             << ",\"gt\":" << json_string(std::string(stem) + ".gt.txt")
             << ",\"seed\":" << spec.seed << ",\"layout\":" << json_string(layout_name(spec.layout))
             << ",\"font\":" << json_string(spec.font)
             << ",\"font_pt\":" << json_number(spec.font_pt)
             << ",\"language\":" << json_string(spec.language) << ",\"dpi\":" << spec.dpi
             << ",\"width\":" << page.degraded.cols << ",\"height\":" << page.degraded.rows
             << ",\"skew_deg\":" << json_number(d.skew_deg) << ",\"rotate90\":" << d.rotate90
             << ",\"noise_sigma\":" << json_number(d.noise_sigma)
             << ",\"speck_density\":" << json_number(d.speck_density)
             << ",\"blur_sigma\":" << json_number(d.blur_sigma)
             << ",\"illumination\":" << json_number(d.illumination)
             << ",\"paper_yellow\":" << json_number(d.paper_yellow)
             << ",\"contrast\":" << json_number(d.contrast)
             << ",\"dark_border_px\":" << d.dark_border_px << ",\"jpeg_quality\":" << d.jpeg_quality
             << ",\"color\":" << (d.color ? "true" : "false") << ",\"margin_px\":" << page.margin_px
             << ",\"glyphs\":" << page.glyphs << ",\"page_box\":[" << page_box.x << ","
             << page_box.y << "," << page_box.width << "," << page_box.height << "]"
             << ",\"picture_boxes\":[";
    // On the degraded page: only where it is neither skewed, turned nor curled (else []).
    const bool boxes_hold = d.skew_deg == 0 && d.rotate90 == 0 && o.curl <= 0;
    for (size_t b = 0; boxes_hold && b < page.picture_boxes.size(); ++b) {
      const cv::Rect& r = page.picture_boxes[b];
      manifest << (b ? "," : "") << "[" << r.x + page_box.x << "," << r.y + page_box.y << ","
               << r.width << "," << r.height << "]";
    }
    manifest << "]";
    if (o.curl > 0)
      manifest << ",\"curl\":{\"depth_px\":" << json_number(curl.depth_px)
               << ",\"side\":" << json_string(o.curl_side)
               << ",\"flat_fraction\":" << json_number(curl.flat_fraction)
               << ",\"spread\":" << json_number(curl.spread)
               << ",\"shadow_depth\":" << json_number(curl.shadow_depth)
               << ",\"shadow_width_px\":" << json_number(curl.shadow_width_px) << "}";
    manifest << "}\n";
  }
  manifest.flush();
  if (!manifest) {
    std::cerr << "pageprep-synth: cannot write the manifest\n";
    return 1;
  }
  std::cout << "pageprep-synth: wrote " << count << " page(s) to " << o.out << "\n";
  return 0;
}
