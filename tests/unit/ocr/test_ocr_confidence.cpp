// OCR confidence (issue 9 defect 12): a page with no word has no confidence,
// never 95; a page of text has a real one.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <cctype>
#include <random>
#include <tuple>

#include "ocr/ocr_engine.hpp"

namespace pageprep {
namespace {

TEST(OcrConfidence, NoiseOnlyPageHasNoConfidenceAndNoWords) {
  host::set_ocr_thread_limit();
  host::OcrEngine ocr;
  std::string error;
  if (!ocr.init("eng", &error)) GTEST_SKIP() << error;
  // Specks on white paper: Tesseract finds blank "words" here, and its own
  // MeanTextConf() said 95 for both pages with empty text (measured with
  // Tesseract 5.3 on Debian 12).
  for (const auto& [count, side, seed] : {std::tuple{20000, 3, 13}, std::tuple{400, 4, 14}}) {
    cv::Mat noise(1100, 850, CV_8UC1, cv::Scalar(255));
    std::mt19937 rng(static_cast<unsigned>(seed));
    for (int i = 0; i < count; ++i) {
      const int x = static_cast<int>(rng() % 848), y = static_cast<int>(rng() % 1098);
      cv::rectangle(noise, {x, y}, {x + side, y + side}, cv::Scalar(0), cv::FILLED);
    }
    const host::OcrResult r = ocr.recognize(noise, 100, "noise");
    ASSERT_TRUE(r.ok) << r.error;
    bool blank = true;
    for (const char c : r.text)
      if (!std::isspace(static_cast<unsigned char>(c))) blank = false;
    ASSERT_TRUE(blank) << "this page was chosen for giving no text: " << r.text;
    EXPECT_EQ(r.words, 0);
    EXPECT_LT(r.mean_confidence, 0) << "a confidence without any word";
  }
  cv::Mat text(300, 1200, CV_8UC1, cv::Scalar(255));
  cv::putText(text, "The quick brown fox jumps", {30, 150}, cv::FONT_HERSHEY_SIMPLEX, 2.0,
              cv::Scalar(0), 4);
  const host::OcrResult t = ocr.recognize(text, 300, "text");
  ASSERT_TRUE(t.ok) << t.error;
  EXPECT_GE(t.words, 3);
  EXPECT_GT(t.mean_confidence, 0);
  EXPECT_LE(t.mean_confidence, 100);
}

// A run writes only some renderings; those it does not ask for are not made,
// and the text, lines, words and confidence do not depend on them.
TEST(OcrRenders, OnlyTheAskedRenderingsAreMadeAndTheReadIsTheSame) {
  host::set_ocr_thread_limit();
  host::OcrEngine ocr;
  std::string error;
  if (!ocr.init("eng", &error)) GTEST_SKIP() << error;
  cv::Mat text(300, 1200, CV_8UC1, cv::Scalar(255));
  cv::putText(text, "The quick brown fox jumps", {30, 150}, cv::FONT_HERSHEY_SIMPLEX, 2.0,
              cv::Scalar(0), 4);
  const host::OcrResult all = ocr.recognize(text, 300, "all");
  ASSERT_TRUE(all.ok) << all.error;
  EXPECT_NE(all.hocr.find("ocrx_word"), std::string::npos);
  EXPECT_NE(all.alto.find("<String"), std::string::npos);
  EXPECT_FALSE(all.tsv.empty());
  ocr.set_renders(host::OcrRenders{false, true, false});
  const host::OcrResult alto = ocr.recognize(text, 300, "alto");
  ASSERT_TRUE(alto.ok) << alto.error;
  EXPECT_TRUE(alto.hocr.empty());
  EXPECT_TRUE(alto.tsv.empty());
  EXPECT_EQ(alto.alto, all.alto);
  EXPECT_EQ(alto.text, all.text);
  EXPECT_EQ(alto.words, all.words);
  EXPECT_EQ(alto.mean_confidence, all.mean_confidence);
  ASSERT_EQ(alto.lines.size(), all.lines.size());
  for (size_t i = 0; i < all.lines.size(); ++i)
    EXPECT_EQ(alto.lines[i].words.size(), all.lines[i].words.size());
}

}  // namespace
}  // namespace pageprep
