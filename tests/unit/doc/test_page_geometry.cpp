// The map from the cleaned page back to the master (doc/page_geometry.hpp)
// against the real operations: a marked pixel is turned with
// rotate_quarter_turns and rotated with the rotation kernel, and the map must
// bring its new position back to where it was. Also: coordinate rewriting of
// Tesseract's formats, the page artifact round trip, and UTF-16 for the PDF
// text layer.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "doc/ocr_outputs.hpp"
#include "doc/page_artifact.hpp"
#include "doc/page_geometry.hpp"
#include "doc/text_layer.hpp"
#include "ocr/orientation.hpp"
#include "pageprep/kernels/deskew.hpp"

namespace pageprep::host {
namespace {

// Centre of the dark blob of `m` (pixel-edge coordinates: centre of pixel
// (x, y) is (x + 0.5, y + 0.5)).
cv::Point2d ink_centre(const cv::Mat& m) {
  double sx = 0, sy = 0, sw = 0;
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) {
      const double w = 255.0 - m.at<uint8_t>(y, x);
      sx += w * (x + 0.5);
      sy += w * (y + 0.5);
      sw += w;
    }
  return {sx / sw, sy / sw};
}

cv::Mat rotate_page(const cv::Mat& src, float angle, bool expand) {
  kernels::cpu::ThreadPool pool(1);
  kernels::RotateParams rp;
  rp.expand = expand;
  int32_t ow = 0, oh = 0;
  kernels::rotated_size(src.cols, src.rows, angle, expand, &ow, &oh);
  cv::Mat out(oh, ow, CV_8UC1);
  const uint8_t fill = 255;
  kernels::ConstGrayView in[1] = {
      {src.data, src.cols, src.rows, static_cast<int64_t>(src.step[0])}};
  kernels::GrayView o[1] = {{out.data, out.cols, out.rows, static_cast<int64_t>(out.step[0])}};
  EXPECT_TRUE(kernels::cpu::rotate(pool, rp, {in, 1}, {o, 1}, &angle, &fill).is_ok());
  return out;
}

TEST(PageGeometry, MapsProcessedPositionsBackToTheMaster) {
  const int W = 301, H = 197;  // odd, non-square: centres and swaps show
  const cv::Point marks[] = {{40, 30}, {250, 160}, {150, 100}, {20, 170}};
  for (const int turn : {0, 90, 180, 270}) {
    for (const float angle : {0.f, 3.5f, -7.25f}) {
      for (const bool expand : {false, true}) {
        for (const cv::Point& p : marks) {
          cv::Mat master(H, W, CV_8UC1, cv::Scalar(255));
          cv::rectangle(master, cv::Rect(p.x - 2, p.y - 2, 5, 5), cv::Scalar(0), cv::FILLED);
          const cv::Mat turned = rotate_quarter_turns(master, turn);
          const cv::Mat processed = angle != 0 ? rotate_page(turned, angle, expand) : turned;
          const PageGeometry g =
              make_page_geometry(W, H, turn, angle, processed.cols, processed.rows);
          const cv::Point2d seen = ink_centre(processed);
          const auto back = g.processed_to_master.apply(seen.x, seen.y);
          const cv::Point2d want = ink_centre(master);
          EXPECT_NEAR(back[0], want.x, 0.6) << "turn " << turn << " angle " << angle;
          EXPECT_NEAR(back[1], want.y, 0.6) << "turn " << turn << " angle " << angle;
        }
      }
    }
  }
}

TEST(PageGeometry, BoxesBecomeTheirHullOnTheMasterClipped) {
  const PageGeometry id = make_page_geometry(100, 50, 0, 0, 100, 50);
  const PixelBox b = map_box(id.processed_to_master, 10, 5, 20, 15, 100, 50);
  EXPECT_EQ(b.x0, 10);
  EXPECT_EQ(b.y0, 5);
  EXPECT_EQ(b.x1, 20);
  EXPECT_EQ(b.y1, 15);
  const PageGeometry r = make_page_geometry(1000, 1000, 0, 10, 1000, 1000);
  const PixelBox h = map_box(r.processed_to_master, 400, 490, 600, 510, 1000, 1000);
  // A 200 x 20 box rotated by 10 degrees: hull 200 cos + 20 sin wide.
  EXPECT_NEAR(h.x1 - h.x0, 200 * std::cos(0.1745) + 20 * std::sin(0.1745), 2.0);
  EXPECT_NEAR(h.y1 - h.y0, 20 * std::cos(0.1745) + 200 * std::sin(0.1745), 2.0);
  const PixelBox c = map_box(r.processed_to_master, -50, -50, 10, 10, 1000, 1000);
  EXPECT_GE(c.x0, 0);
  EXPECT_GE(c.y0, 0);
}

TEST(OcrOutputs, IdentityGeometryKeepsTesseractsNumbers) {
  const PageGeometry g = make_page_geometry(2480, 3508, 0, 0, 2480, 3508);
  const std::string hocr =
      "<div class='ocr_page' id='page_2' title='image \"a.tif\"; bbox 0 0 2480 3508; ppageno 1'>"
      "<span class='ocr_line' id='line_1_1' title=\"bbox 36 92 618 184; baseline 0.005 -13; "
      "x_size 43\"><span class='ocrx_word' title='bbox 36 92 200 184; x_wconf 96'>Hi</span>";
  EXPECT_EQ(hocr_on_master(hocr, g), hocr);
  const std::string tsv = "5\t2\t1\t1\t1\t1\t36\t92\t164\t92\t96.5\tHi\n";
  EXPECT_EQ(tsv_on_master(tsv, g).substr(tsv_on_master(tsv, g).find('\n') + 1), tsv);
}

TEST(OcrOutputs, PageBoxIsTheMasterAndWordsMove) {
  // A page turned 90 degrees: processed is 3508 x 2480, the master 2480 x 3508.
  const PageGeometry g = make_page_geometry(2480, 3508, 90, 0, 3508, 2480);
  const std::string hocr =
      "<div class='ocr_page' title='bbox 0 0 3508 2480; ppageno 0'><span class='ocr_line' "
      "title='bbox 100 200 900 260; baseline 0 -10'><span class='ocrx_word' title='bbox 100 200 "
      "300 260'>x</span>";
  const std::string out = hocr_on_master(hocr, g);
  EXPECT_NE(out.find("bbox 0 0 2480 3508"), std::string::npos) << out;
  // processed (x, y) -> master (W - y, x): the word 100..300 x 200..260 lands
  // at x 2220..2280, y 100..300.
  EXPECT_NE(out.find("bbox 2220 100 2280 300"), std::string::npos) << out;
  EXPECT_NE(out.find("textangle 270"), std::string::npos) << out;
  const std::string alto = alto_on_master(
      "<Page WIDTH=\"3508\" HEIGHT=\"2480\"><TextBlock ID=\"b\" HPOS=\"100\" VPOS=\"200\" "
      "WIDTH=\"200\" HEIGHT=\"60\"/></Page>",
      g, "m & n.tif");
  EXPECT_NE(alto.find("<Page WIDTH=\"2480\" HEIGHT=\"3508\">"), std::string::npos) << alto;
  EXPECT_NE(alto.find("HPOS=\"2220\" VPOS=\"100\" WIDTH=\"60\" HEIGHT=\"200\""), std::string::npos)
      << alto;
  EXPECT_NE(alto.find("ROTATION=\"-90.00\""), std::string::npos) << alto;
  EXPECT_NE(alto.find("<fileName>m &amp; n.tif</fileName>"), std::string::npos) << alto;
}

TEST(PageArtifact, RoundTripsEveryField) {
  PageArtifact a;
  a.key = "k|1";
  a.input = "dir/with\nnewline\\and slash.tif";
  a.page = 3;
  a.master_w = 2480;
  a.master_h = 3508;
  a.dpi_x = 300;
  a.dpi_y = 299.5;
  a.format = "tiff";
  a.source_channels = 3;
  a.source_depth_bits = 1;
  a.pdf.valid = true;
  a.pdf.native = true;
  a.pdf.has_text = true;
  a.pdf.master_to_user[4] = 12.5;
  a.geometry = make_page_geometry(2480, 3508, 90, -1.25, 3508, 2480);
  a.clean_image = "b/p0004.tif";
  a.clean_is_binary = true;
  a.ocr = true;
  OcrLine l;
  l.x0 = 1, l.y0 = 2, l.x1 = 3, l.y1 = 4, l.base_x1 = 5, l.base_y1 = 6;
  l.words.push_back({1, 2, 3, 4, 95.5f, "Grüße"});
  l.words.push_back({5, 6, 7, 8, 12.f, "a b"});
  a.lines.push_back(l);
  a.text = "line one\nline two\n";
  PageArtifact b;
  std::string err;
  ASSERT_TRUE(parse_page_artifact(serialize_page_artifact(a), &b, &err)) << err;
  EXPECT_EQ(b.key, a.key);
  EXPECT_EQ(b.input, a.input);
  EXPECT_EQ(b.page, 3);
  EXPECT_EQ(b.dpi_y, 299.5);
  EXPECT_EQ(b.format, "tiff");
  EXPECT_EQ(b.source_channels, 3);
  EXPECT_EQ(b.source_depth_bits, 1);
  EXPECT_TRUE(b.pdf.native && b.pdf.has_text);
  EXPECT_EQ(b.pdf.master_to_user[4], 12.5);
  EXPECT_EQ(b.geometry.turn_deg, 90);
  EXPECT_EQ(b.geometry.rotation_deg, -1.25);
  EXPECT_EQ(b.clean_image, "b/p0004.tif");
  ASSERT_EQ(b.lines.size(), 1u);
  ASSERT_EQ(b.lines[0].words.size(), 2u);
  EXPECT_EQ(b.lines[0].words[0].text, "Grüße");
  EXPECT_EQ(b.lines[0].words[1].text, "a b");
  EXPECT_EQ(b.lines[0].base_y1, 6);
  EXPECT_EQ(b.text, a.text);
  // A cut-off artifact is rejected, not half read.
  const std::string s = serialize_page_artifact(a);
  EXPECT_FALSE(parse_page_artifact(s.substr(0, s.size() - 5), &b, &err));
}

TEST(TextLayer, Utf16CodeUnitsIncludingSurrogates) {
  size_t n = 0;
  EXPECT_EQ(utf16_hex("Aé", &n), "<004100E9>");
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(utf16_hex("\xF0\x9F\x98\x80", &n), "<D83DDE00>");  // U+1F600
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(utf16_hex("\xC3", &n), "<FFFD>");  // cut UTF-8
}

TEST(TextLayer, WordsSpanTheirBoxesOnTheUserSpace) {
  OcrLine l;
  l.x0 = 100, l.y0 = 100, l.x1 = 500, l.y1 = 140;
  l.base_x0 = 100, l.base_y0 = 130, l.base_x1 = 500, l.base_y1 = 130;
  l.words.push_back({100, 100, 200, 140, 90, "ab"});
  l.words.push_back({300, 100, 500, 140, 90, "cd"});
  // Image pixels -> points at 72 dpi on a 1000 px tall page (y flips).
  const Affine to_user{1, 0, 0, -1, 0, 1000};
  const std::string s = text_layer_content(
      l.words.empty() ? std::vector<OcrLine>{} : std::vector<OcrLine>{l}, to_user, "/F");
  // First word: "ab " (3 units of 0.5) spans 100..300 -> x scale 200 / 1.5.
  EXPECT_NE(s.find("133.3333 0.0000 0.0000 40.0000 100.0000 870.0000 Tm <006100620020> Tj"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("200.0000 0.0000 0.0000 40.0000 300.0000 870.0000 Tm <00630064> Tj"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.rfind("BT\n3 Tr\n/F 1 Tf\n", 0), 0u) << s;
}

}  // namespace
}  // namespace pageprep::host
