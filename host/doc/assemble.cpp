// assemble_document: B.pdf and B.txt from the master and the page artifacts
// (assemble.hpp has the contract).
#include "doc/assemble.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <qpdf/Pipeline.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <opencv2/imgcodecs.hpp>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "doc/mrc.hpp"
#include "doc/ocr_layer_strip.hpp"
#include "doc/page_artifact.hpp"
#include "doc/pdf_write.hpp"
#include "doc/text_layer.hpp"
#include "io/atomic_file.hpp"
#include "io/codec.hpp"
#include "io/output_names.hpp"
#include "io/pdf_document.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFontName = "/FPageprepOCR";

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return "";
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", std::fabs(v) < 5e-5 ? 0.0 : v);
  return b;
}

std::string matrix_text(const Affine& m) {
  return num(m.a) + " " + num(m.b) + " " + num(m.c) + " " + num(m.d) + " " + num(m.e) + " " +
         num(m.f);
}

Affine affine_of(const double* m) {
  return {m[0], m[1], m[2], m[3], m[4], m[5]};
}

// EXIF orientation of a JPEG (1 when absent or unreadable).
int jpeg_exif_orientation(const std::string& j) {
  const auto* d = reinterpret_cast<const uint8_t*>(j.data());
  const size_t n = j.size();
  size_t pos = 2;
  while (pos + 4 <= n && d[pos] == 0xFF) {
    const uint8_t marker = d[pos + 1];
    if (marker == 0xDA || marker == 0xD9) break;
    const size_t len = static_cast<size_t>(d[pos + 2] << 8 | d[pos + 3]);
    if (marker == 0xE1 && len >= 16 && pos + 2 + len <= n &&
        std::memcmp(d + pos + 4, "Exif\0\0", 6) == 0) {
      const uint8_t* t = d + pos + 10;
      const size_t tn = len - 8;
      const bool le = t[0] == 'I';
      auto u16 = [&](size_t o) -> uint32_t {
        return o + 2 > tn ? 0 : le ? (t[o] | t[o + 1] << 8) : (t[o] << 8 | t[o + 1]);
      };
      auto u32 = [&](size_t o) -> uint32_t {
        return o + 4 > tn ? 0 : le ? (u16(o) | u16(o + 2) << 16) : (u16(o) << 16 | u16(o + 2));
      };
      const size_t ifd = u32(4);
      const uint32_t count = u16(ifd);
      for (uint32_t i = 0; i < count; ++i) {
        const size_t e = ifd + 2 + 12 * i;
        if (e + 12 > tn) break;
        if (u16(e) == 0x0112) return static_cast<int>(u16(e + 8));
      }
      return 1;
    }
    pos += 2 + len;
  }
  return 1;
}

// ------------------------------------------------------------ images ----

/// kPngFile: the PNG's own zlib data, embedded unchanged (png_stream_for_pdf);
/// kBits1, kGray8, kRgb8: decoded pixels, compressed by qpdf.
enum class ImageKind { kJpegFile, kJpxFile, kPngFile, kBits1, kGray8, kRgb8 };

struct ImageSource {
  ImageKind kind = ImageKind::kGray8;
  std::string path;  ///< file to read at write time
  int32_t page = 0;  ///< page of a multi-page file
  int32_t width = 0, height = 0;
  int32_t jpeg_components = 1;
  int32_t png_depth = 8, png_colors = 1;
};

cv::Mat decode_gray(const ImageSource& s) {
  kernels::cpu::ThreadPool pool(1);
  DecodeResult r = decode_page(s.path, s.page, DecodeLimits{}, pool);
  if (r.error != PageError::kNone) throw std::runtime_error(r.message);
  return r.page.gray;
}

