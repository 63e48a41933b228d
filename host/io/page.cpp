#include "io/page.hpp"

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
    case PageError::kEncrypted:
      return "encrypted";
  }
  return "internal";
}

}  // namespace pageprep::host
