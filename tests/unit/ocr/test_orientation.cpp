// Orientation and script detection (Tesseract OSD) on generated pages, the
// lossless quarter-turn rotation against a naive reference, script ->
// language routing, and the rows' cheap signal (text_layout.hpp,
// script_routing.hpp: guess_layout) at every quarter turn.
//
// The OSD tests need tesseract-ocr-osd; they fail (not skip) without it, as
// the product needs it for `-l auto`. The Chinese test skips visibly only when
// chi_sim or a CJK font is missing; with chi_sim installed, wrong routing fails.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "ocr/ocr_engine.hpp"
#include "ocr/orientation.hpp"
#include "ocr/script_routing.hpp"
#include "ocr/text_layout.hpp"
#include "support/page_generator.hpp"
#include "support/random_image.hpp"

namespace pageprep {
namespace {

using host::OrientationDetector;
using host::OrientationResult;
using testsupport::Degradation;
using testsupport::GeneratedPage;
using testsupport::PageSpec;

// Naive quarter turn: content turned 90 degrees counter-clockwise, once.
cv::Mat naive_ccw90(const cv::Mat& in) {
  cv::Mat out(in.cols, in.rows, in.type());
  for (int y = 0; y < out.rows; ++y)
    for (int x = 0; x < out.cols; ++x) out.at<uint8_t>(y, x) = in.at<uint8_t>(x, in.cols - 1 - y);
  return out;
}

bool same_pixels(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::countNonZero(a != b) == 0;
}

cv::Mat random_mat(int w, int h, uint64_t seed) {
  const testsupport::OwnedImage img = testsupport::random_image(w, h, seed, 1, 0);
  cv::Mat m(h, w, CV_8UC1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m.at<uint8_t>(y, x) = img.at(x, y);
  return m;
}

TEST(RotateQuarterTurns, MatchesNaiveReference) {
  for (auto [w, h] : testsupport::odd_shapes()) {
    if (w == 0 || h == 0) continue;
    const cv::Mat in = random_mat(w, h, static_cast<uint64_t>(w * 131 + h));
    cv::Mat expect = in.clone();
    for (int turns = 0; turns <= 4; ++turns) {
      const cv::Mat got = host::rotate_quarter_turns(in, 90 * turns);
      EXPECT_TRUE(same_pixels(got, expect)) << w << "x" << h << " turns " << turns;
      // Negative angles are the same rotation.
      EXPECT_TRUE(same_pixels(host::rotate_quarter_turns(in, 90 * turns - 360), expect));
      expect = naive_ccw90(expect);
    }
  }
  EXPECT_TRUE(host::rotate_quarter_turns(random_mat(5, 3, 1), 45).empty());
}

TEST(LanguageForScript, RoutesOnlyToInstalledLanguages) {
  const std::vector<std::string> all = {"eng", "chi_sim", "chi_tra", "hin", "ara", "osd"};
  EXPECT_EQ(host::language_for_script("Latin", all), "eng");
  EXPECT_EQ(host::language_for_script("Han", all), "chi_sim");
  EXPECT_EQ(host::language_for_script("Han", {"eng", "chi_tra"}), "chi_tra");
  EXPECT_EQ(host::language_for_script("Devanagari", all), "hin");
  EXPECT_EQ(host::language_for_script("Arabic", all), "ara");
  EXPECT_EQ(host::language_for_script("Arabic", {"eng", "osd"}), "");
  EXPECT_EQ(host::language_for_script("Cyrillic", {"eng"}), "");
  EXPECT_EQ(host::language_for_script("", all), "");
  EXPECT_EQ(host::language_for_script("NoSuchScript", all), "");
}

class OrientationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host::set_ocr_thread_limit();
    std::string err;
    ASSERT_TRUE(detector_.init(&err)) << err;
  }

  static GeneratedPage make(const PageSpec& spec, const Degradation& deg) {
    GeneratedPage page;
    std::string err;
    EXPECT_TRUE(testsupport::generate_page(spec, deg, &page, &err)) << err;
    return page;
  }

