// The OCR layer of a PDF page that already has some text (issue 20 item 7),
// end to end with Tesseract on a generated page with known text:
// - a scan with one visible line drawn with a font on top of it (a
//   "Downloaded from ..." footer) gets the scan's OCR words, and the footer
//   stays visible;
// - a scan in two image strips with an old invisible (render mode 3) OCR
//   layer gets the new words, and the stale layer is gone (OCRmyPDF's
//   --redo-ocr convention).
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cstdlib>
#include <fstream>

#include "e2e/cli_harness.hpp"
#include "util/text_metrics.hpp"

namespace pageprep::e2e {
namespace {

bool have_tool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string output_of(const std::string& cmd) {
  const fs::path o =
      fs::temp_directory_path() / ("pageprep_textlayers_out_" + std::to_string(::getpid()));
  std::system((cmd + " >" + o.string() + " 2>/dev/null").c_str());
  std::string s = read_file(o);
  fs::remove(o);
  return s;
}

std::string image_object(const cv::Mat& g) {
  const std::string data(reinterpret_cast<const char*>(g.data), g.total());
  return "<< /Type /XObject /Subtype /Image /Width " + std::to_string(g.cols) + " /Height " +
         std::to_string(g.rows) + " /BitsPerComponent 8 /ColorSpace /DeviceGray /Length " +
         std::to_string(data.size()) + " >>\nstream\n" + data + "\nendstream";
}

// A one-page PDF: objects 5.. are the images /Im0, /Im1 ..., /F1 is Helvetica.
void write_pdf(const fs::path& path, double w_pt, double h_pt, const std::vector<cv::Mat>& images,
               const std::string& content) {
  std::string xobjects;
  for (size_t i = 0; i < images.size(); ++i)
    xobjects += "/Im" + std::to_string(i) + " " + std::to_string(5 + i) + " 0 R ";
  std::vector<std::string> objs = {
      "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + std::to_string(w_pt) + " " +
          std::to_string(h_pt) + "] /Resources << /Font << /F1 4 0 R >> /XObject << " + xobjects +
          ">> >> /Contents " + std::to_string(5 + images.size()) + " 0 R >>",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  for (const cv::Mat& m : images) objs.push_back(image_object(m));
  objs.push_back("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content +
                 "\nendstream");
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

class PdfTextLayers : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"pdftoppm", "pdftotext", "qpdf"})
      if (!have_tool(tool))
        GTEST_SKIP() << tool << " is not installed (Debian packages: .ci/setup-debian.sh)";
    src_ = fresh_dir("textlayers_src");
    const auto r = run(synth() + " --out " + q(src_) +
                       " --count 1 --seed 31 --dpi 150 --layout single --preset clean");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    page_ = cv::imread((src_ / "page-0001.png").string(), cv::IMREAD_GRAYSCALE);
    ASSERT_FALSE(page_.empty());
    truth_ = read_file(src_ / "page-0001.gt.txt");
    w_pt_ = page_.cols * 72.0 / 150, h_pt_ = page_.rows * 72.0 / 150;
  }
  void TearDown() override { fs::remove_all(src_); }

  // Runs pageprep on `pdf` and returns the output PDF's text (pdftotext).
  std::string searchable_text(const fs::path& in, const fs::path& out) {
    const auto r = run(cli() + " run " + q(in) + " -o " + q(out) + " -q");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const fs::path pdf = out / in.filename();
    EXPECT_EQ(run("qpdf --check " + q(pdf)).exit_code, 0);
    return output_of("pdftotext " + q(pdf) + " -");
  }
  double cer_against_truth(const std::string& text) {
    std::string a = text;
    for (char& c : a)
      if (c == '\f') c = '\n';
    return host::score_text(a, truth_).cer;
  }

  fs::path src_;
  cv::Mat page_;
  std::string truth_;
  double w_pt_ = 0, h_pt_ = 0;
};

TEST_F(PdfTextLayers, ScanWithAVisibleFooterGetsItsOcrWords) {
  const fs::path in = fresh_dir("textlayers_footer_in"), out = fresh_dir("textlayers_footer_out");
  const std::string place =
      "q " + std::to_string(w_pt_) + " 0 0 " + std::to_string(h_pt_) + " 0 0 cm /Im0 Do Q\n";
  write_pdf(
      in / "paper.pdf", w_pt_, h_pt_, {page_},
      place + "BT /F1 7 Tf 20 8 Td (Downloaded from archive.example.org on 7 Dec 2026) Tj ET");
  const std::string text = searchable_text(in / "paper.pdf", out);
  EXPECT_LT(cer_against_truth(text), 0.15) << text;  // the scan's words are searchable
  // The footer is still drawn: ink in its strip of the output page (the scan
  // is white there). Its words are searchable (from the page's own text and,
  // for now, also from the OCR layer: see README "PDF input").
  EXPECT_NE(text.find("archive.example.org"), std::string::npos) << text;
  const fs::path png = out / "render";
  ASSERT_EQ(
      run("pdftoppm -gray -r 72 -singlefile " + q(out / "paper.pdf") + " " + q(png)).exit_code, 0);
  const cv::Mat shown = cv::imread(png.string() + ".pgm", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(shown.empty());
  const cv::Mat strip = shown.rowRange(shown.rows - 16, shown.rows).colRange(18, 200);
  EXPECT_GT(cv::countNonZero(strip < 128), 20);
  fs::remove_all(in);
  fs::remove_all(out);
}

TEST_F(PdfTextLayers, TwoStripScanWithAnOldOcrLayerGetsTheNewWordsAndLosesTheOld) {
  const fs::path in = fresh_dir("textlayers_strips_in"), out = fresh_dir("textlayers_strips_out");
  const int half = page_.rows / 2;
  const cv::Mat top = page_.rowRange(0, half).clone(),
                bottom = page_.rowRange(half, page_.rows).clone();
  const double top_h = half * 72.0 / 150, bottom_h = h_pt_ - top_h;
  const std::string content =
      "q " + std::to_string(w_pt_) + " 0 0 " + std::to_string(top_h) + " 0 " +
      std::to_string(bottom_h) + " cm /Im0 Do Q\nq " + std::to_string(w_pt_) + " 0 0 " +
      std::to_string(bottom_h) + " 0 0 cm /Im1 Do Q\n" +
      "BT 3 Tr /F1 12 Tf 72 300 Td (Zyxwstale obsolete recognition) Tj ET\n";
  write_pdf(in / "strips.pdf", w_pt_, h_pt_, {top, bottom}, content);
  const std::string text = searchable_text(in / "strips.pdf", out);
  EXPECT_LT(cer_against_truth(text), 0.15) << text;
  EXPECT_EQ(text.find("Zyxwstale"), std::string::npos) << text;
  fs::remove_all(in);
  fs::remove_all(out);
}

}  // namespace
}  // namespace pageprep::e2e
