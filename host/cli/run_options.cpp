#include "cli/run_options.hpp"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "pageprep/kernels/ops/threshold_ops.hpp"

namespace pageprep::cli {

using host::RunConfig;

const char* const kUsage = R"(usage: pageprep run INPUT... -o OUTDIR [options]
       pageprep report OUTDIR [--review]   (--review: OUTDIR/pages.review.pdf, a contact sheet)
       pageprep bench [options]   (pages/s on this machine; pageprep bench --help)
       pageprep --help | --version

Cleans scanned pages (deskew, binarize, denoise) on a CUDA GPU or the CPU and
OCRs them with Tesseract. INPUT is a document: an image file (PNG, JPEG, TIFF
incl. multi-page and CCITT G4, PNM, WebP, JPEG 2000 .jp2/.j2k) or a PDF; a
folder (searched recursively, in sorted order), a list file (@FILE, or a
.txt/.lst file: one path per line) or '-' (a list of paths on stdin).

Outputs in OUTDIR, per document B (book.pdf -> B = book; see README):
  B.pdf           searchable PDF: the original pages with an invisible OCR
                  text layer (--output-type pdf, the default with OCR)
  B.txt           the document's text, pages separated by form feeds (--sidecar)
  B/p0001.*       per page of a multi-page document (a 1-page document: B.*):
    .tif          the cleaned bilevel page (CCITT G4), unless --binarize none
    .png          the cleaned gray page (with --save-gray, or --binarize none)
    .txt .hocr .xml .tsv
                  OCR text, hOCR, ALTO, TSV (--page-formats); boxes on the master
  pages.jsonl     one JSON line per page: status, error, skew, outputs, timings
  run.json        counts, per-stage busy time, pages/s, executor, failures

Re-running the same command on the same OUTDIR skips pages already done with
the same options (journal in OUTDIR/.pageprep) and redoes the rest.

Options:
  -o, --output DIR        output folder (required)
  --ocr none|tesseract    OCR engine (default tesseract); none writes only images
  -l, --lang LANG         force Tesseract language(s) on every page, e.g. eng,
                          deu+eng; a page whose script LANG cannot read is
                          flagged script_mismatch (warning, pages.jsonl, run.json).
                          Default auto: each page is read with the installed
                          model of its own script (Latin -> eng, Han -> chi_sim,
                          Cyrillic -> rus, ...); a script without a model is
                          read with the fallback and reported as model_missing
  --auto-fallback-lang L  language for pages whose script stays unknown (eng)
  --rotate-pages          detect pages turned 90/180/270 degrees and turn them
                          upright (default: on when OCR runs, off with --ocr none)
  --no-rotate-pages       never change a page's orientation
  -j, --jobs N            cores to use (default: the CPUs this process may use:
                          its affinity mask and cgroup quota, as Slurm, Docker and
                          Kubernetes set them)
  --shard K/N             do only shard K (1..N) of the pages, for cluster arrays;
                          N shards write exactly the outputs one run would, into
                          one shared OUTDIR (see `pageprep report`)
  --shard auto[/N]        the shard from the array's environment: Slurm
                          (SLURM_ARRAY_TASK_ID, _MIN, _COUNT), Kubernetes Indexed
                          Jobs (JOB_COMPLETION_INDEX) or AWS Batch
                          (AWS_BATCH_JOB_ARRAY_INDEX); N where the environment
                          has no count
  --device auto|cpu|cuda[:N]
                          preprocessing executor (default auto: CUDA when a
                          device is present); asking for cuda without one is an error
  --batch N               pages per GPU batch (default 8)
  --no-deskew             do not estimate or correct skew
  --max-skew DEG          skew search range +-DEG (default 15, at most 45)
  --skew-min-confidence C leave pages below this confidence unrotated
  --expand                grow the canvas when rotating instead of cropping corners
  --crop page|off         crop to the page lying on a darker scanner bed (default
                          off); only a confident box is cropped, else a crop_note
  --dewarp auto|off       flatten pages whose text lines curl towards the binding
                          (default off); only a confident model is applied, and a
                          flat page is never resampled, else a dewarp_note; runs
                          on the CPU executor (--device auto picks it)
  --split auto|off        make two pages of a two-page spread (default off): only
                          a confident gutter is split, else a split_note; pages
                          B/p0001L and B/p0001R (README: split documents)
  --page-order ltr|rtl    reading order of a split spread's halves (default ltr:
                          left first; rtl: right first)
  --background-norm       flatten uneven illumination before thresholding
  --median                3x3 median on the gray page
  --binarize METHOD       sauvola (default), otsu, wolf or none
  --window N              binarization window in pixels, odd, 3..255 (default:
                          scales with DPI)
  --k K                   Sauvola/Wolf k (default: method's)
  --despeckle auto|none|N remove dark specks up to N pixels (default auto: by DPI)
  --remove-border         remove dark scanner borders from the bilevel page
  --ocr-input auto|gray|binary
                          what Tesseract reads (default auto: the binarized page
                          on unevenly lit or speckled pages, else the deskewed gray)
  --image-format tiff|png|pnm|mixed
                          format of bilevel outputs (default tiff = CCITT G4);
                          mixed: a PNG with the text binarized and the picture
                          zones (photos, halftones, engravings) kept in gray, or
                          in colour from a colour master
  --gray-format png|pnm   format of gray outputs (default png)
  --save-gray             also write the cleaned gray page
  --page-formats LIST     per-page OCR outputs, from txt,hocr,alto,tsv (Tesseract's
                          config names) or none (default: all four)
  --output-type pdf|none  searchable PDF per document (default pdf with OCR, none
                          with --ocr none), as OCRmyPDF's --output-type
  --sidecar, --no-sidecar the document text B.txt (default on with OCR)
  --pdf-image original|clean|mrc
                          the searchable PDF's image: the original page
                          (default), the cleaned bilevel page (much smaller),
                          or mixed raster content: a 1-bit text mask over a
                          100-dpi colour background (small, pictures kept)
  --pdf-dpi N             resolution for PDF pages that are not one scanned
                          image (vector, born-digital); default 300
  --eval-raw              with ground truth (NAME.gt.txt beside an input), also
                          OCR the raw page and report cer_raw beside cer
  --force                 redo every page, ignoring the journal
  --image-dpi N           the DPI of pages whose file gives none, or one that is
                          implausible for the pixel size (under 100, a page over
                          20 inches, or over 600 dpi for a page under 3 inches);
                          default: estimated from the pixel size (pages.jsonl
                          dpi_source says file, option, estimated or default)
  --max-pixels N          refuse pages with more decoded pixels (default and
                          largest 250000000, what the preprocessing handles)
  --max-dimension N       refuse pages wider or taller than N (default and
                          largest 16384)
  -q, --quiet             no progress or summary on stderr (errors still print)
  --progress-interval S   seconds between progress lines off a terminal (default 5)
  -h, --help              this text
  --version               versions of pageprep, Tesseract, OpenCV, and the CUDA state
  --                      every later argument is an INPUT, even one starting with '-'

`pageprep report OUTDIR` merges the journals of every run and shard that wrote
OUTDIR into pages.jsonl and run.json (totals, failures, per-shard pages/s); it
can run at any time, also while shards are working. Its exit code: 0 every page
of the latest run or array is ok, 3 some failed, 4 pages remain to be done.

Exit codes of run: 0 all pages ok; 1 fatal error (nothing or not everything could
run: unwritable OUTDIR, missing OCR language, no CUDA device with --device
cuda); 2 usage error; 3 the run finished but some pages failed (see stderr
and pages.jsonl); 130 interrupted (finished pages are kept; re-run to resume).
)";

