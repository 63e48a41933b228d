// The argument checks every operation shares (batch_check.hpp): one rule for
// limits, counts, sizes and aliasing, on both schedules.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "pageprep/kernels/deskew.hpp"

namespace pageprep::kernels {
namespace {

std::vector<uint8_t> pixels(size_t n) {
  return std::vector<uint8_t>(n, 200);
}

TEST(BatchCheck, LimitsMustBePositiveForEveryOperation) {
  EXPECT_TRUE(validate_limits("op", BatchLimits{}).is_ok());
  for (const BatchLimits bad :
       {BatchLimits{0, 10, 10}, BatchLimits{1, 0, 10}, BatchLimits{1, 10, 0},
        BatchLimits{-1, 10, 10}, BatchLimits{1, 10, 10, -5}}) {
    const Status st = validate_limits("op", bad);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(st.message().rfind("op: ", 0), 0u) << st.message();
  }
  // Before, binarize accepted max_width 0 while skew refused it; both refuse now.
  std::unique_ptr<cpu::Binarize> bin;
  EXPECT_EQ(cpu::Binarize::create({}, BatchLimits{4, 0, 100}, &bin).code(),
            StatusCode::kInvalidArgument);
  std::unique_ptr<cpu::SkewEstimator> skew;
  EXPECT_EQ(cpu::SkewEstimator::create({}, BatchLimits{4, 0, 100}, &skew).code(),
            StatusCode::kInvalidArgument);
}

TEST(BatchCheck, CountsSizesAndLimitsGiveTheirCodes) {
  auto a = pixels(64 * 64), b = pixels(64 * 64);
  const ConstGrayView in{a.data(), 64, 64, 64};
  const GrayView out{b.data(), 64, 64, 64};
  const BatchLimits lim{1, 64, 64};
  const BatchRules rules{"op", &lim};
  EXPECT_TRUE(validate_batch(ConstGrayBatch{&in, 1}, GrayBatch{&out, 1}, rules).is_ok());
  EXPECT_TRUE(validate_batch(ConstGrayBatch{}, GrayBatch{}, rules).is_ok());  // empty batch
  EXPECT_EQ(validate_batch(ConstGrayBatch{&in, 1}, GrayBatch{}, rules).code(),
            StatusCode::kInvalidArgument);
  const GrayView narrow{b.data(), 63, 64, 64};
  EXPECT_EQ(validate_batch(ConstGrayBatch{&in, 1}, GrayBatch{&narrow, 1}, rules).code(),
            StatusCode::kInvalidArgument);
  const ConstGrayView negative{a.data(), -1, 64, 64};
  EXPECT_EQ(validate_batch(ConstGrayBatch{&negative, 1}, rules).code(),
            StatusCode::kInvalidArgument);
  const BatchLimits small{1, 32, 64};
  EXPECT_EQ(validate_batch(ConstGrayBatch{&in, 1}, BatchRules{"op", &small}).code(),
            StatusCode::kOutOfRange);
  const ConstGrayView two[2] = {in, in};
  EXPECT_EQ(validate_batch(ConstGrayBatch{two, 2}, rules).code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(validate_batch(ConstGrayBatch{two, 2}, BatchRules{"op"}).is_ok());  // no limits
}

TEST(BatchCheck, AnOutputThatOverlapsAnInputIsRefusedUnlessInPlace) {
  auto a = pixels(64 * 80);
  const ConstGrayView in{a.data(), 64, 64, 64};
  const GrayView same{a.data(), 64, 64, 64};
  const GrayView shifted{a.data() + 64 * 10, 64, 64, 64};  // overlaps rows 10..63
  const GrayView after{a.data() + 64 * 64, 64, 16, 64};    // the bytes after the page
  const ConstGrayView in16{a.data(), 64, 16, 64};
  for (const GrayView& out : {same, shifted}) {
    EXPECT_EQ(validate_batch(ConstGrayBatch{&in, 1}, GrayBatch{&out, 1}, {"op"}).code(),
              StatusCode::kInvalidArgument);
    EXPECT_TRUE(
        validate_batch(ConstGrayBatch{&in, 1}, GrayBatch{&out, 1}, {"op", nullptr, true}).is_ok());
  }
  EXPECT_TRUE(validate_batch(ConstGrayBatch{&in16, 1}, GrayBatch{&after, 1}, {"op"}).is_ok());
  // Across pages: output 1 on input 0.
  const ConstGrayView ins[2] = {in16, {a.data() + 64 * 64, 64, 16, 64}};
  const GrayView outs[2] = {{a.data() + 64 * 64, 64, 16, 64}, {a.data(), 64, 16, 64}};
  EXPECT_EQ(validate_batch(ConstGrayBatch{ins, 2}, GrayBatch{outs, 2}, {"op"}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(validate_disjoint("rotate", ConstGrayBatch{&in, 1}, GrayBatch{&shifted, 1}).code(),
            StatusCode::kInvalidArgument);
}

TEST(BatchCheck, BinarizeRefusesToWorkInPlaceAsItsContractSays) {
  // binarize.hpp: "Input and output may not alias"; before the shared check
  // it never looked, and a page binarized over itself read its own output.
  auto a = pixels(32 * 32);
  const ConstGrayView in{a.data(), 32, 32, 32};
  const GrayView out{a.data(), 32, 32, 32};
  std::unique_ptr<cpu::Binarize> op;
  ASSERT_TRUE(cpu::Binarize::create({}, BatchLimits{1, 32, 32}, &op).is_ok());
  cpu::ThreadPool pool(1);
  const Status st = op->run(pool, ConstGrayBatch{&in, 1}, GrayBatch{&out, 1});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.message();
}

}  // namespace
}  // namespace pageprep::kernels
