/// \file nvjpeg_decoder.hpp
/// \brief A JPEG page decoded by nvJPEG straight to gray (NVJPEG_OUTPUT_Y: the
/// luma plane) into device memory, so the host never holds the 8-bit page.
/// Built only where nvjpeg.h was found (PAGEPREP_HAVE_NVJPEG); the library
/// itself is loaded at run time (nvjpeg_library.hpp).
///
/// Who calls it: a decode thread that owns one decoder (an nvJPEG handle and
/// state are not shared between threads), for a page that route_jpeg()
/// (jpeg_route.hpp) sent to the device, into a lane's device buffer.
///
/// Outcomes, and what the caller must do:
///   - kOk: the gray page is in `dst` once `stream` reaches this point;
///   - kRefused: nvJPEG will not or cannot decode these bytes (bad or
///     unsupported stream, size differing from the header): decode the page
///     on the CPU (codec_jpeg.cpp). Never a failed or blank page;
///   - kDeviceFault: a CUDA or nvJPEG execution error: the device's state is
///     unknown, as for a faulted lane job (issue 19 item 1): the page is
///     retried on the CPU or failed, never reported ok from `dst`.
///
/// Gray tolerance against the CPU path (libjpeg's RGB -> the gray kernel):
/// nvJPEG returns the stored luma, the CPU path recomputes it from rounded,
/// clamped RGB, and the two IDCTs differ. The colour half is measured on the
/// CPU (tests/unit/io/test_jpeg_luma.cpp: gray JPEGs exact; real colour scans
/// mean |d| <= 0.0055, <= 0.03 % of pixels off by more than 2, max 9 where
/// saturated colours clamp). The parity test (tests/parity/test_nvjpeg_parity.cpp)
/// allows mean |d| <= 0.5, <= 1 % of pixels off by more than 3, max 32.
/// The IDCT half is NOT YET MEASURED: nothing here has run on a GPU.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "io/nvjpeg_library.hpp"

namespace pageprep::host {

enum class NvjpegOutcome { kOk, kRefused, kDeviceFault };

struct NvjpegResult {
  NvjpegOutcome outcome = NvjpegOutcome::kRefused;
  std::string message;  ///< "" when kOk
};

class NvjpegDecoder {
 public:
  /// nullptr, with the reason in `*why`, when the library is not loaded or
  /// nvJPEG cannot make a handle (no device, driver too old).
  static std::unique_ptr<NvjpegDecoder> create(const LoadedSymbols& library, std::string* why);
  ~NvjpegDecoder();
  NvjpegDecoder(const NvjpegDecoder&) = delete;
  NvjpegDecoder& operator=(const NvjpegDecoder&) = delete;

  /// Decodes `data` to gray rows of `width` bytes, `pitch` bytes apart, at the
  /// device address `dst` (at least pitch * height bytes), on `stream`.
  /// `width` and `height` come from the header (route_jpeg); a stream whose
  /// size differs is refused before anything is written.
  NvjpegResult decode_gray(const uint8_t* data, size_t size, uint8_t* dst, size_t pitch,
                           int32_t width, int32_t height, cudaStream_t stream);

 private:
  struct Impl;
  explicit NvjpegDecoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pageprep::host
