/// \file engine.hpp
/// \brief pageprep's library API: an Engine that preprocesses batches of 8-bit
/// gray pages (deskew, binarize, denoise; optionally orientation and script)
/// on a CUDA device or on the CPU.
///
/// The Engine runs the executors `pageprep run` runs, built by the same
/// factory from the same step configuration (docs/API.md, "How the CLI and the
/// engine share code"), so a page gives the same images and measurements here
/// as in the CLI's outputs.
///
/// Contract
/// - **Input**: ImageView, 8-bit gray, row-major, `stride` bytes from one row
///   to the next (>= width). The engine reads the pixels only during
///   preprocess(), never writes them, and does not copy them before the
///   executor reads them (the CUDA executor's upload staging is its copy).
/// - **Output**: one PageResult per input, in input order. Result images own
///   their pixels (shared, immutable, reference-counted through Image::owner)
///   and never alias an input.
/// - **Errors**: nothing here throws (std::bad_alloc aside). create() returns
///   nullptr with a message; a page that cannot be processed comes back with
///   ok() == false, a stable error_code and a message, and the other pages of
///   the batch are processed as usual.
/// - **Determinism**: a page's result depends only on its pixels, its dpi and
///   the Options: not on the other pages of the batch, the batch size or the
///   thread count. The CPU and CUDA schedules give bit-identical images.
///
/// Thread safety
/// - One Engine may be shared by threads: preprocess() serializes concurrent
///   calls on the same Engine (an internal mutex; the executor is driven by
///   one thread at a time), so a second caller waits. For parallel calls use
///   one Engine per thread; Engines share nothing but the CUDA device.
/// - options(), executor_name() and version() may be called from any thread
///   at any time.
/// - PageResult and Image are plain values: copies share the pixels, which are
///   never modified, so they may be read from any thread without locking.
/// - preprocess() does all its work before it returns; it starts no thread
///   that outlives the call except the engine's own worker pool, which the
///   destructor joins.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#if defined(_WIN32)
#define PAGEPREP_API
#else
#define PAGEPREP_API __attribute__((visibility("default")))
#endif

namespace pageprep {

/// Where preprocessing runs; the rule of `pageprep run --device`.
enum class Device {
  kAuto,  ///< CUDA when a device is present, else the CPU
  kCpu,   ///< the CPU executor (a thread pool)
  kCuda,  ///< the CUDA executor; Engine::create() fails without a device
};

enum class Binarization { kSauvola, kOtsu, kWolf, kNone };

/// The engine's options, written once: X(type, name, default, doc), types fully
/// qualified so that the list expands anywhere. The
/// Options struct below, the Python binding's attributes, its option table
/// (the keyword types the Python package accepts) and the Python Engine's
/// docstring are all generated from this list, so an option is added here and
/// nowhere else (python/src/pageprep_module.cpp, python/pageprep/__init__.py).
/// Every default is `pageprep run`'s default. The docs are written for both
/// languages: the Python package accepts the names given in quotes for the
/// enumerations ("cpu", "otsu", ...).
#define PAGEPREP_ENGINE_OPTIONS(X)                                                                 \
  /* Where. */                                                                                     \
  X(::pageprep::Device, device, ::pageprep::Device::kAuto,                                         \
    "\"auto\" (CUDA when a device is present, else CPU), \"cpu\", \"cuda\" or \"cuda:N\"; "        \
    "\"cuda\" without a device makes creation fail")                                               \
  X(int, cuda_device, 0, "the CUDA device's index (Python: part of device, \"cuda:N\")")           \
  X(int, max_batch, 8, "pages per CUDA batch (--batch); longer calls run in batches of this size") \
  X(int, threads, 0, "CPU executor threads (also the CUDA executor's fallback); 0: every core")    \
  /* Steps, in the order they run. */                                                              \
  X(bool, background_norm, false, "flatten uneven illumination (--background-norm)")               \
  X(bool, deskew, true, "estimate skew and rotate by minus it (--no-deskew)")                      \
  X(float, max_skew_deg, 15.f, "skew search range +-, in (0, 45] (--max-skew)")                    \
  X(float, skew_min_confidence, -1.f,                                                              \
    "below this confidence the page is left unrotated; < 0: the estimator's default (0.3)")        \
  X(bool, expand_canvas, false, "grow the canvas when rotating instead of cropping corners")       \
  X(bool, median, false, "3x3 median on the gray page (--median)")                                 \
  X(::pageprep::Binarization, binarize, ::pageprep::Binarization::kSauvola,                        \
    "\"sauvola\", \"otsu\", \"wolf\" or \"none\" (--binarize)")                                    \
  X(int, binarize_window, 0, "odd, 3..255; 0: scales with dpi (31 at 300 dpi) (--window)")         \
  X(float, binarize_k, -1.f, "in [0, 1]; < 0: the method's default (--k)")                         \
  X(bool, despeckle, true,                                                                         \
    "remove small dark specks from the binary page (--despeckle); Python also takes N: specks "    \
    "up to N pixels")                                                                              \
  X(int, despeckle_max_area, 0, "largest speck in pixels; 0: scales with dpi")                     \
  X(bool, remove_border, false, "remove dark scanner borders from the binary page")                \
  /* After preprocessing. */                                                                       \
  X(bool, detect_orientation, false,                                                               \
    "quarter-turn orientation and script with Tesseract's OSD (needs tesseract-ocr-osd; "          \
    "creation fails without it); 0.2-0.6 s per A4 page on one core")                               \
  X(bool, correct_orientation, true,                                                               \
    "with detect_orientation: turn a page found turned by a quarter upright and preprocess it "    \
    "again, as `pageprep run` does")                                                               \
  X(bool, measure_signals, true, "measure the page signals (uneven light, noise) on the input page")

/// Every field's default is `pageprep run`'s default; the fields and their
/// documentation are PAGEPREP_ENGINE_OPTIONS above.
struct Options {
#define PAGEPREP_OPTION_FIELD(type, name, default_value, doc) type name = default_value;
  PAGEPREP_ENGINE_OPTIONS(PAGEPREP_OPTION_FIELD)
#undef PAGEPREP_OPTION_FIELD
};

/// A page handed to the engine: borrowed pixels, never copied or modified.
struct ImageView {
  const uint8_t* data = nullptr;
  int32_t width = 0;
  int32_t height = 0;
  int64_t stride = 0;  ///< bytes from one row to the next; 0: width
  double dpi = 300.0;  ///< scales the binarization window and speck size
};

/// A result image: 8-bit gray (0..255) or binary (0 and 255 only), row-major.
struct Image {
  const uint8_t* data = nullptr;
  int32_t width = 0;
  int32_t height = 0;
  int64_t stride = 0;  ///< bytes from one row to the next
  /// Keeps `data` alive; copies of an Image share its pixels.
  std::shared_ptr<const void> owner;

