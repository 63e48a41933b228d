// PDF input (io/pdf_document.hpp) on PDFs built here with qpdf: one-image
// pages come out pixel for pixel at their own resolution and as a viewer shows
// them (checked against poppler's rendering), for every placement and /Rotate;
// sample formats (1/2/8-bit, Indexed, ImageMask with /Decode), CCITT G4;
// vector pages are rendered; JPEG 2000 files read with their resolution.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <tiffio.h>
#include <unistd.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "io/codec.hpp"
#include "io/file_read.hpp"
#include "io/pdf_document.hpp"
#include "ocr/orientation.hpp"

namespace pageprep::host {
namespace {
namespace fs = std::filesystem;

struct TestImage {
  int width = 0, height = 0, bpc = 8;
  std::string dict_extra;  ///< e.g. "/ColorSpace /DeviceGray"
  std::string data;
  std::string filter;  ///< "" or "/CCITTFaxDecode" ...
  std::string parms;   ///< DecodeParms dictionary text
};

struct TestPage {
  double w_pt = 432, h_pt = 288;
  int rotate = 0;
  std::string content;  ///< uses /Im0
  bool with_image = true;
};

fs::path temp_pdf(const std::string& name) {
  return fs::temp_directory_path() /
         ("pageprep_pdf_" + name + "_" + std::to_string(::getpid()) + ".pdf");
}

// Writes a PDF whose pages show `img` as the contents say.
void write_pdf(const fs::path& path, const TestImage& img, const std::vector<TestPage>& pages) {
  QPDF pdf;
  pdf.emptyPDF();
  QPDFPageDocumentHelper dh(pdf);
  for (const TestPage& p : pages) {
    QPDFObjectHandle res = QPDFObjectHandle::newDictionary();
    if (p.with_image) {
      QPDFObjectHandle im = pdf.newStream();
      QPDFObjectHandle d = QPDFObjectHandle::parse(
          "<< /Type /XObject /Subtype /Image /Width " + std::to_string(img.width) + " /Height " +
          std::to_string(img.height) + " /BitsPerComponent " + std::to_string(img.bpc) + " " +
          img.dict_extra + " >>");
      for (const auto& k : d.getKeys()) im.getDict().replaceKey(k, d.getKey(k));
      im.replaceStreamData(
          img.data,
          img.filter.empty() ? QPDFObjectHandle::newNull() : QPDFObjectHandle::newName(img.filter),
          img.parms.empty() ? QPDFObjectHandle::newNull() : QPDFObjectHandle::parse(img.parms));
      QPDFObjectHandle xo = QPDFObjectHandle::newDictionary();
      xo.replaceKey("/Im0", im);
      res.replaceKey("/XObject", xo);
    }
    QPDFObjectHandle page = QPDFObjectHandle::parse(
        "<< /Type /Page /MediaBox [0 0 " + std::to_string(p.w_pt) + " " + std::to_string(p.h_pt) +
        "] /Rotate " + std::to_string(p.rotate) + " >>");
    page.replaceKey("/Resources", res);
    page.replaceKey("/Contents", pdf.newStream(p.content));
    dh.addPage(QPDFPageObjectHelper(pdf.makeIndirectObject(page)), false);
  }
  const std::string path_file = path.string();  // QPDFWriter keeps the pointer
  QPDFWriter w(pdf, path_file.c_str());
  w.setStaticID(true);
  w.write();
}

// A 600 x 400 gray test card: a gradient, and a black block near the top-left
// corner so any turn or flip shows.
cv::Mat test_card() {
  cv::Mat m(400, 600, CV_8UC1);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) m.at<uint8_t>(y, x) = static_cast<uint8_t>(60 + (x + y) / 8);
  cv::rectangle(m, cv::Rect(30, 20, 120, 50), cv::Scalar(0), cv::FILLED);
  return m;
}

TestImage gray_image(const cv::Mat& m) {
  TestImage t;
  t.width = m.cols;
  t.height = m.rows;
  t.dict_extra = "/ColorSpace /DeviceGray";
  t.data.assign(reinterpret_cast<const char*>(m.data), m.total());
  return t;
}

DecodeResult decode(const fs::path& p, int page, DecodeLimits limits = {}) {
  kernels::cpu::ThreadPool pool(1);
  return decode_page(p.string(), page, limits, pool);
}

double mean_abs_diff(const cv::Mat& a, const cv::Mat& b) {
  if (a.size() != b.size()) return 1e9;
  cv::Mat d;
  cv::absdiff(a, b, d);
  return cv::mean(d)[0];
}

// pdftoppm's rendering of `page` at `dpi` (empty when pdftoppm is missing).
cv::Mat poppler_render(const fs::path& pdf, int page, int dpi) {
  if (find_pdftoppm().empty()) return {};
  const fs::path root =
      fs::temp_directory_path() / ("pageprep_pdf_r_" + std::to_string(::getpid()));
  const std::string cmd = find_pdftoppm() + " -gray -r " + std::to_string(dpi) + " -f " +
                          std::to_string(page + 1) + " -l " + std::to_string(page + 1) +
                          " -singlefile '" + pdf.string() + "' '" + root.string() + "'";
  if (std::system(cmd.c_str()) != 0) return {};
  std::ifstream f(root.string() + ".pgm", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  fs::remove(root.string() + ".pgm");
  kernels::cpu::ThreadPool pool(1);
  return decode_page_from_memory(bytes, "render", 0, {}, pool).page.gray;
}

TEST(PdfInput, OneImagePageComesOutPixelForPixelWithItsResolution) {
  const cv::Mat card = test_card();
  const fs::path p = temp_pdf("plain");
  write_pdf(p, gray_image(card), {{432, 288, 0, "q 432 0 0 288 0 0 cm /Im0 Do Q"}});
  const PageCount c = count_pages(p.string());
  ASSERT_EQ(c.error, PageError::kNone) << c.message;
  EXPECT_EQ(c.count, 1);
  const DecodeResult r = decode(p, 0);
  ASSERT_EQ(r.error, PageError::kNone) << r.message;
  EXPECT_EQ(r.page.format, "pdf");
  EXPECT_TRUE(r.page.pdf.valid && r.page.pdf.native);
  EXPECT_EQ(r.page.pdf.how, "image FlateDecode");  // QPDFWriter compressed it
  EXPECT_DOUBLE_EQ(r.page.dpi_x, 100.0);           // 600 px over 6 in
  EXPECT_DOUBLE_EQ(r.page.dpi_y, 100.0);
  EXPECT_EQ(mean_abs_diff(r.page.gray, card), 0.0);
  // Master pixel (0, 0) is the page's top-left corner in user space (0, 288).
  EXPECT_NEAR(r.page.pdf.master_to_user[5], 288.0, 1e-9);
  fs::remove(p);
}

TEST(PdfInput, TurnedAndFlippedPlacementsComeOutAsDisplayed) {
  const cv::Mat card = test_card();
  struct Case {
    const char* what;
    TestPage page;
    cv::Mat want;
  };
  cv::Mat cw, ccw, flip_v, flip_h;
  cv::rotate(card, cw, cv::ROTATE_90_CLOCKWISE);
  cv::rotate(card, ccw, cv::ROTATE_90_COUNTERCLOCKWISE);
  cv::flip(card, flip_v, 0);
  cv::flip(card, flip_h, 1);
  const std::vector<Case> cases = {
      {"/Rotate 90", {432, 288, 90, "q 432 0 0 288 0 0 cm /Im0 Do Q"}, cw},
      {"/Rotate 270", {432, 288, 270, "q 432 0 0 288 0 0 cm /Im0 Do Q"}, ccw},
      {"flipped CTM", {432, 288, 0, "q 432 0 0 -288 0 288 cm /Im0 Do Q"}, flip_v},
      {"mirrored CTM", {432, 288, 0, "q -432 0 0 288 432 0 cm /Im0 Do Q"}, flip_h},
      // Image turned onto a portrait page: unit x runs up the page.
      {"turned CTM", {288, 432, 0, "q 0 432 -288 0 288 0 cm /Im0 Do Q"}, ccw},
  };
  for (const Case& k : cases) {
    const fs::path p = temp_pdf("turn");
    write_pdf(p, gray_image(card), {k.page});
    const DecodeResult r = decode(p, 0);
    ASSERT_EQ(r.error, PageError::kNone) << k.what << ": " << r.message;
    EXPECT_TRUE(r.page.pdf.native) << k.what;
    EXPECT_EQ(mean_abs_diff(r.page.gray, k.want), 0.0) << k.what;
    // Poppler shows the page the same way (anti-aliased edges aside).
    const cv::Mat shown = poppler_render(p, 0, 100);
    if (!shown.empty()) {
      EXPECT_LT(mean_abs_diff(r.page.gray, shown), 3.0) << k.what;
    }
    fs::remove(p);
  }
}

TEST(PdfInput, SampleFormatsMaskAndPalette) {
  // 1-bit image mask, /Decode [1 0]: 1 paints (black).
  TestImage mask;
  mask.width = 16;
  mask.height = 2;
  mask.bpc = 1;
  mask.dict_extra = "/ImageMask true /Decode [1 0]";
  mask.data = std::string("\xF0\x0F\x00\xFF", 4);
  const fs::path p = temp_pdf("mask");
  write_pdf(p, mask, {{16 * 72 / 100.0, 2 * 72 / 100.0, 0, "q 11.52 0 0 1.44 0 0 cm /Im0 Do Q"}});
  DecodeResult r = decode(p, 0);
  ASSERT_EQ(r.error, PageError::kNone) << r.message;
  EXPECT_EQ(r.page.gray.at<uint8_t>(0, 0), 0);    // bit 1: painted
  EXPECT_EQ(r.page.gray.at<uint8_t>(0, 4), 255);  // bit 0: paper
  EXPECT_EQ(r.page.gray.at<uint8_t>(1, 0), 255);
  EXPECT_EQ(r.page.gray.at<uint8_t>(1, 15), 0);
  // 2-bit Indexed RGB: palette black, red, white, gray.
  TestImage pal;
  pal.width = 4;
  pal.height = 1;
  pal.bpc = 2;
  pal.dict_extra = "/ColorSpace [/Indexed /DeviceRGB 3 <000000FF0000FFFFFF808080>]";
  pal.data = std::string("\x1B", 1);  // indices 0 1 2 3
  write_pdf(p, pal, {{2.88, 0.72, 0, "q 2.88 0 0 0.72 0 0 cm /Im0 Do Q"}});
  r = decode(p, 0);
  ASSERT_EQ(r.error, PageError::kNone) << r.message;
  EXPECT_EQ(r.page.gray.at<uint8_t>(0, 0), 0);
  EXPECT_EQ(r.page.gray.at<uint8_t>(0, 1), 76);  // 0.299 * 255
  EXPECT_EQ(r.page.gray.at<uint8_t>(0, 2), 255);
  EXPECT_EQ(r.page.gray.at<uint8_t>(0, 3), 128);
  // Truncated samples: a per-page error, not a gray page.
  TestImage cut = gray_image(test_card());
  cut.data.resize(cut.data.size() / 2);
  write_pdf(p, cut, {{432, 288, 0, "q 432 0 0 288 0 0 cm /Im0 Do Q"}});
  r = decode(p, 0);
  EXPECT_EQ(r.error, PageError::kCorrupt);
  EXPECT_NE(r.message.find("truncated"), std::string::npos) << r.message;
  fs::remove(p);
}

TEST(PdfInput, CcittG4PageIsDecodedLosslessly) {
  cv::Mat page(200, 320, CV_8UC1, cv::Scalar(255));
  cv::putText(page, "G4 fax", {20, 120}, cv::FONT_HERSHEY_SIMPLEX, 2.5, cv::Scalar(0), 6);
  cv::threshold(page, page, 128, 255, cv::THRESH_BINARY);
  // Our G4 encoder's single strip is the PDF's CCITT stream.
  const EncodeResult e = encode_page(page, OutputFormat::kTiffG4, 200, true);
  ASSERT_EQ(e.error, PageError::kNone);
  const fs::path tif = temp_pdf("g4").replace_extension(".tif");
  std::ofstream(tif, std::ios::binary)
      .write(reinterpret_cast<const char*>(e.bytes.data()),
             static_cast<std::streamsize>(e.bytes.size()));
  TIFF* t = TIFFOpen(tif.string().c_str(), "r");
  ASSERT_NE(t, nullptr);
  std::string strip(static_cast<size_t>(TIFFRawStripSize(t, 0)), '\0');
  TIFFReadRawStrip(t, 0, strip.data(), static_cast<tmsize_t>(strip.size()));
  TIFFClose(t);
  fs::remove(tif);
  TestImage img;
  img.width = page.cols;
  img.height = page.rows;
  img.bpc = 1;
  img.dict_extra = "/ColorSpace /DeviceGray";
  img.data = strip;
  img.filter = "/CCITTFaxDecode";
  img.parms = "<< /K -1 /Columns 320 /Rows 200 >>";
  const fs::path p = temp_pdf("g4");
  write_pdf(p, img, {{320 * 72 / 200.0, 200 * 72 / 200.0, 0, "q 115.2 0 0 72 0 0 cm /Im0 Do Q"}});
  const DecodeResult r = decode(p, 0);
  ASSERT_EQ(r.error, PageError::kNone) << r.message;
  EXPECT_EQ(r.page.pdf.how, "image CCITTFaxDecode");
  EXPECT_DOUBLE_EQ(r.page.dpi_x, 200.0);
  EXPECT_EQ(mean_abs_diff(r.page.gray, page), 0.0);
  fs::remove(p);
}

TEST(PdfInput, VectorPagesAreRenderedOrFailClearlyWithoutTheRenderer) {
  const fs::path p = temp_pdf("vector");
  TestPage v{612, 792, 0, "0 0 0 rg 72 600 200 100 re f", false};
  write_pdf(p, TestImage{}, {v});
  DecodeLimits limits;
  limits.pdf_dpi = 150;
  if (!find_pdftoppm().empty()) {
    const DecodeResult r = decode(p, 0, limits);
    ASSERT_EQ(r.error, PageError::kNone) << r.message;
    EXPECT_FALSE(r.page.pdf.native);
    EXPECT_EQ(r.page.gray.cols, 1275);  // 8.5 in at 150 dpi
    EXPECT_EQ(r.page.gray.rows, 1650);
    EXPECT_NE(r.page.pdf.how.find("rendered at 150 dpi: vector graphics"), std::string::npos)
        << r.page.pdf.how;
    // The filled rectangle: user (72..272, 600..700) -> pixels x 150..567, y 192..400.
    EXPECT_EQ(r.page.gray.at<uint8_t>(300, 300), 0);
    EXPECT_EQ(r.page.gray.at<uint8_t>(100, 300), 255);
  }
  setenv("PAGEPREP_PDFTOPPM", "", 1);
  const DecodeResult r = decode(p, 0, limits);
  unsetenv("PAGEPREP_PDFTOPPM");
  EXPECT_EQ(r.error, PageError::kUnsupportedFormat);
  EXPECT_NE(r.message.find("pdftoppm"), std::string::npos) << r.message;
  // A huge page is refused before anything is rendered.
  write_pdf(p, TestImage{}, {{14400, 14400, 0, "0 0 0 rg 0 0 10 10 re f", false}});
  const DecodeResult big = decode(p, 0, limits);
  EXPECT_EQ(big.error, PageError::kTooLarge) << big.message;
  fs::remove(p);
}

TEST(PdfInput, DamagedFilesAreFileErrors) {
  const fs::path p = temp_pdf("junk");
  std::ofstream(p) << "%PDF-1.7\nthis is not a PDF body\n";
  const PageCount c = count_pages(p.string());
  EXPECT_EQ(c.error, PageError::kCorrupt) << c.message;
  fs::remove(p);
}

// Issue 20 item 6: pdftoppm applies -scale-to-x/-y before /Rotate, so a
// quarter-turned page asked for at its displayed size came out distorted and
// cut. It must match poppler's own rendering at the same resolution.
TEST(PdfInput, QuarterTurnedRenderedPagesKeepTheirGeometry) {
  if (find_pdftoppm().empty()) GTEST_FAIL() << "pdftoppm is needed (poppler-utils)";
  for (int rotate : {90, 270}) {
    const fs::path p = temp_pdf("rot" + std::to_string(rotate));
    TestPage v{432, 288, rotate, "0 0 0 rg 36 36 100 50 re f 0.5 g 300 200 60 40 re f", false};
    write_pdf(p, TestImage{}, {v});
    DecodeLimits limits;
    limits.pdf_dpi = 100;
    const DecodeResult r = decode(p, 0, limits);
    ASSERT_EQ(r.error, PageError::kNone) << r.message;
    EXPECT_EQ(r.page.gray.cols, 400) << rotate;  // 288 pt displayed across, at 100 dpi
    EXPECT_EQ(r.page.gray.rows, 600) << rotate;
    const cv::Mat ref = poppler_render(p, 0, 100);
    ASSERT_FALSE(ref.empty());
    EXPECT_LT(mean_abs_diff(r.page.gray, ref), 2.0) << rotate;
    fs::remove(p);
  }
}

// Issue 20 item 9: a [0 0 0 0] MediaBox gave a 1x1 "ok" page.
TEST(PdfInput, PageWithoutAreaIsAnErrorNotOnePixel) {
  const fs::path p = temp_pdf("nobox");
  write_pdf(p, TestImage{}, {{0, 0, 0, "0 0 0 rg 0 0 10 10 re f", false}});
  const DecodeResult r = decode(p, 0);
  EXPECT_EQ(r.error, PageError::kCorrupt) << r.message << " " << r.page.gray.cols;
  EXPECT_NE(r.message.find("MediaBox"), std::string::npos) << r.message;
  write_pdf(p, gray_image(test_card()), {{0, 0, 0, "q 100 0 0 100 0 0 cm /Im0 Do Q", true}});
  const DecodeResult img = decode(p, 0);
  EXPECT_EQ(img.error, PageError::kCorrupt) << img.message << " " << img.page.gray.cols;
  fs::remove(p);
}

// Issue 20 item 3: an intact file with one page and /Count 16000000 was
// believed (16 million page records, 8 GB of RSS). Count the pages that exist.
TEST(PdfInput, LyingPageCountCountsThePagesThatExist) {
  const fs::path p = temp_pdf("count");
  {
    QPDF pdf;
    pdf.emptyPDF();
    QPDFObjectHandle page =
        QPDFObjectHandle::parse("<< /Type /Page /MediaBox [0 0 200 200] /Resources << >> >>");
    page.replaceKey("/Contents", pdf.newStream("0 g 10 10 50 50 re f"));
    QPDFPageDocumentHelper(pdf).addPage(QPDFPageObjectHelper(pdf.makeIndirectObject(page)), false);
    pdf.getRoot().getKey("/Pages").replaceKey("/Count", QPDFObjectHandle::newInteger(16000000));
    const std::string p_file = p.string();  // QPDFWriter keeps the pointer
    QPDFWriter w(pdf, p_file.c_str());
    w.setStaticID(true);
    w.write();
  }
  std::ifstream f(p, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  ASSERT_NE(bytes.find("/Count 16000000"), std::string::npos) << "the lie must be in the file";
  const PageCount c = count_pages(p.string());
  EXPECT_EQ(c.error, PageError::kNone) << c.message;
  EXPECT_EQ(c.count, 1);
  // Damaged too (cut in its xref): a recovered file's /Count may claim lost
  // pages, but no more than its bytes could hold.
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.rfind("xref"));
  const PageCount d = count_pages(p.string());
  EXPECT_GE(d.count, 1) << d.message;
  EXPECT_LE(d.count, 1 + static_cast<int64_t>(bytes.size()) / kMinPageObjectBytes) << d.message;
  fs::remove(p);
}

// A stand-in pdftoppm that reports its pid through a FIFO and then waits.
struct FakeRenderer {
  fs::path dir, fifo, exe;
  explicit FakeRenderer(const std::string& body) {
    dir = fs::temp_directory_path() / ("pageprep_fake_pdftoppm_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fifo = dir / "pid";
    exe = dir / "pdftoppm";
    fs::remove(fifo);
    EXPECT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::ofstream(exe) << "#!/bin/sh\n" << body;
    fs::permissions(exe, fs::perms::owner_all);
    setenv("PAGEPREP_PDFTOPPM", exe.c_str(), 1);
  }
  ~FakeRenderer() {
    unsetenv("PAGEPREP_PDFTOPPM");
    fs::remove_all(dir);
  }
};

bool process_alive(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

// Issue 20 item 4: a stop request (SIGTERM) during a rendering waited for
// pdftoppm (up to 300 s), and the page was then recorded as corrupt. Now the
// renderer is killed at once and the page is interrupted.
TEST(PdfInput, StopRequestKillsTheRendererAndTheRecordSaysInterrupted) {
  const fs::path p = temp_pdf("stop");
  write_pdf(p, TestImage{}, {{200, 200, 0, "0 g 10 10 50 50 re f", false}});
  FakeRenderer fake(
      "echo $$ > '" +
      (fs::temp_directory_path() / ("pageprep_fake_pdftoppm_" + std::to_string(::getpid())) / "pid")
          .string() +
      "'\nexec sleep 120\n");
  DecodeResult r;
  std::thread t([&] { r = decode(p, 0); });
  int pid = 0;
  {
    std::ifstream from(fake.fifo);  // blocks until the renderer has started
    from >> pid;
  }
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(process_alive(pid));
  request_io_stop();
  t.join();
  reset_io_stop();
  EXPECT_EQ(r.error, PageError::kInterrupted) << r.message;
  EXPECT_STREQ(error_code_name(r.error), "interrupted");
  EXPECT_FALSE(process_alive(pid)) << "the renderer outlived the stop";
  fs::remove(p);
}

// Issue 20 item 12: pdftoppm ran with -q and drew nothing for content it could
// not decode; the blank page was "ok". Its errors now reach the record.
TEST(PdfInput, RendererErrorsWithABlankPageAreAnError) {
  const fs::path p = temp_pdf("blank");
  write_pdf(p, TestImage{}, {{72, 72, 0, "0 g 10 10 50 50 re f", false}});
  // Answers the 300 dpi request (300 x 300) with a white page, and complains.
  FakeRenderer fake(
      "echo 'Syntax Error (123): JBIG2 stream: bad data' >&2\n"
      "printf 'P5\\n300 300\\n255\\n'; head -c 90000 /dev/zero | tr '\\0' '\\377'\n"
      "exit 0\n");
  const DecodeResult r = decode(p, 0);
  EXPECT_EQ(r.error, PageError::kCorrupt) << r.message;
  EXPECT_NE(r.message.find("JBIG2 stream: bad data"), std::string::npos) << r.message;
  fs::remove(p);
}

}  // namespace
}  // namespace pageprep::host
