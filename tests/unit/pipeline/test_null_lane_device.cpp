// The null lane device (host/pipeline/null_lane_device.hpp): pages pass the
// pipelined executor with the results a device would download (the packed
// binary of the first page of that size, thresholded, the gray when asked), batches retire in
// order, and every packed buffer comes back to the pool once unpacked.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <memory>
#include <vector>

#include "pipeline/executor.hpp"
#include "pipeline/null_lane_device.hpp"
#include "pipeline/pipelined_executor.hpp"

namespace pageprep::host {
namespace {

/// Fails the test if any page reaches it: the null device never retries.
class NoCpu final : public Executor {
 public:
  std::string name() const override { return "cpu"; }
  int in_flight() const override { return 0; }
  void submit(PageBatch b) override {
    for (PageWork* p : b)
      if (p->ok()) ADD_FAILURE() << "page retried on the CPU";
  }
  bool retire(bool, PageBatch*) override { return false; }
};

std::vector<std::unique_ptr<PageWork>> pages(int n, int w, int h) {
  std::vector<std::unique_ptr<PageWork>> v;
  for (int i = 0; i < n; ++i) {
    auto p = std::make_unique<PageWork>();
    // Ink in the left 5 columns, paper in the rest (the gray differs per page).
    p->decoded.gray = cv::Mat(h, w, CV_8UC1, cv::Scalar(200 + i));
    p->decoded.gray.colRange(0, std::min(5, w)).setTo(20 + i);
    p->specks_removed = -1;  // poisoned: the device must set it
    v.push_back(std::move(p));
  }
  return v;
}

void run(bool gray) {
  NullDeviceOptions o;
  o.lanes = 2;
  o.lane_pages = 3;
  o.download_gray = gray;
  auto device = std::make_unique<NullLaneDevice>(o);
  NullLaneDevice* dev = device.get();
  PipelinedExecutor ex(std::move(device), std::make_unique<NoCpu>());
  EXPECT_EQ(ex.name().find("null"), 0u) << ex.name();

  // Odd width: the packed rows round up to whole bytes.
  auto all = pages(11, 13, 7);
  std::vector<PageBatch> submitted;
  for (size_t i = 0; i < all.size(); i += 4) {
    PageBatch b;
    for (size_t j = i; j < std::min(all.size(), i + 4); ++j) b.push_back(all[j].get());
    submitted.push_back(b);
  }
  std::vector<PageBatch> retired;
  for (const PageBatch& b : submitted) {
    while (ex.in_flight() >= ex.max_in_flight()) {
      PageBatch d;
      ASSERT_TRUE(ex.retire(true, &d));
      retired.push_back(d);
    }
    ex.submit(b);
  }
  PageBatch d;
  while (ex.retire(true, &d)) retired.push_back(d);
  ASSERT_EQ(retired, submitted);  // in submission order, nothing lost

  EXPECT_EQ(dev->buffers_out(), 11);
  for (auto& p : all) {
    ASSERT_TRUE(p->ok()) << p->message;
    EXPECT_EQ(p->executor, "null");
    EXPECT_EQ(p->specks_removed, 0);
    EXPECT_EQ(p->binary_packed.cols, 2);
    EXPECT_EQ(p->binary_packed_width, 13);
    unpack_results(*p);
    ASSERT_EQ(p->binary.size(), cv::Size(13, 7));
    // The page size's binary page: the first page thresholded at mid-gray.
    EXPECT_EQ(cv::countNonZero(p->binary.colRange(0, 5) == 0), 5 * 7);
    EXPECT_EQ(cv::countNonZero(p->binary.colRange(5, 13) == 255), 8 * 7);
    if (gray) {
      ASSERT_EQ(p->gray.size(), cv::Size(13, 7));
      EXPECT_EQ(cv::countNonZero(p->gray != p->decoded.gray), 0);
    } else {
      EXPECT_TRUE(p->gray.empty());
    }
  }
  EXPECT_EQ(dev->buffers_out(), 0);  // every buffer back in the pool
}

TEST(NullLaneDevice, PagesGetBlankPackedResultsInOrder) {
  run(false);
}
TEST(NullLaneDevice, GivesTheGrayWhenAsked) {
  run(true);
}

}  // namespace
}  // namespace pageprep::host
