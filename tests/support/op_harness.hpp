/// \file op_harness.hpp
/// \brief Creating a CPU operation object and running it on one page, for the
/// unit tests of gray-to-gray operations (create(params, limits, &op) and
/// run(pool, in, out, page_dpi)).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/cpu/thread_pool.hpp"
#include "support/random_image.hpp"

namespace pageprep::testsupport {

template <typename Op, typename Params>
std::unique_ptr<Op> make_cpu_op(const Params& p, kernels::BatchLimits limits = {}) {
  std::unique_ptr<Op> op;
  const auto st = Op::create(p, limits, &op);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return op;
}

/// Runs `op` on `src` into a fresh output poisoned with kPoison, `pad` bytes per row.
template <typename Op>
OwnedImage run_one_page(Op& op, kernels::cpu::ThreadPool& pool, const OwnedImage& src, int32_t pad,
                        float dpi) {
  OwnedImage dst(src.width, src.height, 1, pad, kPoison);
  std::vector<kernels::ConstGrayView> in{src.cview()};
  std::vector<kernels::GrayView> out{dst.view()};
  const auto st = op.run(pool, batch_of(in), batch_of(out), &dpi);
  EXPECT_TRUE(st.is_ok()) << st.message();
  return dst;
}

}  // namespace pageprep::testsupport
