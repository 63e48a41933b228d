// pageprep._pageprep: the nanobind binding of the public C++ API
// (pageprep/engine.hpp), and nothing else of pageprep. The Python package
// (python/pageprep/__init__.py) turns keyword options into Options and
// failed pages into exceptions; this file only moves data across:
// - input pages: 2-D uint8 NumPy arrays (or anything with the buffer/DLPack
//   protocol), read in place through their data pointer and row stride;
// - result images: NumPy arrays over the engine's own pixels (read-only; a
//   capsule holds the Image's shared owner), so nothing is copied either way;
// - the GIL is released while the engine works.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/unique_ptr.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "pageprep/engine.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

using InPage = nb::ndarray<const uint8_t, nb::ndim<2>, nb::device::cpu>;
using OutPage = nb::ndarray<nb::numpy, const uint8_t, nb::ndim<2>>;

/// A read-only NumPy view of `img` that keeps its pixels alive; None when empty.
nb::object to_numpy(const pageprep::Image& img) {
  if (img.empty()) return nb::none();
  auto* keep = new std::shared_ptr<const void>(img.owner);
  nb::capsule owner(keep,
                    [](void* p) noexcept { delete static_cast<std::shared_ptr<const void>*>(p); });
  const size_t shape[2] = {static_cast<size_t>(img.height), static_cast<size_t>(img.width)};
  const int64_t strides[2] = {img.stride, 1};
  return nb::cast(OutPage(img.data, 2, shape, owner, strides));
}

std::vector<pageprep::PageResult> preprocess(pageprep::Engine& engine,
                                             const std::vector<InPage>& pages,
                                             const std::vector<double>& dpi) {
  if (dpi.size() != pages.size()) throw nb::value_error("preprocess(): one dpi per page is needed");
  std::vector<pageprep::ImageView> views(pages.size());
  for (size_t i = 0; i < pages.size(); ++i) {
    const InPage& a = pages[i];
    if (a.shape(0) > 0 && a.shape(1) > 1 && a.stride(1) != 1)
      throw nb::value_error(("page " + std::to_string(i) +
                             ": columns are not adjacent in memory (stride " +
                             std::to_string(a.stride(1)) + "); pass np.ascontiguousarray(page)")
                                .c_str());
    if (a.stride(0) < 0) throw nb::value_error("negative row strides are not supported");
    views[i].data = a.data();
    views[i].width = static_cast<int32_t>(a.shape(1));
    views[i].height = static_cast<int32_t>(a.shape(0));
    views[i].stride = a.shape(0) > 1 ? a.stride(0) : static_cast<int64_t>(a.shape(1));
    views[i].dpi = dpi[i];
  }
  nb::gil_scoped_release release;
  return engine.preprocess(views);
}

/// The Python-side kind of an option's C++ type (option_table()).
template <typename T>
const char* option_kind() {
  if constexpr (std::is_same_v<T, bool>)
    return "bool";
  else if constexpr (std::is_same_v<T, int>)
    return "int";
  else if constexpr (std::is_same_v<T, float>)
    return "float";
  else if constexpr (std::is_same_v<T, pageprep::Device>)
    return "device";
  else {
    static_assert(std::is_same_v<T, pageprep::Binarization>, "a new option type needs a kind");
    return "binarization";
  }
}

}  // namespace