// The stream data of one image, produced while the PDF is written.
void provide_image(const ImageSource& s, Pipeline* p) {
  if (s.kind == ImageKind::kJpegFile || s.kind == ImageKind::kJpxFile) {
    const std::string bytes = read_all(s.path);
    if (bytes.empty()) throw std::runtime_error("cannot read " + s.path);
    p->write(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
    p->finish();
    return;
  }
  if (s.kind == ImageKind::kPngFile) {
    PngStream png;
    if (!png_stream_for_pdf(read_all(s.path), &png) || png.width != s.width ||
        png.height != s.height || png.depth != s.png_depth || png.colors != s.png_colors)
      throw std::runtime_error(s.path + " changed since its page was processed");
    p->write(reinterpret_cast<const unsigned char*>(png.zlib.data()), png.zlib.size());
    p->finish();
    return;
  }
  cv::Mat m;
  if (s.kind == ImageKind::kRgb8) {
    std::vector<cv::Mat> pages;
    if (cv::imreadmulti(s.path, pages, s.page, 1, cv::IMREAD_COLOR) && !pages.empty())
      m = pages[0];
    else
      m = cv::imread(s.path, cv::IMREAD_COLOR);
    if (m.empty()) throw std::runtime_error("cannot decode " + s.path);
  } else {
    m = decode_gray(s);
  }
  if (m.cols != s.width || m.rows != s.height)
    throw std::runtime_error(s.path + " changed size since its page was processed");
  std::vector<unsigned char> row;
  for (int y = 0; y < m.rows; ++y) {
    const uint8_t* r = m.ptr<uint8_t>(y);
    if (s.kind == ImageKind::kBits1) {
      row.assign(static_cast<size_t>((m.cols + 7) / 8), 0);
      for (int x = 0; x < m.cols; ++x)
        if (r[x] >= 128)
          row[static_cast<size_t>(x / 8)] |= static_cast<unsigned char>(0x80 >> (x % 8));
    } else if (s.kind == ImageKind::kRgb8) {
      row.resize(static_cast<size_t>(m.cols) * 3);
      for (int x = 0; x < m.cols; ++x) {  // BGR -> RGB
        row[3 * x] = r[3 * x + 2];
        row[3 * x + 1] = r[3 * x + 1];
        row[3 * x + 2] = r[3 * x];
      }
    } else {
      row.assign(r, r + m.cols);
    }
    p->write(row.data(), row.size());
  }
  p->finish();
}

QPDFObjectHandle image_xobject(QPDF& out, const ImageSource& s) {
  QPDFObjectHandle img = out.newStream();
  QPDFObjectHandle d = img.getDict();
  d.replaceKey("/Type", QPDFObjectHandle::newName("/XObject"));
  d.replaceKey("/Subtype", QPDFObjectHandle::newName("/Image"));
  d.replaceKey("/Width", QPDFObjectHandle::newInteger(s.width));
  d.replaceKey("/Height", QPDFObjectHandle::newInteger(s.height));
  QPDFObjectHandle filter = QPDFObjectHandle::newNull();
  QPDFObjectHandle parms = QPDFObjectHandle::newNull();
  switch (s.kind) {
    case ImageKind::kJpegFile:
      filter = QPDFObjectHandle::newName("/DCTDecode");
      d.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(8));
      d.replaceKey("/ColorSpace",
                   QPDFObjectHandle::newName(s.jpeg_components == 1   ? "/DeviceGray"
                                             : s.jpeg_components == 4 ? "/DeviceCMYK"
                                                                      : "/DeviceRGB"));
      break;
    case ImageKind::kJpxFile:
      filter = QPDFObjectHandle::newName("/JPXDecode");  // colour space from the codestream
      break;
    case ImageKind::kPngFile:
      // PNG's rows are zlib data of filtered rows: Flate with the PNG predictors.
      filter = QPDFObjectHandle::newName("/FlateDecode");
      parms = QPDFObjectHandle::newDictionary();
      parms.replaceKey("/Predictor", QPDFObjectHandle::newInteger(15));
      parms.replaceKey("/Colors", QPDFObjectHandle::newInteger(s.png_colors));
      parms.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(s.png_depth));
      parms.replaceKey("/Columns", QPDFObjectHandle::newInteger(s.width));
      d.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(s.png_depth));
      d.replaceKey("/ColorSpace",
                   QPDFObjectHandle::newName(s.png_colors == 3 ? "/DeviceRGB" : "/DeviceGray"));
      break;
    case ImageKind::kBits1:
      d.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(1));
      d.replaceKey("/ColorSpace", QPDFObjectHandle::newName("/DeviceGray"));
      break;
    case ImageKind::kGray8:
      d.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(8));
      d.replaceKey("/ColorSpace", QPDFObjectHandle::newName("/DeviceGray"));
      break;
    case ImageKind::kRgb8:
      d.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(8));
      d.replaceKey("/ColorSpace", QPDFObjectHandle::newName("/DeviceRGB"));
      break;
  }
  img.replaceStreamData([s](Pipeline* p) { provide_image(s, p); }, filter, parms);
  return img;
}

