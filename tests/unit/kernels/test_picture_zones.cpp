// Picture zones (picture_zones.hpp): cell sums against a naive reference with
// a poisoned output and a padded pitch, the cell rule against a
// double-precision reference, known zones on generated pages (halftone,
// continuous tone, engraving: IoU >= 0.85), no zone on text-only pages under
// every degradation of the quality corpus, and independence of the thread count.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "pageprep/kernels/ops/picture_zone_ops.hpp"
#include "pageprep/kernels/picture_zones.hpp"
#include "support/page_generator.hpp"
#include "support/random_image.hpp"

namespace pageprep {
namespace {

using testsupport::Degradation;
using testsupport::Layout;

kernels::ConstGrayView cview(const cv::Mat& m) {
  return {m.data, m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}

testsupport::GeneratedPage generated(Layout layout, uint64_t seed, const Degradation& deg,
                                     int dpi) {
  testsupport::PageSpec spec;
  spec.seed = seed;
  spec.dpi = dpi;
  spec.width_px = testsupport::PageSpec::a4_width_px(dpi);
  spec.height_px = testsupport::PageSpec::a4_height_px(dpi);
  spec.layout = layout;
  testsupport::GeneratedPage p;
  std::string err;
  EXPECT_TRUE(testsupport::generate_page(spec, deg, &p, &err)) << err;
  return p;
}

std::vector<kernels::PictureZone> zones_of(const cv::Mat& gray, float dpi, int threads = 2) {
  kernels::cpu::ThreadPool pool(threads);
  std::vector<kernels::PictureZone> z;
  EXPECT_TRUE(kernels::cpu::find_picture_zones(pool, cview(gray), dpi, &z).is_ok());
  return z;
}

double iou(const kernels::PictureZone& z, const cv::Rect& r) {
  const cv::Rect a(z.x, z.y, z.width, z.height);
  const double inter = (a & r).area();
  return inter / (a.area() + r.area() - inter);
}

std::string describe(const std::vector<kernels::PictureZone>& zones) {
  std::string s;
  for (const auto& z : zones)
    s += "[" + std::to_string(z.x) + "," + std::to_string(z.y) + "," + std::to_string(z.width) +
         "," + std::to_string(z.height) + "] ";
  return s;
}

TEST(PictureZones, CellStatsMatchNaiveReference) {
  kernels::cpu::ThreadPool pool(2);
  uint64_t seed = 3;
  auto shapes = testsupport::odd_shapes();
  shapes.push_back({333, 271});
  for (auto [w, h] : shapes) {
    if (w <= 0 || h <= 0) continue;
    for (float dpi : {50.0f, 300.0f, 1200.0f}) {
      const testsupport::OwnedImage img = testsupport::random_image(w, h, seed++, 1, 7);  // padded
      std::vector<kernels::ops::ZoneCell> cells(3);
      for (auto& c : cells) c = {0xFAFAFAFAFAull, 0xFAFAFAFAu, 0xFAu};  // poisoned, wrong size
      ASSERT_TRUE(kernels::cpu::picture_zone_cells(pool, img.cview(), dpi, &cells).is_ok());
      const int cell = kernels::ops::picture_zone_cell_px(dpi);
      EXPECT_EQ(cell, std::clamp(static_cast<int>(std::lround(dpi / 16.0)), 4, 64));
      const int cw = (w + cell - 1) / cell, ch = (h + cell - 1) / cell;
      ASSERT_EQ(cells.size(), static_cast<size_t>(cw) * ch);
      for (int cy = 0; cy < ch; ++cy)
        for (int cx = 0; cx < cw; ++cx) {
          uint64_t s = 0, sq = 0;
          uint32_t mn = 255;
          for (int y = cy * cell; y < std::min(h, cy * cell + cell); ++y)
            for (int x = cx * cell; x < std::min(w, cx * cell + cell); ++x) {
              const uint32_t v = img.cview().at(x, y);
              s += v;
              sq += uint64_t{v} * v;
              mn = std::min(mn, v);
            }
          const auto& c = cells[static_cast<size_t>(cy) * cw + cx];
          ASSERT_EQ(c.sum, s) << w << "x" << h << " cell " << cx << "," << cy;
          ASSERT_EQ(c.sum_sq, sq);
          ASSERT_EQ(c.min, mn);
        }
    }
  }
}

TEST(PictureZones, CellRuleMatchesDoubleReference) {
  // Cells of 256 pixels: a fraction of ink at 10 over paper at 240, and
  // smooth tones with a little noise; the rule in doubles, away from its edges.
  std::mt19937_64 rng(11);
  int checked = 0, pictures = 0;
  for (int t = 0; t < 4000; ++t) {
    const int paper = 180 + static_cast<int>(rng() % 76), ink = static_cast<int>(rng() % 60);
    const bool mixture = (rng() & 1) != 0;
    std::vector<int> px(256);
    const double tone = ink + (paper - ink) * static_cast<double>(rng() % 1000) / 1000.0;
    const double p_ink = static_cast<double>(rng() % 1000) / 1000.0;
    for (int& v : px) {
      const double noise = static_cast<double>(static_cast<int>(rng() % 9) - 4);
      v = mixture ? ((rng() % 1000) < p_ink * 1000 ? ink : paper)
                  : static_cast<int>(std::clamp(std::lround(tone + noise), 0L, 255L));
    }
    kernels::ops::ZoneCell c;
    double sum = 0, sq = 0;
    for (int v : px) {
      c.sum += static_cast<uint32_t>(v);
      c.sum_sq += static_cast<uint64_t>(v) * static_cast<uint64_t>(v);
      c.min = std::min<uint32_t>(c.min, static_cast<uint32_t>(v));
      sum += v;
      sq += static_cast<double>(v) * v;
    }
    const double m = sum / 256, var = sq / 256 - m * m;
    const double d = (paper - m) / (paper - ink);
    const double smooth_margin = (paper - m) * (m - ink) - 4 * var;
    // Skip cells within rounding distance of a threshold.
    if (std::abs(d - 0.3) < 1e-3 || std::abs(d - 0.12) < 1e-3 || std::abs(smooth_margin) < 1.0)
      continue;
    const bool smooth = m > ink && m < paper && smooth_margin > 0;
    const bool expected = smooth ? d >= 0.12 : d >= 0.3;
    EXPECT_EQ(kernels::ops::is_picture_cell(c, 256, paper, paper, ink), expected)
        << "paper " << paper << " ink " << ink << " mean " << m << " var " << var;
    ++checked;
    pictures += expected;
  }
  EXPECT_GT(checked, 3500);
  EXPECT_GT(pictures, 500);  // both outcomes are exercised
  EXPECT_LT(pictures, checked - 500);
}

TEST(PictureZones, FindsKnownPictureBlocks) {
  struct Case {
    Layout layout;
    uint64_t seed;
    int dpi;
    const char* what;
  };
  Degradation scan;
  scan.noise_sigma = 6;
  scan.blur_sigma = 0.7;
  // kPhoto: halftone for odd seeds, continuous tone for even ones.
  for (const Case& c : {Case{Layout::kPhoto, 33, 300, "halftone photo page"},
                        Case{Layout::kPhoto, 32, 300, "continuous-tone photo page"},
                        Case{Layout::kFigure, 3, 300, "figure page"},
                        Case{Layout::kFigure, 4, 150, "figure page 150 dpi"},
                        Case{Layout::kFigure, 7, 300, "figure page"},
                        Case{Layout::kEngraving, 5, 300, "engraving page"},
                        Case{Layout::kEngraving, 6, 150, "engraving page 150 dpi"}}) {
    const auto p = generated(c.layout, c.seed, scan, c.dpi);
    ASSERT_EQ(p.picture_boxes.size(), 1u) << c.what;
    const auto zones = zones_of(p.degraded, static_cast<float>(c.dpi));
    ASSERT_EQ(zones.size(), 1u) << c.what << " seed " << c.seed << ": " << describe(zones);
    EXPECT_GE(iou(zones[0], p.picture_boxes[0]), 0.85) << c.what << " seed " << c.seed;
  }
}

TEST(PictureZones, NoZonesOnTextOnlyPages) {
  // The quality corpus's degradation kinds, each on text-only layouts.
  std::vector<std::pair<const char*, Degradation>> kinds;
  auto add = [&](const char* name, auto set) {
    Degradation d;
    set(d);
    kinds.emplace_back(name, d);
  };
  add("clean", [](Degradation&) {});
  add("noise 25", [](Degradation& d) { d.noise_sigma = 25; });
  add("specks 500", [](Degradation& d) { d.speck_density = 500; });
  add("blur 1.6", [](Degradation& d) { d.blur_sigma = 1.6; });
  add("illumination 0.8", [](Degradation& d) { d.illumination = 0.8; });
  add("paper", [](Degradation& d) {
    d.paper_yellow = 0.9;
    d.contrast = 0.45;
  });
  add("borders 120", [](Degradation& d) { d.dark_border_px = 120; });
  add("jpeg 15", [](Degradation& d) { d.jpeg_quality = 15; });
  add("combined", [](Degradation& d) {
    d.noise_sigma = 8;
    d.speck_density = 100;
    d.blur_sigma = 0.7;
    d.illumination = 0.4;
    d.paper_yellow = 0.4;
    d.contrast = 0.7;
    d.dark_border_px = 50;
    d.jpeg_quality = 60;
  });
  int pages = 0;
  uint64_t seed = 100;
  for (const auto& [name, deg] : kinds)
    for (Layout l : {Layout::kSingleColumn, Layout::kTwoColumn, Layout::kTable, Layout::kSparse,
                     Layout::kBlank, Layout::kPageNumber}) {
      const int dpi = (seed % 3 == 0) ? 300 : 150;
      const auto p = generated(l, seed++, deg, dpi);
      EXPECT_TRUE(p.picture_boxes.empty());
      const auto zones = zones_of(p.degraded, static_cast<float>(dpi));
      EXPECT_TRUE(zones.empty()) << name << " " << testsupport::layout_name(l) << " seed "
                                 << seed - 1 << " at " << dpi << " dpi: " << describe(zones);
      ++pages;
    }
  EXPECT_EQ(pages, 54);
}

TEST(PictureZones, SameZonesForAnyThreadCount) {
  Degradation scan;
  scan.noise_sigma = 5;
  const auto p = generated(Layout::kFigure, 9, scan, 300);
  const auto one = zones_of(p.degraded, 300, 1), four = zones_of(p.degraded, 300, 4);
  ASSERT_FALSE(one.empty());
  ASSERT_EQ(one.size(), four.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].x, four[i].x);
    EXPECT_EQ(one[i].y, four[i].y);
    EXPECT_EQ(one[i].width, four[i].width);
    EXPECT_EQ(one[i].height, four[i].height);
  }
}

TEST(PictureZones, RejectsBadArguments) {
  kernels::cpu::ThreadPool pool(1);
  std::vector<kernels::ops::ZoneCell> cells;
  EXPECT_FALSE(kernels::cpu::picture_zone_cells(pool, {}, 300, &cells).is_ok());
  cv::Mat img(10, 10, CV_8UC1, cv::Scalar(255));
  EXPECT_FALSE(kernels::cpu::picture_zone_cells(pool, cview(img), 0, &cells).is_ok());
  // Cells of the wrong count: no zones, not a crash.
  cv::Mat page(100, 100, CV_8UC1, cv::Scalar(255));
  EXPECT_TRUE(kernels::find_picture_zones(std::vector<kernels::ops::ZoneCell>(5), cview(page), 300)
                  .empty());
}

}  // namespace
}  // namespace pageprep
