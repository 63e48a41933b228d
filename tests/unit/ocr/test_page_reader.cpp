// PageReader (ocr/page_reader.hpp) on generated pages with Tesseract: an
// upright page is read once with no OSD; turned pages are found by OSD and
// turned upright; each script is read with its model (or its missing package
// is named); a forced language that cannot read the page is flagged; a page
// without text lines is never turned.
//
// Needs tesseract-ocr-eng and -osd (fails without them, as the product does);
// the Chinese and Russian cases adapt to what is installed.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ocr/ocr_engine.hpp"
#include "ocr/page_reader.hpp"
#include "support/page_generator.hpp"
#include "util/text_metrics.hpp"

namespace pageprep {
namespace {

using host::PageReader;
using host::ReaderPage;
using host::ReadOutcome;
using testsupport::Degradation;
using testsupport::GeneratedPage;
using testsupport::PageSpec;

class PageReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host::set_ocr_thread_limit();
    installed_ = host::installed_ocr_languages();
    ASSERT_TRUE(has("eng")) << "tesseract-ocr-eng is required";
    ASSERT_TRUE(has("osd")) << "tesseract-ocr-osd is required";
  }

  bool has(const std::string& lang) const {
    return std::find(installed_.begin(), installed_.end(), lang) != installed_.end();
  }

  /// A5 at 300 dpi: a quarter of an A4 page's reading time, still ~20 lines.
  static GeneratedPage make(PageSpec spec, Degradation deg) {
    spec.width_px = 1748;
    spec.height_px = 2480;
    GeneratedPage g;
    std::string err;
    EXPECT_TRUE(testsupport::generate_page(spec, deg, &g, &err)) << err;
    return g;
  }

  /// Reads a generated page (its degraded gray, no binary); `turns` counts
  /// the reader's calls to turn the page.
  ReadOutcome read(PageReader& reader, const GeneratedPage& g, int* turns) {
    ReaderPage page;
    page.gray = g.degraded;
    page.dpi = 300;
    page.title = "test";
    *turns = 0;
    auto input = [](const ReaderPage& p) -> const cv::Mat& { return p.gray; };
    auto turn = [turns](int32_t deg, ReaderPage* p, std::string*) {
      ++*turns;
      p->gray = host::rotate_quarter_turns(p->gray, -deg);
      return true;
    };
    return reader.read(&page, input, turn);
  }

  std::vector<std::string> installed_;
};

TEST_F(PageReaderTest, AnUprightPageIsReadOnceWithoutOsd) {
  PageReader reader("auto", "eng", installed_, true);
  PageSpec spec;
  spec.seed = 81;
  Degradation deg;
  deg.noise_sigma = 5;
  const GeneratedPage g = make(spec, deg);
  int turns = 0;
  const ReadOutcome o = read(reader, g, &turns);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.detected_by, "rows");
  EXPECT_EQ(o.reads, 1);
  EXPECT_EQ(o.lang, "eng");
  EXPECT_EQ(o.script, "Latin");
  EXPECT_TRUE(o.orientation_known);
  EXPECT_EQ(o.orientation_deg, 0);
  EXPECT_EQ(turns, 0);
  EXPECT_LT(host::score_text(o.read.text, g.text).cer, 0.02);
  // detected_by "rows" and one read: no OSD ran on this page (what the rows
  // cost against an OSD is for benchmarks, not asserted here).
}

TEST_F(PageReaderTest, TurnedPagesAreFoundByOsdAndTurnedUpright) {
  PageReader reader("auto", "eng", installed_, true);
  for (int rot : {90, 180, 270}) {
    PageSpec spec;
    spec.seed = 82 + static_cast<uint64_t>(rot);
    Degradation deg;
    deg.rotate90 = rot;
    deg.noise_sigma = 5;
    const GeneratedPage g = make(spec, deg);
    int turns = 0;
    const ReadOutcome o = read(reader, g, &turns);
    ASSERT_TRUE(o.ok) << o.error;
    EXPECT_EQ(o.detected_by, "osd") << rot;
    EXPECT_TRUE(o.orientation_known) << rot << ": " << o.orientation_note;
    EXPECT_EQ(o.orientation_deg, rot);
    EXPECT_TRUE(o.turned);
    EXPECT_EQ(turns, 1);
    EXPECT_EQ(o.lang, "eng");
    EXPECT_LT(host::score_text(o.read.text, g.text).cer, 0.05) << rot;
  }
}