// The original image of a raster master page.
ImageSource original_image(const PageArtifact& a) {
  ImageSource s;
  s.path = a.input;
  s.page = a.page;
  s.width = a.master_w;
  s.height = a.master_h;
  if (a.format == "jpeg") {
    const std::string bytes = read_all(a.input);
    if (!bytes.empty() && jpeg_exif_orientation(bytes) == 1) {
      s.kind = ImageKind::kJpegFile;
      s.jpeg_components = a.source_channels;
      return s;
    }
  }
  if (a.format == "png") {
    // Embedded as it stands when a PDF can show it so (no decode, no deflate:
    // re-compressing the pixels took ~11% of a default run's CPU).
    PngStream png;
    if (png_stream_for_pdf(read_all(a.input), &png) && png.width == a.master_w &&
        png.height == a.master_h) {
      s.kind = ImageKind::kPngFile;
      s.png_depth = png.depth;
      s.png_colors = png.colors;
      return s;
    }
  }
  if (a.format == "jp2" || a.format == "j2k") {
    s.kind = ImageKind::kJpxFile;
    return s;
  }
  if (a.source_channels >= 3)
    s.kind = ImageKind::kRgb8;
  else if (a.source_depth_bits == 1)
    s.kind = ImageKind::kBits1;
  else
    s.kind = ImageKind::kGray8;
  return s;
}

// A new page of w x h points: `draw` paints the named XObjects, then `text`.
QPDFObjectHandle new_page(QPDF& out, double w_pt, double h_pt,
                          const std::vector<std::pair<std::string, QPDFObjectHandle>>& xobjects,
                          std::string draw, QPDFObjectHandle font, const std::string& text) {
  QPDFObjectHandle resources = QPDFObjectHandle::newDictionary();
  QPDFObjectHandle xo = QPDFObjectHandle::newDictionary();
  for (const auto& [name, x] : xobjects) xo.replaceKey(name, x);
  resources.replaceKey("/XObject", xo);
  if (!text.empty()) {
    QPDFObjectHandle fonts = QPDFObjectHandle::newDictionary();
    fonts.replaceKey(kFontName, font);
    resources.replaceKey("/Font", fonts);
    draw += text;
  }
  QPDFObjectHandle page = QPDFObjectHandle::newDictionary();
  page.replaceKey("/Type", QPDFObjectHandle::newName("/Page"));
  page.replaceKey("/MediaBox",
                  QPDFObjectHandle::newArray(QPDFObjectHandle::Rectangle(0, 0, w_pt, h_pt)));
  page.replaceKey("/Resources", resources);
  page.replaceKey("/Contents", out.newStream(draw));
  return out.makeIndirectObject(page);
}

// A new page of w x h points showing `image` over the whole page, plus `text`.
QPDFObjectHandle image_page(QPDF& out, double w_pt, double h_pt, QPDFObjectHandle image,
                            QPDFObjectHandle font, const std::string& text) {
  return new_page(out, w_pt, h_pt, {{"/Im0", image}},
                  "q " + matrix_text({w_pt, 0, 0, h_pt, 0, 0}) + " cm /Im0 Do Q\n", font, text);
}

// The master as decoded for MRC: colour when it has colour.
cv::Mat decode_master(const PageArtifact& a) {
  ImageSource s;
  s.path = a.input;
  s.page = a.page;
  cv::Mat m;
  if (a.source_channels >= 3) {
    std::vector<cv::Mat> pages;
    if (cv::imreadmulti(a.input, pages, a.page, 1, cv::IMREAD_COLOR) && !pages.empty())
      m = pages[0];
    else
      m = cv::imread(a.input, cv::IMREAD_COLOR);
  }
  if (m.empty()) m = decode_gray(s);
  if (m.cols != a.master_w || m.rows != a.master_h)
    throw std::runtime_error(a.input + " changed size since its page was processed");
  return m;
}

