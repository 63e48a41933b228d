// Documents in, documents out, end to end on generated pages with known text:
// PDFs of JPEG, CCITT G4 and JPEG 2000 pages, a vector page, encrypted and
// truncated PDFs, a JP2 page; the searchable PDF (qpdf --check, pdftotext no
// worse than the .txt), ALTO (well-formed, and valid when the schema is
// given), hOCR page numbers, and word boxes that hold their ink on a skewed
// master. PDFs are made with Debian's img2pdf and qpdf, JP2 with opj_compress.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "e2e/cli_harness.hpp"
#include "util/text_metrics.hpp"

namespace pageprep::e2e {
namespace {

bool have_tool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

#define REQUIRE_TOOLS(...)               \
  for (const char* tool : {__VA_ARGS__}) \
    if (!have_tool(tool))                \
      GTEST_SKIP() << tool << " is not installed (Debian packages: .ci/setup-debian.sh)";

// Runs a command and returns its stdout.
std::string output_of(const std::string& cmd) {
  const fs::path o =
      fs::temp_directory_path() / ("pageprep_docs_out_" + std::to_string(::getpid()));
  std::system((cmd + " >" + o.string() + " 2>/dev/null").c_str());
  std::string s = read_file(o);
  fs::remove(o);
  return s;
}

// Pages with known text from pageprep-synth: DIR/page-0001.<fmt> and .gt.txt.
fs::path make_pages(const std::string& name, const std::string& args) {
  const fs::path dir = fresh_dir(name);
  const auto r = run(synth() + " --out " + q(dir) + " " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir;
}

std::string truth(const fs::path& dir, int page) {
  char name[32];
  std::snprintf(name, sizeof name, "page-%04d.gt.txt", page);
  return read_file(dir / name);
}

std::string page_file(const fs::path& dir, int page, const std::string& ext) {
  char name[32];
  std::snprintf(name, sizeof name, "page-%04d.%s", page, ext.c_str());
  return (dir / name).string();
}

// Form feeds separate pages in B.txt; the CER is taken on the words.
double cer(const std::string& ocr, const std::string& truth_text) {
  std::string a = ocr;
  for (char& c : a)
    if (c == '\f') c = '\n';
  return host::score_text(a, truth_text).cer;
}

TEST(Documents, PdfOfJpegPagesGivesASearchablePdfAndPagesOnTheMaster) {
  REQUIRE_TOOLS("img2pdf", "qpdf", "pdftotext");
  const fs::path pages =
      make_pages("docs_jpeg_src", "--count 2 --seed 21 --skew-max 2 --format jpg --layout single");
  const fs::path in = fresh_dir("docs_jpeg_in"), out = fresh_dir("docs_jpeg_out");
  ASSERT_EQ(run("img2pdf " + page_file(pages, 1, "jpg") + " " + page_file(pages, 2, "jpg") +
                " -o " + q(in / "book.pdf"))
                .exit_code,
            0);
  const auto r = run(cli() + " run " + q(in / "book.pdf") + " -o " + q(out) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto recs = read_pages(out);
  ASSERT_EQ(recs.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(recs[i].str.at("status"), "ok") << recs[i].raw;
    EXPECT_EQ(recs[i].str.at("format"), "pdf");
    EXPECT_EQ(recs[i].str.at("pdf_page"), "image DCTDecode");
    EXPECT_EQ(recs[i].str.at("dpi_source"), "pdf image size on the page");
    EXPECT_EQ(recs[i].num.at("dpi"), 300);
    EXPECT_EQ(recs[i].num.at("width"), 2480);
    for (const char* ext : {".txt", ".hocr", ".xml", ".tsv", ".tif"}) {
      char stem[16];
      std::snprintf(stem, sizeof stem, "p%04d", i + 1);
      EXPECT_TRUE(fs::exists(out / "book" / (stem + std::string(ext)))) << stem << ext;
    }
  }
  // One searchable PDF and one text for the document.
  ASSERT_TRUE(fs::exists(out / "book.pdf"));
  ASSERT_TRUE(fs::exists(out / "book.txt"));
  EXPECT_EQ(run("qpdf --check " + q(out / "book.pdf")).exit_code, 0);
  // The original JPEGs are in it unchanged.
  EXPECT_NE(output_of("pdfimages -list " + q(out / "book.pdf")).find("jpeg"), std::string::npos);
  const std::string txt = read_file(out / "book.txt");
  EXPECT_NE(txt.find('\f'), std::string::npos) << "pages are separated by a form feed";
  const std::string all_truth = truth(pages, 1) + "\n" + truth(pages, 2);
  const std::string extracted = output_of("pdftotext " + q(out / "book.pdf") + " -");
  const double cer_txt = cer(txt, all_truth), cer_pdf = cer(extracted, all_truth);
  std::printf("[ metric ] CER book.txt %.4f, pdftotext book.pdf %.4f\n", cer_txt, cer_pdf);
  EXPECT_LT(cer_txt, 0.05);
  EXPECT_LE(cer_pdf, cer_txt + 1e-9) << extracted;
  // run.json lists the document.
  EXPECT_EQ(run_json_number(out, "documents_ok"), 1);
  // Assembling again (a rerun with every page done) changes nothing.
  const std::string before = read_file(out / "book.pdf");
  ASSERT_EQ(run(cli() + " run " + q(in / "book.pdf") + " -o " + q(out) + " -q").exit_code, 0);
  EXPECT_EQ(read_file(out / "book.pdf"), before);
  fs::remove_all(pages);
  fs::remove_all(in);
  fs::remove_all(out);
}

TEST(Documents, G4AndJpxPdfPagesAreTakenAtTheirOwnResolution) {
  REQUIRE_TOOLS("img2pdf", "opj_compress");
  const fs::path pages = make_pages("docs_g4_src", "--count 1 --seed 22 --layout sparse");
  const fs::path in = fresh_dir("docs_g4_in"), out = fresh_dir("docs_g4_out"),
                 tmp = fresh_dir("docs_g4_tmp");
  // A CCITT G4 TIFF (pageprep's own bilevel output), and a JP2 of the page.
  ASSERT_EQ(
      run(cli() + " run " + q(page_file(pages, 1, "png")) + " -o " + q(tmp) + " --ocr none -q")
          .exit_code,
      0);
  ASSERT_EQ(run("img2pdf " + q(tmp / "page-0001.tif") + " -o " + q(in / "g4.pdf")).exit_code, 0);
  ASSERT_EQ(
      run("opj_compress -i " + page_file(pages, 1, "png") + " -o " + q(tmp / "p.jp2")).exit_code,
      0);
  ASSERT_EQ(run("img2pdf --imgsize A4 " + q(tmp / "p.jp2") + " -o " + q(in / "jpx.pdf")).exit_code,
            0);
  const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " --ocr none -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto recs = read_pages(out);
  ASSERT_EQ(recs.size(), 2u);
  std::set<std::string> how;
  for (const auto& p : recs) {
    EXPECT_EQ(p.str.at("status"), "ok") << p.raw;
    EXPECT_EQ(p.num.at("width"), 2480) << p.raw;
    EXPECT_EQ(p.num.at("height"), 3508) << p.raw;
    EXPECT_EQ(p.num.at("dpi"), 300) << p.raw;
    how.insert(p.str.at("pdf_page"));
  }
  EXPECT_EQ(how, (std::set<std::string>{"image CCITTFaxDecode", "image JPXDecode"}));
  // Outputs are named after the folder argument: OUTDIR/<folder>/g4.tif.
  EXPECT_TRUE(fs::exists(out / in.filename() / "g4.tif"));
  EXPECT_TRUE(fs::exists(out / in.filename() / "jpx.tif"));
  fs::remove_all(pages);
  fs::remove_all(in);
  fs::remove_all(out);
  fs::remove_all(tmp);
}

// A one-page PDF drawn with a standard font: no image at all.
void write_vector_pdf(const fs::path& path, const std::string& text) {
  const std::string content =
      "BT /F1 28 Tf 72 650 Td (" + text + ") Tj ET 0 0 0 RG 3 w 72 600 m 540 600 l S";
  std::vector<std::string> objs = {
      "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R "
      ">> >> /Contents 4 0 R >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "\nendstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objs.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objs.size() + 1) + "\n0000000000 65535 f \n";
  char line[32];
  for (size_t o : offsets) {
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    pdf += line;
  }
  pdf += "trailer << /Size " + std::to_string(objs.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  std::ofstream(path, std::ios::binary) << pdf;
}

TEST(Documents, VectorPageIsRenderedAtPdfDpiAndKeepsItsOwnText) {
  REQUIRE_TOOLS("pdftoppm", "pdftotext", "qpdf");
  const fs::path in = fresh_dir("docs_vec_in"), out = fresh_dir("docs_vec_out");
  write_vector_pdf(in / "memo.pdf", "Quarterly report on vector pages");
  const auto r = run(cli() + " run " + q(in / "memo.pdf") + " -o " + q(out) + " --pdf-dpi 200 -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto recs = read_pages(out);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].num.at("width"), 1700);  // 8.5 in at 200 dpi
  EXPECT_EQ(recs[0].num.at("dpi"), 200);
  EXPECT_EQ(recs[0].str.at("pdf_page").rfind("rendered at 200 dpi: text", 0), 0u) << recs[0].raw;
  EXPECT_NE(read_file(out / "memo.txt").find("Quarterly report"), std::string::npos);
  // The page is copied as it is; its own text is not doubled by the OCR layer.
  EXPECT_EQ(run("qpdf --check " + q(out / "memo.pdf")).exit_code, 0);
  const std::string text = output_of("pdftotext " + q(out / "memo.pdf") + " -");
  EXPECT_EQ(text.find("Quarterly"), text.rfind("Quarterly")) << text;
  EXPECT_NE(text.find("Quarterly report on vector pages"), std::string::npos) << text;
  // Without the renderer the page fails clearly.
  const fs::path out2 = fresh_dir("docs_vec_out2");
  const auto r2 = run("PAGEPREP_PDFTOPPM= " + cli() + " run " + q(in / "memo.pdf") + " -o " +
                      q(out2) + " --ocr none -q");
  EXPECT_EQ(r2.exit_code, 3);
  EXPECT_NE(r2.err.find("needs pdftoppm"), std::string::npos) << r2.err;
  fs::remove_all(in);
  fs::remove_all(out);
  fs::remove_all(out2);
}

TEST(Documents, EncryptedAndTruncatedPdfsFailClearlyAndTheRestComesOut) {
  REQUIRE_TOOLS("img2pdf", "qpdf");
  const fs::path pages =
      make_pages("docs_bad_src", "--count 3 --seed 23 --format jpg --layout sparse");
  const fs::path in = fresh_dir("docs_bad_in"), out = fresh_dir("docs_bad_out"),
                 tmp = fresh_dir("docs_bad_tmp");
  ASSERT_EQ(run("img2pdf " + page_file(pages, 1, "jpg") + " " + page_file(pages, 2, "jpg") + " " +
                page_file(pages, 3, "jpg") + " -o " + q(tmp / "book.pdf"))
                .exit_code,
            0);
  ASSERT_EQ(
      run("qpdf --encrypt secret owner 256 -- " + q(tmp / "book.pdf") + " " + q(in / "locked.pdf"))
          .exit_code,
      0);
  // Objects in page order, then cut inside the second page's image: page 1
  // survives, pages 2 and 3 are lost.
  ASSERT_EQ(run("qpdf --object-streams=disable " + q(tmp / "book.pdf") + " " + q(tmp / "flat.pdf"))
                .exit_code,
            0);
  const std::string flat = read_file(tmp / "flat.pdf");
  const size_t second = flat.find("/DCTDecode", flat.find("/DCTDecode") + 1);
  ASSERT_NE(second, std::string::npos);
  std::ofstream(in / "cut.pdf", std::ios::binary) << flat.substr(0, second + 4000);
  fs::copy_file(page_file(pages, 1, "jpg"), in / "fine.jpg");
  const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " --ocr none -q");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  std::map<std::string, std::string> status;
  for (const auto& p : read_pages(out)) {
    const std::string k = fs::path(p.str.at("input")).filename().string() + "#" +
                          std::to_string(static_cast<int>(p.num.at("page")));
    status[k] = p.str.at("status") == "ok" ? "ok" : p.str.at("error_code");
  }
  EXPECT_EQ(status["locked.pdf#0"], "encrypted");
  EXPECT_EQ(status["cut.pdf#0"], "ok");
  EXPECT_EQ(status["cut.pdf#1"], "corrupt");
  EXPECT_EQ(status["cut.pdf#2"], "corrupt");
  EXPECT_EQ(status["fine.jpg#0"], "ok");
  EXPECT_NE(r.err.find("locked.pdf"), std::string::npos);
  EXPECT_NE(r.err.find("password"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out / in.filename() / "cut" / "p0001.tif"));
  fs::remove_all(pages);
  fs::remove_all(in);
  fs::remove_all(out);
  fs::remove_all(tmp);
}

TEST(Documents, ShardsBuildADocumentOnlyWhenAllItsPagesAreDone) {
  REQUIRE_TOOLS("img2pdf", "qpdf", "pdfinfo");
  const fs::path pages =
      make_pages("docs_shard_src", "--count 4 --seed 28 --format jpg --layout sparse");
  const fs::path in = fresh_dir("docs_shard_in"), out = fresh_dir("docs_shard_out");
  std::string list;
  for (int i = 1; i <= 4; ++i) list += " " + page_file(pages, i, "jpg");
  ASSERT_EQ(run("img2pdf" + list + " -o " + q(in / "book.pdf")).exit_code, 0);
  // An image-only PDF (no OCR) exercises the same assembly quickly.
  const std::string common =
      " run " + q(in / "book.pdf") + " -o " + q(out) + " --ocr none --output-type pdf -q";
  auto pdf_pages = [&]() {
    const std::string info = output_of("pdfinfo " + q(out / "book.pdf"));
    const size_t at = info.find("Pages:");
    return at == std::string::npos ? 0 : std::atoi(info.c_str() + at + 6);
  };
  ASSERT_EQ(run(cli() + common + " --shard 1/2").exit_code, 0);
  // Never a partial document: none yet, or all four pages (if shard 1 had them all).
  if (fs::exists(out / "book.pdf")) EXPECT_EQ(pdf_pages(), 4);
  ASSERT_EQ(run(cli() + common + " --shard 2/2").exit_code, 0);
  ASSERT_TRUE(fs::exists(out / "book.pdf"));
  EXPECT_EQ(pdf_pages(), 4);
  EXPECT_EQ(run("qpdf --check " + q(out / "book.pdf")).exit_code, 0);
  fs::remove_all(pages);
  fs::remove_all(in);
  fs::remove_all(out);
}

// Adds a JP2 'res ' box with a capture resolution of `dpi` to a JP2 file.
std::string with_resolution(std::string jp2, double dpi) {
  size_t pos = 0;
  while (pos + 8 <= jp2.size()) {
    const uint32_t len =
        static_cast<uint8_t>(jp2[pos]) << 24 | static_cast<uint8_t>(jp2[pos + 1]) << 16 |
        static_cast<uint8_t>(jp2[pos + 2]) << 8 | static_cast<uint8_t>(jp2[pos + 3]);
    if (jp2.compare(pos + 4, 4, "jp2h") == 0) {
      const uint32_t ppm = static_cast<uint32_t>(std::lround(dpi / 0.0254));
      std::string res = std::string("\0\0\0\x1Ares \0\0\0\x12resc", 16);  // 26, 18 bytes
      for (int k = 0; k < 2; ++k) {  // vertical, then horizontal: N, D
        res.push_back(static_cast<char>(ppm >> 8));
        res.push_back(static_cast<char>(ppm & 0xFF));
        res.push_back(0);
        res.push_back(1);
      }
      res.push_back(0);
      res.push_back(0);
      jp2.insert(pos + len, res);
      const uint32_t n = len + static_cast<uint32_t>(res.size());
      for (int k = 0; k < 4; ++k) jp2[pos + k] = static_cast<char>(n >> (24 - 8 * k));
      return jp2;
    }
    if (len < 8) break;
    pos += len;
  }
  return "";
}

// PNG masters a PDF shows alike (gray, bilevel, RGB) are embedded as they
// stand: their zlib data verbatim, the extracted image identical to the
// master. Others (16-bit here) are decoded and compressed, and still come out.
TEST(Documents, PngMastersAreEmbeddedAsTheyStand) {
  REQUIRE_TOOLS("pdfimages", "qpdf");
  const fs::path pages = make_pages("docs_png_src", "--count 1 --seed 31 --layout sparse");
  const fs::path in = fresh_dir("docs_png_in"), out = fresh_dir("docs_png_out"),
                 got = fresh_dir("docs_png_got");
  const cv::Mat gray = cv::imread(page_file(pages, 1, "png"), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(gray.type(), CV_8UC1);
  fs::copy_file(page_file(pages, 1, "png"), in / "gray.png");
  cv::Mat rgb;
  cv::cvtColor(gray, rgb, cv::COLOR_GRAY2BGR);
  rgb.col(7).setTo(cv::Scalar(30, 140, 250));  // a coloured line: not gray in disguise
  ASSERT_TRUE(cv::imwrite((in / "rgb.png").string(), rgb));
  ASSERT_TRUE(cv::imwrite((in / "bilevel.png").string(), gray > 128, {cv::IMWRITE_PNG_BILEVEL, 1}));
  cv::Mat deep;
  gray.convertTo(deep, CV_16U, 257.0);
  ASSERT_TRUE(cv::imwrite((in / "deep.png").string(), deep));
  const auto r =
      run(cli() + " run " + q(in) + " -o " + q(out) + " --ocr none --output-type pdf -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string name : {"gray", "rgb", "bilevel", "deep"}) {
    SCOPED_TRACE(name);
    const fs::path pdf =
        out / in.filename() / (name + ".pdf");  // a folder's outputs sit in its name
    ASSERT_TRUE(fs::exists(pdf));
    EXPECT_EQ(run("qpdf --check " + q(pdf)).exit_code, 0);
    ASSERT_EQ(run("pdfimages -png " + q(pdf) + " " + q(got / name)).exit_code, 0);
    const cv::Mat shown = cv::imread((got / (name + "-000.png")).string(), cv::IMREAD_UNCHANGED);
    const cv::Mat master = cv::imread((in / (name + ".png")).string(), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(shown.empty());
    ASSERT_EQ(shown.size(), master.size());
    if (name == "deep") continue;  // shown as 8-bit gray
    ASSERT_EQ(shown.type(), master.type());
    EXPECT_EQ(cv::norm(shown, master, cv::NORM_INF), 0);
    // The first bytes of the first IDAT chunk appear verbatim in the PDF.
    const std::string png = read_file(in / (name + ".png"));
    const size_t idat = png.find("IDAT");
    ASSERT_NE(idat, std::string::npos);
    EXPECT_NE(read_file(pdf).find(png.substr(idat + 4, 64)), std::string::npos)
        << "the PNG's zlib data is not in the PDF as it stands";
  }
  fs::remove_all(pages);
  fs::remove_all(in);
  fs::remove_all(out);
  fs::remove_all(got);
}

TEST(Documents, Jp2PageIsReadWithItsResolution) {
  REQUIRE_TOOLS("opj_compress");
  const fs::path pages =
      make_pages("docs_jp2_src", "--count 1 --seed 24 --dpi 200 --layout sparse");
  const fs::path in = fresh_dir("docs_jp2_in"), out = fresh_dir("docs_jp2_out");
  ASSERT_EQ(
      run("opj_compress -i " + page_file(pages, 1, "png") + " -o " + q(in / "raw.jp2")).exit_code,
      0);
  const std::string jp2 = with_resolution(read_file(in / "raw.jp2"), 200);
  ASSERT_FALSE(jp2.empty());
  fs::remove(in / "raw.jp2");
  std::ofstream(in / "master.jp2", std::ios::binary) << jp2;
  fs::copy_file(page_file(pages, 1, "gt.txt"), in / "master.gt.txt");
  const auto r = run(cli() + " run " + q(in / "master.jp2") + " -o " + q(out) + " -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto recs = read_pages(out);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].str.at("format"), "jp2");
  EXPECT_EQ(recs[0].num.at("dpi"), 200) << recs[0].raw;
  EXPECT_EQ(recs[0].str.at("dpi_source"), "file");
  EXPECT_LT(recs[0].num.at("cer"), 0.05) << recs[0].raw;
  // The searchable PDF embeds the JPEG 2000 master as it is.
  EXPECT_NE(output_of("pdfimages -list " + q(out / "master.pdf")).find("jpx"), std::string::npos);
  fs::remove_all(pages);
  fs::remove_all(in);
  fs::remove_all(out);
}

TEST(Documents, MultiPageTiffHocrNamesItsPageAndSourceAndAltoIsWellFormed) {
  REQUIRE_TOOLS("xmllint", "qpdf", "pdftotext");
  const fs::path pages = make_pages("docs_tif_src", "--count 2 --seed 25 --layout sparse");
  const fs::path in = fresh_dir("docs_tif_in"), out = fresh_dir("docs_tif_out");
  std::vector<cv::Mat> mats;
  for (int i = 1; i <= 2; ++i)
    mats.push_back(cv::imread(page_file(pages, i, "png"), cv::IMREAD_GRAYSCALE));
  ASSERT_TRUE(cv::imwritemulti((in / "vol.tif").string(), mats));
  const auto r =
      run(cli() + " run " + q(in / "vol.tif") + " -o " + q(out) + " --pdf-image clean -q");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (int i = 0; i < 2; ++i) {
    char stem[16];
    std::snprintf(stem, sizeof stem, "p%04d", i + 1);
    const std::string hocr = read_file(out / "vol" / (stem + std::string(".hocr")));
    EXPECT_NE(hocr.find("ppageno " + std::to_string(i)), std::string::npos) << hocr.substr(0, 800);
    EXPECT_NE(hocr.find("id='page_" + std::to_string(i + 1) + "'"), std::string::npos);
    EXPECT_NE(hocr.find("image \"" + (in / "vol.tif").string() + "\""), std::string::npos)
        << hocr.substr(0, 800);
    const fs::path alto = out / "vol" / (stem + std::string(".xml"));
    EXPECT_EQ(run("xmllint --noout " + q(alto)).exit_code, 0);
    EXPECT_NE(read_file(alto).find("<fileName>" + (in / "vol.tif").string() + "</fileName>"),
              std::string::npos);
    // TSV page rows carry Tesseract's 1-based page number.
    EXPECT_EQ(read_file(out / "vol" / (stem + std::string(".tsv")))
                  .find("\n1\t" + std::to_string(i + 1) + "\t"),
              read_file(out / "vol" / (stem + std::string(".tsv"))).find('\n'));
  }
  // --pdf-image clean: the cleaned bilevel pages, 1 bit per pixel.
  EXPECT_EQ(run("qpdf --check " + q(out / "vol.pdf")).exit_code, 0);
  const std::string images = output_of("pdfimages -list " + q(out / "vol.pdf"));
  EXPECT_NE(images.find("gray    1   1"), std::string::npos) << images;
  const std::string all_truth = truth(pages, 1) + "\n" + truth(pages, 2);
  const double cer_txt = cer(read_file(out / "vol.txt"), all_truth);
  const double cer_pdf = cer(output_of("pdftotext " + q(out / "vol.pdf") + " -"), all_truth);
  std::printf("[ metric ] clean PDF: CER vol.txt %.4f, pdftotext %.4f\n", cer_txt, cer_pdf);
  EXPECT_LE(cer_pdf, cer_txt + 1e-9);
  fs::remove_all(pages);
  fs::remove_all(in);
  fs::remove_all(out);
}

TEST(Documents, AltoIsValidAgainstTheAltoSchema) {
  // tests/schemas ships the ALTO v3.0 schema (CC BY-SA 4.0, altoxml/schema)
  // with a minimal XLink schema and an XML catalog, so xmllint validates
  // offline (--nonet). PAGEPREP_ALTO_XSD points at another v3 XSD instead.
  const char* env = std::getenv("PAGEPREP_ALTO_XSD");
  const std::string schemas = PAGEPREP_SCHEMA_DIR;
  const std::string xsd = env ? env : schemas + "/alto-3-0.xsd";
  ASSERT_TRUE(fs::exists(xsd)) << xsd;
  REQUIRE_TOOLS("xmllint");
  const std::string xmllint = "XML_CATALOG_FILES=" + q(schemas + "/catalog.xml") +
                              " xmllint --nonet --noout --schema " + q(xsd) + " ";
  const fs::path pages = make_pages("docs_alto_src", "--count 1 --seed 26 --skew 3 --layout two");
  const fs::path out = fresh_dir("docs_alto_out");
  ASSERT_EQ(run(cli() + " run " + page_file(pages, 1, "png") + " -o " + q(out) + " -q").exit_code,
            0);
  const auto v = run(xmllint + q(out / "page-0001.xml"));
  EXPECT_EQ(v.exit_code, 0) << v.err;
  // The check can fail: an element ALTO does not have is refused.
  std::string alto = read_file(out / "page-0001.xml");
  const size_t at = alto.find("<Page ");
  ASSERT_NE(at, std::string::npos);
  alto.insert(at, "<Bogus/>");
  std::ofstream(out / "bad.xml", std::ios::binary) << alto;
  EXPECT_NE(run(xmllint + q(out / "bad.xml")).exit_code, 0);
  fs::remove_all(pages);
  fs::remove_all(out);
}

// Word boxes: `x y w h text` from a TSV (level 5 rows).
struct WordBox {
  int x0, y0, x1, y1;
  std::string text;
};
std::vector<WordBox> tsv_words(const std::string& tsv) {
  std::vector<WordBox> out;
  std::istringstream in(tsv);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream ls(line);
    std::string x;
    while (std::getline(ls, x, '\t')) f.push_back(x);
    if (f.size() < 12 || f[0] != "5") continue;
    const int l = std::atoi(f[6].c_str()), t = std::atoi(f[7].c_str());
    out.push_back({l, t, l + std::atoi(f[8].c_str()), t + std::atoi(f[9].c_str()), f[11]});
  }
  return out;
}
std::vector<WordBox> hocr_words(const std::string& hocr) {
  std::vector<WordBox> out;
  static const std::regex re(
      R"re(class='ocrx_word'[^>]*title='bbox (\d+) (\d+) (\d+) (\d+)[^>]*>([^<]*)<)re");
  for (std::sregex_iterator it(hocr.begin(), hocr.end(), re), end; it != end; ++it)
    out.push_back({std::stoi((*it)[1]), std::stoi((*it)[2]), std::stoi((*it)[3]),
                   std::stoi((*it)[4]), (*it)[5]});
  return out;
}

// Every ink component of the master that reaches into the middle of a word's
// box lies inside the box (2 px of slack); returns the words checked.
int check_ink_inside(const cv::Mat& master, const std::vector<WordBox>& words,
                     const std::set<std::string>& known, const char* what) {
  cv::Mat ink = master < 128, labels, stats, centroids;
  cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8);
  int checked = 0;
  for (const WordBox& w : words) {
    if (w.text.size() < 4 || !known.count(w.text)) continue;
    const int bw = w.x1 - w.x0, bh = w.y1 - w.y0;
    const cv::Rect core(w.x0 + bw / 4, w.y0 + bh / 4, std::max(1, bw / 2), std::max(1, bh / 2));
    std::set<int> comps;
    for (int y = core.y; y < core.y + core.height; ++y)
      for (int x = core.x; x < core.x + core.width; ++x)
        if (labels.at<int>(y, x) > 0) comps.insert(labels.at<int>(y, x));
    EXPECT_FALSE(comps.empty()) << what << ": no ink in the middle of '" << w.text << "'";
    for (int c : comps) {
      const int cx = stats.at<int>(c, cv::CC_STAT_LEFT), cy = stats.at<int>(c, cv::CC_STAT_TOP);
      const int cw = stats.at<int>(c, cv::CC_STAT_WIDTH), ch = stats.at<int>(c, cv::CC_STAT_HEIGHT);
      EXPECT_GE(cx, w.x0 - 2) << what << " '" << w.text << "'";
      EXPECT_GE(cy, w.y0 - 2) << what << " '" << w.text << "'";
      EXPECT_LE(cx + cw, w.x1 + 2) << what << " '" << w.text << "'";
      EXPECT_LE(cy + ch, w.y1 + 2) << what << " '" << w.text << "'";
    }
    ++checked;
  }
  return checked;
}

TEST(Documents, WordBoxesHoldTheirInkOnASkewedMaster) {
  REQUIRE_TOOLS("pdftotext");
  const fs::path pages =
      make_pages("docs_skew_src", "--count 1 --seed 27 --skew 4 --layout single");
  const fs::path out = fresh_dir("docs_skew_out");
  ASSERT_EQ(run(cli() + " run " + page_file(pages, 1, "png") + " -o " + q(out) + " -q").exit_code,
            0);
  const auto recs = read_pages(out);
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_NE(recs[0].raw.find("\"rotated\":true"), std::string::npos) << recs[0].raw;
  std::set<std::string> known;
  {
    std::istringstream t(truth(pages, 1));
    std::string w;
    while (t >> w) known.insert(w);
  }
  const cv::Mat master = cv::imread(page_file(pages, 1, "png"), cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(master.empty());
  const int from_tsv =
      check_ink_inside(master, tsv_words(read_file(out / "page-0001.tsv")), known, "tsv");
  const int from_hocr =
      check_ink_inside(master, hocr_words(read_file(out / "page-0001.hocr")), known, "hocr");
  EXPECT_GE(from_tsv, 40);
  EXPECT_EQ(from_hocr, from_tsv);
  // ALTO holds the same boxes as the TSV.
  const std::string alto = read_file(out / "page-0001.xml");
  int matched = 0;
  for (const WordBox& w : tsv_words(read_file(out / "page-0001.tsv")))
    if (alto.find("HPOS=\"" + std::to_string(w.x0) + "\" VPOS=\"" + std::to_string(w.y0) +
                  "\" WIDTH=\"" + std::to_string(w.x1 - w.x0) + "\" HEIGHT=\"" +
                  std::to_string(w.y1 - w.y0) + "\"") != std::string::npos)
      ++matched;
  EXPECT_GE(matched, from_tsv);
  // The PDF text layer: each known word's extracted box (pdftotext -bbox,
  // points -> pixels at 300 dpi) lies on its word on the master: its middle
  // inside the word's box across the line; along the page's height within
  // the drift of a line drawn level (ARCHITECTURE.md, "The PDF text layer"):
  // half the page width times tan(skew), plus a line height.
  const std::string bbox = output_of("pdftotext -bbox " + q(out / "page-0001.pdf") + " -");
  static const std::regex re(
      R"re(<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">([^<]*)</word>)re");
  const double drift = master.cols / 2.0 * std::tan(4.0 * M_PI / 180.0);
  // Words that occur once on the page, so each extracted word has one box.
  std::map<std::string, WordBox> tsv_by_text;
  std::map<std::string, int> occurrences;
  for (const WordBox& w : tsv_words(read_file(out / "page-0001.tsv"))) {
    tsv_by_text[w.text] = w;
    ++occurrences[w.text];
  }
  int pdf_words = 0;
  for (std::sregex_iterator it(bbox.begin(), bbox.end(), re), end; it != end; ++it) {
    const std::string text = (*it)[5];
    if (text.size() < 4 || !known.count(text) || occurrences[text] != 1) continue;
    const WordBox& w = tsv_by_text[text];
    const double cx = (std::stod((*it)[1]) + std::stod((*it)[3])) / 2 * 300 / 72;
    const double cy = (std::stod((*it)[2]) + std::stod((*it)[4])) / 2 * 300 / 72;
    EXPECT_GT(cx, w.x0) << text;
    EXPECT_LT(cx, w.x1) << text;
    EXPECT_LT(std::fabs(cy - (w.y0 + w.y1) / 2.0), drift + (w.y1 - w.y0)) << text;
    ++pdf_words;
  }
  EXPECT_GE(pdf_words, 30);
  fs::remove_all(pages);
  fs::remove_all(out);
}

}  // namespace
}  // namespace pageprep::e2e
