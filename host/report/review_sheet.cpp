// The review sheet: thumbnails of the masters, the PDF, and
// `pageprep report OUTDIR --review` (review_sheet.hpp).
#include "report/review_sheet.hpp"

#include <qpdf/QPDF.hh>
#include <qpdf/QPDFObjectHandle.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "doc/pdf_write.hpp"
#include "io/codec.hpp"
#include "report/review_layout.hpp"
#include "util/json_reader.hpp"

namespace pageprep::host {
namespace fs = std::filesystem;
using review::Point;
using review::Rect;

namespace {

/// PDF pages that are rendered (not one image) are rendered at this dpi for
/// their thumbnail: an A4 page is then about 330 x 470 pixels.
constexpr double kThumbPdfDpi = 40.0;
constexpr int kThumbJpegQuality = 75;
/// Doubt of a cell whose master cannot be read now (it cannot be checked by eye).
constexpr int kPlaceholderDoubt = 60;

void load_one(ReviewCell* c, int max_side, const DecodeLimits& limits,
              kernels::cpu::ThreadPool& pool) {
  const ReviewPart& p0 = c->parts.front();
  c->master_w = static_cast<double>(p0.width);
  c->master_h = static_cast<double>(p0.height);
  DecodeResult r = decode_page(c->path.empty() ? c->input : c->path, c->page, limits, pool);
  if (r.error != PageError::kNone) {
    c->thumb_error = std::string(error_code_name(r.error)) + ": " + r.message;
    return;
  }
  const cv::Mat& g = r.page.gray;
  if (c->master_w <= 0 || c->master_h <= 0) {
    c->master_w = g.cols;
    c->master_h = g.rows;
  }
  // The boxes are in the master's pixels as the run saw it. An image must be
  // that size (a JPEG or JPEG 2000: that size reduced 2^k); a PDF page
  // rendered here at a lower dpi must keep its shape.
  const bool pdf = r.page.format == "pdf" || p0.format == "pdf";
  bool same = false;
  const auto mw = static_cast<int64_t>(c->master_w), mh = static_cast<int64_t>(c->master_h);
  if (pdf) {
    same = std::fabs(g.cols / c->master_w - g.rows / c->master_h) <=
           0.02 * std::max(g.cols / c->master_w, g.rows / c->master_h);
  } else {
    // JPEG and JPEG 2000 may come 2^k smaller a side (reduce_to_side); JPEG
    // 2000 with an image origin may round one pixel the other way.
    const bool reducible =
        r.page.format == "jpeg" || r.page.format == "jp2" || r.page.format == "j2k";
    const int64_t slack = r.page.format == "jpeg" ? 0 : 1;
    for (int64_t d = 1; d <= (reducible ? 32 : 1) && !same; d *= 2)
      same = std::abs((mw + d - 1) / d - g.cols) <= (d > 1 ? slack : 0) &&
             std::abs((mh + d - 1) / d - g.rows) <= (d > 1 ? slack : 0);
  }
  if (!same) {
    c->thumb_error = "the input changed since the run (" + std::to_string(g.cols) + "x" +
                     std::to_string(g.rows) + " px, the run read " +
                     std::to_string(static_cast<int64_t>(c->master_w)) + "x" +
                     std::to_string(static_cast<int64_t>(c->master_h)) + ")";
    return;
  }
  cv::Mat small = g;
  const double s = static_cast<double>(max_side) / std::max(g.cols, g.rows);
  if (s < 1)
    cv::resize(g, small,
               cv::Size(std::max(1, static_cast<int>(std::lround(g.cols * s))),
                        std::max(1, static_cast<int>(std::lround(g.rows * s)))),
               0, 0, cv::INTER_AREA);
  if (!cv::imencode(".jpg", small, c->thumb_jpeg, {cv::IMWRITE_JPEG_QUALITY, kThumbJpegQuality})) {
    c->thumb_jpeg.clear();
    c->thumb_error = "thumbnail could not be encoded";
    return;
  }
  c->thumb_w = small.cols;
  c->thumb_h = small.rows;
}

// UTF-8 to a PDF literal string in WinAnsiEncoding: Latin-1 code points as
// they are, a few punctuation marks mapped, anything else '?'.
std::string pdf_string(const std::string& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    uint32_t cp = b;
    size_t n = 1;
    if (b >= 0xF0)
      cp = b & 0x07, n = 4;
    else if (b >= 0xE0)
      cp = b & 0x0F, n = 3;
    else if (b >= 0xC0)
      cp = b & 0x1F, n = 2;
    else if (b >= 0x80)
      cp = '?', n = 1;
    if (n > 1) {
      if (i + n > s.size()) {
        cp = '?';
        n = s.size() - i;
      } else {
        for (size_t k = 1; k < n; ++k)
          cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      }
    }
    i += n;
    if (cp == 0x2013 || cp == 0x2014) cp = '-';
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp > 0xFF) cp = '?';
    if (cp == '(' || cp == ')' || cp == '\\') out += '\\';
    out += static_cast<char>(cp);
  }
  return out + ")";
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

std::string rect_path(const Rect& r) {
  return num(r.x) + " " + num(r.y) + " " + num(r.w) + " " + num(r.h) + " re";
}

// A box in master pixels as a sheet rectangle.
Rect sheet_box(const Rect& img, const ReviewCell& c, const ReviewBox& b) {
  const Point a = review::master_to_sheet(img, c.master_w, c.master_h, static_cast<double>(b.x),
                                          static_cast<double>(b.y + b.h));
  const Point z = review::master_to_sheet(img, c.master_w, c.master_h,
                                          static_cast<double>(b.x + b.w), static_cast<double>(b.y));
  return {a.x, a.y, z.x - a.x, z.y - a.y};
}

// The strokes of every decision, clipped to the thumbnail.
std::string decisions(const Rect& img, const ReviewCell& c) {
  if (c.master_w <= 0 || c.master_h <= 0) return {};
  std::string d = "q " + rect_path(img) + " W n\n";
  const ReviewPart* left = nullptr;
  const ReviewPart* right = nullptr;
  for (const ReviewPart& p : c.parts) {
    if (p.split_part == "left" && p.source_box) left = &p;
    if (p.split_part == "right" && p.source_box) right = &p;
    const Rect whole{img.x, img.y, img.w, img.h};
    Rect region = whole;
    if (p.source_box) {
      region = sheet_box(img, c, *p.source_box);
      d += "0 0 1 RG 0.7 w " + rect_path(region) + " S\n";  // the half: blue
    }
    if (p.crop_box) {
      region = sheet_box(img, c, *p.crop_box);
      d += "1 0 0 RG 1 w " + rect_path(region) + " S\n";  // the crop: red
    }
    if (p.has_skew && p.status != "error") {
      // The text lines' direction as measured: y up on the sheet, so a
      // positive (counter-clockwise) skew rises to the right. Green.
      const double a = p.skew_deg * M_PI / 180.0, half = region.w * 0.4;
      const double cx = region.x + region.w / 2, cy = region.y + region.h / 2;
      d += std::string(p.rotated ? "0 0.6 0 RG 0.9 w " : "0 0.6 0 RG 0.5 w ") +
           num(cx - half * std::cos(a)) + " " + num(cy - half * std::sin(a)) + " m " +
           num(cx + half * std::cos(a)) + " " + num(cy + half * std::sin(a)) + " l S\n";
    }
    if (p.dewarp_max_px) {  // dewarped: an orange dashed frame inside the region
      const Rect in{region.x + 1.5, region.y + 1.5, region.w - 3, region.h - 3};
      d += "1 0.5 0 RG 0.8 w [2 1.5] 0 d " + rect_path(in) + " S [] 0 d\n";
    }
  }
  if (left && right) {
    // The split line: between the halves, over their height. Blue, thick.
    const ReviewBox& l = *left->source_box;
    const ReviewBox& r = *right->source_box;
    const double x = (static_cast<double>(l.x + l.w) + static_cast<double>(r.x)) / 2;
    const Point top = review::master_to_sheet(img, c.master_w, c.master_h, x,
                                              static_cast<double>(std::min(l.y, r.y)));
    const Point bot = review::master_to_sheet(img, c.master_w, c.master_h, x,
                                              static_cast<double>(std::max(l.y + l.h, r.y + r.h)));
    d += "0 0 1 RG 1.8 w " + num(top.x) + " " + num(top.y) + " m " + num(bot.x) + " " + num(bot.y) +
         " l S\n";
  }
  return d + "Q\n";
}

QPDFObjectHandle thumb_image(QPDF& pdf, const ReviewCell& c) {
  QPDFObjectHandle img = pdf.newStream(std::string(c.thumb_jpeg.begin(), c.thumb_jpeg.end()));
  QPDFObjectHandle d = img.getDict();
  d.replaceKey("/Type", QPDFObjectHandle::newName("/XObject"));
  d.replaceKey("/Subtype", QPDFObjectHandle::newName("/Image"));
  d.replaceKey("/Width", QPDFObjectHandle::newInteger(c.thumb_w));
  d.replaceKey("/Height", QPDFObjectHandle::newInteger(c.thumb_h));
  d.replaceKey("/BitsPerComponent", QPDFObjectHandle::newInteger(8));
  d.replaceKey("/ColorSpace", QPDFObjectHandle::newName("/DeviceGray"));
  d.replaceKey("/Filter", QPDFObjectHandle::newName("/DCTDecode"));
  return img;
}

}  // namespace

