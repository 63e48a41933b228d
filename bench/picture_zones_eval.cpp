// picture_zones_eval: pageprep's picture zones (kernels/picture_zones.hpp)
// against Leptonica's halftone mask (pixGenerateHalftoneMask, the anchor), on
// generated pages with known picture blocks and on text-only pages.
//
//   picture_zones_eval [--pages N] [--shared DIR]
//
// 1. Pages with pictures: the quality corpus's degradations (bench/quality)
//    on figure (halftone or continuous tone), engraving and photo pages at
//    300 dpi; truth is the picture block (rotated with the page when skewed).
//    Per kind: pixel precision, recall, F-measure and IoU of the zone pixels
//    (ours: the union of the boxes; Leptonica: its mask), and how many pages
//    got exactly one zone.
// 2. False zones: every text-only page of the quality corpus (N pages per
//    class, figure pages left out) and the text-only real scans; a zone is a
//    box (ours) or a mask component at least kPictureZoneMinInches on both
//    sides (Leptonica).
// Leptonica reads the page binarized by pixOtsuAdaptiveThreshold (300 px
// tiles), as bench/leptonica_composite.c does; its mask is made for 300 dpi.
#include <leptonica/allheaders.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "pageprep/kernels/picture_zones.hpp"
#include "quality/quality_corpus.hpp"
#include "support/page_generator.hpp"

