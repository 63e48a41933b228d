// doc/ocr_layer_strip: invisible (render mode 3) text objects go, visible ones
// stay, and the state a dropped object sets (font, render mode) still holds
// for the content after it. Checked with pdftotext and pdftoppm on the result.
#include <gtest/gtest.h>
#include <unistd.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "doc/ocr_layer_strip.hpp"

namespace pageprep::host {
namespace {
namespace fs = std::filesystem;

std::string command_output(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

// Writes a one-page PDF with `content`, stripped or not, and returns its text.
std::string text_after(const std::string& content, bool strip, const fs::path& path) {
  QPDF pdf;
  pdf.emptyPDF();
  QPDFObjectHandle page = QPDFObjectHandle::parse(
      "<< /Type /Page /MediaBox [0 0 400 200] /Resources << /Font << /F1 << /Type /Font "
      "/Subtype /Type1 /BaseFont /Helvetica >> >> >> >>");
  page.replaceKey("/Contents", pdf.newStream(content));
  QPDFPageDocumentHelper(pdf).addPage(QPDFPageObjectHelper(pdf.makeIndirectObject(page)), false);
  if (strip) strip_invisible_text(QPDFPageDocumentHelper(pdf).getAllPages()[0]);
  const std::string path_file = path.string();  // QPDFWriter keeps the pointer
  QPDFWriter w(pdf, path_file.c_str());
  w.write();
  return command_output("pdftotext '" + path.string() + "' - 2>&1");
}

TEST(OcrLayerStrip, InvisibleTextGoesVisibleTextAndStateStay) {
  ASSERT_EQ(std::system("command -v pdftotext >/dev/null"), 0) << "pdftotext is required";
  const fs::path p =
      fs::temp_directory_path() / ("pageprep_strip_" + std::to_string(::getpid()) + ".pdf");
  // The old layer sets the font and mode 3, then mode 0 again; the visible
  // line after it relies on that font and that mode.
  const std::string content =
      "BT /F1 12 Tf 3 Tr 20 150 Td (Stalexyz layer) Tj 0 Tr ET\n"
      "BT 20 50 Td (Visible words) Tj ET\n"
      "3 Tr BT /F1 10 Tf 20 100 Td (Hiddenqqq too) Tj ET 0 Tr\n";
  const std::string before = text_after(content, false, p);
  ASSERT_NE(before.find("Stalexyz"), std::string::npos) << before;  // the test PDF is valid
  ASSERT_NE(before.find("Hiddenqqq"), std::string::npos) << before;
  const std::string after = text_after(content, true, p);
  EXPECT_EQ(after.find("Stalexyz"), std::string::npos) << after;
  EXPECT_EQ(after.find("Hiddenqqq"), std::string::npos) << after;
  EXPECT_NE(after.find("Visible words"), std::string::npos) << after;
  // Still drawn: the font and mode kept from the dropped object.
  const std::string pgm = p.string() + ".r";
  ASSERT_EQ(
      std::system(("pdftoppm -gray -r 72 -singlefile '" + p.string() + "' '" + pgm + "'").c_str()),
      0);
  std::ifstream f(pgm + ".pgm", std::ios::binary);
  const std::string img((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_GT(img.size(), 400u * 200u);
  const unsigned char* px =
      reinterpret_cast<const unsigned char*>(img.data() + img.size() - 400 * 200);
  int dark = 0;
  for (int y = 200 - 60; y < 200 - 45; ++y)  // the visible line's baseline is at 50 pt
    for (int x = 20; x < 120; ++x) dark += px[y * 400 + x] < 128;
  EXPECT_GT(dark, 30);
  fs::remove(p);
  fs::remove(pgm + ".pgm");
}

}  // namespace
}  // namespace pageprep::host
