// `pageprep run --split auto` end to end on generated spreads (make_spread,
// known gutter) and one generated single page: each spread gives two pages,
// in reading order (--page-order rtl: right first), with source_box,
// split_part and split_confidence in pages.jsonl and stems B/p0001L and
// B/p0001R; the single page stays whole; the searchable PDF has one page per
// half (qpdf --check, pdfinfo, MediaBox of the half, pdftotext in reading
// order) and hOCR boxes stay on the master; a run stopped between the two
// halves of a page resumes with each half exactly once; --split off is unchanged.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "e2e/cli_harness.hpp"
#include "support/page_bed.hpp"
#include "support/page_generator.hpp"

namespace pageprep::e2e {
namespace {

namespace ts = pageprep::testsupport;

// A spread of two generated A4 pages at `dpi` with a gutter shadow; returns
// the true gutter (first column of the right page).
int write_spread(const fs::path& p, uint64_t seed, int dpi, double left_skew, double right_skew) {
  ts::PageSpec spec;
  spec.dpi = dpi;
  spec.width_px = ts::PageSpec::a4_width_px(dpi);
  spec.height_px = ts::PageSpec::a4_height_px(dpi);
  ts::Degradation deg;
  deg.noise_sigma = 3;
  ts::GeneratedPage l, r;
  std::string err;
  spec.seed = seed;
  if (!ts::generate_page(spec, deg, &l, &err)) return ADD_FAILURE() << err, -1;
  spec.seed = seed + 1;
  if (!ts::generate_page(spec, deg, &r, &err)) return ADD_FAILURE() << err, -1;
  ts::SpreadSpec sp;
  sp.left_skew_deg = left_skew;
  sp.right_skew_deg = right_skew;
  sp.gutter_shadow_depth = 0.4;
  sp.gutter_shadow_width_px = 0.25 * dpi;
  const ts::SpreadPage s = ts::make_spread(l.degraded, r.degraded, sp);
  fs::create_directories(p.parent_path());
  if (!cv::imwrite(p.string(), s.image)) return ADD_FAILURE() << p, -1;
  return s.gutter_x;
}

void write_single(const fs::path& p, uint64_t seed, int dpi) {
  ts::PageSpec spec;
  spec.dpi = dpi;
  spec.width_px = ts::PageSpec::a4_width_px(dpi);
  spec.height_px = ts::PageSpec::a4_height_px(dpi);
  spec.seed = seed;
  ts::GeneratedPage g;
  std::string err;
  ASSERT_TRUE(ts::generate_page(spec, {}, &g, &err)) << err;
  ASSERT_TRUE(cv::imwrite(p.string(), g.degraded)) << p;
}

// A command's stdout ("" when it fails).
std::string output_of(const std::string& cmd) {
  std::string out;
  FILE* f = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!f) return out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return ::pclose(f) == 0 ? out : std::string();
}

std::vector<int> int_array(const std::string& line, const std::string& key) {
  std::smatch m;
  const std::regex re("\"" + key + R"re(":\[([0-9]+),([0-9]+),([0-9]+),([0-9]+)\])re");
  if (!std::regex_search(line, m, re)) return {};
  return {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4])};
}

// The MediaBox of page `page` (1-based) as pdfinfo prints it.
std::vector<double> media_box(const fs::path& pdf, int page) {
  const std::string out = output_of("pdfinfo -box -f " + std::to_string(page) + " -l " +
                                    std::to_string(page) + " " + q(pdf));
  std::smatch m;
  const std::regex re(R"re(MediaBox:\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+))re");
  if (!std::regex_search(out, m, re)) return {};
  return {std::stod(m[1]), std::stod(m[2]), std::stod(m[3]), std::stod(m[4])};
}

int pdf_pages(const fs::path& pdf) {
  const std::string out = output_of("pdfinfo " + q(pdf));
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(Pages:\s+([0-9]+))"))) return -1;
  return std::stoi(m[1]);
}

std::string collapse(std::string s) {  // whitespace-insensitive text comparison
  std::string o;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c))) o += c;
  return o;
}

constexpr int kDpi = 100;

