#include "support/hostile_pdfs.hpp"

#include <qpdf/Buffer.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFWriter.hh>

#include <opencv2/core.hpp>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <sstream>

#include "io/codec.hpp"

namespace pageprep::testsupport {
namespace {

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", v);
  return b;
}

/// Catalog (1), page tree (2), one page (3) with `content` (4) and
/// `resources`, then `more` objects (numbered from 5).
struct OnePage {
  OnePage(std::string box, std::string extra, std::string c, std::string res,
          std::vector<std::string> objects, std::string n = "1", std::string cat = "")
      : mediabox(std::move(box)),
        page_extra(std::move(extra)),
        content(std::move(c)),
        resources(std::move(res)),
        more(std::move(objects)),
        count(std::move(n)),
        catalog_extra(std::move(cat)) {}
  std::string mediabox;  ///< "[0 0 w h]"
  std::string page_extra, content, resources;
  std::vector<std::string> more;
  std::string count, catalog_extra;
  std::string build() const {
    std::vector<std::string> o = {"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + " >>",
                                  "<< /Type /Pages /Kids [3 0 R] /Count " + count + " >>",
                                  "<< /Type /Page /Parent 2 0 R /MediaBox " + mediabox +
                                      " /Contents 4 0 R /Resources << " + resources + " >> " +
                                      page_extra + " >>",
                                  pdf_stream("", content)};
    o.insert(o.end(), more.begin(), more.end());
    return pdf_from_objects(o);
  }
};

/// Rewrites `pdf` with qpdf: `how` sets the writer up (encryption, linearization).
template <typename Setup>
std::string rewrite(const std::string& pdf, Setup how) {
  QPDF q;
  q.processMemoryFile("hostile", pdf.data(), pdf.size());
  QPDFWriter w(q);
  w.setOutputMemory();
  w.setStaticID(true);
  how(w);
  w.write();
  const auto buf = w.getBufferSharedPointer();
  return std::string(reinterpret_cast<const char*>(buf->getBuffer()), buf->getSize());
}

/// A JBIG2 embedded stream (no file header) with only a page information
/// segment of `w` x `h` and an end of page: what a decoder sizes its page by.
std::string jbig2_page_info(uint32_t w, uint32_t h) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string s = be32(0) + '\x30' + '\0' + '\x01' + be32(19);  // segment 0: page info (48)
  s += be32(w) + be32(h) + be32(0) + be32(0) + '\0' + '\0' + '\0';
  s += be32(1) + '\x31' + '\0' + '\x01' + be32(0);  // segment 1: end of page (49)
  return s;
}

/// A real JBIG2 embedded stream of `gray` (ink < 128): a page information
/// segment and one immediate generic region coded with MMR, whose data is
/// CCITT G4 (T.6) as pageprep's own TIFF writer makes it (one strip, 1 =
/// black, as JBIG2 wants). "" if the TIFF cannot be made or read.
std::string jbig2_mmr(const cv::Mat& gray) {
  const cv::Mat bin = gray >= 128;  // 255 paper, 0 ink
  const auto enc = host::encode_page(bin, host::OutputFormat::kTiffG4, 150, true);
  const std::string t(enc.bytes.begin(), enc.bytes.end());
  if (enc.error != host::PageError::kNone || t.size() < 8) return "";
  const bool le = t[0] == 'I';
  auto u = [&](size_t at, int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; ++i) {
      const uint32_t b = static_cast<uint8_t>(t.at(at + static_cast<size_t>(i)));
      v |= le ? b << (8 * i) : b << (8 * (n - 1 - i));
    }
    return v;
  };
  const size_t ifd = u(4, 4);
  uint32_t offset = 0, count = 0;
  for (uint32_t e = 0, n = u(ifd, 2); e < n; ++e) {
    const size_t at = ifd + 2 + 12 * e;
    const uint32_t tag = u(at, 2), type = u(at + 2, 2), values = u(at + 4, 4);
    const uint32_t v = type == 3 ? u(at + 8, 2) : u(at + 8, 4);
    if ((tag == 273 || tag == 279) && values != 1) return "";  // more than one strip
    if (tag == 273) offset = v;
    if (tag == 279) count = v;
  }
  if (!offset || !count || offset + count > t.size()) return "";
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  const auto w = static_cast<uint32_t>(gray.cols), h = static_cast<uint32_t>(gray.rows);
  std::string s = be32(0) + '\x30' + '\0' + '\x01' + be32(19);  // page information
  s += be32(w) + be32(h) + be32(0) + be32(0) + '\0' + '\0' + '\0';
  s += be32(1) + '\x26' + '\0' + '\x01' + be32(18 + count);  // immediate generic region
  s += be32(w) + be32(h) + be32(0) + be32(0) + '\0';         // region: at 0,0, OR
  s += '\x01';                                               // MMR
  s += t.substr(offset, count);  // no end-of-page segment: poppler misreads it after MMR
  return s;
}