  OrientationDetector detector_;
};

TEST_F(OrientationTest, EnglishPageAtEveryQuarterTurn) {
  PageSpec spec;
  spec.seed = 7;
  for (int rot : {0, 90, 180, 270}) {
    Degradation deg;
    deg.rotate90 = rot;
    deg.noise_sigma = 4;  // a scan, not a rendering
    const GeneratedPage page = make(spec, deg);
    ASSERT_FALSE(page.degraded.empty());
    const OrientationResult r = detector_.detect(page.degraded, spec.dpi);
    EXPECT_TRUE(r.known) << "rot " << rot << ": " << r.reason;
    EXPECT_EQ(r.rotation_deg, rot) << "conf " << r.orientation_confidence;
    EXPECT_GE(r.glyphs, host::kOrientationMinGlyphs);
    EXPECT_EQ(r.script, "Latin");
    // Correcting by -rotation_deg restores the upright page exactly (checked
    // on the noise-free rendering, whose upright form is `clean`).
    if (r.known) {
      Degradation turned_only;
      turned_only.rotate90 = rot;
      const GeneratedPage ref = make(spec, turned_only);
      EXPECT_TRUE(same_pixels(host::rotate_quarter_turns(ref.degraded, -r.rotation_deg), ref.clean))
          << "rot " << rot;
    }
  }
}

TEST_F(OrientationTest, ChinesePageRoutesToChiSimAndEnglishToEng) {
  const std::vector<std::string> installed = host::installed_ocr_languages();
  const bool have_eng = std::find(installed.begin(), installed.end(), "eng") != installed.end();
  ASSERT_TRUE(have_eng) << "tesseract-ocr-eng is required";
  {
    PageSpec spec;
    spec.seed = 11;
    const GeneratedPage page = make(spec, {});
    const OrientationResult r = detector_.detect(page.degraded, spec.dpi);
    EXPECT_TRUE(r.script_known) << r.reason << " script " << r.script;
    EXPECT_EQ(r.script, "Latin");
    EXPECT_EQ(host::language_for_script(r.script, installed), "eng");
  }
  const bool have_chi = std::find(installed.begin(), installed.end(), "chi_sim") != installed.end();
  if (!have_chi) GTEST_SKIP() << "tesseract-ocr-chi-sim is not installed";
  if (testsupport::find_cjk_font().empty()) GTEST_SKIP() << "no CJK font (fonts-wqy-zenhei)";
  for (int rot : {0, 90}) {
    PageSpec spec;
    spec.seed = 12;
    spec.language = "chi_sim";
    Degradation deg;
    deg.rotate90 = rot;
    const GeneratedPage page = make(spec, deg);
    const OrientationResult r = detector_.detect(page.degraded, spec.dpi);
    EXPECT_TRUE(r.known) << r.reason;
    EXPECT_EQ(r.rotation_deg, rot);
    EXPECT_TRUE(r.script_known) << "script " << r.script << " conf " << r.script_confidence;
    EXPECT_EQ(r.script, "Han");
    EXPECT_EQ(host::language_for_script(r.script, installed), "chi_sim");
  }
}

TEST_F(OrientationTest, BlankAndFewGlyphPagesAreUnknown) {
  PageSpec spec;
  spec.seed = 3;
  spec.layout = testsupport::Layout::kBlank;
  Degradation deg;
  deg.noise_sigma = 6;
  deg.speck_density = 50;
  const GeneratedPage blank = make(spec, deg);
  OrientationResult r = detector_.detect(blank.degraded, spec.dpi);
  EXPECT_LT(r.glyphs, host::kOrientationMinGlyphs) << "noise grains counted as glyphs";
  EXPECT_FALSE(r.known);
  EXPECT_EQ(r.rotation_deg, 0);
  EXPECT_FALSE(r.reason.empty());

  // One short piece of a line (about 20 characters) on an otherwise empty page.
  spec.layout = testsupport::Layout::kSingleColumn;
  const GeneratedPage text = make(spec, {});
  cv::Mat few(text.clean.size(), CV_8UC1, cv::Scalar(255));
  const int m = text.margin_px;
  const cv::Rect piece(m, m, 500, 60);
  text.clean(piece).copyTo(few(piece));
  const int glyphs = host::count_glyph_components(few, spec.dpi);
  EXPECT_GT(glyphs, 5);
  EXPECT_LT(glyphs, host::kOrientationMinGlyphs);
  r = detector_.detect(host::rotate_quarter_turns(few, 90), spec.dpi);
  EXPECT_FALSE(r.known);
  EXPECT_EQ(r.rotation_deg, 0);
}

TEST(ScriptRouting, ForcedLanguagesFitOrContradictScripts) {
  using host::ScriptFit;
  EXPECT_EQ(host::language_fits_script("eng", "Latin"), ScriptFit::kFits);
  EXPECT_EQ(host::language_fits_script("eng", "Han"), ScriptFit::kContradicts);
  EXPECT_EQ(host::language_fits_script("deu+eng", "Latin"), ScriptFit::kFits);
  EXPECT_EQ(host::language_fits_script("deu", "Cyrillic"), ScriptFit::kContradicts);
  EXPECT_EQ(host::language_fits_script("eng+rus", "Cyrillic"), ScriptFit::kFits);
  EXPECT_EQ(host::language_fits_script("chi_sim", "Latin"), ScriptFit::kContradicts);
  EXPECT_EQ(host::language_fits_script("jpn", "Han"), ScriptFit::kFits);
  EXPECT_EQ(host::language_fits_script("eng", "Fraktur"), ScriptFit::kFits);  // a Latin typeface
  EXPECT_EQ(host::language_fits_script("xyz", "Han"), ScriptFit::kUnknown);   // not in our table
  EXPECT_EQ(host::language_fits_script("eng", ""), ScriptFit::kUnknown);
}

TEST(ScriptRouting, MissingModelsNameTheirDebianPackage) {
  EXPECT_EQ(host::package_for_script("Devanagari"), "tesseract-ocr-hin");
  EXPECT_EQ(host::package_for_script("Han"), "tesseract-ocr-chi-sim");
  EXPECT_EQ(host::package_for_script("Cyrillic"), "tesseract-ocr-rus");
  EXPECT_EQ(host::package_for_script("Fraktur"), "tesseract-ocr-frk");
  EXPECT_EQ(host::package_for_script("NoSuchScript"), "");
}

TEST(ScriptRouting, AConfidentReadVouchesForItsScript) {
  EXPECT_EQ(host::script_of_language("eng"), "Latin");
  EXPECT_EQ(host::script_of_language("deu+eng"), "Latin");
  EXPECT_EQ(host::script_of_language("chi_sim"), "Han");
  EXPECT_EQ(host::script_of_language("rus"), "Cyrillic");
  EXPECT_EQ(host::script_of_language("eng+rus"), "");  // which one, the read does not say
  EXPECT_EQ(host::script_of_language("jpn"), "");
}

TEST(ScriptRouting, TheRowsPickTheFirstModel) {
  using host::LayoutGuess;
  const std::vector<std::string> installed = {"eng", "chi_sim", "rus", "osd"};
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kLatinUpright, "auto", installed), "eng");
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kCjkUpright, "auto", installed), "chi_sim");
  // Two models read Han: the rows cannot choose, OSD must.
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kCjkUpright, "auto",
                                         {"eng", "chi_sim", "jpn", "osd"}),
            "");
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kUnsure, "auto", installed), "");
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kLatinTurned, "auto", installed), "");
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kNoText, "auto", installed), "");
  // Forced: tried first, except on Latin rows it cannot read (OSD says so first).
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kLatinUpright, "deu", installed), "deu");
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kUnsure, "rus", installed), "rus");
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kLatinUpright, "chi_sim", installed), "");
  EXPECT_EQ(host::first_reading_language(LayoutGuess::kLatinTurned, "eng", installed), "");
}

