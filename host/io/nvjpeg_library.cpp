// nvJPEG by dlopen (nvjpeg_library.hpp): the loader, the entry-point list and
// the decoder choice with its warning line.
#include "io/nvjpeg_library.hpp"

#include <dlfcn.h>

namespace pageprep::host {

LoadedSymbols load_symbols(const std::vector<std::string>& names,
                           const std::vector<std::string>& symbols) {
  LoadedSymbols r;
  std::string tried;
  for (const std::string& name : names) {
    void* h = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* why = dlerror();
      tried += (tried.empty() ? "" : "; ") + std::string(why ? why : name + ": not loadable");
      continue;
    }
    std::vector<void*> addr;
    for (const std::string& s : symbols) {
      dlerror();
      void* p = dlsym(h, s.c_str());
      if (!p) {
        dlclose(h);
        r.error = name + " lacks " + s;
        return r;
      }
      addr.push_back(p);
    }
    r.handle = h;
    r.loaded_name = name;
    r.symbols = std::move(addr);
    return r;
  }
  r.error = names.empty() ? std::string("no library name to try") : tried;
  return r;
}

const std::vector<std::string>& nvjpeg_symbol_names() {
  static const std::vector<std::string> kNames = {"nvjpegCreateSimple",    "nvjpegDestroy",
                                                  "nvjpegJpegStateCreate", "nvjpegJpegStateDestroy",
                                                  "nvjpegGetImageInfo",    "nvjpegDecode"};
  return kNames;
}

const std::vector<std::string>& nvjpeg_library_names() {
  static const std::vector<std::string> kNames = {"libnvjpeg.so.13", "libnvjpeg.so"};
  return kNames;
}

const LoadedSymbols& nvjpeg_library() {
  static const LoadedSymbols kLib = load_symbols(nvjpeg_library_names(), nvjpeg_symbol_names());
  return kLib;
}

JpegDecoderChoice choose_jpeg_decoder(bool device_lanes, bool built_with_nvjpeg,
                                      const LoadedSymbols& library) {
  if (!device_lanes) return {"libjpeg", ""};
  if (!built_with_nvjpeg)
    return {"libjpeg",
            "pageprep: this build has no nvJPEG decoder (nvjpeg.h was not found): JPEG pages "
            "decode on the CPU"};
  if (!library.ok())
    return {"libjpeg", "pageprep: nvJPEG is not available (" + library.error +
                           "): JPEG pages decode on the CPU"};
  return {"nvjpeg", ""};
}

}  // namespace pageprep::host