// An MRC page (doc/mrc.hpp): the background over the whole page, the text
// mask painted black over it, then the text layer.
QPDFObjectHandle mrc_page(QPDF& out, const PageArtifact& a, double w_pt, double h_pt,
                          QPDFObjectHandle font, const std::string& text) {
  const MrcLayers l = make_mrc_layers(decode_master(a), a.dpi_x);
  QPDFObjectHandle bg = out.newStream(std::string(l.bg_jpeg.begin(), l.bg_jpeg.end()));
  QPDFObjectHandle bd = bg.getDict();
  bd.replaceKey("/Type", QPDFObjectHandle::newName("/XObject"));
  bd.replaceKey("/Subtype", QPDFObjectHandle::newName("/Image"));
  bd.replaceKey("/Width", QPDFObjectHandle::newInteger(l.bg_width));
  bd.replaceKey("/Height", QPDFObjectHandle::newInteger(l.bg_height));
  bd.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(8));
  bd.replaceKey("/ColorSpace",
                QPDFObjectHandle::newName(l.bg_channels == 3 ? "/DeviceRGB" : "/DeviceGray"));
  bd.replaceKey("/Filter", QPDFObjectHandle::newName("/DCTDecode"));
  QPDFObjectHandle mask = out.newStream(std::string(l.mask_g4.begin(), l.mask_g4.end()));
  QPDFObjectHandle md = mask.getDict();
  md.replaceKey("/Type", QPDFObjectHandle::newName("/XObject"));
  md.replaceKey("/Subtype", QPDFObjectHandle::newName("/Image"));
  md.replaceKey("/Width", QPDFObjectHandle::newInteger(l.width));
  md.replaceKey("/Height", QPDFObjectHandle::newInteger(l.height));
  md.replaceKey("/ImageMask", QPDFObjectHandle::newBool(true));
  md.replaceKey("/Filter", QPDFObjectHandle::newName("/CCITTFaxDecode"));
  QPDFObjectHandle parms = QPDFObjectHandle::newDictionary();
  parms.replaceKey("/K", QPDFObjectHandle::newInteger(-1));
  parms.replaceKey("/Columns", QPDFObjectHandle::newInteger(l.width));
  parms.replaceKey("/Rows", QPDFObjectHandle::newInteger(l.height));
  md.replaceKey("/DecodeParms", parms);  // BlackIs1 false: ink decodes to 0, which paints
  const std::string place = matrix_text({w_pt, 0, 0, h_pt, 0, 0}) + " cm";
  return new_page(out, w_pt, h_pt, {{"/Bg", bg}, {"/Mask", mask}},
                  "q " + place + " /Bg Do Q\nq 0 g " + place + " /Mask Do Q\n", font, text);
}

// Adds the text layer to a page copied from a PDF master, leaving its own
// resources (possibly shared with other pages) untouched.
void add_text_to_copied_page(QPDF& out, QPDFPageObjectHelper page, QPDFObjectHandle font,
                             const std::string& text) {
  QPDFObjectHandle res = page.getAttribute("/Resources", true);
  if (!res.isDictionary()) {
    res = QPDFObjectHandle::newDictionary();
    page.getObjectHandle().replaceKey("/Resources", res);
  } else if (res.isIndirect()) {
    res = res.shallowCopy();
    page.getObjectHandle().replaceKey("/Resources", res);
  }
  QPDFObjectHandle fonts = res.getKey("/Font");
  fonts = fonts.isDictionary() ? fonts.shallowCopy() : QPDFObjectHandle::newDictionary();
  fonts.replaceKey(kFontName, font);
  res.replaceKey("/Font", fonts);
  // The page's own graphics state must not leak into the text layer.
  page.addPageContents(out.newStream(std::string("q\n")), true);
  page.addPageContents(out.newStream("Q\n" + text), false);
}

QPDFObjectHandle copy_box(QPDFPageObjectHelper& src, const char* key) {
  QPDFObjectHandle b = src.getAttribute(key, false);
  return b.isArray() ? b.shallowCopy() : QPDFObjectHandle::newNull();
}

std::string join_text(const std::vector<std::string>& pages) {
  std::string t;
  for (size_t i = 0; i < pages.size(); ++i) {
    if (i) t += '\f';
    t += pages[i];
  }
  return t;
}

}  // namespace

std::string DocumentOptions::canonical() const {
  return std::string("pdf=") + (pdf ? "1" : "0") + ";sidecar=" + (sidecar ? "1" : "0") + ";image=" +
         (pdf_image == PdfImage::kClean ? "clean"
          : pdf_image == PdfImage::kMrc ? "mrc"
                                        : "original");
}