  bool empty() const { return data == nullptr || width <= 0 || height <= 0; }
};

struct PageResult {
  /// "" when the page succeeded. Otherwise a stable name, the same as in
  /// `pageprep run`'s pages.jsonl: "invalid_image" (null pixels, a size or
  /// stride that cannot be right), "too_large" (beyond an operation's limits),
  /// "preprocess_failed", "ocr_failed" (orientation detection failed),
  /// "internal" (a bug).
  std::string error_code;
  std::string error;  ///< human-readable reason
  bool ok() const { return error_code.empty(); }

  Image gray;    ///< cleaned gray page (deskewed, normalized, median as configured)
  Image binary;  ///< 0/255 page (binarized, despeckled, border removed); empty with kNone

  float skew_deg = 0;  ///< measured on the input, counter-clockwise positive (lines rising to
                       ///< the right are positive); deskew rotated by minus it
  float skew_confidence = 0;  ///< 0..1; below the threshold the page is left unrotated
  bool rotated = false;       ///< the page was rotated by -skew_deg
  std::string skew_note;      ///< why it was not, when it was not

  bool orientation_checked = false;  ///< OSD ran on this page
  bool orientation_known = false;    ///< it passed the glyph-count and confidence gates
  /// The content was turned this many degrees counter-clockwise (0/90/180/270);
  /// 0 when unknown. With correct_orientation the images are upright.
  int32_t orientation_deg = 0;
  float orientation_confidence = 0;  ///< Tesseract's (15 is "reasonably confident")
  bool orientation_corrected = false;
  std::string script;  ///< "Latin", "Han", ...; "" when unknown
  float script_confidence = 0;

  // Page signals (measured on the input page, with measure_signals).
  bool signals_measured = false;
  double background_spread = 0;  ///< uneven illumination, 0 on evenly lit pages
  double noise_sigma = 0;        ///< gray-level noise on the paper
  int64_t specks_removed = 0;
  int64_t border_pixels_removed = 0;
  /// `pageprep run --ocr-input auto`'s rule: Tesseract reads this page better
  /// binarized (uneven light, or speckled without being merely noisy) than gray.
  bool prefer_binary_for_ocr = false;

  std::string executor;  ///< "cpu", "cuda", or e.g. "cpu (retry after cuda: ...)"
  double preprocess_ms = 0;
};

class PAGEPREP_API Engine {
 public:
  /// Builds the executor (and loads OSD when asked). Returns nullptr with
  /// *error set when the options are out of range, kCuda has no device, or
  /// OSD data is missing. `error` may be null.
  static std::unique_ptr<Engine> create(const Options& options, std::string* error);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Preprocesses `count` pages as one batch (or as batches of max_batch).
  std::vector<PageResult> preprocess(const ImageView* pages, size_t count);
  std::vector<PageResult> preprocess(const std::vector<ImageView>& pages);
  PageResult preprocess(const ImageView& page);

  const Options& options() const;
  /// The executor chosen: "cpu" or "cuda" (after Device::kAuto's choice).
  const std::string& executor_name() const;

 private:
  struct Impl;
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The library's version, e.g. "0.1.0".
PAGEPREP_API const char* version();

}  // namespace pageprep
