// turn_upright: a page found turned a quarter is turned back (checked against
// OpenCV's own rotation of the upright page), preprocessed again on a CPU
// executor made once and reused, and says so; a page whose source is gone is
// an error (issue 23 item 7). OSD itself is tested in test_orientation.cpp.
#include <gtest/gtest.h>

#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "model/page_work.hpp"
#include "pipeline/executor.hpp"
#include "pipeline/orientation_step.hpp"

namespace pageprep::host {
namespace {

// Upright: text-like bars, and a mark in the top-left corner only.
cv::Mat upright_page() {
  cv::Mat m(400, 300, CV_8UC1, cv::Scalar(235));
  for (int y = 60; y < 360; y += 24) m(cv::Rect(30, y, 240, 8)).setTo(30);
  m(cv::Rect(0, 0, 20, 20)).setTo(0);
  return m;
}

PageWork turned_page(cv::RotateFlags how) {
  PageWork w;
  w.id.input = "t.png";
  w.stem = "t";
  w.decoded.dpi_x = w.decoded.dpi_y = 300;
  cv::rotate(upright_page(), w.decoded.gray, how);
  w.gray = w.decoded.gray.clone();  // what the first, sideways preprocessing left
  w.executor = "cpu";
  w.skew_note = "sideways note";
  return w;
}

TEST(TurnUpright, APageTurnedCounterClockwiseComesBackUprightAndIsPreprocessedAgain) {
  PageWork w = turned_page(cv::ROTATE_90_COUNTERCLOCKWISE);  // content turned +90 (CCW)
  std::unique_ptr<Executor> redo;
  std::string error;
  ASSERT_TRUE(turn_upright(w, 90, StepConfig{}, redo, &error)) << error;
  EXPECT_EQ(w.upright_turn_deg, -90);
  EXPECT_EQ(cv::countNonZero(w.decoded.gray != upright_page()), 0);
  EXPECT_EQ(w.gray.size(), upright_page().size());
  EXPECT_TRUE(!w.binary.empty() || !w.binary_packed.empty());
  EXPECT_EQ(w.executor, "cpu + cpu (after orientation)");
  EXPECT_NE(w.skew_note, "sideways note");  // the first pass's findings are gone
  EXPECT_TRUE(w.ok()) << w.message;
  ASSERT_NE(redo, nullptr);

  // The executor is made once: a second page reuses it.
  Executor* first = redo.get();
  PageWork w2 = turned_page(cv::ROTATE_90_CLOCKWISE);  // content turned -90 (270 CCW)
  ASSERT_TRUE(turn_upright(w2, 270, StepConfig{}, redo, &error)) << error;
  EXPECT_EQ(redo.get(), first);
  EXPECT_EQ(cv::countNonZero(w2.decoded.gray != upright_page()), 0);
}

TEST(TurnUpright, AHalfTurnIsUndoneToo) {
  PageWork w = turned_page(cv::ROTATE_180);
  std::unique_ptr<Executor> redo;
  std::string error;
  ASSERT_TRUE(turn_upright(w, 180, StepConfig{}, redo, &error)) << error;
  EXPECT_EQ(cv::countNonZero(w.decoded.gray != upright_page()), 0);
}

TEST(TurnUpright, WithoutTheSourceItIsAnErrorAndThePageIsUntouched) {
  PageWork w = turned_page(cv::ROTATE_90_COUNTERCLOCKWISE);
  w.decoded.gray.release();
  const cv::Mat before = w.gray.clone();
  std::unique_ptr<Executor> redo;
  std::string error;
  EXPECT_FALSE(turn_upright(w, 90, StepConfig{}, redo, &error));
  EXPECT_NE(error.find("no longer held"), std::string::npos) << error;
  EXPECT_EQ(w.upright_turn_deg, 0);
  EXPECT_EQ(cv::countNonZero(w.gray != before), 0);
  EXPECT_EQ(w.executor, "cpu");
}

}  // namespace
}  // namespace pageprep::host