NB_MODULE(_pageprep, m) {
  m.doc() = "The C++ core of pageprep; use the pageprep package, which wraps it.";
  m.def(
      "version", [] { return std::string(pageprep::version()); },
      "The pageprep library's version.");

  nb::enum_<pageprep::Device>(m, "Device", "Where preprocessing runs.")
      .value("AUTO", pageprep::Device::kAuto, "CUDA when a device is present, else the CPU.")
      .value("CPU", pageprep::Device::kCpu)
      .value("CUDA", pageprep::Device::kCuda);
  nb::enum_<pageprep::Binarization>(m, "Binarization")
      .value("SAUVOLA", pageprep::Binarization::kSauvola)
      .value("OTSU", pageprep::Binarization::kOtsu)
      .value("WOLF", pageprep::Binarization::kWolf)
      .value("NONE", pageprep::Binarization::kNone);

  // Every option of engine.hpp's one list: an attribute of Options, and a row
  // (name, kind, doc) of option_table() from which the Python package makes
  // its keyword types and the Engine's docstring.
  nb::class_<pageprep::Options> options(m, "Options",
                                        "Engine options; every default is `pageprep run`'s.");
  options.def(nb::init<>());
#define PAGEPREP_BIND_OPTION(type, name, default_value, doc) \
  options.def_rw(#name, &pageprep::Options::name, doc);
  PAGEPREP_ENGINE_OPTIONS(PAGEPREP_BIND_OPTION)
#undef PAGEPREP_BIND_OPTION
  m.def(
      "option_table",
      [] {
        std::vector<std::tuple<std::string, std::string, std::string>> rows;
#define PAGEPREP_OPTION_ROW(type, name, default_value, doc) \
  rows.emplace_back(#name, option_kind<type>(), doc);
        PAGEPREP_ENGINE_OPTIONS(PAGEPREP_OPTION_ROW)
#undef PAGEPREP_OPTION_ROW
        return rows;
      },
      "Every Engine option as (name, kind, doc), in engine.hpp's order; kind is 'bool', "
      "'int', 'float', 'device' or 'binarization'.");

  using R = pageprep::PageResult;
  nb::class_<R>(m, "PageResult", "One page's result (read-only).")
      .def_prop_ro("ok", &R::ok, "True when the page succeeded.")
      .def_ro("error_code", &R::error_code,
              "'' when ok, else a stable name (as in pages.jsonl): 'invalid_image', 'too_large', "
              "'preprocess_failed', 'ocr_failed', 'internal'.")
      .def_ro("error", &R::error, "Why the page failed.")
      .def_prop_ro(
          "gray", [](const R& r) { return to_numpy(r.gray); },
          "Cleaned gray page, uint8 (H, W), read-only; None for a failed page.")
      .def_prop_ro(
          "binary", [](const R& r) { return to_numpy(r.binary); },
          "0/255 page, uint8 (H, W), read-only; None when not binarizing or failed.")
      .def_ro("skew_deg", &R::skew_deg,
              "Skew measured on the input, counter-clockwise positive (lines rising to the "
              "right); deskew rotated by minus it.")
      .def_ro("skew_confidence", &R::skew_confidence, "0..1.")
      .def_ro("rotated", &R::rotated, "The page was rotated by -skew_deg.")
      .def_ro("skew_note", &R::skew_note)
      .def_ro("orientation_checked", &R::orientation_checked)
      .def_ro("orientation_known", &R::orientation_known)
      .def_ro("orientation_deg", &R::orientation_deg,
              "The content was turned this many degrees counter-clockwise (0/90/180/270).")
      .def_ro("orientation_confidence", &R::orientation_confidence)
      .def_ro("orientation_corrected", &R::orientation_corrected)
      .def_ro("script", &R::script, "'Latin', 'Han', ...; '' when unknown.")
      .def_ro("script_confidence", &R::script_confidence)
      .def_ro("signals_measured", &R::signals_measured)
      .def_ro("background_spread", &R::background_spread, "Uneven illumination; 0 when even.")
      .def_ro("noise_sigma", &R::noise_sigma, "Gray-level noise on the paper.")
      .def_ro("specks_removed", &R::specks_removed)
      .def_ro("border_pixels_removed", &R::border_pixels_removed)
      .def_ro("prefer_binary_for_ocr", &R::prefer_binary_for_ocr,
              "`pageprep run --ocr-input auto`'s rule: OCR reads this page better binarized.")
      .def_ro("executor", &R::executor, "'cpu', 'cuda:0', or a retry note.")
      .def_ro("preprocess_ms", &R::preprocess_ms)
      .def("__repr__", [](const R& r) {
        if (!r.ok()) return "<PageResult error " + r.error_code + ": " + r.error + ">";
        return "<PageResult " + std::to_string(r.gray.width) + "x" + std::to_string(r.gray.height) +
               " skew " + std::to_string(r.skew_deg) + " on " + r.executor + ">";
      });

  nb::class_<pageprep::Engine>(m, "Engine", "The C++ engine; see pageprep.Engine.")
      .def_static(
          "create",
          [](const pageprep::Options& o) {
            std::string error;
            auto e = pageprep::Engine::create(o, &error);
            if (!e) throw std::runtime_error(error);
            return e;
          },
          "options"_a, "Builds an engine; RuntimeError with the reason when it cannot.")
      .def_prop_ro("executor_name", &pageprep::Engine::executor_name)
      .def("preprocess", &preprocess, "pages"_a, "dpi"_a,
           "Preprocesses 2-D uint8 pages in place (no copy) with the GIL released; "
           "returns one PageResult per page.");
}