namespace {

using pageprep::testsupport::Degradation;
using pageprep::testsupport::GeneratedPage;
using pageprep::testsupport::Layout;
using pageprep::testsupport::PageSpec;

struct Zones {
  cv::Mat mask;  // 255 inside a zone
  int count = 0;
};

Zones ours(const cv::Mat& gray, int dpi) {
  pageprep::kernels::cpu::ThreadPool pool(1);
  std::vector<pageprep::kernels::PictureZone> z;
  const pageprep::kernels::ConstGrayView v{gray.data, gray.cols, gray.rows,
                                           static_cast<int64_t>(gray.step)};
  if (!pageprep::kernels::cpu::find_picture_zones(pool, v, static_cast<float>(dpi), &z).is_ok())
    std::abort();
  Zones out;
  out.mask = cv::Mat(gray.size(), CV_8UC1, cv::Scalar(0));
  for (const auto& b : z) out.mask(cv::Rect(b.x, b.y, b.width, b.height)).setTo(255);
  out.count = static_cast<int>(z.size());
  return out;
}

Zones leptonica(const cv::Mat& gray, int dpi) {
  Zones out;
  out.mask = cv::Mat(gray.size(), CV_8UC1, cv::Scalar(0));
  PIX* pix8 = pixCreate(gray.cols, gray.rows, 8);
  for (int y = 0; y < gray.rows; ++y)
    for (int x = 0; x < gray.cols; ++x) pixSetPixel(pix8, x, y, gray.at<uint8_t>(y, x));
  PIX* bin = nullptr;
  pixOtsuAdaptiveThreshold(pix8, 300, 300, 0, 0, 0.1f, nullptr, &bin);
  pixDestroy(&pix8);
  if (!bin) return out;
  l_int32 found = 0;
  PIX* mask = pixGenerateHalftoneMask(bin, nullptr, &found, nullptr);
  pixDestroy(&bin);
  if (!mask) return out;
  for (int y = 0; y < gray.rows && y < static_cast<int>(pixGetHeight(mask)); ++y)
    for (int x = 0; x < gray.cols && x < static_cast<int>(pixGetWidth(mask)); ++x) {
      l_uint32 v = 0;
      pixGetPixel(mask, x, y, &v);
      if (v) out.mask.at<uint8_t>(y, x) = 255;
    }
  pixDestroy(&mask);
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(out.mask, labels, stats, centroids, 8);
  const int min_side = static_cast<int>(pageprep::kernels::kPictureZoneMinInches * dpi);
  for (int i = 1; i < n; ++i)
    if (stats.at<int>(i, cv::CC_STAT_WIDTH) >= min_side &&
        stats.at<int>(i, cv::CC_STAT_HEIGHT) >= min_side)
      ++out.count;
  return out;
}

struct Score {
  double tp = 0, fp = 0, fn = 0;
  int pages = 0, one_zone = 0;
  void add(const cv::Mat& truth, const Zones& z) {
    const double t = cv::countNonZero(truth), p = cv::countNonZero(z.mask);
    const double both = cv::countNonZero(truth & z.mask);
    tp += both;
    fp += p - both;
    fn += t - both;
    ++pages;
    one_zone += z.count == 1;
  }
  double precision() const { return tp + fp > 0 ? tp / (tp + fp) : 0; }
  double recall() const { return tp + fn > 0 ? tp / (tp + fn) : 0; }
  double f() const {
    const double p = precision(), r = recall();
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
  double iou() const { return tp + fp + fn > 0 ? tp / (tp + fp + fn) : 0; }
};

// The truth mask of a generated page: its picture blocks, rotated as the page was.
cv::Mat truth_of(const GeneratedPage& p, const Degradation& d) {
  cv::Mat m(p.degraded.size(), CV_8UC1, cv::Scalar(0));
  const cv::Mat rot = cv::getRotationMatrix2D(
      cv::Point2f(static_cast<float>(p.clean.cols) / 2.0f, static_cast<float>(p.clean.rows) / 2.0f),
      d.skew_deg, 1.0);
  for (const cv::Rect& r : p.picture_boxes) {
    std::vector<cv::Point2f> c = {{float(r.x), float(r.y)},
                                  {float(r.x + r.width), float(r.y)},
                                  {float(r.x + r.width), float(r.y + r.height)},
                                  {float(r.x), float(r.y + r.height)}};
    cv::transform(c, c, rot);
    std::vector<cv::Point> ci;
    for (const auto& q : c) ci.emplace_back(cvRound(q.x), cvRound(q.y));
    cv::fillConvexPoly(m, ci, cv::Scalar(255));
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  int per_class = 7;
  std::string shared = "../shared";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--pages") per_class = std::atoi(argv[i + 1]);
    if (a == "--shared") shared = argv[i + 1];
  }
  setMsgSeverity(L_SEVERITY_NONE);
  const int dpi = 300;
  namespace q = pageprep::quality;
  // 1. Pages with pictures.
  struct Kind {
    const char* name;
    Layout layout;
    int halftone;  // for kPhoto: seed parity; -1 any
  };
  const Kind kinds[] = {{"figure (halftone or tone)", Layout::kFigure, -1},
                        {"engraving", Layout::kEngraving, -1},
                        {"photo page, halftone", Layout::kPhoto, 1},
                        {"photo page, continuous tone", Layout::kPhoto, 0}};
  std::printf(
      "## Pictures: per kind, one page in each of the quality corpus's %zu degradation "
      "classes\n\n",
      q::degradation_classes().size());
  std::printf(
      "| kind | pages | ours P / R / F / IoU | ours pages with 1 zone | Leptonica P / R / F / IoU "
      "| Leptonica pages with 1 zone |\n|---|---|---|---|---|---|\n");
  for (const Kind& k : kinds) {
    Score o, l;
    for (int c = 0; c < static_cast<int>(q::degradation_classes().size()); ++c) {
      PageSpec spec;
      spec.dpi = dpi;
      spec.layout = k.layout;
      spec.font = "DejaVuSans";
      spec.font_pt = 10;
      spec.seed = 7000 + static_cast<uint64_t>(c) * 2 + (k.halftone >= 0 ? k.halftone : 0);
      if (k.halftone < 0) spec.seed += 100 * (c % 2);
      const Degradation d = q::degradation_for(c, 0);
      GeneratedPage p;
      std::string err;
      if (!pageprep::testsupport::generate_page(spec, d, &p, &err)) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return 1;
      }
      cv::Mat gray = p.degraded;
      if (gray.channels() == 3) cv::cvtColor(gray, gray, cv::COLOR_BGR2GRAY);
      const cv::Mat truth = truth_of(p, d);
      o.add(truth, ours(gray, dpi));
      l.add(truth, leptonica(gray, dpi));
    }
    std::printf("| %s | %d | %.3f / %.3f / %.3f / %.3f | %d | %.3f / %.3f / %.3f / %.3f | %d |\n",
                k.name, o.pages, o.precision(), o.recall(), o.f(), o.iou(), o.one_zone,
                l.precision(), l.recall(), l.f(), l.iou(), l.one_zone);
  }
  // 2. False zones on text-only pages.
  int pages = 0, ours_false = 0, lept_false = 0, ours_pages = 0, lept_pages = 0;
  std::map<std::string, std::pair<int, int>> by_class;
  for (const q::CorpusPage& cp : q::make_corpus(per_class, {})) {
    if (cp.spec.layout == Layout::kFigure) continue;
    PageSpec spec = cp.spec;
    GeneratedPage p;
    std::string err;
    if (!pageprep::testsupport::generate_page(spec, cp.deg, &p, &err)) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 1;
    }
    cv::Mat gray = p.degraded;
    if (gray.channels() == 3) cv::cvtColor(gray, gray, cv::COLOR_BGR2GRAY);
    const int zo = ours(gray, spec.dpi).count, zl = leptonica(gray, spec.dpi).count;
    ++pages;
    ours_false += zo;
    lept_false += zl;
    ours_pages += zo > 0;
    lept_pages += zl > 0;
    if (zo > 0) std::fprintf(stderr, "ours: %d false zone(s) on %s\n", zo, cp.id.c_str());
  }
  std::printf("\n## False zones on the text-only pages of the quality corpus (%d per class)\n\n",
              per_class);
  std::printf(
      "| pages | ours: zones (pages with any) | Leptonica: zones (pages with any) "
      "|\n|---|---|---|\n");
  std::printf("| %d | %d (%d) | %d (%d) |\n", pages, ours_false, ours_pages, lept_false,
              lept_pages);
  // 3. Real scans.
  std::printf(
      "\n## Real scans (%s/data/real-scans)\n\n| file | dpi used | ours | Leptonica "
      "|\n|---|---|---|---|\n",
      shared.c_str());
  for (const char* f :
       {"1555.007.jpg", "cavalerie.11.jpg", "lighttext.jpg", "wyom.jpg", "warped_paper.jpg",
        "dreyfus8.png", "rabi.png", "pageseg1.tif", "pageseg2.tif", "scots-frag.tif", "arabic.tif",
        "devatest-rotated-270.png"}) {
    const std::string path = shared + "/data/real-scans/" + f;
    cv::Mat g = cv::imread(path, cv::IMREAD_GRAYSCALE);
    if (g.empty()) {
      std::printf("| %s | - | cannot read | - |\n", f);
      continue;
    }
    // No trusted DPI in most of these files: 300 for page-sized scans, else
    // the width over 8.5 inches (as the run estimates for letter pages).
    const int d = g.cols >= 2400 ? 300 : std::max(75, static_cast<int>(g.cols / 8.5));
    const Zones zo = ours(g, d), zl = leptonica(g, d);
    std::printf("| %s | %d | %d | %d |\n", f, d, zo.count, zl.count);
  }
  return 0;
}
