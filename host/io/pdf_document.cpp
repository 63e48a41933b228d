// PDF input: opening with qpdf, page boxes, the
// per-page plan (the one image at its own resolution, or a rendering), page
// counts and the decode entry points. See pdf_document.hpp for the contract.
#include "io/pdf_document.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include "io/codec_internal.hpp"
#include "io/pdf_internal.hpp"

namespace pageprep::host {
namespace {

using detail::number_or;
using detail::read_rect;

using kernels::cpu::ThreadPool;

std::string first_line(std::string s) {
  const size_t nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

// qpdf's message names the file again; keep only what follows it.
std::string qpdf_message(const std::exception& e) {
  if (const auto* q = dynamic_cast<const QPDFExc*>(&e)) {
    std::string m = q->getMessageDetail();
    if (!m.empty()) return first_line(m);
  }
  return first_line(e.what());
}

PdfOpen open_with(const std::function<void(QPDF&)>& process, int64_t file_bytes) {
  PdfOpen r;
  auto pdf = std::make_shared<QPDF>();
  pdf->setSuppressWarnings(true);
  try {
    process(*pdf);
  } catch (const QPDFExc& e) {
    if (e.getErrorCode() == qpdf_e_password) {
      r.error = PageError::kEncrypted;
      r.message =
          "encrypted PDF: it needs a password to open (pageprep reads PDFs that "
          "open without one; decrypt it first, e.g. qpdf --password=... --decrypt)";
    } else {
      r.error = PageError::kCorrupt;
      r.message = "damaged PDF: " + qpdf_message(e);
    }
    return r;
  } catch (const std::exception& e) {
    r.error = PageError::kCorrupt;
    r.message = "damaged PDF: " + qpdf_message(e);
    return r;
  }
  try {
    r.pages = QPDFPageDocumentHelper(*pdf).getAllPages();
    QPDFObjectHandle count = pdf->getRoot().getKey("/Pages").getKey("/Count");
    r.declared_pages = static_cast<int32_t>(r.pages.size());
    // /Count is believed only for a damaged file (its lost pages then fail one
    // by one), and only as far as the file could hold that many page objects.
    // An intact file's page tree is the truth: a /Count it does not back up
    // (a lie of 16 million) counts nothing.
    const long long can_hold =
        static_cast<long long>(r.pages.size()) + file_bytes / kMinPageObjectBytes;
    if (pdf->anyWarnings() && count.isInteger() && count.getIntValue() > r.declared_pages)
      r.declared_pages = static_cast<int32_t>(std::min<long long>(
          {count.getIntValue(), can_hold, static_cast<long long>(kMaxPdfPages)}));
  } catch (const std::exception& e) {
    r.error = PageError::kCorrupt;
    r.message = "damaged PDF: its page tree is unreadable: " + qpdf_message(e);
    return r;
  }
  if (r.pages.empty()) {
    r.error = PageError::kCorrupt;
    r.message = "PDF has no pages (or its page tree was lost: damaged or truncated file)";
    return r;
  }
  if (pdf->anyWarnings()) r.recovery = "damaged file, read by qpdf's recovery";
  r.pdf = std::move(pdf);
  return r;
}

// The object number of the "<num> <gen> obj" header that ends at `obj` (the
// offset of " obj"), or "" when there is none.
std::string object_number_before(std::string_view text, size_t obj) {
  size_t b = obj;
  auto skip_back = [&](auto pred) {
    while (b > 0 && pred(text[b - 1])) --b;
  };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto space = [](char c) { return c == ' ' || c == '\r' || c == '\n'; };
  skip_back(digit);
  skip_back(space);
  const size_t num_end = b;
  skip_back(digit);
  if (b == num_end) return "";
  return std::string(text.substr(b, num_end - b));
}

// The number N of the first "/Key N 0 R" after `from`, "" when none within `span`.
std::string reference_after(std::string_view text, size_t from, std::string_view key, size_t span) {
  const size_t k = text.find(key, from);
  if (k == std::string_view::npos || k > from + span) return "";
  size_t b = k + key.size();
  while (b < text.size() && (text[b] == ' ' || text[b] == '\r' || text[b] == '\n')) ++b;
  size_t e = b;
  while (e < text.size() && text[e] >= '0' && text[e] <= '9') ++e;
  return std::string(text.substr(b, e - b));
}

// Every page object ("/Type /Page", not /Pages) whose header survives, in file
// order; the linearized first page (/O of the linearization dictionary) first.
std::vector<std::string> page_objects(std::string_view text) {
  std::vector<std::string> found;
  std::string first;
  const size_t lin = text.find("/Linearized");
  if (lin != std::string_view::npos && lin < 1024) first = reference_after(text, lin, "/O ", 200);
  for (size_t at = 0;;) {
    const size_t t = text.find("/Type", at);
    if (t == std::string_view::npos) break;
    at = t + 5;
    size_t v = at;
    while (v < text.size() && (text[v] == ' ' || text[v] == '\r' || text[v] == '\n')) ++v;
    if (text.compare(v, 5, "/Page") != 0) continue;
    const char after = v + 5 < text.size() ? text[v + 5] : ' ';
    if ((after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z')) continue;  // /Pages
    const size_t obj = text.rfind(" obj", t);
    const size_t end = text.rfind("endobj", t);
    if (obj == std::string_view::npos || (end != std::string_view::npos && end > obj)) continue;
    const std::string n = object_number_before(text, obj);
    if (!n.empty() && std::find(found.begin(), found.end(), n) == found.end()) found.push_back(n);
  }
  const auto f = std::find(found.begin(), found.end(), first);
  if (f != found.end()) std::rotate(found.begin(), f, f + 1);
  return found;
}

// A truncated PDF has lost its trailer, and qpdf's recovery needs one. Give it
// one naming the catalog (the object with /Type /Catalog), found by scanning.
// A linearized file (img2pdf, web-optimized PDFs) keeps its page tree at the
// end, so truncation loses that too: when the catalog's /Pages object is not
// in the file, a page tree listing the page objects that are is appended
// (its /Count is the linearization dictionary's /N when larger, so the pages
// that did not survive fail one by one as "lost").
std::shared_ptr<std::vector<uint8_t>> with_trailer(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return nullptr;
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg();
  if (size <= 0 || size > (1LL << 30)) return nullptr;  // only what fits in memory
  auto bytes = std::make_shared<std::vector<uint8_t>>(static_cast<size_t>(size));
  f.seekg(0);
  f.read(reinterpret_cast<char*>(bytes->data()), size);
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  const size_t cat = text.rfind("/Catalog");
  if (cat == std::string_view::npos) return nullptr;
  const size_t obj = text.rfind(" obj", cat);
  if (obj == std::string_view::npos) return nullptr;
  const std::string root = object_number_before(text, obj);
  if (root.empty()) return nullptr;
  std::string tail;
  const size_t cat_end = std::min(text.find("endobj", cat), text.size());
  const std::string pages = reference_after(text, obj, "/Pages", cat_end - obj);
  if (!pages.empty() && text.find("\n" + pages + " 0 obj") == std::string_view::npos &&
      text.find("\r" + pages + " 0 obj") == std::string_view::npos) {
    const std::vector<std::string> kids = page_objects(text);
    if (!kids.empty()) {
      long long count = static_cast<long long>(kids.size());
      const size_t lin = text.find("/Linearized");
      if (lin != std::string_view::npos && lin < 1024) {
        const std::string n = reference_after(text, lin, "/N ", 200);
        if (!n.empty() && n.size() < 8) count = std::max(count, std::stoll(n));
      }
      tail = "\n" + pages + " 0 obj\n<< /Type /Pages /Count " + std::to_string(count) + " /Kids [";
      for (const std::string& k : kids) tail += " " + k + " 0 R";
      tail += " ] >>\nendobj\n";
    }
  }
  tail += "\ntrailer\n<< /Root " + root + " 0 R /Size 1000000000 >>\n%%EOF\n";
  bytes->insert(bytes->end(), tail.begin(), tail.end());
  return bytes;
}

std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  return std::to_string(static_cast<long long>(st.st_size)) + ":" +
         std::to_string(static_cast<long long>(st.st_mtim.tv_sec)) + "." +
         std::to_string(static_cast<long long>(st.st_mtim.tv_nsec));
}

// The PDF this thread read last: consecutive pages of one document reuse it.
struct CachedPdf {
  std::string path, identity;
  PdfOpen open;
};
thread_local CachedPdf t_cached;

const PdfOpen& open_cached(const std::string& path) {
  const std::string id = file_identity(path);
  if (t_cached.path != path || t_cached.identity != id || id.empty()) {
    t_cached = CachedPdf{};  // close the previous file first
    t_cached.open = open_pdf(path);
    t_cached.path = path;
    t_cached.identity = id;
  }
  return t_cached.open;
}

// The stream's filters as names ("" entries for anything that is not a name).
std::vector<std::string> filters_of(QPDFObjectHandle dict) {
  std::vector<std::string> out;
  QPDFObjectHandle f = dict.getKey("/Filter");
  if (f.isName()) {
    out.push_back(f.getName());
  } else if (f.isArray()) {
    for (auto& it : f.getArrayAsVector()) out.push_back(it.isName() ? it.getName() : "");
  }
  return out;
}

bool is_general_filter(const std::string& f) {
  return f == "/FlateDecode" || f == "/LZWDecode" || f == "/ASCIIHexDecode" ||
         f == "/ASCII85Decode" || f == "/RunLengthDecode";
}

// Why the image's own samples are not what a viewer shows ("" when they are):
// /SMask, /Mask, JPX /SMaskInData, or a /Decode array other than the default
// and the one-component inversion [1 0] that pdf_image.cpp applies (not to
// JPEG 2000, nor to Indexed or multi-component images).
std::string unapplied_image_key(QPDFObjectHandle dict, const std::vector<std::string>& filters) {
  if (dict.hasKey("/SMask") && !dict.getKey("/SMask").isNull() &&
      !dict.getKey("/SMask").isNameAndEquals("/None"))
    return "image with a soft mask (/SMask)";
  if (dict.hasKey("/Mask") && !dict.getKey("/Mask").isNull())
    return dict.getKey("/Mask").isArray() ? "image with a colour-key mask (/Mask)"
                                          : "image with a stencil mask (/Mask)";
  const bool jpx = !filters.empty() && filters.back() == "/JPXDecode";
  if (jpx && number_or(dict.getKey("/SMaskInData"), 0) != 0)
    return "JPEG 2000 image with its own alpha (/SMaskInData)";
  QPDFObjectHandle d = dict.getKey("/Decode");
  if (!d.isArray()) return "";
  const bool mask = dict.getKey("/ImageMask").isBool() && dict.getKey("/ImageMask").getBoolValue();
  QPDFObjectHandle cs = dict.getKey("/ColorSpace");
  const bool indexed =
      cs.isArray() && cs.getArrayNItems() >= 1 &&
      (cs.getArrayItem(0).isNameAndEquals("/Indexed") || cs.getArrayItem(0).isNameAndEquals("/I"));
  const double bpc = number_or(dict.getKey("/BitsPerComponent"), 8);
  const double hi = indexed ? std::pow(2.0, bpc) - 1 : 1;
  std::vector<QPDFObjectHandle> v = d.getArrayAsVector();
  bool identity = v.size() % 2 == 0 && !v.empty();
  for (size_t i = 0; identity && i < v.size(); ++i)
    identity = v[i].isNumber() && v[i].getNumericValue() == (i % 2 == 0 ? 0 : hi);
  if (identity) return "";
  const bool inverted = v.size() == 2 && v[0].isNumber() && v[1].isNumber() &&
                        v[0].getNumericValue() == 1 && v[1].getNumericValue() == 0;
  const bool one_component =
      mask || cs.isNameAndEquals("/DeviceGray") || cs.isNameAndEquals("/G") || cs.isNull();
  if (inverted && !indexed && !jpx && one_component) return "";
  return "image with a /Decode array pageprep does not apply";
}

bool near(double a, double b, double tol) {
  return std::fabs(a - b) <= tol;
}

DecodeResult decode_planned(const PdfOpen& open, const std::string& path, bool from_file,
                            const std::string& name, int32_t page, const DecodeLimits& limits,
                            ThreadPool& pool) {
  if (open.error != PageError::kNone) return detail::decode_error(open.error, name, open.message);
  const int32_t count = static_cast<int32_t>(open.pages.size());
  if (page >= count && page < open.declared_pages)
    return detail::decode_error(PageError::kCorrupt, name,
                                "page " + std::to_string(page + 1) + " of " +
                                    std::to_string(open.declared_pages) + " was lost (" +
                                    open.recovery + "; pages 1-" + std::to_string(count) +
                                    " were recovered)");
  if (page < 0 || page >= count)
    return detail::decode_error(PageError::kCorrupt, name,
                                "page " + std::to_string(page) + " out of range: the PDF has " +
                                    std::to_string(count) + " page(s)");
  QPDFPageObjectHelper helper = open.pages[static_cast<size_t>(page)];
  const std::string where = name + " [pdf page " + std::to_string(page + 1) + "]";
  // A page the page tree names but whose object is gone (in a damaged or
  // self-referencing object stream, qpdf gives null): there is no page to
  // take, whatever a renderer would draw for it (issue 20 item 9).
  if (!helper.getObjectHandle().isDictionary())
    return detail::decode_error(PageError::kCorrupt, where,
                                "the page's object was lost (damaged file: an object stream or "
                                "cross-reference entry that cannot be read)" +
                                    (open.recovery.empty() ? "" : " (" + open.recovery + ")"));
  try {
    const PdfPageBox box = pdf_page_box(helper);
    if (box.empty)
      return detail::decode_error(
          PageError::kCorrupt, where,
          "the page's /MediaBox is not a rectangle with an area (e.g. [0 0 0 0])");
  } catch (const std::exception& e) {
    return detail::decode_error(PageError::kCorrupt, where,
                                "unreadable page box: " + qpdf_message(e));
  }
  PdfPagePlan plan;
  try {
    plan = plan_pdf_page(helper);
  } catch (const std::exception& e) {
    return detail::decode_error(PageError::kCorrupt, where,
                                "unreadable page content: " + qpdf_message(e));
  }
  if (plan.content.image_fault != PageError::kNone)
    return detail::decode_error(plan.content.image_fault, where, plan.content.image_fault_message);
  DecodeResult r;
  if (plan.native) {
    try {
      r = detail::pdf_decode_image(plan.content.image, plan.filter, where, limits, pool);
    } catch (const std::exception& e) {
      return detail::decode_error(PageError::kCorrupt, where,
                                  "unreadable image data: " + qpdf_message(e));
    }
    if (r.error != PageError::kNone) return r;
    cv::Mat m = r.page.gray;
    if (plan.transpose) m = m.t();
    if (plan.flip_x || plan.flip_y) {
      cv::Mat f;
      cv::flip(m, f, plan.flip_x && plan.flip_y ? -1 : plan.flip_x ? 1 : 0);
      m = f;
    }
    r.page.gray = m;
    // The image's size on the page after the turn gives the resolution.
    const auto p0 = plan.master_to_display.apply(0, 0);
    const auto p1 = plan.master_to_display.apply(m.cols, m.rows);
    const double w_in = std::fabs(p1[0] - p0[0]) / 72.0, h_in = std::fabs(p1[1] - p0[1]) / 72.0;
    detail::set_file_dpi(&r.page, m.cols / w_in, m.rows / h_in);
    // master_to_display was built for the image's own pixel count; rescale it
    // in case the codec's size differs from /Width and /Height.
    Affine to_display{(p1[0] - p0[0]) / m.cols, 0, 0, (p1[1] - p0[1]) / m.rows, p0[0], p0[1]};
    const Affine to_user = then(to_display, plan.box.user_to_display.inverse());
    r.page.pdf.master_to_user[0] = to_user.a;
    r.page.pdf.master_to_user[1] = to_user.b;
    r.page.pdf.master_to_user[2] = to_user.c;
    r.page.pdf.master_to_user[3] = to_user.d;
    r.page.pdf.master_to_user[4] = to_user.e;
    r.page.pdf.master_to_user[5] = to_user.f;
    r.page.pdf.how =
        "image " + (plan.filter.empty() ? std::string("uncompressed") : plan.filter.substr(1));
  } else {
    if (!from_file)
      return detail::decode_error(PageError::kUnsupportedFormat, where,
                                  "this page must be rendered (" + plan.why_rendered +
                                      "), which needs the PDF as a file, not in memory");
    const double dpi_x = plan.render_at_image_dpi ? plan.image_dpi_x : limits.pdf_dpi;
    const double dpi_y = plan.render_at_image_dpi ? plan.image_dpi_y : limits.pdf_dpi;
    const int64_t w = std::llround(plan.box.display_w * dpi_x / 72.0);
    const int64_t h = std::llround(plan.box.display_h * dpi_y / 72.0);
    if (w < 1 || h < 1)
      return detail::decode_error(PageError::kCorrupt, where,
                                  "the page is smaller than one pixel at " +
                                      std::to_string(static_cast<int>(std::lround(dpi_x))) +
                                      " dpi: nothing to render");
    std::string what;
    const PageError size_error = detail::check_dimensions(w, h, limits, &what);
    if (size_error != PageError::kNone)
      return detail::decode_error(
          size_error, where,
          "rendering the page (" + std::to_string(plan.box.display_w / 72.0).substr(0, 5) + " x " +
              std::to_string(plan.box.display_h / 72.0).substr(0, 5) + " in) at " +
              std::to_string(static_cast<int>(std::lround(dpi_x))) + " dpi: " + what);
    r = detail::pdf_render_page(path, page, w, h, plan.box.rotate == 90 || plan.box.rotate == 270,
                                where, limits, pool);
    if (r.error != PageError::kNone) {
      if (!open.recovery.empty()) r.message += " (" + open.recovery + ")";
      // Rendering was the way out of a content scan over its budget: say so,
      // the time or memory limit it then hit is the page's error code.
      if (plan.content.budget_exceeded) r.message += " (" + plan.why_rendered + ")";
      return r;
    }
    const cv::Mat& m = r.page.gray;
    detail::set_file_dpi(&r.page, m.cols / (plan.box.display_w / 72.0),
                         m.rows / (plan.box.display_h / 72.0));
    const Affine to_display =
        Affine::scale(plan.box.display_w / m.cols, plan.box.display_h / m.rows);
    const Affine to_user = then(to_display, plan.box.user_to_display.inverse());
    const double v[6] = {to_user.a, to_user.b, to_user.c, to_user.d, to_user.e, to_user.f};
    std::copy(v, v + 6, r.page.pdf.master_to_user);
    char dpi[32];
    std::snprintf(dpi, sizeof dpi, "%.0f", dpi_x);
    r.page.pdf.how = std::string("rendered at ") + dpi + " dpi: " + plan.why_rendered;
  }
  r.page.format = "pdf";
  r.page.pdf.valid = true;
  r.page.pdf.native = plan.native;
  // The page's own text is its text layer only on a page that is not mostly
  // a scan: images covering half the page or more (a scan with a visible
  // "Downloaded from" line) are OCRed, and an invisible (render mode 3) old
  // OCR layer is replaced, as OCRmyPDF's --redo-ocr does (issue 20 item 7).
  const double page_area = (plan.box.x1 - plan.box.x0) * (plan.box.y1 - plan.box.y0);
  // A scan stopped at its budget saw only part of the content: its text layer
  // is not known to be whole, so the page is OCRed.
  r.page.pdf.has_text = plan.content.visible_text && !plan.content.budget_exceeded &&
                        !(plan.content.image_area >= 0.5 * page_area);
  return r;
}

}  // namespace

PdfOpen open_pdf(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const int64_t file_bytes = ec ? 0 : static_cast<int64_t>(size);
  PdfOpen r = open_with([&](QPDF& q) { q.processFile(path.c_str(), ""); }, file_bytes);
  if (r.error != PageError::kCorrupt) return r;
  std::shared_ptr<std::vector<uint8_t>> repaired = with_trailer(path);
  if (!repaired) return r;
  PdfOpen again = open_with(
      [&](QPDF& q) {
        q.processMemoryFile(path.c_str(), reinterpret_cast<const char*>(repaired->data()),
                            repaired->size(), "");
      },
      file_bytes);
  if (again.error != PageError::kNone) return r;  // the first reason is the better one
  again.bytes = std::move(repaired);
  again.recovery = "truncated or damaged file: " + r.message.substr(r.message.find(':') + 2) +
                   "; read by qpdf's recovery";
  return again;
}

PdfOpen open_pdf_memory(const std::vector<uint8_t>& bytes, const std::string& name) {
  return open_with(
      [&](QPDF& q) {
        q.processMemoryFile(name.c_str(), reinterpret_cast<const char*>(bytes.data()), bytes.size(),
                            "");
      },
      static_cast<int64_t>(bytes.size()));
}

PdfPageBox pdf_page_box(QPDFPageObjectHelper& page) {
  PdfPageBox b;
  double mx0 = 0, my0 = 0, mx1 = 612, my1 = 792;
  if (!read_rect(page.getAttribute("/MediaBox", false), &mx0, &my0, &mx1, &my1)) {
    QPDFObjectHandle mb = page.getAttribute("/MediaBox", false);
    // An absent box is letter size (qpdf's default); one that is there but
    // has no area ([0 0 0 0]) is a page nobody can show.
    if (!mb.isNull()) b.empty = true;
    mx0 = 0, my0 = 0, mx1 = 612, my1 = 792;
  }
  double cx0 = mx0, cy0 = my0, cx1 = mx1, cy1 = my1;
  if (read_rect(page.getAttribute("/CropBox", false), &cx0, &cy0, &cx1, &cy1)) {
    cx0 = std::max(cx0, mx0);
    cy0 = std::max(cy0, my0);
    cx1 = std::min(cx1, mx1);
    cy1 = std::min(cy1, my1);
    if (cx1 <= cx0 || cy1 <= cy0) {  // disjoint boxes: viewers fall back to the media box
      cx0 = mx0, cy0 = my0, cx1 = mx1, cy1 = my1;
    }
  }
  b.x0 = cx0, b.y0 = cy0, b.x1 = cx1, b.y1 = cy1;
  QPDFObjectHandle rot = page.getAttribute("/Rotate", false);
  int r = rot.isNumber() ? static_cast<int>(std::lround(rot.getNumericValue())) : 0;
  r = ((r % 360) + 360) % 360;
  if (r % 90 != 0) r = 0;  // viewers ignore such values
  b.rotate = r;
  const double w = cx1 - cx0, h = cy1 - cy0;
  // User space -> display points (y down, origin at the displayed top-left).
  switch (r) {
    case 0:
      b.user_to_display = {1, 0, 0, -1, -cx0, cy1};
      break;
    case 90:
      b.user_to_display = {0, 1, 1, 0, -cy0, -cx0};
      break;
    case 180:
      b.user_to_display = {-1, 0, 0, 1, cx1, -cy0};
      break;
    default:  // 270
      b.user_to_display = {0, -1, -1, 0, cy1, cx1};
      break;
  }
  b.display_w = (r == 90 || r == 270) ? h : w;
  b.display_h = (r == 90 || r == 270) ? w : h;
  // /UserUnit (PDF 1.6): one unit of user space is that many points, so the
  // page is that much larger than its boxes say (issue 20). Not inherited.
  QPDFObjectHandle uu = page.getObjectHandle().isDictionary()
                            ? page.getObjectHandle().getKey("/UserUnit")
                            : QPDFObjectHandle::newNull();
  if (uu.isNumber() && uu.getNumericValue() > 0 && uu.getNumericValue() <= kMaxUserUnit &&
      uu.getNumericValue() != 1.0) {
    b.user_unit = uu.getNumericValue();
    b.user_to_display = then(b.user_to_display, Affine::scale(b.user_unit, b.user_unit));
    b.display_w *= b.user_unit;
    b.display_h *= b.user_unit;
  }
  return b;
}

PdfPagePlan plan_pdf_page(QPDFPageObjectHelper& page) {
  PdfPagePlan p;
  p.box = pdf_page_box(page);
  p.content = scan_pdf_page(page);
  PdfPageContent& c = p.content;
  auto render = [&](const std::string& why) {
    p.native = false;
    p.why_rendered = why;
    return p;
  };
  if (c.images == 0) return render(c.first_painting.empty() ? "no image" : c.first_painting);
  if (!c.first_painting.empty()) return render(c.first_painting);
  QPDFObjectHandle dict = c.image.getDict();
  const double iw = number_or(dict.getKey("/Width"), 0), ih = number_or(dict.getKey("/Height"), 0);
  if (!(iw >= 1 && ih >= 1)) return render("image without a size");
  // What a viewer shows is the image composited over the page: a soft mask,
  // a stencil or colour-key mask, or a /Decode array the sample decoder does
  // not apply changes it. Render those (poppler composites them).
  const std::string unapplied = unapplied_image_key(dict, filters_of(dict));
  if (!unapplied.empty()) return render(unapplied);
  // Image pixel edges (u right, v down) -> unit square -> user -> display.
  const Affine pixel_to_unit{1.0 / iw, 0, 0, -1.0 / ih, 0, 1};
  const Affine to_display = then(then(pixel_to_unit, c.image_ctm), p.box.user_to_display);
  const double scale = std::max({std::fabs(to_display.a), std::fabs(to_display.b),
                                 std::fabs(to_display.c), std::fabs(to_display.d)});
  const double tol = scale * 1e-3;
  if (near(to_display.b, 0, tol) && near(to_display.c, 0, tol)) {
    p.transpose = false;
    p.flip_x = to_display.a < 0;
    p.flip_y = to_display.d < 0;
  } else if (near(to_display.a, 0, tol) && near(to_display.d, 0, tol)) {
    p.transpose = true;  // image u runs down the display, v across it
    p.flip_x = to_display.c < 0;
    p.flip_y = to_display.b < 0;
  } else {
    return render("image placed at an angle");
  }
  // The image's box on the display, and the master (after the turn/flip).
  const auto q0 = to_display.apply(0, 0), q1 = to_display.apply(iw, ih);
  const double dx0 = std::min(q0[0], q1[0]), dx1 = std::max(q0[0], q1[0]);
  const double dy0 = std::min(q0[1], q1[1]), dy1 = std::max(q0[1], q1[1]);
  const double mw = p.transpose ? ih : iw, mh = p.transpose ? iw : ih;
  // An image reaching well beyond the visible page would bring cropped-away
  // content into the master: render the visible page instead.
  const double slack_x = 0.01 * p.box.display_w, slack_y = 0.01 * p.box.display_h;
  if (dx0 < -slack_x || dy0 < -slack_y || dx1 > p.box.display_w + slack_x ||
      dy1 > p.box.display_h + slack_y)
    return render("image extends beyond the crop box");
  p.master_to_display = {(dx1 - dx0) / mw, 0, 0, (dy1 - dy0) / mh, dx0, dy0};
  p.image_dpi_x = mw / ((dx1 - dx0) / 72.0);
  p.image_dpi_y = mh / ((dy1 - dy0) / 72.0);
  if (!(p.image_dpi_x >= kMinSaneDpi && p.image_dpi_x <= kMaxSaneDpi &&
        p.image_dpi_y >= kMinSaneDpi && p.image_dpi_y <= kMaxSaneDpi))
    return render("image resolution implausible (" + std::to_string(std::lround(p.image_dpi_x)) +
                  " dpi)");
  std::vector<std::string> filters = filters_of(dict);
  std::string special;
  for (size_t i = 0; i < filters.size(); ++i) {
    if (is_general_filter(filters[i])) continue;
    if (i + 1 == filters.size() && i == 0) {
      special = filters[i];
    } else {
      return render("image filter chain " + filters[i]);
    }
  }
  if (special == "/JBIG2Decode") {
    p.render_at_image_dpi = true;
    return render("JBIG2 image, rendered at its own resolution");
  }
  if (!special.empty() && special != "/DCTDecode" && special != "/CCITTFaxDecode" &&
      special != "/JPXDecode")
    return render("image filter " + special);
  p.filter = special.empty() ? (filters.empty() ? "" : filters.back()) : special;
  p.native = true;
  return p;
}

PageCount pdf_count_pages(const std::string& path) {
  PageCount c;
  const PdfOpen& o = open_cached(path);
  if (o.error != PageError::kNone) {
    c.error = o.error;
    c.message = path + ": " + o.message;
    return c;
  }
  c.count = std::max<int32_t>(o.declared_pages, static_cast<int32_t>(o.pages.size()));
  return c;
}

PageCount pdf_count_pages_memory(const std::vector<uint8_t>& bytes, const std::string& name) {
  PageCount c;
  const PdfOpen o = open_pdf_memory(bytes, name);
  if (o.error != PageError::kNone) {
    c.error = o.error;
    c.message = name.empty() ? o.message : name + ": " + o.message;
    return c;
  }
  c.count = static_cast<int32_t>(o.pages.size());
  return c;
}

DecodeResult pdf_decode_page(const std::string& path, int32_t page, const DecodeLimits& limits,
                             ThreadPool& pool) {
  try {
    return decode_planned(open_cached(path), path, true, path, page, limits, pool);
  } catch (const std::bad_alloc&) {
    t_cached = CachedPdf{};
    return detail::decode_error(PageError::kTooLarge, path, "out of memory while decoding");
  } catch (const std::exception& e) {
    t_cached = CachedPdf{};
    return detail::decode_error(PageError::kCorrupt, path,
                                "page " + std::to_string(page + 1) + ": " + qpdf_message(e));
  }
}

DecodeResult pdf_decode_page_memory(const std::vector<uint8_t>& bytes, const std::string& name,
                                    int32_t page, const DecodeLimits& limits, ThreadPool& pool) {
  try {
    const PdfOpen o = open_pdf_memory(bytes, name);
    return decode_planned(o, "", false, name, page, limits, pool);
  } catch (const std::bad_alloc&) {
    return detail::decode_error(PageError::kTooLarge, name, "out of memory while decoding");
  } catch (const std::exception& e) {
    return detail::decode_error(PageError::kCorrupt, name, qpdf_message(e));
  }
}

std::string find_pdftoppm() {
  if (const char* env = std::getenv("PAGEPREP_PDFTOPPM")) {
    if (*env == '\0') return "";  // set empty: act as if absent (tests)
    return ::access(env, X_OK) == 0 ? std::string(env) : std::string();
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t b = 0; b <= dirs.size();) {
    const size_t e = std::min(dirs.find(':', b), dirs.size());
    const std::string dir = dirs.substr(b, e - b);
    const std::string cand = (dir.empty() ? std::string(".") : dir) + "/pdftoppm";
    if (::access(cand.c_str(), X_OK) == 0) return cand;
    b = e + 1;
  }
  return "";
}

}  // namespace pageprep::host