TEST_F(PageReaderTest, WithoutTurningAPageIsStillRoutedByScript) {
  PageReader reader("auto", "eng", installed_, /*may_turn=*/false);
  PageSpec spec;
  spec.seed = 85;
  Degradation deg;
  deg.rotate90 = 180;
  deg.noise_sigma = 5;
  int turns = 0;
  const ReadOutcome o = read(reader, make(spec, deg), &turns);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.detected_by, "osd");
  EXPECT_EQ(o.orientation_deg, 180);
  EXPECT_FALSE(o.turned);
  EXPECT_EQ(turns, 0);
  EXPECT_EQ(o.script, "Latin");
}

TEST_F(PageReaderTest, ChineseIsReadWithChiSimWithoutAnyOption) {
  if (!has("chi_sim")) GTEST_SKIP() << "tesseract-ocr-chi-sim is not installed";
  if (testsupport::find_cjk_font().empty()) GTEST_SKIP() << "no CJK font (fonts-wqy-zenhei)";
  PageReader reader("auto", "eng", installed_, true);
  PageSpec spec;
  spec.seed = 4;
  spec.language = "chi_sim";
  Degradation deg;
  deg.noise_sigma = 8;
  const GeneratedPage g = make(spec, deg);
  int turns = 0;
  const ReadOutcome o = read(reader, g, &turns);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.lang, "chi_sim");
  EXPECT_EQ(o.script, "Han");
  EXPECT_FALSE(o.script_mismatch);
  EXPECT_LT(host::score_text(o.read.text, g.text).cer, 0.05);
}

TEST_F(PageReaderTest, AForcedLanguageThatCannotReadThePageIsFlagged) {
  if (testsupport::find_cjk_font().empty()) GTEST_SKIP() << "no CJK font (fonts-wqy-zenhei)";
  PageReader reader("eng", "eng", installed_, true);
  PageSpec spec;
  spec.seed = 4;
  spec.language = "chi_sim";
  Degradation deg;
  deg.noise_sigma = 8;
  int turns = 0;
  const ReadOutcome o = read(reader, make(spec, deg), &turns);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.lang, "eng") << "a forced language is kept";
  EXPECT_EQ(o.detected_by, "osd");
  EXPECT_EQ(o.script, "Han");
  EXPECT_TRUE(o.script_mismatch);
}

TEST_F(PageReaderTest, CyrillicIsReadWithRusOrItsPackageIsNamed) {
  PageReader reader("auto", "eng", installed_, true);
  PageSpec spec;
  spec.seed = 86;
  spec.language = "rus";
  Degradation deg;
  deg.noise_sigma = 5;
  const GeneratedPage g = make(spec, deg);
  int turns = 0;
  const ReadOutcome o = read(reader, g, &turns);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_EQ(o.script, "Cyrillic");
  if (has("rus")) {
    EXPECT_EQ(o.lang, "rus");
    EXPECT_TRUE(o.model_missing_script.empty());
    EXPECT_LT(host::score_text(o.read.text, g.text).cer, 0.05);
  } else {
    EXPECT_EQ(o.lang, "eng");
    EXPECT_EQ(o.model_missing_script, "Cyrillic");
    EXPECT_EQ(o.model_missing_package, "tesseract-ocr-rus");
  }
}

TEST_F(PageReaderTest, APageWithoutTextLinesIsNeverTurned) {
  PageReader reader("auto", "eng", installed_, true);
  for (testsupport::Layout layout :
       {testsupport::Layout::kPageNumber, testsupport::Layout::kBlank}) {
    PageSpec spec;
    spec.seed = 87;
    spec.layout = layout;
    Degradation deg;
    deg.noise_sigma = 6;
    deg.rotate90 = 90;  // whatever it looks like turned, nothing says so
    int turns = 0;
    const ReadOutcome o = read(reader, make(spec, deg), &turns);
    ASSERT_TRUE(o.ok) << o.error;
    EXPECT_EQ(o.detected_by, "rows");
    EXPECT_FALSE(o.orientation_known);
    EXPECT_FALSE(o.turned);
    EXPECT_EQ(turns, 0);
    EXPECT_EQ(o.reads, 1);
    EXPECT_EQ(o.lang, "eng");
    EXPECT_NE(o.orientation_note.find("too little text"), std::string::npos) << o.orientation_note;
  }
}

}  // namespace
}  // namespace pageprep