TEST(Split, SplitsSpreadsIntoTwoPagesAndLeavesTheSinglePageWhole) {
  const fs::path dir = fresh_dir("split");
  std::vector<int> gutters;
  for (int i = 0; i < 3; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "spread-%d.png", i + 1);
    gutters.push_back(
        write_spread(dir / "in" / name, 40 + 10 * i, kDpi, i % 2 ? 2.0 : -1.5, i % 2 ? -1.0 : 1.2));
    ASSERT_GT(gutters.back(), 0);
  }
  write_single(dir / "in" / "single.png", 7, kDpi);

  auto r = run(cli() + " run " + q(dir / "in") + " -o " + q(dir / "out") +
               " --ocr none --output-type pdf --split auto");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(dir / "out");
  ASSERT_EQ(pages.size(), 7u);  // 3 spreads x 2 + 1
  int halves = 0;
  for (const auto& p : pages) {
    ASSERT_EQ(p.str.at("status"), "ok") << p.raw;
    const std::string name = fs::path(p.str.at("input")).filename().string();
    if (name == "single.png") {
      EXPECT_FALSE(p.has("split_part")) << p.raw;
      EXPECT_TRUE(int_array(p.raw, "source_box").empty()) << p.raw;
      EXPECT_NE(p.raw.find("\"binary\":\"in/single.tif\""), std::string::npos) << p.raw;
      continue;
    }
    const int k = name[7] - '1';
    const int gx = gutters[static_cast<size_t>(k)];
    const std::string part = p.str.at("split_part");
    const std::vector<int> box = int_array(p.raw, "source_box");
    ASSERT_EQ(box.size(), 4u) << p.raw;
    const int w = static_cast<int>(p.num.at("width")), h = static_cast<int>(p.num.at("height"));
    EXPECT_GT(p.num.at("split_confidence"), 0.5) << p.raw;
    const std::string stem =
        "in/" + name.substr(0, name.size() - 4) + "/p0001" + (part == "left" ? "L" : "R");
    EXPECT_NE(p.raw.find("\"binary\":\"" + stem + ".tif\""), std::string::npos) << p.raw;
    EXPECT_TRUE(fs::is_regular_file(dir / "out" / (stem + ".tif"))) << stem;
    EXPECT_EQ(box[1], 0);
    EXPECT_EQ(box[3], h);
    if (part == "left") {
      EXPECT_EQ(box[0], 0);
      EXPECT_NEAR(box[2], gx, 0.01 * w) << p.raw;
    } else {
      ASSERT_EQ(part, "right");
      EXPECT_NEAR(box[0], gx, 0.01 * w) << p.raw;
      EXPECT_EQ(box[0] + box[2], w) << p.raw;
    }
    // The written page is the half (deskew without --expand keeps the size).
    const cv::Mat img = cv::imread((dir / "out" / (stem + ".tif")).string(), cv::IMREAD_UNCHANGED);
    EXPECT_EQ(img.cols, box[2]);
    EXPECT_EQ(img.rows, box[3]);
    ++halves;
  }
  EXPECT_EQ(halves, 6);
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "in" / "single.tif"));

  // One PDF page per half, each showing its half of the master (MediaBox).
  const fs::path pdf = dir / "out" / "in" / "spread-1.pdf";
  EXPECT_EQ(run("qpdf --check " + q(pdf)).exit_code, 0);
  EXPECT_EQ(pdf_pages(pdf), 2);
  const std::vector<double> b1 = media_box(pdf, 1), b2 = media_box(pdf, 2);
  ASSERT_EQ(b1.size(), 4u);
  ASSERT_EQ(b2.size(), 4u);
  EXPECT_NEAR(b1[0], 0, 0.01);
  EXPECT_NEAR(b1[2], b2[0], 0.01);  // the right half starts where the left one ends
  EXPECT_GT(b2[2], b2[0]);
  EXPECT_EQ(pdf_pages(dir / "out" / "in" / "single.pdf"), 1);

  // --split off (the default): every image is one page, no split fields.
  r = run(cli() + " run " + q(dir / "in") + " -o " + q(dir / "out_off") +
          " --ocr none --output-type pdf");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto off = read_pages(dir / "out_off");
  EXPECT_EQ(off.size(), 4u);
  for (const auto& p : off) {
    EXPECT_FALSE(p.has("split_part")) << p.raw;
    EXPECT_EQ(p.raw.find("source_box"), std::string::npos) << p.raw;
  }
  EXPECT_EQ(pdf_pages(dir / "out_off" / "in" / "spread-1.pdf"), 1);
  fs::remove_all(dir);
}

