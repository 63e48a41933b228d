// The device JPEG decoder's construction without nvJPEG (io/nvjpeg_decoder.hpp):
// no library, or a library without the entry points, gives no decoder and
// the loader's reason, so the caller decodes on the CPU. Built where nvjpeg.h
// was found (the decoder is compiled only then); decoding itself is tested on
// a device by tests/parity/test_nvjpeg_parity.cpp.
#include <gtest/gtest.h>

#if defined(PAGEPREP_HAVE_NVJPEG) && defined(PAGEPREP_HAVE_CUDA)
#include "io/nvjpeg_decoder.hpp"

namespace pageprep {
namespace {

TEST(NvjpegDecoder, NoLibraryMeansNoDecoderAndTheLoadersReason) {
  const host::LoadedSymbols absent =
      host::load_symbols({"libpageprep-absent-nvjpeg.so.13"}, host::nvjpeg_symbol_names());
  std::string why;
  EXPECT_EQ(host::NvjpegDecoder::create(absent, &why), nullptr);
  EXPECT_EQ(why, absent.error);
  EXPECT_NE(why.find("libpageprep-absent-nvjpeg.so.13"), std::string::npos) << why;
}

TEST(NvjpegDecoder, ALibraryWithTooFewEntryPointsIsRefused) {
  // libm loads and has cos: a loaded library, but not the six entry points.
  const host::LoadedSymbols wrong = host::load_symbols({"libm.so.6"}, {"cos"});
  ASSERT_TRUE(wrong.ok()) << wrong.error;
  std::string why;
  EXPECT_EQ(host::NvjpegDecoder::create(wrong, &why), nullptr);
  EXPECT_FALSE(why.empty());
}

}  // namespace
}  // namespace pageprep
#endif