void load_thumbnails(std::vector<ReviewCell>* cells, int max_side, kernels::cpu::ThreadPool& pool) {
  DecodeLimits limits;
  limits.pdf_dpi = kThumbPdfDpi;
  limits.reduce_to_side = max_side;  // JPEG: libjpeg's DCT scaling
  pool.parallel_for(static_cast<int64_t>(cells->size()), 1, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i)
      load_one(&(*cells)[static_cast<size_t>(i)], max_side, limits, pool);
  });
  for (ReviewCell& c : *cells)
    if (!c.thumb_error.empty()) {
      c.doubt += kPlaceholderDoubt;
      c.reasons.insert(c.reasons.begin(), "master not readable now: check by hand");
    }
}

void resolve_review_inputs(std::vector<ReviewCell>* cells,
                           const std::vector<std::string>& claimed) {
  for (ReviewCell& c : *cells) {
    const fs::path rel = fs::path(c.input).lexically_normal();
    if (c.input.empty() || rel.is_absolute() || *rel.begin() == "..") continue;
    const std::string tail = "/" + rel.generic_string();
    const std::string* found = nullptr;
    size_t n = 0;
    for (const std::string& a : claimed)
      if (a.size() > tail.size() && a.compare(a.size() - tail.size(), tail.size(), tail) == 0)
        found = &a, ++n;
    if (n == 1) c.path = *found;
  }
}

