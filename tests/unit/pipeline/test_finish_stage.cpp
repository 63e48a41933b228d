// FinishStage with --ocr none: the images a page writes, their names, their
// pixels (read back with OpenCV, not pageprep's decoder), the page's artifact
// for document assembly, and a write failure recorded on the page
// (issue 23 item 7). Expected names follow output_names / README by hand.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "doc/page_artifact.hpp"
#include "model/page_work.hpp"
#include "model/run_stats.hpp"
#include "pipeline/finish_stage.hpp"
#include "pipeline/run_config.hpp"

namespace pageprep::host {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

cv::Mat gray_page() {
  cv::Mat m(240, 320, CV_8UC1);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) m.at<uint8_t>(y, x) = static_cast<uint8_t>((x * 7 + y) & 0xff);
  return m;
}

cv::Mat binary_page() {
  cv::Mat m(240, 320, CV_8UC1, cv::Scalar(255));
  m(cv::Rect(20, 30, 200, 12)).setTo(0);
  m(cv::Rect(20, 60, 150, 12)).setTo(0);
  return m;
}

class Finish : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pageprep_finish_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "tmp");
    cfg_.outdir = (dir_ / "out").string();
    cfg_.ocr = OcrMode::kNone;
  }
  void TearDown() override { fs::remove_all(dir_); }

  PageWork page(bool with_binary) {
    PageWork w;
    w.id.input = "scans/vol/p1.png";
    w.id.page = 0;
    w.key = "key-1";
    w.stem = "vol/p1";
    w.doc_stem = "vol/p1";
    w.decoded.gray = gray_page();
    w.decoded.dpi_x = w.decoded.dpi_y = 300;
    w.decoded.format = "png";
    w.width = 320;
    w.height = 240;
    w.gray = gray_page();
    if (with_binary) w.binary = binary_page();
    return w;
  }
  void finish(PageWork& w) {
    FinishStage stage(cfg_, stats_, langs_, (dir_ / "tmp").string());
    stage.finish(w);
  }
  std::string output(const PageWork& w, const std::string& kind) {
    for (const auto& [k, rel] : w.outputs)
      if (k == kind) return rel;
    return "";
  }

  fs::path dir_;
  RunConfig cfg_;
  RunStats stats_;
  std::vector<std::string> langs_;
};

TEST_F(Finish, BinaryPageIsWrittenAsG4TiffWithItsPixelsAndItsArtifact) {
  PageWork w = page(true);
  finish(w);
  ASSERT_TRUE(w.ok()) << w.message;
  ASSERT_EQ(output(w, "binary"), "vol/p1.tif");
  EXPECT_EQ(output(w, "gray"), "");  // not asked for
  const cv::Mat back = cv::imread(cfg_.outdir + "/vol/p1.tif", cv::IMREAD_GRAYSCALE);
  ASSERT_FALSE(back.empty());
  EXPECT_EQ(cv::countNonZero(back != binary_page()), 0);
  PageArtifact a;
  std::string error;
  ASSERT_TRUE(parse_page_artifact(read_all(fs::path(cfg_.outdir) / page_artifact_path("vol/p1")),
                                  &a, &error))
      << error;
  EXPECT_EQ(a.key, "key-1");
  EXPECT_EQ(a.input, "scans/vol/p1.png");
  EXPECT_EQ(a.clean_image, "vol/p1.tif");
  EXPECT_TRUE(a.clean_is_binary);
  EXPECT_FALSE(a.ocr);  // no text layer without OCR
  // Nothing is left in the temporaries' folder.
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp"));
}

TEST_F(Finish, WithoutABinaryPageTheGrayPageIsWritten) {
  PageWork w = page(false);
  finish(w);
  ASSERT_TRUE(w.ok()) << w.message;
  EXPECT_EQ(output(w, "binary"), "");
  ASSERT_EQ(output(w, "gray"), "vol/p1.png");
  const cv::Mat back = cv::imread(cfg_.outdir + "/vol/p1.png", cv::IMREAD_UNCHANGED);
  ASSERT_EQ(back.type(), CV_8UC1);
  EXPECT_EQ(cv::countNonZero(back != gray_page()), 0);
}

