/// \file nvjpeg_library.hpp
/// \brief nvJPEG loaded at run time (dlopen), so pageprep never gains a hard
/// dependency on it: no library, or one without an entry point we need, means
/// JPEG pages decode on the CPU (libjpeg), with one warning line.
///
/// The loader needs no nvJPEG header: it resolves the entry points as plain
/// addresses. The device decoder (nvjpeg_decoder.hpp, built only where
/// nvjpeg.h was found: PAGEPREP_HAVE_NVJPEG) casts them to the header's types.
/// A library is loaded once per process and never unloaded.
#pragma once

#include <string>
#include <vector>

namespace pageprep::host {

/// A shared library and the addresses of the symbols asked for, in order.
struct LoadedSymbols {
  void* handle = nullptr;      ///< dlopen's handle; nullptr when not loaded
  std::string loaded_name;     ///< the name from the list that loaded
  std::vector<void*> symbols;  ///< one per requested symbol, all non-null when ok()
  std::string error;           ///< "" when ok(): which names were tried, what was missing
  bool ok() const { return handle != nullptr && error.empty(); }
};

/// Tries `names` in order (dlopen's search: LD_LIBRARY_PATH, the cache, ...)
/// and resolves every one of `symbols` in the first that loads. A library
/// that loads but lacks a symbol is closed again and the error names the
/// symbol; later names are not tried (they would be the same library).
LoadedSymbols load_symbols(const std::vector<std::string>& names,
                           const std::vector<std::string>& symbols);

/// The nvJPEG entry points the device decoder uses, in LoadedSymbols order.
enum NvjpegSymbol : int {
  kNvjpegCreateSimple = 0,
  kNvjpegDestroy,
  kNvjpegJpegStateCreate,
  kNvjpegJpegStateDestroy,
  kNvjpegGetImageInfo,
  kNvjpegDecode,
  kNvjpegSymbolCount
};
const std::vector<std::string>& nvjpeg_symbol_names();
/// libnvjpeg.so.13 (the CUDA 13 soname), then libnvjpeg.so.
const std::vector<std::string>& nvjpeg_library_names();

/// nvJPEG, loaded on the first call (thread-safe); the same object after.
const LoadedSymbols& nvjpeg_library();

/// Which JPEG decoder a run uses, and the one warning line when it is not
/// the device's although the run has device lanes.
struct JpegDecoderChoice {
  std::string decoder;  ///< "nvjpeg" or "libjpeg" (run.json's jpeg_decoder)
  std::string warning;  ///< "" or one line for stderr
};
/// `device_lanes`: the run's executor is the CUDA one; `built_with_nvjpeg`:
/// this build has the device decoder (PAGEPREP_HAVE_NVJPEG).
JpegDecoderChoice choose_jpeg_decoder(bool device_lanes, bool built_with_nvjpeg,
                                      const LoadedSymbols& library);

}  // namespace pageprep::host