namespace {

int parse_int(const std::string& opt, const std::string& v, int lo, int hi) {
  char* end = nullptr;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || x < lo || x > hi)
    throw UsageError{opt + " needs an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "], got '" + v + "'"};
  return static_cast<int>(x);
}

float parse_float(const std::string& opt, const std::string& v, float lo, float hi) {
  char* end = nullptr;
  const float x = std::strtof(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(x >= lo && x <= hi))
    throw UsageError{opt + " needs a number in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got '" + v + "'"};
  return x;
}

}  // namespace

RunConfig parse_run(const std::vector<std::string>& args) {
  RunConfig c;
  bool output_type_given = false, sidecar_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError{a + " needs a value"};
      return args[++i];
    };
    if (a == "-o" || a == "--output") {
      c.outdir = value();
    } else if (a == "--ocr") {
      const std::string v = value();
      if (v == "none")
        c.ocr = host::OcrMode::kNone;
      else if (v == "tesseract")
        c.ocr = host::OcrMode::kTesseract;
      else
        throw UsageError{"--ocr must be none or tesseract"};
    } else if (a == "-l" || a == "--lang") {
      c.lang = value();
    } else if (a == "--auto-fallback-lang") {
      c.auto_fallback_lang = value();
    } else if (a == "--rotate-pages") {
      c.rotate_pages = host::RotatePages::kOn;
    } else if (a == "--no-rotate-pages") {
      c.rotate_pages = host::RotatePages::kOff;
    } else if (a == "-j" || a == "--jobs") {
      c.jobs = parse_int(a, value(), 1, 4096);
    } else if (a == "--device") {
      const std::string v = value();
      if (v == "auto")
        c.device = host::DeviceChoice::kAuto;
      else if (v == "cpu")
        c.device = host::DeviceChoice::kCpu;
      else if (v == "cuda")
        c.device = host::DeviceChoice::kCuda;
      else if (v.rfind("cuda:", 0) == 0) {
        c.device = host::DeviceChoice::kCuda;
        c.cuda_device = parse_int(a, v.substr(5), 0, 63);
      } else
        throw UsageError{"--device must be auto, cpu, cuda or cuda:N"};
    } else if (a == "--shard") {
      std::string error;
      if (!host::parse_shard(value(), host::process_environment(), &c.shard, &error))
        throw UsageError{error};
    } else if (a == "--batch") {
      c.batch_pages = parse_int(a, value(), 1, 256);
    } else if (a == "--no-deskew") {
      c.steps.deskew = false;
    } else if (a == "--deskew") {
      c.steps.deskew = true;
    } else if (a == "--max-skew") {
      c.steps.max_skew_deg = parse_float(a, value(), 0.1f, 45.f);
    } else if (a == "--skew-min-confidence") {
      c.steps.skew_min_confidence = parse_float(a, value(), 0.f, 1e9f);
    } else if (a == "--expand") {
      c.steps.expand_canvas = true;
    } else if (a == "--background-norm") {
      c.steps.background_norm = true;
    } else if (a == "--no-background-norm") {
      c.steps.background_norm = false;
    } else if (a == "--median") {
      c.steps.median = true;
    } else if (a == "--no-median") {
      c.steps.median = false;
    } else if (a == "--binarize") {
      const std::string v = value();
      c.steps.binarize = v != "none";
      if (v == "otsu")
        c.steps.binarize_params.method = kernels::BinarizeMethod::kOtsu;
      else if (v == "sauvola")
        c.steps.binarize_params.method = kernels::BinarizeMethod::kSauvola;
      else if (v == "wolf")
        c.steps.binarize_params.method = kernels::BinarizeMethod::kWolf;
      else if (v != "none")
        throw UsageError{"--binarize must be sauvola, otsu, wolf or none"};
    } else if (a == "--window") {
      // The largest window the binarization kernels accept (their exact
      // integer sums are sized for it): a larger one is a usage error here,
      // not a fatal error once the run has started.
      c.steps.binarize_params.window = parse_int(a, value(), 3, kernels::ops::kMaxWindow);
      if (c.steps.binarize_params.window % 2 == 0) throw UsageError{"--window must be odd"};
    } else if (a == "--k") {
      c.steps.binarize_params.k = parse_float(a, value(), 0.f, 1.f);
    } else if (a == "--despeckle") {
      const std::string v = value();
      if (v == "none")
        c.steps.despeckle = false;
      else if (v == "auto")
        c.steps.despeckle_max_area = 0;
      else
        c.steps.despeckle_max_area = parse_int(a, v, 1, 100000);
    } else if (a == "--remove-border") {
      c.steps.remove_border = true;
    } else if (a == "--crop") {
      const std::string v = value();
      if (v != "page" && v != "off") throw UsageError{"--crop must be page or off"};
      c.steps.crop_page = v == "page";
    } else if (a == "--dewarp") {
      const std::string v = value();
      if (v != "auto" && v != "off") throw UsageError{"--dewarp must be auto or off"};
      c.steps.dewarp = v == "auto";
    } else if (a == "--split") {
      const std::string v = value();
      if (v != "auto" && v != "off") throw UsageError{"--split must be auto or off"};
      c.steps.split = v == "auto";
    } else if (a == "--page-order") {
      const std::string v = value();
      if (v != "ltr" && v != "rtl") throw UsageError{"--page-order must be ltr or rtl"};
      c.steps.right_to_left = v == "rtl";
    } else if (a == "--ocr-input") {
      const std::string v = value();
      if (v == "auto")
        c.ocr_input = host::OcrInput::kAuto;
      else if (v == "gray")
        c.ocr_input = host::OcrInput::kGray;
      else if (v == "binary")
        c.ocr_input = host::OcrInput::kBinary;
      else
        throw UsageError{"--ocr-input must be auto, gray or binary"};
    } else if (a == "--image-format") {
      const std::string v = value();
      if (v == "tiff" || v == "tif")
        c.binary_format = host::OutputFormat::kTiffG4;
      else if (v == "png")
        c.binary_format = host::OutputFormat::kPng;
      else if (v == "pnm")
        c.binary_format = host::OutputFormat::kPnm;
      else if (v == "mixed")
        c.binary_format = host::OutputFormat::kPng;
      else
        throw UsageError{"--image-format must be tiff, png, pnm or mixed"};
      c.mixed_image = v == "mixed";
    } else if (a == "--gray-format") {
      const std::string v = value();
      if (v == "png")
        c.gray_format = host::OutputFormat::kPng;
      else if (v == "pnm")
        c.gray_format = host::OutputFormat::kPnm;
      else
        throw UsageError{"--gray-format must be png or pnm"};
    } else if (a == "--save-gray") {
      c.save_gray = true;
    } else if (a == "--page-formats") {
      const std::string v = value();
      c.page_formats = host::PageFormats{false, false, false, false};
      if (v != "none") {
        for (size_t b = 0; b <= v.size();) {
          const size_t e = std::min(v.find(',', b), v.size());
          const std::string f = v.substr(b, e - b);
          if (f == "txt")
            c.page_formats.txt = true;
          else if (f == "hocr")
            c.page_formats.hocr = true;
          else if (f == "alto")
            c.page_formats.alto = true;
          else if (f == "tsv")
            c.page_formats.tsv = true;
          else
            throw UsageError{
                "--page-formats takes txt, hocr, alto, tsv (comma-separated) or "
                "none, got '" +
                f + "'"};
          b = e + 1;
        }
      }
    } else if (a == "--output-type") {
      const std::string v = value();
      if (v == "pdf")
        c.documents.pdf = true;
      else if (v == "none")
        c.documents.pdf = false;
      else if (v.rfind("pdfa", 0) == 0)
        throw UsageError{"--output-type " + v +
                         ": PDF/A is not offered (its conformance cannot be verified with "
                         "the tools Debian has; see README)"};
      else
        throw UsageError{"--output-type must be pdf or none"};
      output_type_given = true;
    } else if (a == "--sidecar") {
      c.documents.sidecar = true;
      sidecar_given = true;
    } else if (a == "--no-sidecar") {
      c.documents.sidecar = false;
      sidecar_given = true;
    } else if (a == "--pdf-image") {
      const std::string v = value();
      if (v == "original")
        c.documents.pdf_image = host::PdfImage::kOriginal;
      else if (v == "clean")
        c.documents.pdf_image = host::PdfImage::kClean;
      else if (v == "mrc")
        c.documents.pdf_image = host::PdfImage::kMrc;
      else
        throw UsageError{"--pdf-image must be original, clean or mrc"};
    } else if (a == "--pdf-dpi") {
      c.limits.pdf_dpi = parse_int(a, value(), 50, 1200);
    } else if (a == "--eval-raw") {
      c.eval_raw = true;
    } else if (a == "--force") {
      c.force = true;
    } else if (a == "--max-pixels") {
      c.limits.max_pixels = parse_int(a, value(), 1, static_cast<int>(kernels::kMaxPagePixels));
    } else if (a == "--image-dpi") {
      c.limits.image_dpi = parse_int(a, value(), 10, 10000);
    } else if (a == "--max-dimension") {
      c.limits.max_dimension = parse_int(a, value(), 1, kernels::kMaxPageSide);
    } else if (a == "-q" || a == "--quiet") {
      c.quiet = true;
    } else if (a == "--progress-interval") {
      c.progress_interval_s = parse_int(a, value(), 1, 3600);
    } else if (a == "--") {
      // Everything after "--" is an input, even when it starts with '-'.
      for (++i; i < args.size(); ++i) c.inputs.push_back(args[i]);
    } else if (a == "-" || a.empty() || a[0] != '-') {
      c.inputs.push_back(a);
    } else {
      throw UsageError{"unknown option " + a};
    }
  }
  if (c.ocr == host::OcrMode::kNone) {
    // Without OCR there is no text: no sidecar, and an image-only PDF only
    // when asked for.
    if (sidecar_given && c.documents.sidecar)
      throw UsageError{"--sidecar needs OCR (it is the OCR text); drop --ocr none"};
    c.documents.sidecar = false;
    if (!output_type_given) c.documents.pdf = false;
  }
  if (c.mixed_image && !c.steps.binarize)
    throw UsageError{"--image-format mixed binarizes the text: drop --binarize none"};
  if (c.outdir.empty()) throw UsageError{"-o OUTDIR is required"};
  if (c.inputs.empty()) throw UsageError{"no INPUT given"};
  // The dewarp step runs in the CPU executor only (pipeline/dewarp_step.hpp):
  // --device auto picks it, and an explicit CUDA request is refused, not ignored.
  if (c.steps.dewarp && c.device == host::DeviceChoice::kCuda)
    throw UsageError{"--dewarp auto runs on the CPU executor for now: use --device cpu or auto"};
  if (c.steps.dewarp) c.device = host::DeviceChoice::kCpu;
  return c;
}

}  // namespace pageprep::cli