AssembleResult assemble_document(const std::string& outdir, const DocumentSpec& doc,
                                 const DocumentOptions& options, const std::string& temp_dir) {
  AssembleResult res;
  if (!options.pdf && !options.sidecar) {
    res.skipped = true;
    return res;
  }
  const fs::path root(outdir);
  const size_t n_pages = doc.page_stems.size();
  // The document's pages: each master page whole, or its halves (--split).
  struct Entry {
    size_t page = 0;  ///< the master's page
    std::string stem, key;
  };
  std::vector<Entry> entries;
  std::vector<PageArtifact> pages;
  std::vector<bool> have;
  // What the outputs are made from: the options and every page's record.
  std::string made_from = options.canonical() + "|" + doc.input + "|" + std::to_string(n_pages);
  size_t usable = 0;  // master pages with a usable record (whole, or both halves)
  const auto load = [&](const std::string& stem, const std::string& key, PageArtifact* a,
                        std::string* text) {
    *text = read_all(root / page_artifact_path(stem));
    std::string err;
    return !text->empty() && parse_page_artifact(*text, a, &err) && (key.empty() || key == a->key);
  };
  for (size_t i = 0; i < n_pages; ++i) {
    const std::string key = i < doc.page_keys.size() ? doc.page_keys[i] : std::string();
    PageArtifact a;
    std::string text;
    const bool ok = load(doc.page_stems[i], key, &a, &text);
    if (ok || !doc.split) {
      entries.push_back({i, doc.page_stems[i], key});
      pages.push_back(std::move(a));
      have.push_back(ok);
      usable += ok;
      made_from += ok ? "|" + text : "|missing";
      continue;
    }
    // Its halves, in reading order; a page with neither stays one missing page.
    const auto page_i = static_cast<int32_t>(i);
    bool any = false, both = true;
    for (bool left : {!doc.right_to_left, doc.right_to_left}) {
      const std::string stem = half_stem(doc.base, page_i, left);
      const std::string hkey = key.empty() ? key : key + (left ? "|L" : "|R");
      PageArtifact h;
      std::string htext;
      const bool half_ok = load(stem, hkey, &h, &htext);
      both = both && half_ok;
      if (!half_ok) continue;
      any = true;
      entries.push_back({i, stem, hkey});
      pages.push_back(std::move(h));
      have.push_back(true);
      made_from += "|" + htext;
    }
    usable += both;
    if (!any) {
      entries.push_back({i, doc.page_stems[i], key});
      pages.emplace_back();
      have.push_back(false);
      made_from += "|missing";
    }
  }
  const size_t n = entries.size();
  if (doc.complete_only && usable < n_pages) {  // other shards' pages are not done yet
    res.skipped = true;
    return res;
  }
  if (usable == 0) {  // every page failed, each with its own error: nothing to build
    res.skipped = true;
    return res;
  }
  const fs::path pdf_path = root / (doc.base + ".pdf");
  const fs::path txt_path = root / (doc.base + ".txt");
  const fs::path stamp_path = root / ".pageprep" / "docs" / (doc.base + ".done");
  const uint64_t stamp = fnv1a64(made_from);
  char stamp_hex[24];
  std::snprintf(stamp_hex, sizeof stamp_hex, "%016llx", static_cast<unsigned long long>(stamp));
  std::error_code ec;
  if (read_all(stamp_path) == stamp_hex && (!options.pdf || fs::exists(pdf_path, ec)) &&
      (!options.sidecar || fs::exists(txt_path, ec))) {
    res.skipped = true;
    if (options.pdf) res.outputs.emplace_back("pdf", pdf_path.string());
    if (options.sidecar) res.outputs.emplace_back("document_text", txt_path.string());
    return res;
  }
  fs::create_directories(pdf_path.parent_path(), ec);

  bool master_is_pdf = false;
  for (size_t i = 0; i < n; ++i)
    if (have[i]) master_is_pdf = pages[i].format == "pdf";
  std::vector<int> without_text;
  std::vector<int> lost;  // input pages whose object was lost: an empty page stands in

  if (options.pdf) {
    try {
      QPDF out;
      out.emptyPDF();
      out.setSuppressWarnings(true);
      QPDFPageDocumentHelper out_pages(out);
      PdfOpen src;
      if (master_is_pdf) {
        src = open_pdf(doc.input);
        if (src.error != PageError::kNone || src.pages.size() != n_pages) {
          res.ok = false;
          res.message =
              doc.input + ": " +
              (src.error != PageError::kNone ? src.message : std::string("page count changed"));
          return res;
        }
      }
      QPDFObjectHandle font;
      auto font_handle = [&]() {
        if (font.isInitialized() && !font.isNull()) return font;
        std::string err;
        font = make_glyphless_font(out, &err);
        if (font.isNull()) throw std::runtime_error(err);
        return font;
      };
      for (size_t i = 0; i < n; ++i) {
        const PageArtifact& a = pages[i];
        const bool text_wanted = have[i] && a.ocr && !a.lines.empty();
        if (!have[i]) without_text.push_back(static_cast<int>(entries[i].page));
        if (have[i] && options.pdf_image == PdfImage::kClean && !a.clean_image.empty()) {
          // The cleaned page, at the master's resolution.
          ImageSource s;
          s.path = (root / a.clean_image).string();
          s.kind = a.clean_is_binary ? ImageKind::kBits1 : ImageKind::kGray8;
          s.width = a.geometry.processed_w;
          s.height = a.geometry.processed_h;
          const double w_pt = s.width * 72.0 / a.dpi_x, h_pt = s.height * 72.0 / a.dpi_y;
          const Affine to_user{72.0 / a.dpi_x, 0, 0, -72.0 / a.dpi_y, 0, h_pt};
          const std::string text =
              text_wanted ? text_layer_content(a.lines, to_user, kFontName) : "";
          out_pages.addPage(
              QPDFPageObjectHelper(image_page(out, w_pt, h_pt, image_xobject(out, s),
                                              text.empty() ? font : font_handle(), text)),
              false);
          continue;
        }
        if (master_is_pdf) {
          QPDFPageObjectHelper sp = src.pages[entries[i].page];
          const Affine to_user =
              have[i] ? then(a.geometry.processed_to_master, affine_of(a.pdf.master_to_user))
                      : Affine{};
          if (have[i] && a.pdf.native) {
            // A new page with the same boxes and rotation showing the image
            // object copied as it is (an old OCR layer is dropped).
            const PdfPagePlan plan = plan_pdf_page(sp);
            QPDFObjectHandle image = out.copyForeignObject(plan.content.image);
            QPDFObjectHandle resources = QPDFObjectHandle::newDictionary();
            QPDFObjectHandle xobjects = QPDFObjectHandle::newDictionary();
            xobjects.replaceKey("/Im0", image);
            resources.replaceKey("/XObject", xobjects);
            std::string content = "q " + matrix_text(plan.content.image_ctm) + " cm /Im0 Do Q\n";
            const std::string text =
                text_wanted ? text_layer_content(a.lines, to_user, kFontName) : "";
            if (!text.empty()) {
              QPDFObjectHandle fonts = QPDFObjectHandle::newDictionary();
              fonts.replaceKey(kFontName, font_handle());
              resources.replaceKey("/Font", fonts);
              content += text;
            }
            QPDFObjectHandle page = QPDFObjectHandle::newDictionary();
            page.replaceKey("/Type", QPDFObjectHandle::newName("/Page"));
            page.replaceKey("/MediaBox", copy_box(sp, "/MediaBox"));
            QPDFObjectHandle crop = copy_box(sp, "/CropBox");
            if (!crop.isNull()) page.replaceKey("/CropBox", crop);
            if (plan.box.rotate)
              page.replaceKey("/Rotate", QPDFObjectHandle::newInteger(plan.box.rotate));
            // The boxes and the text layer are in the source's user units.
            if (plan.box.user_unit != 1.0)
              page.replaceKey("/UserUnit", QPDFObjectHandle::newReal(plan.box.user_unit, 6));
            page.replaceKey("/Resources", resources);
            page.replaceKey("/Contents", out.newStream(content));
            out_pages.addPage(QPDFPageObjectHelper(out.makeIndirectObject(page)), false);
          } else if (!sp.getObjectHandle().isDictionary()) {
            lost.push_back(static_cast<int>(entries[i].page));
            // The input's page object was lost (its page failed as corrupt):
            // an empty letter-size page keeps the numbering, and the output
            // stays a valid PDF (a copied null page fails qpdf --check).
            out_pages.addPage(QPDFPageObjectHelper(new_page(out, 612, 792, {}, "", font, "")),
                              false);
          } else {
            // Vector or born-digital page (or a failed one): the page itself;
            // OCR text only where the page shows none of its own.
            out_pages.addPage(sp, false);
            QPDFPageObjectHelper copied = out_pages.getAllPages().back();
            const std::string text = text_wanted && !a.pdf.has_text
                                         ? text_layer_content(a.lines, to_user, kFontName)
                                         : "";
            if (!text.empty()) {
              // The new OCR layer replaces an old invisible one (--redo-ocr).
              if (scan_pdf_page(sp).invisible_text) strip_invisible_text(copied);
              add_text_to_copied_page(out, copied, font_handle(), text);
            }
          }
          continue;
        }
        if (!have[i]) continue;  // a raster master page that failed: left out
        const double w_pt = a.master_w * 72.0 / a.dpi_x, h_pt = a.master_h * 72.0 / a.dpi_y;
        const Affine master_to_user{72.0 / a.dpi_x, 0, 0, -72.0 / a.dpi_y, 0, h_pt};
        const std::string text =
            text_wanted
                ? text_layer_content(a.lines, then(a.geometry.processed_to_master, master_to_user),
                                     kFontName)
                : "";
        QPDFObjectHandle page =
            options.pdf_image == PdfImage::kMrc
                ? mrc_page(out, a, w_pt, h_pt, text.empty() ? font : font_handle(), text)
                : image_page(out, w_pt, h_pt, image_xobject(out, original_image(a)),
                             text.empty() ? font : font_handle(), text);
        if (a.view_w > 0 && a.view_h > 0) {
          // A split half: the master's page, showing only the half (its text
          // layer is on the master's coordinates already).
          const double kx = 72.0 / a.dpi_x, ky = 72.0 / a.dpi_y;
          page.replaceKey("/MediaBox", QPDFObjectHandle::newArray(QPDFObjectHandle::Rectangle(
                                           a.view_x * kx, h_pt - (a.view_y + a.view_h) * ky,
                                           (a.view_x + a.view_w) * kx, h_pt - a.view_y * ky)));
        }
        out_pages.addPage(QPDFPageObjectHelper(page), false);
      }
      QPDFObjectHandle info = out.makeIndirectObject(QPDFObjectHandle::newDictionary());
      info.replaceKey("/Producer", QPDFObjectHandle::newUnicodeString("pageprep " PAGEPREP_VERSION
                                                                      " (qpdf, Tesseract)"));
      out.getTrailer().replaceKey("/Info", info);
      std::string err;
      // A PDF master with an owner password keeps it and its restrictions.
      if (!write_pdf_atomic(out, pdf_path.string(), temp_dir, &err,
                            master_is_pdf ? src.pdf.get() : nullptr)) {
        res.ok = false;
        res.message = err;
        return res;
      }
      res.outputs.emplace_back("pdf", pdf_path.string());
    } catch (const std::exception& e) {
      res.ok = false;
      res.message = std::string("cannot build the PDF: ") + e.what();
      return res;
    }
  }
  if (options.sidecar) {
    std::vector<std::string> texts(n);
    for (size_t i = 0; i < n; ++i)
      if (have[i]) texts[i] = pages[i].text;
    const std::string t = join_text(texts);
    std::string msg;
    if (write_file_atomic(txt_path.string(), std::vector<uint8_t>(t.begin(), t.end()), &msg,
                          temp_dir) != PageError::kNone) {
      res.ok = false;
      res.message = msg;
      return res;
    }
    res.outputs.emplace_back("document_text", txt_path.string());
  }
  fs::create_directories(stamp_path.parent_path(), ec);
  std::string msg;
  write_file_atomic(stamp_path.string(), std::vector<uint8_t>(stamp_hex, stamp_hex + 16), &msg,
                    temp_dir);
  res.pages_without_text = static_cast<int32_t>(without_text.size());
  if (!without_text.empty()) {
    std::string list;
    for (size_t k = 0; k < without_text.size() && k < 20; ++k)
      list += (k ? ", " : "") + std::to_string(without_text[k] + 1);
    if (without_text.size() > 20) list += ", ...";
    res.message = std::to_string(without_text.size()) + " page(s) failed and " +
                  (master_is_pdf ? "were copied without OCR text" : "are left out") + ": page " +
                  list;
  }
  if (!lost.empty())
    res.message += (res.message.empty() ? "" : "; ") + std::to_string(lost.size()) +
                   " page object(s) lost in the input, an empty page stands in for each: page " +
                   std::to_string(lost.front() + 1) + (lost.size() > 1 ? ", ..." : "");
  return res;
}

}  // namespace pageprep::host
