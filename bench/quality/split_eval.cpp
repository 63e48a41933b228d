// pageprep-split-eval: measures the spread-gutter finder (kernels/gutter.hpp,
// `--split auto`, issue 21) on pages with known truth (docs/QUALITY.md).
//
//   pageprep-split-eval spreads --out DIR [--count 24] [--seed 1] [--dpi 150]
//     generates spreads with a known gutter: opposite skews per half in
//     +-[0.5, 3.5] deg, a gutter shadow (depth 0-0.6; none on every fourth),
//     a dark bed on every other one, layouts single/two/table in turn and a
//     vertical rule in the left page's text, 42% of the way across the
//     spread, on every third. Writes
//       DIR/spreads/spread-NNNN.png        the spread
//       DIR/flat/spread-NNNN-{L,R}.png     each page flat (no skew, shadow, bed;
//                                          the rule, if any, is there)
//       DIR/skewed/spread-NNNN-{L,R}.png   each page with its skew alone
//       DIR/halves/spread-NNNN-{L,R}.png   the spread cut at the gutter found
//     each page image with its .gt.txt, and prints one JSON line per spread
//     (truth, found, gutter error in px, confidence, note) and a summary.
//   pageprep-split-eval scan PATH...
//     runs the finder on every page of the files (folders: their page files)
//     and prints the pages split (want 0 on single pages) and the notes.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "io/codec.hpp"
#include "pageprep/kernels/gutter.hpp"
#include "support/page_bed.hpp"
#include "support/page_generator.hpp"

namespace fs = std::filesystem;
namespace k = pageprep::kernels;
namespace ts = pageprep::testsupport;

namespace {

k::ConstGrayView cview(const cv::Mat& m) {
  return {m.data, m.cols, m.rows, static_cast<int64_t>(m.step[0])};
}

bool write_page(const fs::path& png, const cv::Mat& img, const std::string& text) {
  if (!cv::imwrite(png.string(), img)) return false;
  std::ofstream gt(fs::path(png).replace_extension(".gt.txt"));
  gt << text;
  gt.flush();
  return static_cast<bool>(gt);
}

int spreads(int argc, char** argv) {
  std::string out;
  int count = 24, dpi = 150;
  uint64_t seed = 1;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--out")
      out = v;
    else if (a == "--count")
      count = std::stoi(v);
    else if (a == "--seed")
      seed = std::stoull(v);
    else if (a == "--dpi")
      dpi = std::stoi(v);
    else {
      std::cerr << "unknown option " << a << "\n";
      return 2;
    }
  }
  if (out.empty() || count < 1) {
    std::cerr << "usage: pageprep-split-eval spreads --out DIR [--count N] [--seed S] [--dpi D]\n";
    return 2;
  }
  for (const char* sub : {"spreads", "flat", "skewed", "halves"})
    fs::create_directories(fs::path(out) / sub);
  const ts::Layout layouts[] = {ts::Layout::kSingleColumn, ts::Layout::kTwoColumn,
                                ts::Layout::kTable};
  k::cpu::ThreadPool pool(1);
  int found = 0, shadowed = 0;
  double sum_err = 0, max_err = 0;
  for (int i = 0; i < count; ++i) {
    const uint64_t s = seed + static_cast<uint64_t>(i) * 7919;
    ts::PageSpec spec;
    spec.dpi = dpi;
    spec.width_px = ts::PageSpec::a4_width_px(dpi);
    spec.height_px = ts::PageSpec::a4_height_px(dpi);
    spec.layout = layouts[i % 3];
    ts::Degradation deg;
    deg.noise_sigma = 4;
    ts::GeneratedPage l, r;
    std::string err;
    spec.seed = s;
    if (!ts::generate_page(spec, deg, &l, &err)) return std::cerr << err << "\n", 1;
    spec.seed = s + 1;
    if (!ts::generate_page(spec, deg, &r, &err)) return std::cerr << err << "\n", 1;
    cv::Mat left = l.degraded.clone();
    const bool rule = i % 3 == 2;
    if (rule)  // a thin dark rule 0.85 of the way across the left page (42% of the spread)
      cv::line(left, {left.cols * 85 / 100, l.margin_px},
               {left.cols * 85 / 100, left.rows - l.margin_px}, cv::Scalar(20),
               std::max(2, dpi / 100));
    ts::SpreadSpec sp;
    const double a = 0.5 + 3.0 * ((i * 37) % 11) / 10.0;
    sp.left_skew_deg = i % 2 ? a : -a;
    sp.right_skew_deg = i % 2 ? -0.6 * a : 0.6 * a;
    sp.gutter_shadow_depth = i % 4 == 3 ? 0.0 : 0.2 + 0.4 * ((i * 13) % 5) / 4.0;
    sp.gutter_shadow_width_px = 0.25 * dpi;
    const ts::SpreadPage spread = ts::make_spread(left, r.degraded, sp);
    cv::Mat img = spread.image;
    int truth = spread.gutter_x, bed = 0;
    if (i % 2 == 1) {
      ts::BedSpec b;
      b.bed_level = bed = 30 + (i * 7) % 31;
      const ts::BedPage on = ts::place_on_bed(img, b, s);
      img = on.image;
      truth += on.page_box.x;
    }
    char name[32];
    std::snprintf(name, sizeof name, "spread-%04d", i + 1);
    const std::string n = name;
    cv::imwrite((fs::path(out) / "spreads" / (n + ".png")).string(), img);
    // The flat left page has the rule too: CER compares the split, not the rule.
    if (!write_page(fs::path(out) / "flat" / (n + "-L.png"), left, l.text) ||
        !write_page(fs::path(out) / "flat" / (n + "-R.png"), r.degraded, r.text)) {
      std::cerr << "cannot write under " << out << "\n";
      return 1;
    }
    {
      // Each page with its skew alone (no shadow, no bed, cut at the true
      // gutter): what deskewing costs without the split.
      ts::SpreadSpec plain = sp;
      plain.gutter_shadow_depth = 0;
      const cv::Mat both = ts::make_spread(left, r.degraded, plain).image;
      write_page(fs::path(out) / "skewed" / (n + "-L.png"),
                 both(cv::Rect(0, 0, spread.gutter_x, both.rows)), l.text);
      write_page(fs::path(out) / "skewed" / (n + "-R.png"),
                 both(cv::Rect(spread.gutter_x, 0, both.cols - spread.gutter_x, both.rows)),
                 r.text);
    }
    k::Gutter g;
    if (!k::cpu::find_gutter(pool, cview(img), &g).is_ok()) return 1;
    const int e = g.found ? std::abs(g.x - truth) : -1;
    if (g.found) {
      ++found;
      shadowed += g.shadow;
      sum_err += e;
      max_err = std::max(max_err, static_cast<double>(e));
      write_page(fs::path(out) / "halves" / (n + "-L.png"), img(cv::Rect(0, 0, g.x, img.rows)),
                 l.text);
      write_page(fs::path(out) / "halves" / (n + "-R.png"),
                 img(cv::Rect(g.x, 0, img.cols - g.x, img.rows)), r.text);
    }
    std::printf(
        "{\"spread\":\"%s\",\"layout\":\"%s\",\"skews\":[%.2f,%.2f],\"shadow\":%.2f,\"bed\":%d,"
        "\"rule\":%s,\"truth_x\":%d,\"found\":%s,\"x\":%d,\"error_px\":%d,\"confidence\":%.3f,"
        "\"by_shadow\":%s,\"valley_px\":%d,\"note\":\"%s\"}\n",
        n.c_str(), ts::layout_name(spec.layout), sp.left_skew_deg, sp.right_skew_deg,
        sp.gutter_shadow_depth, bed, rule ? "true" : "false", truth, g.found ? "true" : "false",
        g.x, e, g.confidence, g.shadow ? "true" : "false", g.valley_w, g.note.c_str());
  }
  std::printf(
      "summary: %d spreads at %d dpi, split %d, placed by the shadow %d, gutter error mean %.1f px "
      "max %.0f px\n",
      count, dpi, found, shadowed, found ? sum_err / found : 0.0, max_err);
  return found == count ? 0 : 1;
}

