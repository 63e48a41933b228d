// nvJPEG to gray in device memory (nvjpeg_decoder.hpp). The entry points come
// from the dlopen'ed library (nvjpeg_library.cpp), cast to the header's types;
// nothing here links against libnvjpeg.
#if defined(PAGEPREP_HAVE_NVJPEG) && defined(PAGEPREP_HAVE_CUDA)

#include "io/nvjpeg_decoder.hpp"

#include <nvjpeg.h>

namespace pageprep::host {
namespace {

struct Api {
  decltype(&nvjpegCreateSimple) create_simple = nullptr;
  decltype(&nvjpegDestroy) destroy = nullptr;
  decltype(&nvjpegJpegStateCreate) state_create = nullptr;
  decltype(&nvjpegJpegStateDestroy) state_destroy = nullptr;
  decltype(&nvjpegGetImageInfo) get_image_info = nullptr;
  decltype(&nvjpegDecode) decode = nullptr;
};

template <typename F>
F as_fn(const LoadedSymbols& lib, int i) {
  return reinterpret_cast<F>(lib.symbols[static_cast<size_t>(i)]);
}

std::string status_text(nvjpegStatus_t s) {
  switch (s) {
    case NVJPEG_STATUS_NOT_INITIALIZED:
      return "not initialized";
    case NVJPEG_STATUS_INVALID_PARAMETER:
      return "invalid parameter";
    case NVJPEG_STATUS_BAD_JPEG:
      return "bad JPEG";
    case NVJPEG_STATUS_JPEG_NOT_SUPPORTED:
      return "JPEG not supported";
    case NVJPEG_STATUS_ALLOCATOR_FAILURE:
      return "allocator failure";
    case NVJPEG_STATUS_EXECUTION_FAILED:
      return "execution failed";
    case NVJPEG_STATUS_ARCH_MISMATCH:
      return "architecture mismatch";
    case NVJPEG_STATUS_INTERNAL_ERROR:
      return "internal error";
    case NVJPEG_STATUS_IMPLEMENTATION_NOT_SUPPORTED:
      return "implementation not supported";
    default:
      return "status " + std::to_string(static_cast<int>(s));
  }
}

// What the stream's bytes cause is a refusal (decode on the CPU); what the
// device or the library's machinery causes is a fault.
bool is_refusal(nvjpegStatus_t s) {
  return s == NVJPEG_STATUS_BAD_JPEG || s == NVJPEG_STATUS_JPEG_NOT_SUPPORTED ||
         s == NVJPEG_STATUS_INVALID_PARAMETER || s == NVJPEG_STATUS_IMPLEMENTATION_NOT_SUPPORTED;
}

}  // namespace

struct NvjpegDecoder::Impl {
  Api api;
  nvjpegHandle_t handle = nullptr;
  nvjpegJpegState_t state = nullptr;
};

NvjpegDecoder::NvjpegDecoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

NvjpegDecoder::~NvjpegDecoder() {
  if (impl_->state) impl_->api.state_destroy(impl_->state);
  if (impl_->handle) impl_->api.destroy(impl_->handle);
}

std::unique_ptr<NvjpegDecoder> NvjpegDecoder::create(const LoadedSymbols& lib, std::string* why) {
  if (!lib.ok() || lib.symbols.size() != static_cast<size_t>(kNvjpegSymbolCount)) {
    *why = lib.error.empty() ? std::string("nvJPEG is not loaded") : lib.error;
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  Api& a = impl->api;
  a.create_simple = as_fn<decltype(a.create_simple)>(lib, kNvjpegCreateSimple);
  a.destroy = as_fn<decltype(a.destroy)>(lib, kNvjpegDestroy);
  a.state_create = as_fn<decltype(a.state_create)>(lib, kNvjpegJpegStateCreate);
  a.state_destroy = as_fn<decltype(a.state_destroy)>(lib, kNvjpegJpegStateDestroy);
  a.get_image_info = as_fn<decltype(a.get_image_info)>(lib, kNvjpegGetImageInfo);
  a.decode = as_fn<decltype(a.decode)>(lib, kNvjpegDecode);
  nvjpegStatus_t s = a.create_simple(&impl->handle);
  if (s != NVJPEG_STATUS_SUCCESS) {
    impl->handle = nullptr;
    *why = "nvjpegCreateSimple: " + status_text(s);
    return nullptr;
  }
  s = a.state_create(impl->handle, &impl->state);
  if (s != NVJPEG_STATUS_SUCCESS) {
    impl->state = nullptr;
    a.destroy(impl->handle);
    impl->handle = nullptr;
    *why = "nvjpegJpegStateCreate: " + status_text(s);
    return nullptr;
  }
  return std::unique_ptr<NvjpegDecoder>(new NvjpegDecoder(std::move(impl)));
}

NvjpegResult NvjpegDecoder::decode_gray(const uint8_t* data, size_t size, uint8_t* dst,
                                        size_t pitch, int32_t width, int32_t height,
                                        cudaStream_t stream) {
  const Api& a = impl_->api;
  if (!dst || width <= 0 || height <= 0 || pitch < static_cast<size_t>(width))
    return {NvjpegOutcome::kRefused, "nvJPEG: no destination for the page"};
  int components = 0;
  nvjpegChromaSubsampling_t subsampling{};
  int widths[NVJPEG_MAX_COMPONENT] = {};
  int heights[NVJPEG_MAX_COMPONENT] = {};
  nvjpegStatus_t s =
      a.get_image_info(impl_->handle, data, size, &components, &subsampling, widths, heights);
  if (s != NVJPEG_STATUS_SUCCESS)
    return {is_refusal(s) ? NvjpegOutcome::kRefused : NvjpegOutcome::kDeviceFault,
            "nvjpegGetImageInfo: " + status_text(s)};
  if (widths[0] != width || heights[0] != height)
    return {NvjpegOutcome::kRefused, "nvJPEG reads " + std::to_string(widths[0]) + "x" +
                                         std::to_string(heights[0]) + ", the header " +
                                         std::to_string(width) + "x" + std::to_string(height)};
  nvjpegImage_t out{};
  out.channel[0] = dst;
  out.pitch[0] = pitch;
  s = a.decode(impl_->handle, impl_->state, data, size, NVJPEG_OUTPUT_Y, &out, stream);
  if (s != NVJPEG_STATUS_SUCCESS)
    return {is_refusal(s) ? NvjpegOutcome::kRefused : NvjpegOutcome::kDeviceFault,
            "nvjpegDecode: " + status_text(s)};
  // A launch error surfaces here; an execution error at the caller's event or
  // stream wait, which must treat it as a fault of this page too.
  const cudaError_t e = cudaPeekAtLastError();
  if (e != cudaSuccess)
    return {NvjpegOutcome::kDeviceFault, std::string("nvJPEG: ") + cudaGetErrorString(e)};
  return {NvjpegOutcome::kOk, ""};
}

}  // namespace pageprep::host

#endif  // PAGEPREP_HAVE_NVJPEG && PAGEPREP_HAVE_CUDA
