// Writes the hostile-PDF corpus (hostile_pdfs.hpp) into DIR, with one line
// per case in DIR/cases.tsv (file, item), to look at a case by hand:
//   pageprep-hostile-corpus DIR && pageprep run DIR/smask.pdf -o out
// Usage: pageprep-hostile-corpus DIR
#include <filesystem>
#include <fstream>
#include <iostream>

#include "support/hostile_pdfs.hpp"
#include "support/page_generator.hpp"

namespace fs = std::filesystem;
using namespace pageprep::testsupport;

namespace {
TextImage text_image(uint64_t seed) {
  PageSpec spec;
  spec.seed = seed;
  spec.dpi = 150;
  spec.width_px = PageSpec::a4_width_px(150);
  spec.height_px = PageSpec::a4_height_px(150) / 2;
  spec.font_pt = 12;
  GeneratedPage g;
  std::string err;
  if (!generate_page(spec, {}, &g, &err)) std::cerr << "pageprep-hostile-corpus: " << err << "\n";
  return {g.clean, g.text, 150};
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: pageprep-hostile-corpus DIR\n";
    return 2;
  }
  const fs::path dir = argv[1];
  fs::create_directories(dir);
  std::ofstream index(dir / "cases.tsv");
  for (const HostilePdf& c : hostile_pdfs(text_image(41), text_image(42))) {
    std::ofstream f(dir / c.name, std::ios::binary);
    f.write(c.bytes.data(), static_cast<std::streamsize>(c.bytes.size()));
    index << c.name << "\t" << c.item << "\n";
    if (!f) return 1;
  }
  return index ? 0 : 1;
}
