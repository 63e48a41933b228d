// Issue 20, PDF input: the content scan's budget (nested forms), a page lost
// in a self-referencing object stream, a truncated linearized PDF, /UserUnit.
// Every PDF is written here byte by byte, so each case is exactly the damage
// it names.
#include <gtest/gtest.h>
#include <unistd.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "io/codec.hpp"
#include "io/pdf_document.hpp"

namespace pageprep::host {
namespace {
namespace fs = std::filesystem;

fs::path temp_pdf(const std::string& name) {
  return fs::temp_directory_path() /
         ("pageprep_pdflim_" + name + "_" + std::to_string(::getpid()) + ".pdf");
}

// A classic-xref PDF of the given objects (number -> body without "obj").
std::string classic_pdf(const std::map<int, std::string>& objects, int root) {
  std::string out = "%PDF-1.6\n";
  std::map<int, size_t> offs;
  for (const auto& [n, body] : objects) {
    offs[n] = out.size();
    out += std::to_string(n) + " 0 obj\n" + body + "\nendobj\n";
  }
  const size_t xref = out.size();
  const int size = objects.rbegin()->first + 1;
  out += "xref\n0 " + std::to_string(size) + "\n0000000000 65535 f \n";
  for (int i = 1; i < size; ++i) {
    char line[32];
    if (offs.count(i))
      std::snprintf(line, sizeof line, "%010zu 00000 n \n", offs[i]);
    else
      std::snprintf(line, sizeof line, "0000000000 65535 f \n");
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(size) + " /Root " + std::to_string(root) +
         " 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

std::string stream(const std::string& dict, const std::string& data) {
  return "<< " + dict + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data +
         "\nendstream";
}

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string repeat(const std::string& s, int n) {
  std::string r;
  for (int i = 0; i < n; ++i) r += s;
  return r;
}

DecodeResult decode(const fs::path& p, int page) {
  kernels::cpu::ThreadPool pool(1);
  return decode_page(p.string(), page, DecodeLimits{}, pool);
}

// 2.8 KB: each of five forms uses the next one 40 times, so a scan that
// enters every use parses 40^5 = 10^8 forms (before the budget: minutes).
TEST(PdfLimits, NestedFormsStopTheContentScanAtItsBudget) {
  std::map<int, std::string> o;
  o[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  o[2] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
  o[3] =
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /F0 10 0 "
      "R >> >> /Contents 4 0 R >>";
  o[4] = stream("", repeat("/F0 Do ", 40));
  for (int k = 0; k < 5; ++k) {
    const bool last = k == 4;
    const std::string res = last ? ""
                                 : "/Resources << /XObject << /F" + std::to_string(k + 1) + " " +
                                       std::to_string(11 + k) + " 0 R >> >>";
    o[10 + k] = stream("/Type /XObject /Subtype /Form /BBox [0 0 612 792] " + res,
                       last ? "0 0 1 1 re f" : repeat("/F" + std::to_string(k + 1) + " Do ", 40));
  }
  const fs::path p = temp_pdf("nested");
  write(p, classic_pdf(o, 1));
  PdfOpen open = open_pdf(p.string());
  ASSERT_EQ(open.error, PageError::kNone) << open.message;
  const PdfPagePlan plan = plan_pdf_page(open.pages[0]);
  EXPECT_TRUE(plan.content.budget_exceeded);
  EXPECT_LE(plan.content.scanned_forms, kPdfScanMaxForms + 1);
  EXPECT_LE(plan.content.scanned_objects, kPdfScanMaxOperators + 1);
  EXPECT_FALSE(plan.native);
  EXPECT_NE(plan.why_rendered.find("content too complex to scan"), std::string::npos)
      << plan.why_rendered;
  fs::remove(p);
}

TEST(PdfLimits, AnOrdinaryPageIsScannedWhole) {
  std::map<int, std::string> o;
  o[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  o[2] = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
  o[3] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>";
  o[4] = stream("", repeat("0 0 1 1 re f ", 1000));
  const fs::path p = temp_pdf("plain");
  write(p, classic_pdf(o, 1));
  PdfOpen open = open_pdf(p.string());
  ASSERT_EQ(open.error, PageError::kNone) << open.message;
  const PdfPageContent c = scan_pdf_page(open.pages[0]);
  EXPECT_FALSE(c.budget_exceeded);
  EXPECT_EQ(c.scanned_objects, 6000);  // 5 objects per "x y w h re", 1 per "f"
  EXPECT_EQ(c.first_painting, "vector graphics");
  fs::remove(p);
}

// Page 2's object lives in object stream 4, whose own cross-reference entry
// says it is inside itself: qpdf resolves the page to null.
std::string self_referencing_object_stream() {
  std::string out = "%PDF-1.5\n";
  std::map<int, size_t> offs;
  auto obj = [&](int n, const std::string& body) {
    offs[n] = out.size();
    out += std::to_string(n) + " 0 obj\n" + body + "\nendobj\n";
  };
  obj(1, "<< /Type /Catalog /Pages 2 0 R >>");
  obj(2, "<< /Type /Pages /Kids [7 0 R 3 0 R] /Count 2 >>");
  const std::string page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>";
  const std::string head = "3 0 ";
  obj(4, stream("/Type /ObjStm /N 1 /First " + std::to_string(head.size()), head + page));
  obj(7, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 8 0 R >>");
  obj(8, stream("", "0 0 0 rg 72 600 200 100 re f"));
  const size_t xref = out.size();
  struct Row {
    int type;
    size_t f2;
    int f3;
  };
  const Row rows[] = {{0, 0, 65535}, {1, offs[1], 0}, {1, offs[2], 0}, {2, 4, 0},      {2, 4, 1},
                      {0, 0, 0},     {1, xref, 0},    {1, offs[7], 0}, {1, offs[8], 0}};
  std::string data;
  for (const Row& r : rows) {
    data += static_cast<char>(r.type);
    for (int s = 24; s >= 0; s -= 8) data += static_cast<char>((r.f2 >> s) & 0xff);
    data += static_cast<char>((r.f3 >> 8) & 0xff);
    data += static_cast<char>(r.f3 & 0xff);
  }
  out += "6 0 obj\n" + stream("/Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R", data) + "\nendobj\n";
  out += "startxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return out;
}

TEST(PdfLimits, APageLostInASelfReferencingObjectStreamIsAPageError) {
  const fs::path p = temp_pdf("selfref");
  write(p, self_referencing_object_stream());
  EXPECT_EQ(count_pages(p.string()).count, 2);
  const DecodeResult r = decode(p, 1);
  EXPECT_EQ(r.error, PageError::kCorrupt) << r.page.gray.cols << "x" << r.page.gray.rows;
  EXPECT_NE(r.message.find("object was lost"), std::string::npos) << r.message;
  fs::remove(p);
}

// A linearized file keeps its page tree at the end; cut there, the page tree
// is gone but pages 1 and 2 are whole (img2pdf writes such files).
TEST(PdfLimits, ATruncatedLinearizedPdfKeepsItsSurvivingPages) {
  std::string out = "%PDF-1.4\n";
  auto obj = [&](int n, const std::string& body) {
    out += std::to_string(n) + " 0 obj\n" + body + "\nendobj\n";
  };
  obj(9, "<< /Linearized 1 /L 100000 /O 12 /N 3 /T 90000 >>");
  obj(10, "<< /Pages 7 0 R /Type /Catalog >>");
  obj(12, "<< /Type /Page /Parent 7 0 R /MediaBox [0 0 300 200] /Contents 13 0 R >>");
  obj(13, stream("", "0 0 0 rg 10 10 50 50 re f"));
  obj(1, "<< /Type /Page /Parent 7 0 R /MediaBox [0 0 400 200] /Contents 13 0 R >>");
  obj(4, "<< /Type /Page /Parent 7 0 R /MediaBox [0 0 500 200] /Contents 5 0 R >>");
  out += "5 0 obj\n<< /Length 5000 >>\nstream\n0 0 0 rg";  // cut inside page 3's content
  const fs::path p = temp_pdf("linearized");
  write(p, out);
  const PageCount c = count_pages(p.string());
  ASSERT_EQ(c.error, PageError::kNone) << c.message;
  EXPECT_EQ(c.count, 3);
  PdfOpen open = open_pdf(p.string());
  ASSERT_EQ(open.error, PageError::kNone) << open.message;
  ASSERT_GE(open.pages.size(), 2u);
  // The linearized first page (/O 12) first, then the others in file order.
  EXPECT_EQ(pdf_page_box(open.pages[0]).display_w, 300);
  EXPECT_EQ(pdf_page_box(open.pages[1]).display_w, 400);
  fs::remove(p);
}

TEST(PdfLimits, UserUnitScalesThePage) {
  std::map<int, std::string> o;
  o[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  o[2] = "<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>";
  o[3] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /UserUnit 2.5 /Contents 4 0 R >>";
  o[4] = stream("", "0 0 1 1 re f");
  o[5] = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /UserUnit -3 /Contents 4 0 R >>";
  const fs::path p = temp_pdf("userunit");
  write(p, classic_pdf(o, 1));
  PdfOpen open = open_pdf(p.string());
  ASSERT_EQ(open.error, PageError::kNone) << open.message;
  const PdfPageBox b = pdf_page_box(open.pages[0]);
  EXPECT_DOUBLE_EQ(b.user_unit, 2.5);
  EXPECT_DOUBLE_EQ(b.display_w, 612 * 2.5);
  EXPECT_DOUBLE_EQ(b.display_h, 792 * 2.5);
  // The top-right corner of user space lands at the displayed right edge.
  const auto corner = b.user_to_display.apply(612, 792);
  EXPECT_NEAR(corner[0], 612 * 2.5, 1e-9);
  EXPECT_NEAR(corner[1], 0, 1e-9);
  const PdfPageBox bad = pdf_page_box(open.pages[1]);  // invalid: taken as 1
  EXPECT_DOUBLE_EQ(bad.display_w, 612);
  fs::remove(p);
}

}  // namespace
}  // namespace pageprep::host
