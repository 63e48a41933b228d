// Crop to the page (page_box.hpp): cell sums against a naive reference with a
// poisoned output, known page boxes on generated beds (IoU >= 0.95), and no
// crop on pages that fill the image.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "pageprep/kernels/ops/page_box_ops.hpp"
#include "pageprep/kernels/page_box.hpp"
#include "support/page_bed.hpp"
#include "support/page_generator.hpp"

namespace pageprep {
namespace {

kernels::ConstGrayView cview(const cv::Mat& m) {
  return {m.data, m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}

cv::Mat page(uint64_t seed, double skew_deg, int dpi = 150) {
  testsupport::PageSpec spec;
  spec.seed = seed;
  spec.dpi = dpi;
  spec.width_px = testsupport::PageSpec::a4_width_px(dpi);
  spec.height_px = testsupport::PageSpec::a4_height_px(dpi);
  testsupport::Degradation deg;
  deg.skew_deg = skew_deg;
  deg.noise_sigma = 4;
  testsupport::GeneratedPage p;
  std::string err;
  EXPECT_TRUE(testsupport::generate_page(spec, deg, &p, &err)) << err;
  return p.degraded;
}

double iou(const kernels::PageBox& b, const cv::Rect& r) {
  const cv::Rect a(b.x, b.y, b.width, b.height);
  const double inter = (a & r).area();
  return inter / (a.area() + r.area() - inter);
}

TEST(PageBox, CellSumsMatchNaiveReference) {
  kernels::cpu::ThreadPool pool(2);
  for (auto [w, h] : std::vector<std::pair<int, int>>{{1, 1}, {17, 33}, {100, 47}, {256, 256}}) {
    cv::Mat img(h, w, CV_8UC1);
    cv::randu(img, 0, 256);
    std::vector<uint32_t> sums(3, 0xDEADBEEFu);  // poisoned, wrong size: must be replaced
    ASSERT_TRUE(kernels::cpu::page_cell_sums(pool, cview(img), &sums).is_ok());
    const int cw = (w + 15) / 16, ch = (h + 15) / 16;
    ASSERT_EQ(sums.size(), static_cast<size_t>(cw * ch));
    for (int cy = 0; cy < ch; ++cy)
      for (int cx = 0; cx < cw; ++cx) {
        uint32_t s = 0;
        for (int y = cy * 16; y < std::min(h, cy * 16 + 16); ++y)
          for (int x = cx * 16; x < std::min(w, cx * 16 + 16); ++x) s += img.at<uint8_t>(y, x);
        EXPECT_EQ(sums[cy * cw + cx], s) << w << "x" << h << " cell " << cx << "," << cy;
      }
  }
}

TEST(PageBox, EmptyPageIsAnError) {
  kernels::cpu::ThreadPool pool(1);
  kernels::PageBox box;
  EXPECT_FALSE(kernels::cpu::find_page_box(pool, {nullptr, 0, 0, 0}, &box).is_ok());
}

TEST(PageBox, FindsKnownBoxOnDarkAndTexturedBeds) {
  kernels::cpu::ThreadPool pool(2);
  const int levels[] = {20, 60, 110};
  const double textures[] = {0, 25};
  const double skews[] = {0, 2.5};
  uint64_t seed = 7;
  for (int level : levels)
    for (double tex : textures)
      for (double skew : skews) {
        testsupport::BedSpec bed;
        bed.bed_level = level;
        bed.texture_amplitude = tex;
        const auto on_bed = testsupport::place_on_bed(page(seed, skew), bed, seed);
        ++seed;
        ASSERT_FALSE(on_bed.image.empty());
        kernels::PageBox box;
        ASSERT_TRUE(kernels::cpu::find_page_box(pool, cview(on_bed.image), &box).is_ok());
        SCOPED_TRACE("bed " + std::to_string(level) + " texture " + std::to_string(tex) + " skew " +
                     std::to_string(skew) + " note: " + box.note);
        ASSERT_TRUE(box.found);
        EXPECT_GE(iou(box, on_bed.page_box), 0.95);
        EXPECT_GT(box.paper_level - box.bed_level, kernels::kPageBoxMinContrast);
      }
}

TEST(PageBox, NeverCropsAPageThatFillsTheImage) {
  kernels::cpu::ThreadPool pool(2);
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    kernels::PageBox box;
    ASSERT_TRUE(
        kernels::cpu::find_page_box(pool, cview(page(seed, static_cast<double>(seed) * 1.5)), &box)
            .is_ok());
    EXPECT_FALSE(box.found) << "seed " << seed << " box " << box.x << "," << box.y << ","
                            << box.width << "," << box.height;
    EXPECT_FALSE(box.note.empty());
  }
  // A blank sheet and a uniform gray image: nothing to crop to.
  kernels::PageBox box;
  cv::Mat blank(400, 300, CV_8UC1, cv::Scalar(250));
  ASSERT_TRUE(kernels::cpu::find_page_box(pool, cview(blank), &box).is_ok());
  EXPECT_FALSE(box.found);
}

TEST(PageBox, LowContrastBedIsNotConfident) {
  kernels::cpu::ThreadPool pool(1);
  cv::Mat img(640, 480, CV_8UC1, cv::Scalar(215));  // bed only 25 levels below the paper
  img(cv::Rect(60, 60, 360, 520)).setTo(240);
  kernels::PageBox box;
  ASSERT_TRUE(kernels::cpu::find_page_box(pool, cview(img), &box).is_ok());
  EXPECT_FALSE(box.found);
  EXPECT_NE(box.note.find("contrast"), std::string::npos) << box.note;
}

TEST(PageBox, ExactBoxOnCellAlignedSyntheticPage) {
  kernels::cpu::ThreadPool pool(1);
  cv::Mat img(640, 480, CV_8UC1, cv::Scalar(30));
  const cv::Rect truth(64, 48, 352, 544);
  img(truth).setTo(245);
  kernels::PageBox box;
  ASSERT_TRUE(kernels::cpu::find_page_box(pool, cview(img), &box).is_ok());
  ASSERT_TRUE(box.found) << box.note;
  EXPECT_EQ(cv::Rect(box.x, box.y, box.width, box.height), truth);
  EXPECT_EQ(box.paper_level, 245);
  EXPECT_EQ(box.bed_level, 30);
}

}  // namespace
}  // namespace pageprep
