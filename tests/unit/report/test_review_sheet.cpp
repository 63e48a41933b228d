// The review sheet from hand-written pages.jsonl records: one cell per master
// (a spread's halves share it), doubtful cells first, the split line and the
// crop box drawn where the boxes map on the thumbnail (rendered by poppler's
// pdftoppm, not by our code), and a placeholder cell for a missing input.
#include <gtest/gtest.h>
#include <unistd.h>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFPageDocumentHelper.hh>
#include <qpdf/QPDFPageObjectHelper.hh>
#include <qpdf/QPDFWriter.hh>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "report/review_layout.hpp"
#include "report/review_sheet.hpp"
#include "support/sheet_render.hpp"
#include "util/json_reader.hpp"

namespace pageprep::host {
namespace {
namespace fs = std::filesystem;
using testsupport::Stroke;

fs::path fresh_dir(const std::string& name) {
  const fs::path d =
      fs::temp_directory_path() / ("pageprep_review_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// A light page with dark text-like bars (no colour anywhere: the thumbnail is
// gray, so every coloured pixel on the sheet is a stroke).
void write_page(const fs::path& p, int w, int h) {
  cv::Mat m(h, w, CV_8UC1, cv::Scalar(230));
  for (int y = h / 10; y < h * 9 / 10; y += h / 25)
    cv::rectangle(m, cv::Rect(w / 12, y, w * 10 / 12, h / 80 + 1), cv::Scalar(40), cv::FILLED);
  ASSERT_TRUE(cv::imwrite(p.string(), m));
}

std::vector<JsonValue> parse(const std::vector<std::string>& lines) {
  std::vector<JsonValue> out;
  for (const auto& l : lines) {
    auto v = JsonValue::parse(l);
    EXPECT_TRUE(v.has_value()) << l;
    if (v) out.push_back(*v);
  }
  return out;
}

std::string rec(const std::string& input, int page, const std::string& extra, int w = 800,
                int h = 500) {
  return "{\"input\":\"" + input + "\",\"page\":" + std::to_string(page) +
         ",\"status\":\"ok\",\"width\":" + std::to_string(w) + ",\"height\":" + std::to_string(h) +
         ",\"format\":\"png\"" + extra + "}";
}

TEST(ReviewCells, HalvesShareACellAndDoubtfulCellsComeFirst) {
  // In page order: a plain page, a split spread (right half written first),
  // a spread left whole, a page at a large angle, an unknown future field.
  const auto records = parse({
      rec("a.png", 0, ",\"skew_deg\":0.3,\"crop_note\":\"page fills the image: not cropped\""),
      rec("b.png", 0,
          ",\"split_part\":\"right\",\"source_box\":[400,0,400,500],\"split_confidence\":0.95"),
      rec("b.png", 0,
          ",\"split_part\":\"left\",\"source_box\":[0,0,400,500],\"split_confidence\":0.95"),
      rec("c.png", 0, ",\"split_note\":\"no gutter found with confidence\""),
      rec("d.png", 0, ",\"skew_deg\":-3.2,\"rotated\":true,\"warp_field\":{\"x\":[1,2]}"),
  });
  const auto cells = review_cells(records);
  ASSERT_EQ(cells.size(), 4u);
  // Doubtful first (the whole spread over the large angle), then page order.
  EXPECT_EQ(cells[0].input, "c.png");
  EXPECT_EQ(cells[1].input, "d.png");
  EXPECT_EQ(cells[2].input, "a.png");
  EXPECT_EQ(cells[3].input, "b.png");
  EXPECT_GT(cells[0].doubt, cells[1].doubt);
  EXPECT_GT(cells[1].doubt, 0);
  EXPECT_EQ(cells[2].doubt, 0);  // "page fills the image" is not a doubt
  EXPECT_EQ(cells[3].doubt, 0);
  ASSERT_EQ(cells[3].parts.size(), 2u);
  EXPECT_EQ(cells[3].parts[0].split_part, "left");
  EXPECT_EQ(cells[3].parts[1].split_part, "right");

  // The decisions in words.
  auto joined = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& l : v) s += l + "\n";
    return s;
  };
  const std::string c_text = joined(review_cell_text(cells[0], 9));
  EXPECT_NE(c_text.find("left whole"), std::string::npos) << c_text;
  EXPECT_NE(c_text.find("CHECK:"), std::string::npos) << c_text;
  const std::string b_text = joined(review_cell_text(cells[3], 9));
  EXPECT_NE(b_text.find("left: split half [0,0,400,500]"), std::string::npos) << b_text;
  EXPECT_NE(b_text.find("right: split half [400,0,400,500]"), std::string::npos) << b_text;
  EXPECT_EQ(b_text.find("CHECK:"), std::string::npos) << b_text;
  const std::string d_text = joined(review_cell_text(cells[1], 9));
  EXPECT_NE(d_text.find("large angle -3.20"), std::string::npos) << d_text;
}

TEST(ReviewCells, LowConfidenceAndNotesAreDoubtsAndTextIsCapped) {
  const auto cells = review_cells(parse({
      rec("x.png", 0,
          ",\"split_part\":\"left\",\"source_box\":[0,0,400,500],"
          "\"split_confidence\":0.55,\"dewarp_confidence\":0.3,\"dewarp_max_px\":14"),
      rec("y.png", 0, ",\"dewarp_note\":\"flat page: not resampled\""),
      rec("z.png", 0, ",\"crop_note\":\"no bed darker than the paper (contrast 3)\""),
  }));
  ASSERT_EQ(cells.size(), 3u);
  EXPECT_EQ(cells[0].input, "x.png");  // 40 + 30
  EXPECT_EQ(cells[1].input, "z.png");  // 40
  EXPECT_EQ(cells[2].input, "y.png");  // a flat page is not a doubt
  EXPECT_EQ(cells[2].doubt, 0);
  const auto lines = review_cell_text(cells[0], 3);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[2].find("more line(s) in pages.jsonl"), std::string::npos) << lines[2];
}

TEST(ReviewSheet, DrawsTheSplitLineAndCropBoxWhereTheyMapAndAPlaceholderForAMissingInput) {
  const fs::path dir = fresh_dir("sheet");
  write_page(dir / "spread.png", 800, 500);
  write_page(dir / "page.jpg", 1600, 2400);  // decoded at 1/4 (reduce_to_side)
  write_page(dir / "whole.png", 800, 500);
  const std::string spread = (dir / "spread.png").string(), page = (dir / "page.jpg").string(),
                    whole = (dir / "whole.png").string(), missing = (dir / "gone.png").string();
  auto cells = review_cells(parse({
      rec(page, 0, ",\"crop_box\":[160,240,1200,1920],\"skew_deg\":0.5,\"rotated\":true", 1600,
          2400),
      rec(spread, 0,
          ",\"split_part\":\"left\",\"source_box\":[0,0,340,500],\"split_confidence\":0.9"),
      rec(spread, 0,
          ",\"split_part\":\"right\",\"source_box\":[460,0,340,500],\"split_confidence\":0.9"),
      rec(whole, 0, ",\"split_note\":\"no gutter found\""),
      rec(missing, 0, ",\"crop_box\":[100,50,600,400]"),
  }));
  kernels::cpu::ThreadPool pool(2);
  load_thumbnails(&cells, review::kThumbMaxSide, pool);
  sort_review_cells(&cells);
  ASSERT_EQ(cells.size(), 4u);
  // The missing input comes first (it cannot be checked by eye), then the
  // spread left whole, then page order.
  EXPECT_EQ(cells[0].input, missing);
  EXPECT_FALSE(cells[0].thumb_error.empty());
  EXPECT_TRUE(cells[0].thumb_jpeg.empty());
  EXPECT_EQ(cells[1].input, whole);
  EXPECT_EQ(cells[2].input, page);
  EXPECT_EQ(cells[3].input, spread);
  for (size_t i = 1; i < 4; ++i) EXPECT_FALSE(cells[i].thumb_jpeg.empty()) << cells[i].input;

  const std::string pdf = (dir / "sheet.pdf").string();
  std::string error;
  ASSERT_TRUE(write_review_pdf(cells, "test sheet", pdf, "", &error)) << error;
  const cv::Mat img = testsupport::render_sheet_page(pdf, 0);
  ASSERT_FALSE(img.empty()) << "pdftoppm failed on " << pdf;
  ASSERT_EQ(img.cols, static_cast<int>(std::ceil(review::kPageW)));  // 72 dpi: 1 px = 1 pt

  // Cell 3: the split line at x = (340 + 460) / 2 = 400 on the master, from
  // top to bottom (10 points from either half's edge); blue along it, and
  // not inside a half.
  {
    const review::Rect r = review::image_rect(3, 800, 500);
    int on = 0, off = 0;
    for (int y = 20; y <= 480; y += 20) {
      const auto p = review::master_to_sheet(r, 800, 500, 400, y);
      on += testsupport::stroke_near(img, p.x, p.y, Stroke::kBlue, 1);
      const auto q = review::master_to_sheet(r, 800, 500, 250, y);
      off += testsupport::stroke_near(img, q.x, q.y, Stroke::kBlue, 1);
    }
    EXPECT_EQ(on, 24);
    EXPECT_EQ(off, 0);
    EXPECT_EQ(testsupport::strokes_in(img, r, Stroke::kRed), 0);  // no crop on it
  }
  // Cell 2: the crop box's four edges in red at their mapped places, nothing
  // red in the middle of the box or outside it.
  {
    const review::Rect r = review::image_rect(2, 1600, 2400);
    auto at = [&](double x, double y) {
      const auto p = review::master_to_sheet(r, 1600, 2400, 4 * x, 4 * y);  // x, y: in quarters
      return testsupport::stroke_near(img, p.x, p.y, Stroke::kRed, 1);
    };
    for (double t : {0.2, 0.5, 0.8}) {
      EXPECT_TRUE(at(40 + 300 * t, 60)) << "top edge at " << t;
      EXPECT_TRUE(at(40 + 300 * t, 540)) << "bottom edge at " << t;
      EXPECT_TRUE(at(40, 60 + 480 * t)) << "left edge at " << t;
      EXPECT_TRUE(at(340, 60 + 480 * t)) << "right edge at " << t;
      EXPECT_FALSE(at(190 + 50 * t, 150)) << "inside at " << t;
      EXPECT_FALSE(at(15, 60 + 480 * t)) << "outside at " << t;
    }
    EXPECT_GT(testsupport::strokes_in(img, r, Stroke::kGreen), 10);  // the angle line
    EXPECT_EQ(testsupport::strokes_in(img, r, Stroke::kBlue), 0);
  }
  // Cell 1 (left whole): no split line, no crop; an orange (doubtful) cell.
  {
    const review::Rect r = review::image_rect(1, 800, 500);
    EXPECT_EQ(testsupport::strokes_in(img, r, Stroke::kBlue), 0);
    EXPECT_EQ(testsupport::strokes_in(img, r, Stroke::kRed), 0);
    const review::Rect c = review::cell_rect(1);
    const cv::Vec3b bg = testsupport::colour_at(img, c.x + c.w - 2, c.y + 2);
    EXPECT_GT(bg[2], 230);  // orange: R high, B low
    EXPECT_LT(bg[0], 190);
    const review::Rect c3 = review::cell_rect(3);
    const cv::Vec3b plain = testsupport::colour_at(img, c3.x + c3.w - 2, c3.y + 2);
    EXPECT_GT(plain[0], 240);  // white
  }
  // Cell 0, the placeholder: the crop box is still drawn on a gray frame of
  // the master's shape, and the words say what happened.
  {
    const review::Rect r = review::image_rect(0, 800, 500);
    const auto p = review::master_to_sheet(r, 800, 500, 400, 50);
    EXPECT_TRUE(testsupport::stroke_near(img, p.x, p.y, Stroke::kRed, 1));
  }
  const std::string text = testsupport::sheet_text(pdf);
  const size_t at_missing = text.find("gone.png");
  const size_t at_whole = text.find("whole.png");
  const size_t at_page = text.find("page.jpg");
  const size_t at_spread = text.find("spread.png");
  ASSERT_NE(at_missing, std::string::npos) << text;
  EXPECT_LT(at_missing, at_whole) << text;
  EXPECT_LT(at_whole, at_page) << text;
  EXPECT_LT(at_page, at_spread) << text;
  EXPECT_NE(text.find("NO THUMBNAIL: not_found"), std::string::npos) << text;
  EXPECT_NE(text.find("crop [160,240,1200,1920]"), std::string::npos) << text;
  fs::remove_all(dir);
}

// A vector PDF (rendered for its thumbnail at a low dpi, as the run rendered
// it at 300): page 2's thumbnail is page 2, upright, where a 300-dpi master's
// pixels say. A4 pages; page 1 black at its top left, page 2 at its bottom right.
TEST(ReviewSheet, PdfPagesAreRenderedSmallAndMapLikeTheirMaster) {
  const fs::path dir = fresh_dir("pdf");
  const std::string path = (dir / "book.pdf").string();
  {
    QPDF pdf;
    pdf.emptyPDF();
    for (const char* content : {"0 g 50 600 200 200 re f", "0 g 350 50 200 200 re f"}) {
      QPDFObjectHandle page = QPDFObjectHandle::parse(
          "<< /Type /Page /MediaBox [0 0 595.276 841.89] /Resources << >> >>");
      page.replaceKey("/Contents", pdf.newStream(content));
      QPDFPageDocumentHelper(pdf).addPage(QPDFPageObjectHelper(pdf.makeIndirectObject(page)),
                                          false);
    }
    QPDFWriter w(pdf, path.c_str());
    w.write();
  }
  // What a 300-dpi run records: 2480 x 3508 pixels.
  const std::string pdf_rec = ",\"format\":\"pdf\"";
  auto cells = review_cells(parse({
      "{\"input\":\"" + path + "\",\"page\":1,\"status\":\"ok\",\"width\":2480,\"height\":3508" +
          pdf_rec + "}",
  }));
  kernels::cpu::ThreadPool pool(2);
  load_thumbnails(&cells, review::kThumbMaxSide, pool);
  ASSERT_EQ(cells.size(), 1u);
  ASSERT_TRUE(cells[0].thumb_error.empty()) << cells[0].thumb_error;
  EXPECT_LE(std::max(cells[0].thumb_w, cells[0].thumb_h), review::kThumbMaxSide);
  EXPECT_EQ(cells[0].master_w, 2480);
  const std::string out = (dir / "sheet.pdf").string();
  std::string error;
  ASSERT_TRUE(write_review_pdf(cells, "t", out, "", &error)) << error;
  const cv::Mat img = testsupport::render_sheet_page(out, 0);
  ASSERT_FALSE(img.empty());
  const review::Rect r = review::image_rect(0, 2480, 3508);
  // Master pixel of PDF point (x, y): 300/72 per point, y from the top.
  auto gray_at = [&](double x_pt, double y_pt) {
    const auto p =
        review::master_to_sheet(r, 2480, 3508, x_pt * 300 / 72, (841.89 - y_pt) * 300 / 72);
    return testsupport::colour_at(img, p.x, p.y)[1];
  };
  EXPECT_LT(gray_at(450, 150), 80);   // page 2's square
  EXPECT_GT(gray_at(150, 700), 200);  // where page 1's would be
  EXPECT_GT(gray_at(450, 450), 200);
  fs::remove_all(dir);
}

TEST(ReviewSheet, ManyCellsFillSeveralSheetPages) {
  std::vector<std::string> lines;
  for (int i = 0; i < 30; ++i) lines.push_back(rec("p" + std::to_string(i) + ".png", 0, ""));
  auto cells = review_cells(parse(lines));
  ASSERT_EQ(cells.size(), 30u);
  const fs::path dir = fresh_dir("many");
  const std::string pdf = (dir / "sheet.pdf").string();
  std::string error;
  ASSERT_TRUE(write_review_pdf(cells, "t", pdf, "", &error)) << error;
  const std::string text = testsupport::sheet_text(pdf);
  // 12 cells a page: 3 pages (pdftotext separates pages with form feeds).
  EXPECT_EQ(std::count(text.begin(), text.end(), '\f'), 3) << text;
  for (int i = 0; i < 30; ++i)
    EXPECT_NE(text.find("p" + std::to_string(i) + ".png"), std::string::npos) << i;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pageprep::host