// Right-to-left: the right half is the document's first page, in the PDF and
// the text; the OCR boxes of the right half lie on the master, right of the gutter.
TEST(Split, RightToLeftPutsTheRightHalfFirstWithBoxesOnTheMaster) {
  const fs::path dir = fresh_dir("split_rtl");
  const int gx = write_spread(dir / "in" / "book.png", 11, 150, 1.0, -0.8);
  ASSERT_GT(gx, 0);
  const auto r = run(cli() + " run " + q(dir / "in") + " -o " + q(dir / "out") +
                     " --split auto --page-order rtl --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path base = dir / "out" / "in" / "book";
  const std::string right = read_file(base / "p0001R.txt"), left = read_file(base / "p0001L.txt");
  ASSERT_GT(collapse(right).size(), 100u);
  ASSERT_GT(collapse(left).size(), 100u);
  const fs::path pdf = dir / "out" / "in" / "book.pdf";
  EXPECT_EQ(run("qpdf --check " + q(pdf)).exit_code, 0);
  ASSERT_EQ(pdf_pages(pdf), 2);
  EXPECT_EQ(collapse(output_of("pdftotext -f 1 -l 1 " + q(pdf) + " -")), collapse(right));
  EXPECT_EQ(collapse(output_of("pdftotext -f 2 -l 2 " + q(pdf) + " -")), collapse(left));
  // The document text: right half, form feed, left half.
  const std::string doc = read_file(dir / "out" / "in" / "book.txt");
  const size_t ff = doc.find('\f');
  ASSERT_NE(ff, std::string::npos);
  EXPECT_EQ(collapse(doc.substr(0, ff)), collapse(right));
  // hOCR: the page is the master; the right half's words lie right of the gutter.
  const std::string hocr = read_file(base / "p0001R.hocr");
  std::smatch m;
  const std::regex word(R"(ocrx_word' id='[^']*' title='bbox ([0-9]+) ([0-9]+) ([0-9]+) ([0-9]+))");
  int words = 0;
  for (std::sregex_iterator it(hocr.begin(), hocr.end(), word), end; it != end; ++it, ++words)
    EXPECT_GE(std::stoi((*it)[1]), gx - 10) << (*it)[0];
  EXPECT_GT(words, 20) << hocr.substr(0, 2000);
  fs::remove_all(dir);
}

// A run stopped after the left half of a spread was journaled but before the
// right one (the journal is append-only, so this is exactly what a kill leaves)
// redoes that page alone, and pages.jsonl has each half once.
TEST(Split, ResumeAfterAStopBetweenTheHalvesGivesEachHalfOnce) {
  const fs::path dir = fresh_dir("split_resume");
  for (int i = 0; i < 3; ++i)
    ASSERT_GT(
        write_spread(dir / "in" / ("s" + std::to_string(i) + ".png"), 70 + 10 * i, kDpi, 1.0, -1.0),
        0);
  auto r = run(cli() + " run " + q(dir / "in") + " -o " + q(dir / "out") +
               " --ocr none --output-type pdf --split auto --jobs 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path journal = dir / "out" / ".pageprep" / "journal.jsonl";
  std::vector<std::string> lines;
  {
    std::ifstream in(journal);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  ASSERT_EQ(lines.size(), 6u);
  // Drop the last right half's line.
  size_t drop = lines.size();
  for (size_t i = lines.size(); i-- > 0;)
    if (lines[i].find("\"part\":\"R\"") != std::string::npos) {
      drop = i;
      break;
    }
  ASSERT_LT(drop, lines.size());
  lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(drop));
  {
    std::ofstream out(journal, std::ios::trunc);
    for (const auto& l : lines) out << l << "\n";
  }
  r = run(cli() + " run " + q(dir / "in") + " -o " + q(dir / "out") +
          " --ocr none --output-type pdf --split auto --jobs 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(run_json_number(dir / "out", "pages_resumed"), 2);  // the two whole spreads
  const auto pages = read_pages(dir / "out");
  ASSERT_EQ(pages.size(), 6u);
  std::set<std::string> seen;
  for (const auto& p : pages)
    EXPECT_TRUE(seen.insert(p.str.at("input") + "|" + p.str.at("split_part")).second) << p.raw;
  EXPECT_EQ(seen.size(), 6u);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(pdf_pages(dir / "out" / "in" / ("s" + std::to_string(i) + ".pdf")), 2);
  fs::remove_all(dir);
}

TEST(Split, RejectsUnknownModes) {
  const fs::path dir = fresh_dir("split_bad");
  auto r = run(cli() + " run " + q(dir) + " -o " + q(dir / "out") + " --split maybe");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--split must be auto or off"), std::string::npos) << r.err;
  r = run(cli() + " run " + q(dir) + " -o " + q(dir / "out") + " --page-order up");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--page-order must be ltr or rtl"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pageprep::e2e
