#include "io/page.hpp"

#include <opencv2/core.hpp>

#include <new>

namespace pageprep::host {

const char* error_code_name(PageError e) {
  switch (e) {
    case PageError::kNone:
      return "none";
    case PageError::kNotFound:
      return "not_found";
    case PageError::kUnreadable:
      return "unreadable";
    case PageError::kEmptyFile:
      return "empty_file";
    case PageError::kUnsupportedFormat:
      return "unsupported_format";
    case PageError::kCorrupt:
      return "corrupt";
    case PageError::kTooLarge:
      return "too_large";
    case PageError::kPreprocessFailed:
      return "preprocess_failed";
    case PageError::kOcrFailed:
      return "ocr_failed";
    case PageError::kWriteFailed:
      return "write_failed";
    case PageError::kOutputConflict:
      return "output_conflict";
    case PageError::kInternal:
      return "internal";
    case PageError::kOutOfMemory:
      return "out_of_memory";
    case PageError::kNoPages:
      return "no_pages";
    case PageError::kEncrypted:
      return "encrypted";
    case PageError::kInterrupted:
      return "interrupted";
    case PageError::kTimeLimit:
      return "time_limit";
    case PageError::kMemoryLimit:
      return "memory_limit";
  }
  return "internal";
}

PageError error_for_exception(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e)) return PageError::kOutOfMemory;
  if (const auto* cv_error = dynamic_cast<const cv::Exception*>(&e);
      cv_error && cv_error->code == cv::Error::StsNoMem)
    return PageError::kOutOfMemory;
  return PageError::kInternal;
}

const char* dpi_source_name(DpiSource s) {
  switch (s) {
    case DpiSource::kFile:
      return "file";
    case DpiSource::kEstimated:
      return "estimated";
    case DpiSource::kDefault:
      return "default";
    case DpiSource::kOption:
      return "option";
  }
  return "default";
}

}  // namespace pageprep::host
