// nvJPEG by dlopen (io/nvjpeg_library.hpp): the loader's absent-library and
// missing-symbol paths give a clear error and leave nothing loaded; the
// decoder choice falls back to libjpeg with one warning line.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "io/nvjpeg_library.hpp"

namespace pageprep {
namespace {

using host::choose_jpeg_decoder;
using host::load_symbols;
using host::LoadedSymbols;

TEST(NvjpegLibrary, AbsentLibraryIsAClearErrorNamingWhatWasTried) {
  const LoadedSymbols r =
      load_symbols({"libpageprep-absent-a.so.13", "libpageprep-absent-b.so"}, {"nvjpegDecode"});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.handle, nullptr);
  EXPECT_TRUE(r.symbols.empty());
  EXPECT_NE(r.error.find("libpageprep-absent-a.so.13"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("libpageprep-absent-b.so"), std::string::npos) << r.error;
  EXPECT_FALSE(load_symbols({}, {"x"}).ok());
}

TEST(NvjpegLibrary, ALibraryLackingAnEntryPointIsRefusedByName) {
  // libm loads everywhere and has cos but no nvJPEG.
  const LoadedSymbols r = load_symbols({"libm.so.6"}, {"cos", "nvjpegCreateSimple"});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.handle, nullptr);
  EXPECT_EQ(r.error, "libm.so.6 lacks nvjpegCreateSimple");
}

TEST(NvjpegLibrary, TheFirstNameThatLoadsGivesEveryAddress) {
  const LoadedSymbols r = load_symbols({"libpageprep-absent.so", "libm.so.6"}, {"cos", "sin"});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.loaded_name, "libm.so.6");
  ASSERT_EQ(r.symbols.size(), 2u);
  using Fn = double (*)(double);
  EXPECT_EQ(reinterpret_cast<Fn>(r.symbols[0])(0.0), 1.0);
  EXPECT_EQ(reinterpret_cast<Fn>(r.symbols[1])(0.0), 0.0);
}

TEST(NvjpegLibrary, TheEntryPointListMatchesItsEnum) {
  EXPECT_EQ(host::nvjpeg_symbol_names().size(), static_cast<size_t>(host::kNvjpegSymbolCount));
  EXPECT_EQ(host::nvjpeg_symbol_names()[host::kNvjpegDecode], "nvjpegDecode");
  EXPECT_EQ(host::nvjpeg_library_names().front(), "libnvjpeg.so.13");
  // Loaded once: the same object on every call, ok or with its reason.
  const LoadedSymbols& a = host::nvjpeg_library();
  EXPECT_EQ(&a, &host::nvjpeg_library());
  EXPECT_TRUE(a.ok() || !a.error.empty());
}

TEST(NvjpegLibrary, TheChoiceFallsBackToLibjpegWithOneWarningLine) {
  const LoadedSymbols absent = load_symbols({"libpageprep-absent.so"}, {"nvjpegDecode"});
  LoadedSymbols present;
  present.handle = &present;  // any non-null handle: ok() is what the choice reads
  // A CPU run uses libjpeg and has nothing to warn about.
  EXPECT_EQ(choose_jpeg_decoder(false, true, present).decoder, "libjpeg");
  EXPECT_EQ(choose_jpeg_decoder(false, true, present).warning, "");
  const auto no_lib = choose_jpeg_decoder(true, true, absent);
  EXPECT_EQ(no_lib.decoder, "libjpeg");
  EXPECT_NE(no_lib.warning.find("nvJPEG is not available"), std::string::npos);
  EXPECT_NE(no_lib.warning.find("libpageprep-absent.so"), std::string::npos);
  EXPECT_EQ(no_lib.warning.find('\n'), std::string::npos);
  const auto no_build = choose_jpeg_decoder(true, false, present);
  EXPECT_EQ(no_build.decoder, "libjpeg");
  EXPECT_NE(no_build.warning.find("nvjpeg.h"), std::string::npos);
  EXPECT_EQ(choose_jpeg_decoder(true, true, present).decoder, "nvjpeg");
  EXPECT_EQ(choose_jpeg_decoder(true, true, present).warning, "");
}

}  // namespace
}  // namespace pageprep
