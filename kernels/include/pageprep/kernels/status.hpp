/// \file status.hpp
/// \brief The error type of kernels/: library code returns a Status and never
/// throws across its API (house style §3).
#pragma once

#include <string>
#include <utility>

namespace pageprep::kernels {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  ///< bad parameters or image shapes
  kOutOfRange,       ///< a page exceeds the sizes the operation was built for
  kNoDevice,         ///< CUDA requested where no device is present
  kCudaError,        ///< a CUDA runtime call or launch failed
  kOutOfMemory,      ///< host or device allocation failed
  kInternal,
};

/// \brief Code plus human-readable message. Cheap when ok.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

/// Propagates a non-ok Status to the caller.
#define PAGEPREP_RETURN_IF_ERROR(expr)       \
  do {                                       \
    ::pageprep::kernels::Status s_ = (expr); \
    if (!s_.is_ok()) return s_;              \
  } while (0)

}  // namespace pageprep::kernels
