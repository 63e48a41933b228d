// The argument checks shared by every operation and both schedules.
#include "pageprep/kernels/batch_check.hpp"

#include <cstdint>
#include <string>

namespace pageprep::kernels {
namespace {

Status fail(StatusCode code, const char* op, const std::string& what) {
  return {code, std::string(op) + ": " + what};
}

std::string page(int32_t i) {
  return "page " + std::to_string(i);
}

/// The bytes a page's rows span, [first, last).
struct Span {
  uintptr_t first = 0, last = 0;
};
template <typename T>
Span span_of(const ImageView<T>& v) {
  const auto first = reinterpret_cast<uintptr_t>(v.data);
  return {first, first + static_cast<uintptr_t>((v.height - 1) * v.pitch + v.width)};
}

template <typename T>
Status check_one(BatchView<T> in, const BatchRules& rules) {
  if (in.count < 0 || (in.count > 0 && !in.pages))
    return fail(StatusCode::kInvalidArgument, rules.op, "malformed batch");
  if (rules.limits && in.count > rules.limits->max_batch)
    return fail(StatusCode::kOutOfRange, rules.op,
                "batch of " + std::to_string(in.count) + " pages is larger than the " +
                    std::to_string(rules.limits->max_batch) + " the operation was built for");
  for (int32_t i = 0; i < in.count; ++i) {
    if (in[i].width < 0 || in[i].height < 0)
      return fail(StatusCode::kInvalidArgument, rules.op, page(i) + " has a negative size");
    if (rules.limits &&
        (in[i].width > rules.limits->max_width || in[i].height > rules.limits->max_height))
      return fail(StatusCode::kOutOfRange, rules.op,
                  page(i) + " (" + std::to_string(in[i].width) + "x" +
                      std::to_string(in[i].height) + ") exceeds the operation's size limits");
  }
  return Status::ok();
}

}  // namespace

Status validate_limits(const char* op, const BatchLimits& limits) {
  if (limits.max_batch < 1 || limits.max_width < 1 || limits.max_height < 1 ||
      limits.max_batch_pixels < 0)
    return fail(StatusCode::kInvalidArgument, op,
                "batch limits must be positive (max_batch " + std::to_string(limits.max_batch) +
                    ", max_width " + std::to_string(limits.max_width) + ", max_height " +
                    std::to_string(limits.max_height) + ")");
  return Status::ok();
}
Status validate_batch(ConstGrayBatch in, const BatchRules& rules) {
  return check_one(in, rules);
}
Status validate_batch(GrayBatch pages, const BatchRules& rules) {
  return check_one(pages, rules);
}

Status validate_batch(ConstGrayBatch in, GrayBatch out, const BatchRules& rules) {
  if (in.count != out.count)
    return fail(StatusCode::kInvalidArgument, rules.op, "input and output batches differ in size");
  PAGEPREP_RETURN_IF_ERROR(validate_batch(in, rules));
  if (out.count > 0 && !out.pages)
    return fail(StatusCode::kInvalidArgument, rules.op, "malformed batch");
  for (int32_t i = 0; i < in.count; ++i)
    if (in[i].width != out[i].width || in[i].height != out[i].height)
      return fail(StatusCode::kInvalidArgument, rules.op,
                  page(i) + " output size differs from input");
  return rules.in_place ? Status::ok() : validate_disjoint(rules.op, in, out);
}

Status validate_disjoint(const char* op, ConstGrayBatch in, GrayBatch out) {
  // No output page may overlap any input page (batches are small: the pairs
  // cost nothing beside the pixels).
  for (int32_t i = 0; i < out.count; ++i) {
    if (out[i].empty()) continue;
    const Span o = span_of(out[i]);
    for (int32_t j = 0; j < in.count; ++j) {
      if (in[j].empty()) continue;
      const Span s = span_of(in[j]);
      if (o.first < s.last && s.first < o.last)
        return fail(StatusCode::kInvalidArgument, op,
                    "output " + page(i) + " overlaps input " + page(j) +
                        " (the operation cannot work in place)");
    }
  }
  return Status::ok();
}

}  // namespace pageprep::kernels