int scan(int argc, char** argv) {
  std::vector<std::string> files;
  for (int i = 2; i < argc; ++i) {
    const fs::path p = argv[i];
    if (fs::is_directory(p)) {
      std::vector<std::string> in;
      for (const auto& e : fs::directory_iterator(p)) {
        const std::string ext = e.path().extension().string();
        if (e.is_regular_file() && ext != ".txt" && ext != ".jsonl" && ext != ".md")
          in.push_back(e.path().string());
      }
      std::sort(in.begin(), in.end());
      files.insert(files.end(), in.begin(), in.end());
    } else {
      files.push_back(p.string());
    }
  }
  k::cpu::ThreadPool pool(2);
  int pages = 0, candidates = 0, split = 0, failed = 0;
  std::map<std::string, int> notes;
  for (const auto& f : files) {
    const pageprep::host::PageCount pc = pageprep::host::count_pages(f);
    if (pc.error != pageprep::host::PageError::kNone) {
      std::printf("%s: not a page file (%s)\n", f.c_str(), pc.message.c_str());
      continue;
    }
    for (int32_t p = 0; p < std::max(1, pc.count); ++p) {
      const auto d = pageprep::host::decode_page(f, p, {}, pool);
      if (d.error != pageprep::host::PageError::kNone) {
        ++failed;
        continue;
      }
      k::Gutter g;
      if (!k::cpu::find_gutter(pool, cview(d.page.gray), &g).is_ok()) return 1;
      ++pages;
      candidates += g.spread_candidate;
      if (g.found) {
        ++split;
        std::printf("SPLIT %s [page %d] at x=%d of %d (confidence %.2f)\n", f.c_str(), p, g.x,
                    d.page.gray.cols, g.confidence);
      } else {
        ++notes[g.note];
        if (g.spread_candidate)
          std::printf("candidate %s [page %d]: %s\n", f.c_str(), p, g.note.c_str());
      }
    }
  }
  std::printf("summary: %d pages (%d failed to decode), %d landscape candidates, %d split\n", pages,
              failed, candidates, split);
  for (const auto& [note, n] : notes) std::printf("  %d x %s\n", n, note.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string cmd = argc > 1 ? argv[1] : "";
  if (cmd == "spreads") return spreads(argc, argv);
  if (cmd == "scan") return scan(argc, argv);
  std::cerr << "usage: pageprep-split-eval spreads --out DIR [--count N] [--seed S] [--dpi D]\n"
               "       pageprep-split-eval scan PATH...\n";
  return 2;
}
