#include "quality_corpus.hpp"

#include <algorithm>
#include <cmath>
#include <random>

namespace pageprep::quality {
namespace {

using testsupport::Degradation;
using testsupport::Layout;

constexpr uint64_t kTextSeedBase = 500;

// Uniform in [0, 1) from the engine's raw bits: identical on every library.
double unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

std::mt19937_64 rng_for(int cls, int index) {
  return std::mt19937_64(0x9E3779B97F4A7C15ull * static_cast<uint64_t>(cls + 1) +
                         static_cast<uint64_t>(index) * 7919u + 17u);
}

}  // namespace

const std::vector<Content>& contents() {
  static const std::vector<Content> k = {
      {Layout::kSingleColumn, "DejaVuSerif", 11.0, "single serif 11pt"},
      {Layout::kTwoColumn, "LiberationSans-Regular", 10.0, "two-column sans 10pt"},
      {Layout::kTable, "LiberationSerif-Regular", 11.0, "table serif 11pt"},
      {Layout::kFigure, "DejaVuSans", 10.0, "figure sans 10pt"},
      {Layout::kSingleColumn, "LiberationMono-Regular", 9.0, "single mono 9pt"},
      {Layout::kSparse, "DejaVuSerif", 14.0, "sparse serif 14pt"},
      {Layout::kBlank, "DejaVuSerif", 11.0, "blank"},
  };
  return k;
}

const std::vector<DegradationClass>& degradation_classes() {
  static const std::vector<DegradationClass> k = {
      {"clean", "no degradation", false},
      {"skew", "skew +-(0.5..14.8) deg, signs alternating", true},
      {"noise", "Gaussian noise sigma 10..25", false},
      {"specks", "salt-and-pepper specks 150..500 per Mpx", false},
      {"blur", "Gaussian blur sigma 0.8..1.6 px", false},
      {"illumination", "uneven illumination 0.4..0.8", false},
      {"paper", "yellowed paper 0.5..0.9 + contrast 0.45..0.6", false},
      {"borders", "dark scanner borders 40..120 px", false},
      {"jpeg", "JPEG quality 15..40", false},
      {"combined",
       "skew +-(0.5..8), noise 8, specks 100, blur 0.7, illumination 0.4, yellow 0.4, "
       "contrast 0.7, borders 50 px on even pages, JPEG 60",
       true},
  };
  return k;
}

Degradation degradation_for(int cls, int index) {
  std::mt19937_64 rng = rng_for(cls, index);
  const double u = unit(rng);
  const double sign = index % 2 == 0 ? 1.0 : -1.0;
  const std::string name = degradation_classes()[static_cast<size_t>(cls)].name;
  Degradation d;
  if (name == "skew") {
    // Golden-ratio strides spread the magnitudes over the whole range for any
    // page count; u adds a little jitter so angles are not on a grid.
    const double spread = std::fmod(0.25 + 0.6180339887 * index + 0.02 * u, 1.0);
    d.skew_deg = sign * (0.5 + 14.3 * spread);
  } else if (name == "noise") {
    d.noise_sigma = 10.0 + 15.0 * u;
  } else if (name == "specks") {
    d.speck_density = 150.0 + 350.0 * u;
  } else if (name == "blur") {
    d.blur_sigma = 0.8 + 0.8 * u;
  } else if (name == "illumination") {
    d.illumination = 0.4 + 0.4 * u;
  } else if (name == "paper") {
    d.paper_yellow = 0.5 + 0.4 * u;
    d.contrast = 0.45 + 0.15 * unit(rng);
  } else if (name == "borders") {
    d.dark_border_px = 40 + static_cast<int>(80.0 * u);
  } else if (name == "jpeg") {
    d.jpeg_quality = 15 + static_cast<int>(25.0 * u);
  } else if (name == "combined") {
    d.skew_deg = sign * (0.5 + 7.5 * u);
    d.noise_sigma = 8.0;
    d.speck_density = 100.0;
    d.blur_sigma = 0.7;
    d.illumination = 0.4;
    d.paper_yellow = 0.4;
    d.contrast = 0.7;
    d.dark_border_px = index % 2 == 0 ? 50 : 0;
    d.jpeg_quality = 60;
  }
  return d;
}

std::vector<CorpusPage> make_corpus(int pages_per_class, const std::vector<std::string>& only) {
  std::vector<CorpusPage> pages;
  const auto& classes = degradation_classes();
  for (int c = 0; c < static_cast<int>(classes.size()); ++c) {
    if (!only.empty() && std::find(only.begin(), only.end(), classes[c].name) == only.end())
      continue;
    for (int i = 0; i < pages_per_class; ++i) {
      CorpusPage p;
      p.cls = c;
      p.index = i;
      // The content cycle starts one further along in each class, so a few
      // pages per class still cover every content kind across the corpus.
      const int n_contents = static_cast<int>(contents().size());
      p.content = (i + c) % n_contents;
      const Content& ct = contents()[static_cast<size_t>(p.content)];
      p.spec.seed = kTextSeedBase + static_cast<uint64_t>(n_contents * i + p.content);
      p.spec.layout = ct.layout;
      p.spec.font = ct.font;
      p.spec.font_pt = ct.pt;
      p.deg = degradation_for(c, i);
      p.id = std::string(classes[c].name) + "/" + std::to_string(i) + "-" +
             testsupport::layout_name(ct.layout);
      pages.push_back(p);
    }
  }
  return pages;
}

std::vector<OrientationCase> make_orientation_cases(int text_pages, bool chinese, bool russian) {
  static const Layout kTextLayouts[] = {Layout::kSingleColumn, Layout::kTwoColumn, Layout::kTable,
                                        Layout::kFigure};
  static const char* kFonts[] = {"DejaVuSerif", "LiberationSans-Regular", "LiberationSerif-Regular",
                                 "DejaVuSans"};
  std::vector<OrientationCase> cases;
  std::vector<std::string> langs = {"eng"};
  if (chinese) langs.push_back("chi_sim");
  if (russian) langs.push_back("rus");
  for (const std::string& lang : langs) {
    for (int rot : {0, 90, 180, 270}) {
      for (int i = 0; i < text_pages + 2; ++i) {
        const int lang_index = lang == "eng" ? 0 : lang == "chi_sim" ? 1 : 2;
        std::mt19937_64 rng = rng_for(100 + rot, i + 1000 * lang_index);
        OrientationCase c;
        c.spec.language = lang;
        c.spec.seed = 900 + static_cast<uint64_t>(i) + 50 * static_cast<uint64_t>(lang_index);
        c.text_page = i < text_pages;
        c.spec.layout = c.text_page ? kTextLayouts[i % 4]
                                    : (i == text_pages ? Layout::kSparse : Layout::kBlank);
        c.spec.font = kFonts[i % 4];
        c.spec.font_pt = 9.0 + 3.0 * unit(rng);
        c.deg.rotate90 = rot;
        // Mild scan realism: a little skew, noise, and one of blur / JPEG / low contrast.
        c.deg.skew_deg = (unit(rng) - 0.5) * 4.0;
        c.deg.noise_sigma = 3.0 + 5.0 * unit(rng);
        switch (i % 3) {
          case 0:
            c.deg.blur_sigma = 0.7;
            break;
          case 1:
            c.deg.jpeg_quality = 50;
            break;
          default:
            c.deg.contrast = 0.7;
            break;
        }
        c.id = lang + "/rot" + std::to_string(rot) + "/" + std::to_string(i) + "-" +
               testsupport::layout_name(c.spec.layout);
        cases.push_back(c);
      }
    }
  }
  return cases;
}

}  // namespace pageprep::quality

