/// \file printers.hpp
/// \brief GoogleTest printers for enum parameters, so parameterized tests are
/// listed by name (e.g. "kRgb8") rather than as raw bytes in ctest.
#pragma once

#include <ostream>

#include "pageprep/kernels/binarize.hpp"
#include "pageprep/kernels/gray.hpp"

namespace pageprep::kernels {

inline void PrintTo(PixelFormat f, std::ostream* os) {
  static const char* const kNames[] = {"kGray8", "kGray16", "kRgb8", "kBgr8", "kRgba8", "kBgra8"};
  const int i = static_cast<int>(f);
  *os << (i >= 0 && i < 6 ? kNames[i] : "unknown");
}

inline void PrintTo(BinarizeMethod m, std::ostream* os) {
  *os << (m == BinarizeMethod::kOtsu      ? "kOtsu"
          : m == BinarizeMethod::kSauvola ? "kSauvola"
                                          : "kWolf");
}

}  // namespace pageprep::kernels