TEST_F(Finish, BothImagesInOneFormatDoNotShareAName) {
  cfg_.save_gray = true;
  cfg_.binary_format = OutputFormat::kPng;
  cfg_.gray_format = OutputFormat::kPng;
  PageWork w = page(true);
  finish(w);
  ASSERT_TRUE(w.ok()) << w.message;
  EXPECT_EQ(output(w, "binary"), "vol/p1.png");
  EXPECT_EQ(output(w, "gray"), "vol/p1.gray.png");
  EXPECT_EQ(cv::countNonZero(cv::imread(cfg_.outdir + "/vol/p1.gray.png", cv::IMREAD_UNCHANGED) !=
                             gray_page()),
            0);
}

TEST_F(Finish, NoDocumentOutputsMeansNoArtifact) {
  cfg_.documents.pdf = false;
  cfg_.documents.sidecar = false;
  PageWork w = page(true);
  finish(w);
  ASSERT_TRUE(w.ok()) << w.message;
  EXPECT_FALSE(fs::exists(fs::path(cfg_.outdir) / page_artifact_path("vol/p1")));
}

TEST_F(Finish, AnUnwritableOutputFailsThePageWithThePath) {
  fs::create_directories(cfg_.outdir);
  std::ofstream(fs::path(cfg_.outdir) / "vol") << "a file where the folder should be";
  PageWork w = page(true);
  finish(w);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(w.error, PageError::kWriteFailed);
  EXPECT_NE(w.message.find("vol/p1.tif"), std::string::npos) << w.message;
  EXPECT_TRUE(w.outputs.empty());
}

// An executor's packed binary page (kernels/pack.hpp layout), as the writers
// get it when binary_packed_suffices(): no 8-bit page is made, and the file
// is byte for byte the one the unpacked page gives.
TEST_F(Finish, APackedBinaryPageIsWrittenWithTheBytesOfTheUnpackedPage) {
  const cv::Mat bin = binary_page();
  const int row = (bin.cols + 7) / 8;
  cv::Mat storage(bin.rows, row + 4, CV_8UC1, cv::Scalar(0xAB));  // padded pitch, poisoned
  for (int y = 0; y < bin.rows; ++y)
    for (int b = 0; b < row; ++b) {
      uint8_t v = 0;
      for (int k = 0; k < 8 && 8 * b + k < bin.cols; ++k)
        if (bin.at<uint8_t>(y, 8 * b + k) < 128) v |= static_cast<uint8_t>(0x80u >> k);
      storage.at<uint8_t>(y, b) = v;
    }
  for (OutputFormat f : {OutputFormat::kTiffG4, OutputFormat::kPnm, OutputFormat::kPng}) {
    cfg_.binary_format = f;
    PageWork want = page(true);
    finish(want);
    ASSERT_TRUE(want.ok()) << want.message;
    const std::string rel = output(want, "binary");
    ASSERT_FALSE(rel.empty());
    const std::string want_bytes = read_all(fs::path(cfg_.outdir) / rel);
    fs::remove(fs::path(cfg_.outdir) / rel);

    PageWork w = page(false);
    w.binary_packed = storage.colRange(0, row);
    w.binary_packed_width = bin.cols;
    finish(w);
    ASSERT_TRUE(w.ok()) << w.message;
    EXPECT_EQ(output(w, "binary"), rel);
    EXPECT_EQ(output(w, "gray"), "");  // the packed page is the binary page
    EXPECT_TRUE(w.binary.empty());     // encoded from the packed rows
    EXPECT_EQ(read_all(fs::path(cfg_.outdir) / rel), want_bytes) << rel;
  }
}

TEST_F(Finish, AFailedPageIsLeftAlone) {
  PageWork w = page(true);
  w.fail(PageError::kCorrupt, "bad bytes");
  finish(w);
  EXPECT_EQ(w.error, PageError::kCorrupt);
  EXPECT_EQ(w.message, "bad bytes");
  EXPECT_FALSE(fs::exists(cfg_.outdir + "/vol/p1.tif"));
}

}  // namespace
}  // namespace pageprep::host