// The rows on generated pages: upright Latin pages are called upright Latin,
// no upside-down or sideways page is, and Chinese pages are called CJK.
TEST(TextLayout, RowsTellUprightLatinFromTurnedPages) {
  using host::LayoutGuess;
  const testsupport::Layout layouts[] = {testsupport::Layout::kSingleColumn,
                                         testsupport::Layout::kTwoColumn,
                                         testsupport::Layout::kTable, testsupport::Layout::kSparse};
  uint64_t seed = 60;
  for (testsupport::Layout layout : layouts) {
    for (int rot : {0, 90, 180, 270}) {
      PageSpec spec;
      spec.seed = seed++;
      spec.layout = layout;
      Degradation deg;
      deg.rotate90 = rot;
      deg.noise_sigma = 5;
      GeneratedPage page;
      std::string err;
      ASSERT_TRUE(testsupport::generate_page(spec, deg, &page, &err)) << err;
      const host::TextLayout t = host::measure_text_layout(page.degraded, spec.dpi);
      const LayoutGuess g = host::guess_layout(t);
      const std::string what = std::string(testsupport::layout_name(layout)) + " at " +
                               std::to_string(rot) + ": lines " + std::to_string(t.lines) +
                               " ratio " + std::to_string(t.ascender_ratio()) + " core " +
                               std::to_string(t.core_share);
      if (rot == 0) {
        EXPECT_EQ(g, LayoutGuess::kLatinUpright) << what;
      } else {
        EXPECT_NE(g, LayoutGuess::kLatinUpright) << what;
        EXPECT_NE(g, LayoutGuess::kCjkUpright) << what;
      }
      if (rot == 180) {
        EXPECT_EQ(g, LayoutGuess::kLatinTurned) << what;
      }
    }
  }
}