bool write_review_pdf(const std::vector<ReviewCell>& cells, const std::string& title,
                      const std::string& path, const std::string& temp_dir, std::string* error) {
  try {
    QPDF pdf;
    pdf.emptyPDF();
    QPDFPageDocumentHelper pages(pdf);
    QPDFObjectHandle font = pdf.makeIndirectObject(QPDFObjectHandle::parse(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"));
    const size_t n_pages =
        std::max<size_t>(1, (cells.size() + review::kCellsPerPage - 1) / review::kCellsPerPage);
    for (size_t sp = 0; sp < n_pages; ++sp) {
      QPDFObjectHandle xobjects = QPDFObjectHandle::newDictionary();
      std::string draw = "BT /F1 9 Tf 0 g " + num(review::kMargin) + " " +
                         num(review::kPageH - review::kMargin - 10) + " Td " +
                         pdf_string(title + "  (sheet " + std::to_string(sp + 1) + " of " +
                                    std::to_string(n_pages) + ")") +
                         " Tj ET\n";
      draw += "BT /F1 6.5 Tf 0.3 g " + num(review::kMargin) + " " +
              num(review::kPageH - review::kMargin - 21) + " Td " +
              pdf_string(
                  "red: crop box; blue: split halves and line; green: text-line angle "
                  "(thick: rotated); orange dashes: dewarped; orange cell: check it") +
              " Tj ET\n";
      const size_t end = std::min(cells.size(), (sp + 1) * review::kCellsPerPage);
      for (size_t i = sp * review::kCellsPerPage; i < end; ++i) {
        const ReviewCell& c = cells[i];
        const Rect cell = review::cell_rect(i);
        if (c.doubt > 0) draw += "1 0.85 0.6 rg " + rect_path(cell) + " f\n";
        draw += "0.6 G 0.5 w " + rect_path(cell) + " S\n";
        const Rect img = review::image_rect(i, c.master_w, c.master_h);
        if (!c.thumb_jpeg.empty()) {
          const std::string name = "/Im" + std::to_string(i);
          xobjects.replaceKey(name, thumb_image(pdf, c));
          draw += "q " + num(img.w) + " 0 0 " + num(img.h) + " " + num(img.x) + " " + num(img.y) +
                  " cm " + name + " Do Q\n";
        } else {  // placeholder: a gray box of the master's shape, when known
          draw += "0.8 g " + rect_path(img) + " f\n";
          draw += "BT /F1 8 Tf 0.25 g " + num(img.x + 4) + " " + num(img.y + img.h / 2) +
                  " Td (no thumbnail) Tj ET\n";
        }
        draw += "0.4 G 0.3 w " + rect_path(img) + " S\n";
        draw += decisions(img, c);
        const auto lines = review_cell_text(c, review::kTextLines);
        draw += "BT /F1 " + num(review::kFontPt) + " Tf 0 g\n";
        for (size_t k = 0; k < lines.size(); ++k)
          draw += "1 0 0 1 " + num(cell.x + review::kPad) + " " +
                  num(review::text_baseline(i, static_cast<int>(k))) + " Tm " +
                  pdf_string(lines[k]) + " Tj\n";
        draw += "ET\n";
      }
      QPDFObjectHandle fonts = QPDFObjectHandle::newDictionary();
      fonts.replaceKey("/F1", font);
      QPDFObjectHandle resources = QPDFObjectHandle::newDictionary();
      resources.replaceKey("/Font", fonts);
      resources.replaceKey("/XObject", xobjects);
      QPDFObjectHandle page = QPDFObjectHandle::newDictionary();
      page.replaceKey("/Type", QPDFObjectHandle::newName("/Page"));
      page.replaceKey("/MediaBox", QPDFObjectHandle::newArray(QPDFObjectHandle::Rectangle(
                                       0, 0, review::kPageW, review::kPageH)));
      page.replaceKey("/Resources", resources);
      page.replaceKey("/Contents", pdf.newStream(draw));
      pages.addPage(QPDFPageObjectHelper(pdf.makeIndirectObject(page)), false);
    }
    return write_pdf_atomic(pdf, path, temp_dir, error);
  } catch (const std::exception& e) {
    *error = "cannot make the review sheet: " + std::string(e.what());
    return false;
  }
}

bool review_outdir(const std::string& outdir, std::ostream& out, std::ostream& err) {
  const fs::path dir(outdir);
  // The sheet's name must not be a document of a run into this OUTDIR; the
  // claims also give the inputs' absolute paths.
  std::vector<std::string> claimed;
  {
    std::ifstream claims(dir / ".pageprep" / "claims.jsonl");
    const std::string base = fs::path(kReviewSheetName).stem().string();
    for (std::string line; std::getline(claims, line);) {
      const auto v = JsonValue::parse(line);
      if (v && !v->str("input").empty()) claimed.push_back(v->str("input"));
      if (v && v->str("base") == base) {
        err << "pageprep: error: review: " << (dir / kReviewSheetName).string()
            << " is the output of input " << v->str("input")
            << "; the review sheet is not written over it\n";
        return false;
      }
    }
  }
  std::ifstream in(dir / "pages.jsonl");
  if (!in) {
    err << "pageprep: error: review: cannot read " << (dir / "pages.jsonl").string() << "\n";
    return false;
  }
  std::vector<JsonValue> records;
  size_t bad = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto v = JsonValue::parse(line);
    if (v && v->is_object())
      records.push_back(std::move(*v));
    else
      ++bad;
  }
  if (bad > 0)
    err << "pageprep: warning: review: " << bad << " line(s) of pages.jsonl are not records\n";
  std::vector<ReviewCell> cells = review_cells(records);
  resolve_review_inputs(&cells, claimed);
  load_thumbnails(&cells, review::kThumbMaxSide, kernels::cpu::ThreadPool::shared());
  sort_review_cells(&cells);
  size_t doubtful = 0, placeholders = 0;
  for (const ReviewCell& c : cells) {
    doubtful += c.doubt > 0;
    if (c.thumb_error.empty()) continue;
    ++placeholders;
    err << "pageprep report: warning: review: " << c.input << " page " << c.page + 1
        << ": no thumbnail (" << c.thumb_error << "): a placeholder cell shows its decisions\n";
  }
  fs::path shown = fs::absolute(dir).lexically_normal();
  if (shown.filename().empty()) shown = shown.parent_path();
  const std::string title = "pageprep review of " + shown.filename().string() + ": " +
                            std::to_string(cells.size()) + " master page(s), " +
                            std::to_string(doubtful) + " to check first, " +
                            std::to_string(placeholders) + " without thumbnail";
  std::string error;
  const std::string path = (dir / kReviewSheetName).string();
  if (!write_review_pdf(cells, title, path, "", &error)) {
    err << "pageprep: error: review: " << error << "\n";
    return false;
  }
  out << "pageprep report: review sheet " << path << ": " << cells.size() << " master page(s), "
      << doubtful << " to check first, " << placeholders << " without thumbnail\n";
  return true;
}

}  // namespace pageprep::host