std::string random_bytes(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  for (char& c : s) {
    seed = seed * 1664525u + 1013904223u;
    c = static_cast<char>(seed >> 24);
  }
  return s;
}

const char* const kVectorLines[] = {
    "Quarterly harvest figures improved markedly across northern provinces",
    "Shipping volumes through the harbour doubled since the previous winter",
    "Engineers replaced corroded bridges with reinforced concrete spans",
    "Teachers reported better attendance after the railway extension opened",
    "Merchants petitioned the council for longer market hours in summer",
    "Physicians recorded fewer fevers once the reservoir was completed",
    "Librarians catalogued seventeen thousand volumes during the autumn",
    "Farmers welcomed cheaper fertiliser and sturdier irrigation pumps",
};

std::string vector_text() {
  std::string t;
  for (const char* l : kVectorLines) t += std::string(l) + "\n";
  return t;
}

/// Helvetica lines of kVectorLines drawn so that a page of 612 x 792 pt with
/// /Rotate `rotate` (0, 90 or 270) shows them upright; `scale` shrinks the
/// drawing (a page with /UserUnit 2 draws at half size).
std::string vector_content(int rotate, double scale = 1) {
  std::string c = "BT /F1 " + num(14 * scale) + " Tf\n";
  const double w = 612 * scale, h = 792 * scale, m = 72 * scale, pitch = 22 * scale;
  int i = 1;
  for (const char* l : kVectorLines) {
    const double d = m + pitch * i++;
    if (rotate == 90)  // shown turned clockwise: page's left is the top, bottom the left
      c += "0 1 -1 0 " + num(d) + " " + num(m) + " Tm";
    else if (rotate == 270)  // page's right is the top, its top the left
      c += "0 -1 1 0 " + num(w - d) + " " + num(h - m) + " Tm";
    else
      c += "1 0 0 1 " + num(m) + " " + num(h - d) + " Tm";
    c += " (" + std::string(l) + ") Tj\n";
  }
  return c + "ET\n";
}

const std::string kHelvetica = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";

}  // namespace

std::vector<std::string> pick_words(const std::string& text, size_t min_len, size_t n,
                                    const std::vector<std::string>& except) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w && out.size() < n) {
    while (!w.empty() && std::ispunct(static_cast<unsigned char>(w.back()))) w.pop_back();
    bool letters = w.size() >= min_len;
    for (char& c : w) {
      letters = letters && std::isalpha(static_cast<unsigned char>(c));
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    bool seen = !letters;
    for (const auto& o : out) seen = seen || o == w;
    for (const auto& e : except) seen = seen || e == w;
    if (!seen) out.push_back(w);
  }
  return out;
}

std::string pdf_stream(const std::string& dict, const std::string& data) {
  return "<< " + dict + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data +
         "\nendstream";
}

std::string pdf_gray_image(const cv::Mat& g, const std::string& extra) {
  const cv::Mat c = g.isContinuous() ? g : g.clone();
  return pdf_stream("/Type /XObject /Subtype /Image /Width " + std::to_string(c.cols) +
                        " /Height " + std::to_string(c.rows) +
                        " /ColorSpace /DeviceGray /BitsPerComponent 8 " + extra,
                    std::string(reinterpret_cast<const char*>(c.data), c.total()));
}