TEST(TextLayout, ChinesePagesHaveNoCoreBandAndTheirRowsBeatTheirColumns) {
  if (testsupport::find_cjk_font().empty()) GTEST_SKIP() << "no CJK font (fonts-wqy-zenhei)";
  for (uint64_t seed : {4, 12, 13, 951}) {
    PageSpec spec;
    spec.seed = seed;
    spec.language = "chi_sim";
    if (seed == 951) spec.layout = testsupport::Layout::kTwoColumn;
    Degradation deg;
    deg.noise_sigma = 5;
    GeneratedPage page;
    ASSERT_TRUE(testsupport::generate_page(spec, deg, &page, nullptr));
    for (int rot : {0, 90, 270}) {
      const cv::Mat turned = host::rotate_quarter_turns(page.degraded, rot);
      const host::TextLayout t = host::measure_text_layout(turned, spec.dpi);
      const host::TextLayout c = host::measure_column_layout(turned, spec.dpi);
      const host::LayoutGuess g = host::guess_layout(t, &c);
      if (rot == 0) {
        EXPECT_TRUE(host::needs_columns(t)) << "seed " << seed;
        EXPECT_EQ(g, host::LayoutGuess::kCjkUpright)
            << "seed " << seed << ": ratio " << t.ascender_ratio() << " core " << t.core_share
            << " columns' core " << c.core_share;
      } else {
        // A CJK page turned a quarter must never pass for upright.
        EXPECT_NE(g, host::LayoutGuess::kCjkUpright)
            << "seed " << seed << " at " << rot << ": core " << t.core_share << " columns' core "
            << c.core_share;
      }
    }
  }
}

TEST(TextLayout, PagesWithoutTextShowNoLines) {
  for (testsupport::Layout layout : {testsupport::Layout::kBlank, testsupport::Layout::kPageNumber,
                                     testsupport::Layout::kWord, testsupport::Layout::kSignature}) {
    PageSpec spec;
    spec.seed = 5;
    spec.layout = layout;
    Degradation deg;
    deg.noise_sigma = 6;
    GeneratedPage page;
    ASSERT_TRUE(testsupport::generate_page(spec, deg, &page, nullptr));
    const host::TextLayout t = host::measure_text_layout(page.degraded, spec.dpi);
    EXPECT_EQ(host::guess_layout(t), host::LayoutGuess::kNoText)
        << testsupport::layout_name(layout) << ": " << t.lines << " lines";
  }
  EXPECT_EQ(host::measure_text_layout(cv::Mat(), 300).lines, 0);
}

}  // namespace
}  // namespace pageprep
