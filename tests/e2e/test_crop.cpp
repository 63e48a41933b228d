// `pageprep run --crop page` end to end: a page on a dark bed comes out cropped
// to its known page box (crop_box in pages.jsonl, the written image has the
// box's size); a page that fills the image is left whole with a crop_note; the
// default (off) crops nothing.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <regex>
#include <string>

#include "e2e/cli_harness.hpp"

namespace pageprep::e2e {
namespace {

struct Box {
  int x = 0, y = 0, w = 0, h = 0;
};

bool box_field(const std::string& line, const std::string& key, Box* b) {
  std::smatch m;
  const std::regex re("\"" + key + R"re(":\[([0-9]+),([0-9]+),([0-9]+),([0-9]+)\])re");
  if (!std::regex_search(line, m, re)) return false;
  *b = {std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3]), std::stoi(m[4])};
  return true;
}

double iou(const Box& a, const Box& b) {
  const int ix = std::max(0, std::min(a.x + a.w, b.x + b.w) - std::max(a.x, b.x));
  const int iy = std::max(0, std::min(a.y + a.h, b.y + b.h) - std::max(a.y, b.y));
  const double inter = static_cast<double>(ix) * iy;
  return inter / (static_cast<double>(a.w) * a.h + static_cast<double>(b.w) * b.h - inter);
}

TEST(Crop, CropsBedPagesToTheirPageBoxAndLeavesFullPages) {
  const fs::path dir = fresh_dir("crop");
  auto r = run(synth() + " --out " + q(dir / "bed") +
               " --count 2 --seed 5 --dpi 100 --skew-max 3 --bed 50 --bed-texture 20");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run(synth() + " --out " + q(dir / "full") + " --count 2 --seed 9 --dpi 100 --skew-max 3");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string manifest = read_file(dir / "bed" / "manifest.jsonl");

  r = run(cli() + " run " + q(dir / "bed") + " " + q(dir / "full") + " -o " + q(dir / "out") +
          " --ocr none --crop page");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto pages = read_pages(dir / "out");
  ASSERT_EQ(pages.size(), 4u);
  int cropped = 0, left_whole = 0;
  for (const auto& p : pages) {
    ASSERT_EQ(p.str.at("status"), "ok") << p.raw;
    const std::string input = p.str.at("input");
    const std::string name = fs::path(input).filename().string();
    Box crop;
    const bool has_crop = box_field(p.raw, "crop_box", &crop);
    if (input.find("full") != std::string::npos) {
      EXPECT_FALSE(has_crop) << p.raw;
      EXPECT_TRUE(p.str.count("crop_note")) << p.raw;
      ++left_whole;
      continue;
    }
    ASSERT_TRUE(has_crop) << p.raw;
    // The manifest line of this page gives its page box.
    const size_t at = manifest.find("\"file\":\"" + name + "\"");
    ASSERT_NE(at, std::string::npos) << name;
    Box truth;
    ASSERT_TRUE(box_field(manifest.substr(at, manifest.find('\n', at) - at), "page_box", &truth));
    EXPECT_GE(iou(crop, truth), 0.95) << p.raw;
    // The written binary page is the cropped page (deskew without --expand
    // keeps the size).
    const std::string out = p.raw.substr(p.raw.find("\"binary\":\"") + 10);
    const cv::Mat img =
        cv::imread((dir / "out" / out.substr(0, out.find('"'))).string(), cv::IMREAD_UNCHANGED);
    ASSERT_FALSE(img.empty()) << p.raw;
    EXPECT_EQ(img.cols, crop.w);
    EXPECT_EQ(img.rows, crop.h);
    ++cropped;
  }
  EXPECT_EQ(cropped, 2);
  EXPECT_EQ(left_whole, 2);

  // Default: off, nothing cropped, no crop fields.
  r = run(cli() + " run " + q(dir / "bed") + " -o " + q(dir / "out_off") + " --ocr none");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& p : read_pages(dir / "out_off")) {
    EXPECT_EQ(p.raw.find("crop_box"), std::string::npos) << p.raw;
    EXPECT_EQ(p.raw.find("crop_note"), std::string::npos) << p.raw;
  }
  fs::remove_all(dir);
}

TEST(Crop, RejectsAnUnknownCropMode) {
  const fs::path dir = fresh_dir("crop_bad");
  const auto r = run(cli() + " run " + q(dir) + " -o " + q(dir / "out") + " --crop sideways");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--crop must be page or off"), std::string::npos) << r.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pageprep::e2e