namespace pageprep::quality {

std::vector<NoTextCase> make_no_text_cases() {
  using testsupport::Degradation;
  Degradation scan;
  scan.noise_sigma = 4;
  Degradation noisy;
  noisy.noise_sigma = 8;
  noisy.speck_density = 50;
  Degradation textured;
  textured.noise_sigma = 12;
  textured.blur_sigma = 2;
  textured.paper_yellow = 0.5;
  Degradation tilted = scan;
  tilted.skew_deg = 2.0;
  Degradation border = scan;
  border.dark_border_px = 80;
  auto c = [](const char* name, Layout layout, uint64_t seed, const Degradation& d) {
    NoTextCase n;
    n.name = name;
    n.spec.layout = layout;
    n.spec.seed = seed;
    n.deg = d;
    return n;
  };
  return {
      c("blank", Layout::kBlank, 1, {}),
      c("blank, noise and specks", Layout::kBlank, 2, noisy),
      c("textured paper", Layout::kBlank, 3, textured),
      c("scanner borders only", Layout::kBlank, 4, border),
      c("halftone photo", Layout::kPhoto, 33, scan),
      c("continuous-tone photo", Layout::kPhoto, 32, scan),
      c("bar chart, 45-degree caption", Layout::kChart, 5, scan),
      c("bar chart, tilted 2 deg", Layout::kChart, 6, tilted),
      c("signature", Layout::kSignature, 7, scan),
      c("level page number", Layout::kPageNumber, 8, scan),
      c("page number, tilted 2 deg", Layout::kPageNumber, 9, tilted),
      c("one word, tilted 2 deg", Layout::kWord, 11, tilted),
  };
}

}  // namespace pageprep::quality
