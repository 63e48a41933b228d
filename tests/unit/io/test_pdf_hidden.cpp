// PDF input (io/pdf_document.hpp) never takes an image whole when a viewer
// shows less of it or something else (issue 20 items 5 and 8): a clip path, a
// form's /BBox, optional content, a soft mask, a stencil or colour-key mask, or
// a /Decode array the decoder does not apply. Such pages are rendered, and the
// hidden part must not be in the master (pixel checks in the hidden region).
// A plain full-page image, even under a clip that hides nothing, is still
// taken as its own pixels.
#include <gtest/gtest.h>
#include <unistd.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <map>

#include "io/codec.hpp"
#include "io/pdf_document.hpp"

namespace pageprep::host {
namespace {
namespace fs = std::filesystem;

// The page is 288 x 144 pt; the image (400 x 200 px) fills it at 100 dpi.
constexpr int kW = 400, kH = 200;
constexpr double kPageW = 288, kPageH = 144;

// White, with a black block in each half: the left one visible in every case,
// the right one (the "redacted" half) only when nothing hides it.
cv::Mat two_marks() {
  cv::Mat m(kH, kW, CV_8UC1, cv::Scalar(255));
  cv::rectangle(m, cv::Rect(40, 60, 100, 80), cv::Scalar(0), cv::FILLED);
  cv::rectangle(m, cv::Rect(260, 60, 100, 80), cv::Scalar(0), cv::FILLED);
  return m;
}

std::string bytes_of(const cv::Mat& m) {
  return std::string(reinterpret_cast<const char*>(m.data), m.total() * m.elemSize());
}

struct Stream {
  std::string dict;  ///< the stream dictionary's text (no /Length)
  std::string data;
  std::map<std::string, std::string> refs;  ///< key -> name of another Stream
};

// Builds a one-page PDF: `streams` by name (referenced from the page's
// /XObject resources as /<name> when `on_page`), the page content, extra
// page-resource and catalog entries (text in which "@OCG" is the one optional
// content group).
void write_pdf(const fs::path& path, const std::map<std::string, Stream>& streams,
               const std::vector<std::string>& on_page, const std::string& content,
               const std::string& resources_extra = "", const std::string& catalog_extra = "") {
  QPDF pdf;
  pdf.emptyPDF();
  QPDFObjectHandle ocg =
      pdf.makeIndirectObject(QPDFObjectHandle::parse("<< /Type /OCG /Name (Hidden layer) >>"));
  auto with_ocg = [&](std::string text) {
    for (size_t at; (at = text.find("@OCG")) != std::string::npos;)
      text.replace(at, 4, std::to_string(ocg.getObjectID()) + " 0 R");
    return text;
  };
  std::map<std::string, QPDFObjectHandle> made;
  for (const auto& [name, s] : streams) {
    QPDFObjectHandle st = pdf.newStream(s.data);
    QPDFObjectHandle d = QPDFObjectHandle::parse(&pdf, with_ocg(s.dict));
    for (const auto& k : d.getKeys()) st.getDict().replaceKey(k, d.getKey(k));
    made[name] = st;
  }
  for (const auto& [name, s] : streams)
    for (const auto& [key, target] : s.refs) made[name].getDict().replaceKey(key, made.at(target));
  QPDFObjectHandle res = QPDFObjectHandle::parse(&pdf, with_ocg("<< " + resources_extra + " >>"));
  QPDFObjectHandle xo = QPDFObjectHandle::newDictionary();
  for (const std::string& n : on_page) xo.replaceKey("/" + n, made.at(n));
  res.replaceKey("/XObject", xo);
  QPDFObjectHandle page =
      QPDFObjectHandle::parse("<< /Type /Page /MediaBox [0 0 " + std::to_string(kPageW) + " " +
                              std::to_string(kPageH) + "] >>");
  page.replaceKey("/Resources", res);
  page.replaceKey("/Contents", pdf.newStream(content));
  QPDFPageDocumentHelper(pdf).addPage(QPDFPageObjectHelper(pdf.makeIndirectObject(page)), false);
  if (!catalog_extra.empty()) {
    QPDFObjectHandle extra = QPDFObjectHandle::parse(&pdf, with_ocg("<< " + catalog_extra + " >>"));
    for (const auto& k : extra.getKeys()) pdf.getRoot().replaceKey(k, extra.getKey(k));
  }
  const std::string path_file = path.string();  // QPDFWriter keeps the pointer
  QPDFWriter w(pdf, path_file.c_str());
  w.setStaticID(true);
  w.write();
}

fs::path temp_pdf(const std::string& name) {
  return fs::temp_directory_path() /
         ("pageprep_pdfhide_" + name + "_" + std::to_string(::getpid()) + ".pdf");
}

Stream gray_image(const cv::Mat& m, const std::string& extra = "") {
  return {"<< /Type /XObject /Subtype /Image /Width " + std::to_string(m.cols) + " /Height " +
              std::to_string(m.rows) + " /BitsPerComponent 8 /ColorSpace /DeviceGray " + extra +
              " >>",
          bytes_of(m),
          {}};
}

const char* kFullPage = "q 288 0 0 144 0 0 cm /Im0 Do Q";

DecodeResult decode(const fs::path& p) {
  kernels::cpu::ThreadPool pool(1);
  DecodeLimits limits;
  limits.pdf_dpi = 100;  // the image's own resolution: masters of one size either way
  return decode_page(p.string(), 0, limits, pool);
}

// Fraction of pixels darker than mid-gray in a rectangle given in fractions
// of the page (so it holds for any master size).
double dark_fraction(const cv::Mat& g, double x0, double y0, double x1, double y1) {
  const cv::Rect r(static_cast<int>(x0 * g.cols), static_cast<int>(y0 * g.rows),
                   static_cast<int>((x1 - x0) * g.cols), static_cast<int>((y1 - y0) * g.rows));
  cv::Mat dark;
  cv::compare(g(r), 128, dark, cv::CMP_LT);
  return static_cast<double>(cv::countNonZero(dark)) / static_cast<double>(r.area());
}

// The left block is there and the right ("hidden") half holds no ink.
void expect_right_half_hidden(const DecodeResult& r, const std::string& why) {
  ASSERT_EQ(r.error, PageError::kNone) << r.message;
  EXPECT_FALSE(r.page.pdf.native) << r.page.pdf.how;
  EXPECT_NE(r.page.pdf.how.find(why), std::string::npos) << r.page.pdf.how;
  ASSERT_FALSE(r.page.gray.empty());
  EXPECT_GT(dark_fraction(r.page.gray, 0.12, 0.35, 0.33, 0.65), 0.9);  // left block
  EXPECT_EQ(dark_fraction(r.page.gray, 0.52, 0.02, 0.98, 0.98), 0.0);  // hidden half
}

class PdfHidden : public ::testing::Test {
 protected:
  void SetUp() override {
    // The renderer is part of the product (.ci/setup-debian.sh installs poppler-utils).
    ASSERT_FALSE(find_pdftoppm().empty()) << "pdftoppm is required";
  }
};

TEST_F(PdfHidden, PlainFullPageImageIsStillTakenAsItsImage) {
  const fs::path p = temp_pdf("plain");
  for (const std::string content :
       {std::string(kFullPage),
        // A clip that hides nothing (the page's own rectangle) changes nothing.
        std::string("q 0 0 288 144 re W n ") + kFullPage + " Q"}) {
    write_pdf(p, {{"Im0", gray_image(two_marks())}}, {"Im0"}, content);
    const DecodeResult r = decode(p);
    ASSERT_EQ(r.error, PageError::kNone) << r.message;
    EXPECT_TRUE(r.page.pdf.native) << content << ": " << r.page.pdf.how;
    EXPECT_GT(dark_fraction(r.page.gray, 0.66, 0.35, 0.88, 0.65), 0.9) << content;
  }
  fs::remove(p);
}

TEST_F(PdfHidden, ClipPathHidingHalfTheImageIsRendered) {
  const fs::path p = temp_pdf("clip");
  for (const char* op : {"W", "W*"}) {
    write_pdf(p, {{"Im0", gray_image(two_marks())}}, {"Im0"},
              std::string("q 0 0 144 144 re ") + op + " n " + kFullPage + " Q");
    SCOPED_TRACE(op);
    expect_right_half_hidden(decode(p), "hidden by a clip path");
  }
  // A clip that is not one rectangle (a triangle) is never taken as harmless.
  write_pdf(p, {{"Im0", gray_image(two_marks())}}, {"Im0"},
            std::string("q 0 0 m 144 0 l 144 144 l 0 144 l h W n ") + kFullPage + " Q");
  expect_right_half_hidden(decode(p), "hidden by a clip path");
  fs::remove(p);
}

TEST_F(PdfHidden, FormBBoxSmallerThanTheImageIsRendered) {
  const fs::path p = temp_pdf("bbox");
  Stream form{"<< /Type /XObject /Subtype /Form /BBox [0 0 144 144] >>", kFullPage, {}};
  // The form draws the whole image; its /BBox shows only the left half.
  QPDF pdf;
  pdf.emptyPDF();
  QPDFObjectHandle im = pdf.newStream(bytes_of(two_marks()));
  QPDFObjectHandle imd = QPDFObjectHandle::parse(gray_image(two_marks()).dict);
  for (const auto& k : imd.getKeys()) im.getDict().replaceKey(k, imd.getKey(k));
  QPDFObjectHandle fm = pdf.newStream(kFullPage);
  QPDFObjectHandle fmd = QPDFObjectHandle::parse(form.dict);
  for (const auto& k : fmd.getKeys()) fm.getDict().replaceKey(k, fmd.getKey(k));
  QPDFObjectHandle fres = QPDFObjectHandle::parse("<< /XObject << >> >>");
  fres.getKey("/XObject").replaceKey("/Im0", im);
  fm.getDict().replaceKey("/Resources", fres);
  QPDFObjectHandle res = QPDFObjectHandle::parse("<< /XObject << >> >>");
  res.getKey("/XObject").replaceKey("/Fm0", fm);
  QPDFObjectHandle page = QPDFObjectHandle::parse("<< /Type /Page /MediaBox [0 0 288 144] >>");
  page.replaceKey("/Resources", res);
  page.replaceKey("/Contents", pdf.newStream("q /Fm0 Do Q"));
  QPDFPageDocumentHelper(pdf).addPage(QPDFPageObjectHelper(pdf.makeIndirectObject(page)), false);
  const std::string p_file = p.string();  // QPDFWriter keeps the pointer
  QPDFWriter w(pdf, p_file.c_str());
  w.setStaticID(true);
  w.write();
  expect_right_half_hidden(decode(p), "hidden by a form's /BBox");
  fs::remove(p);
}

// The catalog entry that turns the one group off.
const char* kOcgOff = "/OCProperties << /OCGs [@OCG] /D << /OFF [@OCG] /Order [@OCG] >> >>";

TEST_F(PdfHidden, OptionalContentThatIsOffIsRendered) {
  const fs::path p = temp_pdf("ocg");
  // The visible left block is a plain image; the right half's mark is a
  // second image in a group that is off (/OC on the image) ...
  cv::Mat left = two_marks(), right = two_marks();
  left(cv::Rect(kW / 2, 0, kW / 2, kH)).setTo(255);
  right = right(cv::Rect(kW / 2, 0, kW / 2, kH)).clone();
  const std::string both = std::string(kFullPage) + " q 144 0 0 144 144 0 cm /Im1 Do Q";
  write_pdf(p, {{"Im0", gray_image(left)}, {"Im1", gray_image(right, "/OC @OCG")}}, {"Im0", "Im1"},
            both, "", kOcgOff);
  expect_right_half_hidden(decode(p), "");
  // ... and the whole page is one image that is off: a blank page, not the image.
  for (const std::string& how : {std::string("on the image"), std::string("BDC")}) {
    SCOPED_TRACE(how);
    if (how == "BDC")
      write_pdf(p, {{"Im0", gray_image(two_marks())}}, {"Im0"},
                std::string("/OC /L1 BDC ") + kFullPage + " EMC", "/Properties << /L1 @OCG >>",
                kOcgOff);
    else
      write_pdf(p, {{"Im0", gray_image(two_marks(), "/OC @OCG")}}, {"Im0"}, kFullPage, "", kOcgOff);
    const DecodeResult r = decode(p);
    ASSERT_EQ(r.error, PageError::kNone) << r.message;
    EXPECT_FALSE(r.page.pdf.native) << r.page.pdf.how;
    EXPECT_NE(r.page.pdf.how.find("optional content"), std::string::npos) << r.page.pdf.how;
    EXPECT_EQ(dark_fraction(r.page.gray, 0.01, 0.01, 0.99, 0.99), 0.0);
  }
  fs::remove(p);
}

// Black text on white as a viewer shows it: text pixels 0, the rest 255.
cv::Mat text_card() {
  cv::Mat m(kH, kW, CV_8UC1, cv::Scalar(255));
  cv::putText(m, "SMASK", cv::Point(30, 130), cv::FONT_HERSHEY_SIMPLEX, 3.0, cv::Scalar(0), 8);
  return m;
}

// The page has text: some ink, but far from all black, and the ink is where
// the text is.
void expect_text_page(const DecodeResult& r, const std::string& why) {
  ASSERT_EQ(r.error, PageError::kNone) << r.message;
  EXPECT_FALSE(r.page.pdf.native) << r.page.pdf.how;
  EXPECT_NE(r.page.pdf.how.find(why), std::string::npos) << r.page.pdf.how;
  const double ink = dark_fraction(r.page.gray, 0, 0, 1, 1);
  EXPECT_GT(ink, 0.03);
  EXPECT_LT(ink, 0.4);
  cv::Mat want_dark, got_dark, wrong;
  cv::compare(text_card(), 128, want_dark, cv::CMP_LT);
  cv::Mat g;
  cv::resize(r.page.gray, g, want_dark.size(), 0, 0, cv::INTER_AREA);
  cv::compare(g, 128, got_dark, cv::CMP_LT);
  cv::bitwise_xor(want_dark, got_dark, wrong);
  EXPECT_LT(cv::countNonZero(wrong), 0.02 * kW * kH);  // edges only
}

TEST_F(PdfHidden, SoftMaskedBlackImageShowsItsTextNotABlackPage) {
  const fs::path p = temp_pdf("smask");
  const cv::Mat black(kH, kW, CV_8UC1, cv::Scalar(0));
  cv::Mat alpha;
  cv::bitwise_not(text_card(), alpha);  // opaque (255) where the text is
  Stream im = gray_image(black);
  im.refs["/SMask"] = "Sm0";
  write_pdf(p, {{"Im0", im}, {"Sm0", gray_image(alpha)}}, {"Im0"}, kFullPage);
  expect_text_page(decode(p), "soft mask");
  fs::remove(p);
}

TEST_F(PdfHidden, StencilAndColourKeyMasksAreComposited) {
  const fs::path p = temp_pdf("mask");
  const cv::Mat black(kH, kW, CV_8UC1, cv::Scalar(0));
  // Stencil: a 1-bit mask, 0 = paint (the text), 1 = masked out.
  cv::Mat bits(kH, kW / 8, CV_8UC1, cv::Scalar(0));
  const cv::Mat t = text_card();
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x)
      if (t.at<uint8_t>(y, x) >= 128) bits.at<uint8_t>(y, x / 8) |= 0x80 >> (x % 8);
  Stream stencil{
      "<< /Type /XObject /Subtype /Image /Width 400 /Height 200 /ImageMask true "
      "/BitsPerComponent 1 >>",
      bytes_of(bits),
      {}};
  Stream im = gray_image(black);
  im.refs["/Mask"] = "St0";
  write_pdf(p, {{"Im0", im}, {"St0", stencil}}, {"Im0"}, kFullPage);
  expect_text_page(decode(p), "stencil mask");
  // Colour key: the background's gray 200 is keyed out (shows the white page).
  cv::Mat keyed = text_card();
  keyed.setTo(200, keyed >= 128);
  write_pdf(p, {{"Im0", gray_image(keyed, "/Mask [200 200]")}}, {"Im0"}, kFullPage);
  const DecodeResult r = decode(p);
  expect_text_page(r, "colour-key mask");
  EXPECT_GT(r.page.gray.at<uint8_t>(5, 5), 250);  // white, not the keyed-out gray
  fs::remove(p);
}

TEST_F(PdfHidden, DecodeArraysTheDecoderDoesNotApplyAreRendered) {
  const fs::path p = temp_pdf("decode");
  // RGB samples of white text on black, shown as black on white by /Decode.
  cv::Mat neg, rgb;
  cv::bitwise_not(text_card(), neg);
  cv::cvtColor(neg, rgb, cv::COLOR_GRAY2RGB);
  Stream im{
      "<< /Type /XObject /Subtype /Image /Width 400 /Height 200 /BitsPerComponent 8 "
      "/ColorSpace /DeviceRGB /Decode [1 0 1 0 1 0] >>",
      bytes_of(rgb),
      {}};
  write_pdf(p, {{"Im0", im}}, {"Im0"}, kFullPage);
  expect_text_page(decode(p), "/Decode");
  // The one-component inversion is applied by the decoder itself: still native.
  write_pdf(p, {{"Im0", gray_image(neg, "/Decode [1 0]")}}, {"Im0"}, kFullPage);
  const DecodeResult r = decode(p);
  ASSERT_EQ(r.error, PageError::kNone) << r.message;
  EXPECT_TRUE(r.page.pdf.native) << r.page.pdf.how;
  cv::Mat diff;
  cv::absdiff(r.page.gray, text_card(), diff);
  EXPECT_LT(cv::mean(diff)[0], 1.0);
  fs::remove(p);
}

}  // namespace
}  // namespace pageprep::host
