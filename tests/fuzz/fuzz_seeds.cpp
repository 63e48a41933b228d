// Writes seed inputs for the fuzz targets: the corpus generator's valid
// samples (support/corrupt_corpus.hpp) into DIR/<target>/, a few lists, and
// small PDFs built here object by object (each kind of page the PDF planner
// tells apart: one image as it stands, turned, masked, in a form, inline,
// vector, two images, a lying page count) into DIR/pdf/.
// Usage: pageprep-fuzz-seeds DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "support/corrupt_corpus.hpp"

namespace fs = std::filesystem;

namespace {

/// A PDF from its objects (object i+1 is objects[i]; object 1 is the
/// catalog), with a correct cross-reference table.
std::vector<uint8_t> make_pdf(const std::vector<std::string>& objects) {
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
  out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return std::vector<uint8_t>(out.begin(), out.end());
}

std::string stream(const std::string& dict, const std::string& data) {
  return "<< " + dict + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data +
         "\nendstream";
}

/// An 8x8 gray gradient, uncompressed: 144 dpi on the 4x4 pt seed pages
/// (a plausible resolution, so it is taken as it stands).
std::string gray_image(const std::string& extra = "") {
  std::string px;
  for (int i = 0; i < 64; ++i) px += static_cast<char>(i * 4);
  return stream(
      "/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
      "/BitsPerComponent 8 " +
          extra,
      px);
}

/// Catalog, page tree and one page with `content` and `resources`, then `more`
/// objects (numbered from 5).
std::vector<uint8_t> one_page(const std::string& page_extra, const std::string& content,
                              const std::string& resources, const std::vector<std::string>& more,
                              const std::string& count = "1") {
  std::vector<std::string> o = {
      "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count " + count + " >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 4 4] /Contents 4 0 R /Resources << " +
          resources + " >> " + page_extra + " >>",
      stream("", content)};
  o.insert(o.end(), more.begin(), more.end());
  return make_pdf(o);
}

std::vector<std::pair<std::string, std::vector<uint8_t>>> pdf_seeds() {
  const std::string im = "/XObject << /Im0 5 0 R >>";
  const std::string draw = "q 4 0 0 4 0 0 cm /Im0 Do Q";
  std::string bits(8, '\x55');
  return {
      {"image.pdf", one_page("", draw, im, {gray_image()})},
      {"rotated.pdf", one_page("/Rotate 90", "q 0 4 -4 0 4 0 cm /Im0 Do Q", im, {gray_image()})},
      {"bilevel_decode.pdf",
       one_page("", draw, im,
                {stream("/Type /XObject /Subtype /Image /Width 8 /Height 8 /ImageMask true "
                        "/Decode [1 0]",
                        bits)})},
      {"smask.pdf", one_page("", draw, im, {gray_image("/SMask 6 0 R"), gray_image()})},
      {"form.pdf", one_page("", "q /Fm0 Do Q", "/XObject << /Fm0 5 0 R >>",
                            {stream("/Type /XObject /Subtype /Form /BBox [0 0 4 2] "
                                    "/Resources << /XObject << /Im0 6 0 R >> >>",
                                    draw),
                             gray_image()})},
      {"clipped.pdf", one_page("", "q 0 0 2 4 re W n " + draw + " Q", im, {gray_image()})},
      {"inline.pdf",
       one_page("", "q 4 0 0 4 0 0 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x10\x80\x20\xF0 EI Q", "",
                {})},
      {"vector_text.pdf", one_page("", "0 0 1 rg 1 1 2 2 re f BT /F1 1 Tf 1 2 Td (page) Tj ET",
                                   "/Font << /F1 5 0 R >>",
                                   {"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"})},
      {"ocr_layer.pdf",
       one_page("", draw + " BT 3 Tr /F1 1 Tf 1 2 Td (old) Tj ET", im + " /Font << /F1 6 0 R >>",
                {gray_image(), "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"})},
      {"lying_count.pdf", one_page("", draw, im, {gray_image()}, "16000000")},
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pageprep-fuzz-seeds DIR\n";
    return 2;
  }
  const fs::path dir = argv[1];
  auto write = [&](const std::string& target, const std::string& name,
                   const std::vector<uint8_t>& b) {
    fs::create_directories(dir / target);
    std::ofstream(dir / target / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  };
  for (const auto& s : pageprep::testsupport::valid_samples()) {
    const std::string format = s.kind.substr(0, s.kind.find('_'));
    write(format, s.file_name, s.bytes);
    write("decode", s.file_name, s.bytes);
    write("count", s.file_name, s.bytes);
  }
  for (const auto& [name, bytes] : pdf_seeds()) write("pdf", name, bytes);
  const std::string list = "# pages\n/scans/a.png\n  rel/b.tif \r\n\nfolder\n";
  write("list", "list.txt", std::vector<uint8_t>(list.begin(), list.end()));
  return 0;
}
