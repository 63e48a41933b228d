/// \file batch_check.hpp
/// \brief The one set of argument checks every operation runs before it
/// enqueues: its BatchLimits at create(), its batches at run()/enqueue().
///
/// Both schedules of an operation call these (kernels/common/batch_check.cpp),
/// so the CPU and CUDA versions refuse the same arguments with the same codes:
/// - kInvalidArgument: a shape that is wrong whatever the operation was built
///   for (counts that differ, a negative size, an output size that differs, an
///   output that aliases its input where the operation cannot work in place,
///   limits that are not positive);
/// - kOutOfRange: a batch or page larger than the operation was built for.
/// Messages start with the operation's name and name the page.
#pragma once

#include "pageprep/kernels/batch.hpp"
#include "pageprep/kernels/status.hpp"

namespace pageprep::kernels {

/// What an operation demands of its batches beyond matching counts and sizes.
struct BatchRules {
  const char* op = "";                  ///< the operation's name, first in every message
  const BatchLimits* limits = nullptr;  ///< non-null: count and page sizes within these
  bool in_place = false;                ///< an output page may be its input page
};

/// Limits an operation is created for: every size positive (max_batch >= 1,
/// max_width and max_height >= 1), max_batch_pixels >= 0.
Status validate_limits(const char* op, const BatchLimits& limits);

/// One batch alone (the skew estimator's input; the pages despeckle and
/// border removal change in place): no negative size, and within rules.limits
/// when given.
Status validate_batch(ConstGrayBatch in, const BatchRules& rules);
Status validate_batch(GrayBatch pages, const BatchRules& rules);

/// An input and an output batch of the same pages: the input's checks, the
/// same count, each output page the size of its input page, and no aliasing
/// unless rules.in_place.
Status validate_batch(ConstGrayBatch in, GrayBatch out, const BatchRules& rules);

/// No output page overlaps any input page (for operations whose output
/// sizes differ from their input's, e.g. rotation).
Status validate_disjoint(const char* op, ConstGrayBatch in, GrayBatch out);

}  // namespace pageprep::kernels
