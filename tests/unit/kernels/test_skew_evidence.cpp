// The skew estimate's evidence (deskew.hpp, method step 6) and the deskew
// rule both executors share (executor.hpp, should_deskew): pages without
// usable text are never rotated, text pages keep their angle, and a rotation
// that moves no pixel by half a pixel is skipped.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "pageprep/kernels/deskew.hpp"
#include "pipeline/executor.hpp"
#include "support/page_generator.hpp"
#include "support/random_image.hpp"
#include "unit/kernels/skew_test_util.hpp"

namespace pageprep {
namespace {

using kernels::SkewResult;
using testsupport::Degradation;
using testsupport::Layout;
using testsupport::PageSpec;

SkewResult estimate(const cv::Mat& page, float dpi = 300.f) {
  std::unique_ptr<kernels::cpu::SkewEstimator> est;
  EXPECT_TRUE(kernels::cpu::SkewEstimator::create({}, {}, &est).is_ok());
  kernels::cpu::ThreadPool pool(2);
  std::vector<kernels::ConstGrayView> in{testsupport::view_of(page)};
  SkewResult r;
  r.angle_deg = 1234.f;  // poison
  r.text_lines = -7;
  EXPECT_TRUE(est->run(pool, testsupport::batch_of(in), &r, &dpi).is_ok());
  return r;
}

cv::Mat make(Layout layout, uint64_t seed, const Degradation& deg, const char* lang = "eng") {
  PageSpec spec;
  spec.seed = seed;
  spec.layout = layout;
  spec.language = lang;
  testsupport::GeneratedPage g;
  std::string err;
  EXPECT_TRUE(testsupport::generate_page(spec, deg, &g, &err)) << err;
  return g.degraded;
}

// --- count_text_lines on hand-made profiles --------------------------------

/// A profile of `n` lines, each `h` bins of `ink` cells, `gap` empty bins apart.
std::vector<int32_t> lines_profile(int n, int h, int gap, int ink, int lead = 40) {
  std::vector<int32_t> p(static_cast<size_t>(lead), 0);
  for (int i = 0; i < n; ++i) {
    p.insert(p.end(), static_cast<size_t>(h), ink);
    p.insert(p.end(), static_cast<size_t>(gap), 0);
  }
  p.insert(p.end(), static_cast<size_t>(lead), 0);
  return p;
}

int32_t lines_in(const std::vector<int32_t>& p, float cpi = 150.f) {
  return kernels::detail::count_text_lines(p.data(), static_cast<int32_t>(p.size()), cpi);
}

TEST(SkewEvidence, CountsLinesOfTypeHeightAtASteadyPitch) {
  // 11 pt at 150 cells per inch: cores ~12 bins, 15 bins apart, 60 cells a row.
  EXPECT_EQ(lines_in(lines_profile(30, 12, 15, 60)), 30);
  EXPECT_EQ(lines_in(lines_profile(2, 12, 15, 60)), 2);
}

TEST(SkewEvidence, ALoneLineIsNoEvidence) {
  // One line (a title, a page number, a word) has no neighbour like it.
  EXPECT_EQ(lines_in(lines_profile(1, 12, 15, 200)), 0);
}

TEST(SkewEvidence, BlocksTooShortTooTallOrTooFaintAreNotLines) {
  EXPECT_EQ(lines_in(lines_profile(20, 3, 6, 60)), 0);    // 0.02 in: halftone rows, rules
  EXPECT_EQ(lines_in(lines_profile(5, 120, 40, 60)), 0);  // 0.8 in: bars, photos
  EXPECT_EQ(lines_in(lines_profile(20, 12, 15, 8)), 0);   // 8 cells a row: tick labels
}

TEST(SkewEvidence, BlocksPressedTogetherAreNotLines) {
  // Gaps of one bin are dips inside one block; of two bins, not clear of a
  // 12-bin neighbour (a fifth of it): hatching and halftone bands.
  EXPECT_EQ(lines_in(lines_profile(20, 12, 1, 60)), 0);
  EXPECT_EQ(lines_in(lines_profile(20, 12, 2, 60)), 0);
  EXPECT_EQ(lines_in(lines_profile(20, 12, 3, 60)), 20);
}

TEST(SkewEvidence, LinesMustBeAlike) {
  // A 40-bin heading above a 12-bin line: neither has a neighbour within 2x its height.
  std::vector<int32_t> p(40, 0);
  p.insert(p.end(), 40, 80);
  p.insert(p.end(), 20, 0);
  p.insert(p.end(), 12, 60);
  p.insert(p.end(), 40, 0);
  EXPECT_EQ(lines_in(p), 0);
  // Lines farther apart than three heights are not neighbours either.
  EXPECT_EQ(lines_in(lines_profile(4, 12, 40, 60)), 0);
}

TEST(SkewEvidence, SpecksInEveryBinDoNotSetTheLineLevel) {
  // Six 12-bin lines of 60 cells a row at a steady pitch, in a page-long
  // profile where specks put 1-3 cells into every bin: the specks' bins are
  // 95% of the nonzero bins, so their values were the 90th percentile and
  // the level (2 cells) joined everything into blocks that were not lines.
  std::vector<int32_t> p(1700, 0);
  for (size_t b = 0; b < p.size(); ++b) p[b] = 1 + static_cast<int32_t>((b * 7919) % 3);
  for (int line = 0; line < 6; ++line)
    for (int b = 0; b < 12; ++b) p[static_cast<size_t>(200 + 27 * line + b)] += 60;
  EXPECT_EQ(lines_in(p), 6);
  // Specks alone are no lines.
  for (int line = 0; line < 6; ++line)
    for (int b = 0; b < 12; ++b) p[static_cast<size_t>(200 + 27 * line + b)] -= 60;
  EXPECT_EQ(lines_in(p), 0);
}

TEST(SkewEvidence, EmptyAndDegenerateProfiles) {
  EXPECT_EQ(kernels::detail::count_text_lines(nullptr, 10, 150.f), 0);
  const std::vector<int32_t> zeros(500, 0);
  EXPECT_EQ(lines_in(zeros), 0);
  EXPECT_EQ(lines_in(lines_profile(30, 12, 15, 60), 0.f), 0);
}

// --- generated pages ---------------------------------------------------------

struct NoTextCase {
  const char* name;
  Layout layout;
  uint64_t seed;
  Degradation deg;
};

Degradation specky(double specks, double skew) {
  Degradation d;
  d.noise_sigma = 6;
  d.speck_density = specks;
  d.skew_deg = skew;
  return d;
}

std::vector<NoTextCase> pages_without_text() {
  Degradation noisy;
  noisy.noise_sigma = 8;
  noisy.speck_density = 50;
  Degradation textured;
  textured.noise_sigma = 12;
  textured.blur_sigma = 2;
  textured.paper_yellow = 0.5;
  Degradation scan;
  scan.noise_sigma = 4;
  Degradation tilted = scan;
  tilted.skew_deg = 2.0;
  Degradation border = scan;
  border.dark_border_px = 80;
  return {
      {"blank", Layout::kBlank, 1, {}},
      {"blank, noise and specks", Layout::kBlank, 2, noisy},
      {"textured paper", Layout::kBlank, 3, textured},
      {"scanner borders only", Layout::kBlank, 4, border},
      {"continuous-tone photo", Layout::kPhoto, 32, scan},
      {"bar chart with a 45-degree caption", Layout::kChart, 5, scan},
      {"bar chart, tilted 2 deg", Layout::kChart, 6, tilted},
      {"signature", Layout::kSignature, 7, scan},
      {"level page number", Layout::kPageNumber, 8, scan},
      {"page number, tilted 2 deg", Layout::kPageNumber, 9, tilted},
      {"one word", Layout::kWord, 10, scan},
      {"one word, tilted 2 deg", Layout::kWord, 11, tilted},
      // The same kinds under heavy speckle noise (issue 20: the line level
      // no longer counts speck-level bins, which must not make lines).
      {"blank, 5000 specks/Mpx", Layout::kBlank, 41, specky(5000, 0)},
      {"blank, 20000 specks/Mpx", Layout::kBlank, 42, specky(20000, 0)},
      {"continuous-tone photo, 5000 specks/Mpx", Layout::kPhoto, 42, specky(5000, 2)},
      {"bar chart, 5000 specks/Mpx, tilted 2 deg", Layout::kChart, 43, specky(5000, 2)},
      {"signature, 5000 specks/Mpx", Layout::kSignature, 44, specky(5000, 2)},
      {"page number, 5000 specks/Mpx, tilted 2 deg", Layout::kPageNumber, 45, specky(5000, 2)},
      {"one word, 20000 specks/Mpx, tilted 2 deg", Layout::kWord, 46, specky(20000, 2)},
  };
}

TEST(SkewEvidence, PagesWithoutTextGiveNoAngleAndAreNeverRotated) {
  for (const NoTextCase& c : pages_without_text()) {
    const cv::Mat page = make(c.layout, c.seed, c.deg);
    const SkewResult r = estimate(page);
    EXPECT_LT(r.text_lines, kernels::kSkewMinTextLines) << c.name;
    EXPECT_EQ(r.angle_deg, 0.f) << c.name;
    EXPECT_EQ(r.confidence, 0.f) << c.name;
    EXPECT_FALSE(r.confident) << c.name;
    std::string note;
    EXPECT_FALSE(host::should_deskew(r, 0.3f, page.cols, page.rows, &note)) << c.name;
    EXPECT_NE(note.find("too little text"), std::string::npos) << c.name << ": " << note;
  }
}

TEST(SkewEvidence, AStraightHalftoneIsNotResampled) {
  // A halftone screen is line structure aligned with the print (its angle is
  // the page's): straight, it rounds to zero and is left as it is.
  Degradation scan;
  scan.noise_sigma = 4;
  for (uint64_t seed : {33, 35}) {
    const cv::Mat page = make(Layout::kPhoto, seed, scan);
    const SkewResult r = estimate(page);
    std::string note;
    EXPECT_FALSE(host::should_deskew(r, 0.3f, page.cols, page.rows, &note))
        << "seed " << seed << " angle " << r.angle_deg << " lines " << r.text_lines;
  }
}

TEST(SkewEvidence, TextPagesKeepTheirAngleAndEvidence) {
  struct Case {
    Layout layout;
    uint64_t seed;
    double skew;
    const char* lang;
  };
  const Case cases[] = {
      {Layout::kSparse, 21, 2.4, "eng"},           {Layout::kSparse, 22, -1.3, "eng"},
      {Layout::kTwoColumn, 23, -3.1, "eng"},       {Layout::kTable, 24, 1.7, "eng"},
      {Layout::kFigure, 25, 0.8, "eng"},           {Layout::kSingleColumn, 26, 4.2, "rus"},
      {Layout::kSingleColumn, 27, -2.2, "chi_sim"}};
  for (const Case& c : cases) {
    if (std::string(c.lang) == "chi_sim" && testsupport::find_cjk_font().empty()) continue;
    Degradation deg;
    deg.skew_deg = c.skew;
    deg.noise_sigma = 6;
    deg.speck_density = 20;
    const cv::Mat page = make(c.layout, c.seed, deg, c.lang);
    const SkewResult r = estimate(page);
    EXPECT_GE(r.text_lines, kernels::kSkewMinTextLines)
        << testsupport::layout_name(c.layout) << " " << c.lang;
    EXPECT_TRUE(r.confident) << testsupport::layout_name(c.layout) << " conf " << r.confidence;
    EXPECT_LT(std::abs(r.angle_deg - c.skew), 0.1)
        << testsupport::layout_name(c.layout) << " " << c.lang << ": " << r.angle_deg;
    std::string note;
    EXPECT_TRUE(host::should_deskew(r, 0.3f, page.cols, page.rows, &note)) << note;
  }
}

// Issue 20's regression: a sparse page (six 11-pt lines across the top third
// of an A4 page, skewed -5.3 deg, light speckle noise) was left unrotated with
// "too little text to know the skew (0 text lines)". Specks spread thin ink
// over every bin of a strip's profile; the line threshold and the gaps
// between lines must not be decided by them.
cv::Mat sparse_top_page(uint64_t seed, double skew, double specks, double noise) {
  PageSpec spec;
  spec.seed = seed;
  spec.layout = Layout::kSparse;
  spec.sparse_lines = 6;
  spec.font_pt = 11.0;
  Degradation deg;
  deg.skew_deg = skew;
  deg.speck_density = specks;
  deg.noise_sigma = noise;
  testsupport::GeneratedPage g;
  std::string err;
  EXPECT_TRUE(testsupport::generate_page(spec, deg, &g, &err)) << err;
  return g.degraded;
}

TEST(SkewEvidence, ASparsePageWithSpecksKeepsItsLinesAndIsDeskewed) {
  // Before the fix: 0 text lines from 2000 specks per megapixel on (seed 2),
  // and on every page from 5000 on.
  for (uint64_t seed : {1, 2, 3, 4}) {
    for (double specks : {0.0, 2000.0, 5000.0, 10000.0, 20000.0}) {
      const cv::Mat page = sparse_top_page(seed, -5.3, specks, 6.0);
      const SkewResult r = estimate(page);
      const std::string what =
          "seed " + std::to_string(seed) + ", " + std::to_string(specks) + " specks/Mpx";
      EXPECT_GE(r.text_lines, kernels::kSkewMinTextLines) << what;
      EXPECT_LT(std::abs(r.angle_deg - (-5.3)), 0.1) << what << ": " << r.angle_deg;
      std::string note;
      EXPECT_TRUE(host::should_deskew(r, 0.3f, page.cols, page.rows, &note))
          << what << ": " << note;
    }
  }
}

// --- the deskew rule ---------------------------------------------------------

TEST(SkewEvidence, RotationsBelowHalfAPixelAreSkipped) {
  SkewResult r;
  r.confidence = 0.9f;
  r.confident = true;
  r.text_lines = 30;
  std::string note;
  // A4 at 300 dpi: half the diagonal is 2148 px, so 0.5 px is 0.0133 deg.
  r.angle_deg = 0.01f;
  EXPECT_FALSE(host::should_deskew(r, 0.3f, 2480, 3508, &note));
  EXPECT_NE(note.find("rounds to zero"), std::string::npos) << note;
  r.angle_deg = -0.01f;
  EXPECT_FALSE(host::should_deskew(r, 0.3f, 2480, 3508, &note));
  r.angle_deg = 0.02f;
  EXPECT_TRUE(host::should_deskew(r, 0.3f, 2480, 3508, &note));
  // The same 0.01 deg moves the corners of an A4 page at 600 dpi by 0.75 px.
  r.angle_deg = 0.01f;
  EXPECT_TRUE(host::should_deskew(r, 0.3f, 4960, 7016, &note));
  r.angle_deg = 0.f;
  EXPECT_FALSE(host::should_deskew(r, 0.3f, 4960, 7016, &note));
}

TEST(SkewEvidence, EvidenceAndConfidenceComeBeforeTheAngle) {
  SkewResult r;
  r.angle_deg = 3.f;
  r.confidence = 0.9f;
  r.text_lines = 1;
  std::string note;
  EXPECT_FALSE(host::should_deskew(r, 0.3f, 2480, 3508, &note));
  EXPECT_NE(note.find("(1 text lines)"), std::string::npos) << note;
  r.text_lines = 2;
  r.confidence = 0.2f;
  EXPECT_FALSE(host::should_deskew(r, 0.3f, 2480, 3508, &note));
  EXPECT_NE(note.find("confidence below threshold"), std::string::npos) << note;
  r.confidence = 0.3f;
  EXPECT_TRUE(host::should_deskew(r, 0.3f, 2480, 3508, &note));
}

TEST(SkewEvidence, TheCpuExecutorLeavesAStraightPageUntouched) {
  Degradation scan;
  scan.noise_sigma = 5;
  const cv::Mat page = make(Layout::kSingleColumn, 28, scan);
  std::string err;
  host::StepConfig steps;
  auto ex = host::make_cpu_executor(steps, 2, &err);
  ASSERT_TRUE(ex) << err;
  host::PageWork w;
  w.decoded.gray = page;
  w.decoded.dpi_x = w.decoded.dpi_y = 300;
  w.width = page.cols;
  w.height = page.rows;
  std::vector<host::PageWork*> batch{&w};
  ex->process(batch);
  ASSERT_TRUE(w.ok()) << w.message;
  EXPECT_GE(w.skew_text_lines, kernels::kSkewMinTextLines);
  EXPECT_LT(std::abs(w.skew_deg), 0.0134f) << "a straight page measures straight";
  EXPECT_FALSE(w.rotated) << w.skew_deg;
  EXPECT_NE(w.skew_note.find("rounds to zero"), std::string::npos) << w.skew_note;
  // Not resampled: the gray page is the source, pixel for pixel.
  ASSERT_EQ(w.gray.size(), page.size());
  EXPECT_EQ(cv::countNonZero(w.gray != page), 0);
}

}  // namespace
}  // namespace pageprep