std::string pdf_from_objects(const std::vector<std::string>& objects,
                             const std::string& trailer_extra) {
  std::string out = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char line[24];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R " +
         trailer_extra + " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

std::vector<HostilePdf> hostile_pdfs(const TextImage& shown, const TextImage& hidden) {
  const cv::Mat& a = shown.gray;
  const double pt = 72.0 / shown.dpi;
  const double w = a.cols * pt, h = a.rows * pt;
  const std::string box = "[0 0 " + num(w) + " " + num(h) + "]";
  const std::string tall = "[0 0 " + num(w) + " " + num(2 * h) + "]";
  const auto words = pick_words(shown.text, 5, 12);
  const auto secret = pick_words(hidden.text, 7, 10, pick_words(shown.text, 1, 100000));
  const auto vwords = pick_words(vector_text(), 6, 24);
  const std::string draw = "q " + num(w) + " 0 0 " + num(h) + " 0 0 cm /Im0 Do Q\n";
  const std::string draw_tall = "q " + num(w) + " 0 0 " + num(2 * h) + " 0 0 cm /Im0 Do Q\n";
  const std::string im0 = "/XObject << /Im0 5 0 R >>";
  cv::Mat stacked;  // the shown text above the hidden text
  cv::vconcat(a, hidden.gray, stacked);

  HostileExpect read_all;
  read_all.must_read = words;
  HostileExpect read_shown_only = read_all;
  read_shown_only.must_not_read = secret;
  HostileExpect fails_with = {};
  fails_with.errors = {"corrupt"};
  fails_with.ok_pages = 0;

  std::vector<HostilePdf> out;
  const OnePage plain{box, "", draw, im0, {pdf_gray_image(a)}};
  out.push_back({"plain_scan.pdf", "control: one scanned image", plain.build(), read_all});

  OnePage lying = plain;
  lying.count = "16000000";
  out.push_back({"lying_count.pdf", "3 /Count 16000000", lying.build(), read_all});

  // 10^8 rectangle fills from a few hundred bytes: forms 5..13 each draw the
  // next one ten times, the last fills a rectangle.
  {
    OnePage nest{box, "", "q /Fm0 Do Q\n", "/XObject << /Fm0 5 0 R >>", {}};
    std::string ten;
    for (int i = 0; i < 10; ++i) ten += "/Fm Do ";
    for (int k = 0; k < 8; ++k)
      nest.more.push_back(pdf_stream("/Type /XObject /Subtype /Form /BBox " + box +
                                         " /Resources << /XObject << /Fm " + std::to_string(6 + k) +
                                         " 0 R >> >>",
                                     ten));
    nest.more.push_back(
        pdf_stream("/Type /XObject /Subtype /Form /BBox " + box, "0.5 g 10 10 20 20 re f"));
    HostileExpect e;
    e.errors = {"time_limit", "memory_limit", "too_large"};
    e.ok_pages = -1;
    e.blank_ok = true;  // a page of grey squares has no text
    out.push_back(
        {"nested_forms.pdf", "4 red team: nested forms (content-scan bomb)", nest.build(), e});
  }

  // Item 5: half of one image hidden three ways.
  out.push_back(
      {"clip_hidden.pdf", "5 clip path hides half the image",
       OnePage{tall,
               "",
               "q 0 " + num(h) + " " + num(w) + " " + num(h) + " re W n\n" + draw_tall + "Q\n",
               im0,
               {pdf_gray_image(stacked)}}
           .build(),
       read_shown_only});
  out.push_back(
      {"bbox_hidden.pdf", "5 form /BBox hides half the image",
       OnePage{tall,
               "",
               "q /Fm0 Do Q\n",
               "/XObject << /Fm0 5 0 R >>",
               {pdf_stream("/Type /XObject /Subtype /Form /BBox [0 " + num(h) + " " + num(w) + " " +
                               num(2 * h) + "] /Resources << /XObject << /Im0 6 0 R >> >>",
                           draw_tall),
                pdf_gray_image(stacked)}}
           .build(),
       read_shown_only});
  {
    const std::string oc = "/OCProperties << /OCGs [6 0 R] /D << /OFF [6 0 R] >> >>";
    const std::string place_a =
        "q " + num(w) + " 0 0 " + num(h) + " 0 " + num(h) + " cm /Im0 Do Q\n";
    const std::string place_b = "q " + num(w) + " 0 0 " + num(h) + " 0 0 cm /Im1 Do Q\n";
    OnePage marked{
        tall,
        "",
        place_a + "/OC /oc1 BDC " + place_b + "EMC\n",
        "/XObject << /Im0 5 0 R /Im1 7 0 R >> /Properties << /oc1 6 0 R >>",
        {pdf_gray_image(a), "<< /Type /OCG /Name (Redacted) >>", pdf_gray_image(hidden.gray)},
        "1",
        oc};
    out.push_back({"ocg_off_marked.pdf", "5 optional content (marked, off)", marked.build(),
                   read_shown_only});
    OnePage xobj = marked;
    xobj.content = place_a + place_b;
    xobj.resources = "/XObject << /Im0 5 0 R /Im1 7 0 R >>";
    xobj.more[2] = pdf_gray_image(hidden.gray, "/OC 6 0 R");
    out.push_back({"ocg_off_image.pdf", "5 optional content (image /OC, off)", xobj.build(),
                   read_shown_only});
  }

  // Item 6: vector text on quarter-turned pages; a turned scan as a control.
  HostileExpect vec;
  vec.must_read = vwords;
  for (int rot : {90, 270})
    out.push_back({"rotate" + std::to_string(rot) + "_vector.pdf",
                   "6 /Rotate " + std::to_string(rot) + " vector text",
                   OnePage{"[0 0 612 792]",
                           "/Rotate " + std::to_string(rot),
                           vector_content(rot),
                           "/Font << /F1 5 0 R >>",
                           {kHelvetica}}
                       .build(),
                   vec});
  out.push_back({"rotate90_scan.pdf", "6 control: /Rotate 90 scan",
                 OnePage{"[0 0 " + num(h) + " " + num(w) + "]",
                         "/Rotate 90",
                         "q 0 " + num(w) + " -" + num(h) + " 0 " + num(h) + " 0 cm /Im0 Do Q\n",
                         im0,
                         {pdf_gray_image(a)}}
                     .build(),
                 read_all});

  // Item 6 on JBIG2 (rendered at its own resolution): the page turned by
  // /Rotate, the image drawn turned back so the text reads upright.
  {
    const std::string jb = jbig2_mmr(a);
    const std::string dict = "/Type /XObject /Subtype /Image /Width " + std::to_string(a.cols) +
                             " /Height " + std::to_string(a.rows) +
                             " /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /JBIG2Decode";
    out.push_back({"jbig2_plain.pdf", "control: a JBIG2 (MMR) scan",
                   OnePage{box, "", draw, im0, {pdf_stream(dict, jb)}}.build(), read_all});
    out.push_back({"rotate90_jbig2.pdf", "6 /Rotate 90 JBIG2 scan",
                   OnePage{"[0 0 " + num(h) + " " + num(w) + "]",
                           "/Rotate 90",
                           "q 0 " + num(w) + " -" + num(h) + " 0 " + num(h) + " 0 cm /Im0 Do Q\n",
                           im0,
                           {pdf_stream(dict, jb)}}
                       .build(),
                   read_all});
    out.push_back({"rotate270_jbig2.pdf", "6 /Rotate 270 JBIG2 scan",
                   OnePage{"[0 0 " + num(h) + " " + num(w) + "]",
                           "/Rotate 270",
                           "q 0 -" + num(w) + " " + num(h) + " 0 0 " + num(w) + " cm /Im0 Do Q\n",
                           im0,
                           {pdf_stream(dict, jb)}}
                       .build(),
                   read_all});
  }

  // Item 7: a visible footer over a scan; a stale OCR layer over two strips.
  {
    HostileExpect footer = read_all;
    footer.must_read.push_back("archive");
    out.push_back(
        {"footer_over_scan.pdf", "7 visible footer over a scan",
         OnePage{box,
                 "",
                 draw + "BT /F1 7 Tf 20 8 Td (Downloaded from archive on 7 Dec 2026) Tj ET\n",
                 im0 + " /Font << /F1 6 0 R >>",
                 {pdf_gray_image(a), kHelvetica}}
             .build(),
         footer});
    const int half = a.rows / 2;
    const double top_h = half * pt, bottom_h = h - top_h;
    HostileExpect stale = read_all;
    stale.must_not_read = {"zyxwstale"};
    out.push_back(
        {"stale_ocr_strips.pdf", "7 two strips and a stale OCR layer",
         OnePage{box,
                 "",
                 "q " + num(w) + " 0 0 " + num(top_h) + " 0 " + num(bottom_h) +
                     " cm /Im0 Do Q\nq " + num(w) + " 0 0 " + num(bottom_h) +
                     " 0 0 cm /Im1 Do Q\nBT 3 Tr /F1 12 Tf 72 100 Td (Zyxwstale obsolete) Tj ET\n",
                 "/XObject << /Im0 5 0 R /Im1 6 0 R >> /Font << /F1 7 0 R >>",
                 {pdf_gray_image(a.rowRange(0, half)), pdf_gray_image(a.rowRange(half, a.rows)),
                  kHelvetica}}
             .build(),
         stale});
  }

  // Item 8: a black image whose soft mask carries the text.
  {
    cv::Mat black(a.size(), CV_8UC1, cv::Scalar(0));
    cv::Mat alpha = 255 - a;
    out.push_back(
        {"smask.pdf", "8 /SMask: black image, the mask is the text",
         OnePage{box, "", draw, im0, {pdf_gray_image(black, "/SMask 6 0 R"), pdf_gray_image(alpha)}}
             .build(),
         read_all});
  }

  // Item 9: a page without area; a page in a self-referencing object stream.
  out.push_back({"mediabox_zero.pdf", "9 [0 0 0 0] MediaBox",
                 OnePage{"[0 0 0 0]", "", draw, im0, {pdf_gray_image(a)}}.build(), fails_with});
  {
    // Page 1 in the file body; page 2 (object 7) in object stream 6, which the
    // cross-reference stream (object 8) places inside itself.
    const std::string page = "<< /Type /Page /Parent 2 0 R /MediaBox " + box +
                             " /Contents 4 0 R /Resources << " + im0 + " >> >>";
    const std::vector<std::string> body = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R 7 0 R] /Count 2 >>",
        page,
        pdf_stream("", draw),
        pdf_gray_image(a),
        pdf_stream("/Type /ObjStm /N 1 /First 4 /Extends 6 0 R", "7 0 " + page)};
    std::string pdf = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
    std::vector<size_t> off;
    for (size_t i = 0; i < body.size(); ++i) {
      off.push_back(pdf.size());
      pdf += std::to_string(i + 1) + " 0 obj\n" + body[i] + "\nendobj\n";
    }
    const size_t xref_at = pdf.size();
    auto entry = [](int type, uint32_t f2, uint16_t f3) {
      return std::string{static_cast<char>(type),     static_cast<char>(f2 >> 24),
                         static_cast<char>(f2 >> 16), static_cast<char>(f2 >> 8),
                         static_cast<char>(f2),       static_cast<char>(f3 >> 8),
                         static_cast<char>(f3)};
    };
    std::string x = entry(0, 0, 65535);
    for (int i = 0; i < 5; ++i) x += entry(1, static_cast<uint32_t>(off[i]), 0);
    x += entry(2, 6, 1);  // object 6 is object 1 of object stream 6: itself
    x += entry(2, 6, 0);  // object 7, the second page, is in object stream 6
    x += entry(1, static_cast<uint32_t>(xref_at), 0);
    pdf += "8 0 obj\n" + pdf_stream("/Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R", x) +
           "\nendobj\nstartxref\n" + std::to_string(xref_at) + "\n%%EOF\n";
    HostileExpect e = read_all;
    e.errors = {"corrupt"};
    e.pages = -1;
    e.ok_pages = -1;
    out.push_back({"objstm_self_ref.pdf", "9 self-referencing object stream", pdf, e});
  }

  // Encryption: an owner password only (readable), a user password (not).
  {
    const std::string p = plain.build();
    HostileExpect owner = read_all;
    owner.keeps_restrictions = true;
    out.push_back({"encrypted_owner.pdf", "lesser: owner password, restrictions",
                   rewrite(p,
                           [](QPDFWriter& wr) {
                             wr.setR6EncryptionParameters("", "owner-secret", true, false, false,
                                                          false, false, false, qpdf_r3p_none, true);
                           }),
                   owner});
    HostileExpect locked;
    locked.errors = {"encrypted"};
    locked.ok_pages = 0;
    out.push_back({"encrypted_user.pdf", "control: user password",
                   rewrite(p,
                           [](QPDFWriter& wr) {
                             wr.setR6EncryptionParameters("user-secret", "owner-secret", true, true,
                                                          true, true, true, true, qpdf_r3p_full,
                                                          true);
                           }),
                   locked});
  }

  // Truncated books of three pages: linearized (img2pdf's kind), and plain
  // with its objects in page order, cut inside the second page's image.
  {
    std::vector<std::string> o = {"<< /Type /Catalog /Pages 2 0 R >>",
                                  "<< /Type /Pages /Kids [3 0 R 6 0 R 9 0 R] /Count 3 >>"};
    for (int p = 0; p < 3; ++p) {
      const int first = 3 + 3 * p;
      o.push_back("<< /Type /Page /Parent 2 0 R /MediaBox " + box + " /Contents " +
                  std::to_string(first + 1) + " 0 R /Resources << /XObject << /Im0 " +
                  std::to_string(first + 2) + " 0 R >> >> >>");
      o.push_back(pdf_stream("", draw));
      o.push_back(pdf_gray_image(p == 1 ? hidden.gray : a));
    }
    const std::string book = pdf_from_objects(o);
    const size_t second_image = book.find("/Subtype /Image", book.find("/Subtype /Image") + 1);
    HostileExpect cut;
    cut.errors = {"corrupt"};
    cut.pages = 3;
    cut.ok_pages = -1;
    cut.must_read = words;
    out.push_back({"truncated_plain.pdf", "control: truncated book, recovered",
                   book.substr(0, second_image + static_cast<size_t>(a.total() / 2)), cut});
    const std::string lin = rewrite(book, [](QPDFWriter& wr) { wr.setLinearization(true); });
    out.push_back({"linearized_truncated.pdf", "lesser: truncated linearized book",
                   lin.substr(0, lin.size() * 6 / 10), cut});
  }

  {
    HostileExpect e = vec;
    e.width = static_cast<int>(8.5 * 150 + 0.5);  // at --pdf-dpi 150
    out.push_back({"userunit.pdf", "lesser: /UserUnit 2",
                   OnePage{"[0 0 306 396]",
                           "/UserUnit 2",
                           vector_content(0, 0.5),
                           "/Font << /F1 5 0 R >>",
                           {kHelvetica}}
                       .build(),
                   e});
  }

  // Item 12: broken images must not become blank "ok" pages.
  const std::string jbig2_dict =
      "/Type /XObject /Subtype /Image /Width " + std::to_string(a.cols) + " /Height " +
      std::to_string(a.rows) + " /ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /JBIG2Decode";
  out.push_back(
      {"jbig2_random.pdf", "12 random JBIG2 data",
       OnePage{box, "", draw, im0, {pdf_stream(jbig2_dict, random_bytes(6000, 7))}}.build(),
       fails_with});
  HostileExpect huge;
  huge.errors = {"too_large", "corrupt"};
  huge.ok_pages = 0;
  out.push_back(
      {"jbig2_huge.pdf", "12 JBIG2 claiming 100000 x 100000",
       OnePage{box,
               "",
               draw,
               im0,
               {pdf_stream("/Type /XObject /Subtype /Image /Width 100000 /Height 100000 "
                           "/ColorSpace /DeviceGray /BitsPerComponent 1 /Filter /JBIG2Decode",
                           jbig2_page_info(100000, 100000) + random_bytes(2000, 9))}}
           .build(),
       huge});
  out.push_back({"inline_huge.pdf", "12 inline image claiming 100000 x 100000",
                 OnePage{box,
                         "",
                         "q " + num(w) + " 0 0 " + num(h) +
                             " 0 0 cm BI /W 100000 /H 100000 /CS /G /BPC 8 ID " +
                             random_bytes(64, 11) + " EI Q\n",
                         "",
                         {}}
                     .build(),
                 huge});

  // Item 13: a file name that is not UTF-8 (Latin-1 e acute).
  HostileExpect xml = read_all;
  xml.check_xml = true;
  out.push_back({"caf\xe9.pdf", "13 non-UTF-8 file name", plain.build(), xml});
  return out;
}

}  // namespace pageprep::testsupport
