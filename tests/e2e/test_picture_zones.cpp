// Picture zones end to end (issue 22, items 2 and 3): --image-format mixed
// keeps a generated figure in tone (gray) or in colour (colour master) with
// the text at full contrast, a text page stays a 1-bit PNG with no zones,
// pages.jsonl and ALTO (schema-valid, offline) carry the zones, Tesseract
// reads the mixed page as well as the bilevel one, the engraving of the real
// scan cavalerie.11.jpg keeps its tones, and a colour JPEG master stays RGB
// in the PDF with --pdf-image original and mrc.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <regex>

#include "e2e/cli_harness.hpp"
#include "util/text_metrics.hpp"

namespace pageprep::e2e {
namespace {

bool have_tool(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

#define REQUIRE_TOOLS(...)               \
  for (const char* tool : {__VA_ARGS__}) \
    if (!have_tool(tool))                \
      GTEST_SKIP() << tool << " is not installed (Debian packages: .ci/setup-debian.sh)";

std::string output_of(const std::string& cmd) {
  const fs::path o =
      fs::temp_directory_path() / ("pageprep_zones_out_" + std::to_string(::getpid()));
  std::system((cmd + " >" + o.string() + " 2>/dev/null").c_str());
  std::string s = read_file(o);
  fs::remove(o);
  return s;
}

fs::path make_pages(const std::string& name, const std::string& args) {
  const fs::path dir = fresh_dir(name);
  const auto r = run(synth() + " --out " + q(dir) + " " + args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return dir;
}

using Box = std::array<int, 4>;

// The [[x,y,w,h],...] array after "key": in a JSON line.
std::vector<Box> boxes_after(const std::string& line, const std::string& key) {
  std::vector<Box> out;
  const size_t at = line.find("\"" + key + "\":[");
  if (at == std::string::npos) return out;
  const size_t end = line.find("]]", at);
  const std::string part = line.substr(at, end == std::string::npos ? 0 : end - at + 2);
  static const std::regex kBox(R"re(\[(-?\d+),(-?\d+),(-?\d+),(-?\d+)\])re");
  for (std::sregex_iterator it(part.begin(), part.end(), kBox), e; it != e; ++it)
    out.push_back(
        {std::stoi((*it)[1]), std::stoi((*it)[2]), std::stoi((*it)[3]), std::stoi((*it)[4])});
  return out;
}

double iou(const Box& a, const Box& b) {
  const cv::Rect ra(a[0], a[1], a[2], a[3]), rb(b[0], b[1], b[2], b[3]);
  const double inter = (ra & rb).area();
  return inter / (ra.area() + rb.area() - inter);
}

// Pixels of `m` (8-bit, 1 or 3 channels) that are neither black nor white.
int64_t tone_pixels(const cv::Mat& m) {
  cv::Mat g = m;
  if (m.channels() == 3) cv::cvtColor(m, g, cv::COLOR_BGR2GRAY);
  return static_cast<int64_t>(g.total()) - cv::countNonZero(g == 0) - cv::countNonZero(g == 255);
}

TEST(PictureZones, MixedPageKeepsAFigureInGrayAndTheTextBilevel) {
  REQUIRE_TOOLS("xmllint");
  const fs::path pages =
      make_pages("zones_fig_src", "--count 1 --seed 3 --layout figure --noise 4");
  const fs::path out = fresh_dir("zones_fig_out");
  const auto r = run(cli() + " run " + q(pages / "page-0001.png") + " -o " + q(out) +
                     " -q --image-format mixed --page-formats txt,alto");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = read_pages(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].str.at("mixed_image"), "gray") << lines[0].raw;
  const std::vector<Box> zones = boxes_after(lines[0].raw, "picture_zones");
  const std::vector<Box> truth = boxes_after(read_file(pages / "manifest.jsonl"), "picture_boxes");
  ASSERT_EQ(truth.size(), 1u);
  ASSERT_EQ(zones.size(), 1u) << lines[0].raw;
  EXPECT_GE(iou(zones[0], truth[0]), 0.85);
  const cv::Mat mixed = cv::imread((out / "page-0001.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat master = cv::imread((pages / "page-0001.png").string(), cv::IMREAD_GRAYSCALE);
  ASSERT_EQ(mixed.type(), CV_8UC1);
  ASSERT_EQ(mixed.size(), master.size());
  const cv::Rect zr(zones[0][0], zones[0][1], zones[0][2], zones[0][3]);
  // Inside: the page's tones (the unskewed page is not resampled).
  EXPECT_GT(tone_pixels(mixed(zr)), static_cast<int64_t>(zr.area()) / 4);
  EXPECT_LT(cv::norm(mixed(zr), master(zr), cv::NORM_L1) / zr.area(), 3.0);
  // Outside: only black and white.
  cv::Mat outside = mixed.clone();
  outside(zr).setTo(255);
  EXPECT_EQ(tone_pixels(outside), 0);
  // ALTO names the zone, on the master, as an Illustration.
  const std::string alto = read_file(out / "page-0001.xml");
  const std::string want = "<Illustration ID=\"pageprep_illustration_1\" HPOS=\"" +
                           std::to_string(zones[0][0]) + "\" VPOS=\"" +
                           std::to_string(zones[0][1]) + "\"";
  EXPECT_NE(alto.find(want), std::string::npos) << alto.substr(0, 2000);
  // ... and stays valid ALTO v3 (tests/schemas, offline).
  const std::string schemas = PAGEPREP_SCHEMA_DIR;
  const auto v = run("XML_CATALOG_FILES=" + q(schemas + "/catalog.xml") +
                     " xmllint --nonet --noout --schema " + q(schemas + "/alto-3-0.xsd") + " " +
                     q(out / "page-0001.xml"));
  EXPECT_EQ(v.exit_code, 0) << v.err;
  fs::remove_all(pages);
  fs::remove_all(out);
}

TEST(PictureZones, TextPageHasNoZonesAndStaysBilevel) {
  const fs::path pages = make_pages("zones_text_src", "--count 1 --seed 8 --layout two --noise 8");
  const fs::path out = fresh_dir("zones_text_out");
  ASSERT_EQ(run(cli() + " run " + q(pages / "page-0001.png") + " -o " + q(out) +
                " -q --ocr none --image-format mixed")
                .exit_code,
            0);
  const auto lines = read_pages(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].raw.find("\"picture_zones\":[]"), std::string::npos) << lines[0].raw;
  EXPECT_EQ(lines[0].str.at("mixed_image"), "bilevel");
  // A 1-bit PNG: IHDR bit depth (byte 24) 1, colour type (byte 25) 0.
  const std::string png = read_file(out / "page-0001.png");
  ASSERT_GT(png.size(), 26u);
  EXPECT_EQ(png[24], 1);
  EXPECT_EQ(png[25], 0);
  fs::remove_all(pages);
  fs::remove_all(out);
}

TEST(PictureZones, ColourMasterKeepsColourInZonesAndInThePdf) {
  REQUIRE_TOOLS("pdfimages");
  const fs::path pages = make_pages(
      "zones_colour_src", "--count 1 --seed 3 --layout figure --color --yellow 0.8 --format jpg");
  const fs::path out = fresh_dir("zones_colour_out");
  const std::string in = q(pages / "page-0001.jpg");
  ASSERT_EQ(run(cli() + " run " + in + " -o " + q(out) + " -q --image-format mixed").exit_code, 0);
  const auto lines = read_pages(out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].str.at("mixed_image"), "rgb") << lines[0].raw;
  const std::vector<Box> zones = boxes_after(lines[0].raw, "picture_zones");
  ASSERT_EQ(zones.size(), 1u);
  const cv::Mat mixed = cv::imread((out / "page-0001.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_EQ(mixed.type(), CV_8UC3);
  const cv::Rect zr(zones[0][0], zones[0][1], zones[0][2], zones[0][3]);
  // Yellowed paper: blue well under red inside the zone; outside, gray levels only.
  const cv::Scalar in_zone = cv::mean(mixed(zr));
  EXPECT_GT(in_zone[2] - in_zone[0], 20.0);
  cv::Mat outside = mixed.clone();
  outside(zr).setTo(cv::Scalar::all(255));
  std::vector<cv::Mat> ch;
  cv::split(outside, ch);
  EXPECT_EQ(cv::countNonZero(ch[0] != ch[2]), 0);
  // The PDF's image layer keeps the colour: original and MRC.
  EXPECT_NE(output_of("pdfimages -list " + q(out / "page-0001.pdf")).find("rgb"),
            std::string::npos);
  const fs::path mrc = fresh_dir("zones_colour_mrc");
  ASSERT_EQ(run(cli() + " run " + in + " -o " + q(mrc) + " -q --pdf-image mrc").exit_code, 0);
  EXPECT_NE(output_of("pdfimages -list " + q(mrc / "page-0001.pdf")).find("rgb"),
            std::string::npos);
  fs::remove_all(pages);
  fs::remove_all(out);
  fs::remove_all(mrc);
}

TEST(PictureZones, TesseractReadsTheMixedPageAsWellAsTheBilevelOne) {
  REQUIRE_TOOLS("tesseract");
  const fs::path pages =
      make_pages("zones_cer_src", "--count 1 --seed 4 --layout figure --noise 6");
  const fs::path mixed = fresh_dir("zones_cer_mixed"), bilevel = fresh_dir("zones_cer_bilevel");
  const std::string in = q(pages / "page-0001.png");
  ASSERT_EQ(run(cli() + " run " + in + " -o " + q(mixed) + " -q --ocr none --image-format mixed")
                .exit_code,
            0);
  ASSERT_EQ(run(cli() + " run " + in + " -o " + q(bilevel) + " -q --ocr none").exit_code, 0);
  const std::string truth = read_file(pages / "page-0001.gt.txt");
  auto read = [&](const fs::path& img) {
    return host::score_text(output_of("OMP_THREAD_LIMIT=1 tesseract " + q(img) + " - -l eng"),
                            truth)
        .cer;
  };
  const double cer_mixed = read(mixed / "page-0001.png");
  const double cer_bilevel = read(bilevel / "page-0001.tif");
  std::printf("[ metric ] figure page: Tesseract CER mixed %.4f, bilevel %.4f\n", cer_mixed,
              cer_bilevel);
  EXPECT_LE(cer_mixed, cer_bilevel + 0.005);
  EXPECT_LT(cer_mixed, 0.05);
  fs::remove_all(pages);
  fs::remove_all(mixed);
  fs::remove_all(bilevel);
}

TEST(PictureZones, CavalerieKeepsItsEngravingInTone) {
  REQUIRE_TOOLS("tesseract");
  const char* shared = std::getenv("PAGEPREP_SHARED_DIR");
  ASSERT_NE(shared, nullptr);
  const fs::path scan = fs::path(shared) / "data" / "real-scans" / "cavalerie.11.jpg";
  ASSERT_TRUE(fs::exists(scan)) << scan;
  const fs::path mixed = fresh_dir("zones_cav_mixed"), bilevel = fresh_dir("zones_cav_bilevel");
  ASSERT_EQ(
      run(cli() + " run " + q(scan) + " -o " + q(mixed) + " -q --ocr none --image-format mixed")
          .exit_code,
      0);
  ASSERT_EQ(run(cli() + " run " + q(scan) + " -o " + q(bilevel) + " -q --ocr none").exit_code, 0);
  const auto lines = read_pages(mixed);
  ASSERT_EQ(lines.size(), 1u);
  const std::vector<Box> zones = boxes_after(lines[0].raw, "picture_zones");
  ASSERT_GE(zones.size(), 1u) << lines[0].raw;
  const cv::Mat page = cv::imread((mixed / "cavalerie.11.png").string(), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(page.empty());
  // The plate: the largest zone, a good part of the page, in many tones.
  Box big = zones[0];
  for (const Box& z : zones)
    if (z[2] * z[3] > big[2] * big[3]) big = z;
  EXPECT_GT(static_cast<double>(big[2]) * big[3], 0.15 * page.total()) << lines[0].raw;
  const cv::Rect zr(big[0], big[1], big[2], big[3]);
  EXPECT_GT(tone_pixels(page(zr & cv::Rect(0, 0, page.cols, page.rows))), zr.area() / 4);
  // Its caption ("Education d'Achilles", below the plate) stays bilevel:
  // the zone ends above it, and the strip below the zone has no tone pixels.
  const int32_t below = big[1] + big[3];
  ASSERT_LT(below + 20, page.rows);
  cv::Mat strip = page(cv::Rect(0, below, page.cols, std::min(40, page.rows - below)));
  EXPECT_EQ(tone_pixels(strip), 0);
  // Tesseract reads the caption on the bilevel page. On the mixed page its
  // layout analysis takes the page as one picture and reads nothing (known
  // gap, docs/QUALITY.md): printed, not asserted, until that is solved.
  auto text_of = [&](const fs::path& img) {
    return output_of("OMP_THREAD_LIMIT=1 tesseract " + q(img) + " - -l eng 2>/dev/null");
  };
  const std::string t_mixed = text_of(mixed / "cavalerie.11.png");
  const std::string t_bilevel = text_of(bilevel / "cavalerie.11.tif");
  std::printf("[ metric ] cavalerie.11.jpg: caption read, mixed %d, bilevel %d\n",
              t_mixed.find("Education") != std::string::npos,
              t_bilevel.find("Education") != std::string::npos);
  EXPECT_NE(t_bilevel.find("Education"), std::string::npos) << t_bilevel;
  fs::remove_all(mixed);
  fs::remove_all(bilevel);
}

TEST(PictureZones, MixedNeedsBinarization) {
  const auto r = run(cli() + " run x.png -o out --image-format mixed --binarize none");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--image-format mixed"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pageprep::e2e
