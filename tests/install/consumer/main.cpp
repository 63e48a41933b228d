// An application using the installed library: it draws a page of text-like
// lines rotated by a known angle, preprocesses it (and a batch with a bad page)
// and checks what comes back. Only <pageprep/engine.hpp> and the standard
// library are available here: no OpenCV, no Tesseract, no CUDA.
#include <pageprep/engine.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

/// Lines of black "words" on white paper, turned `deg` counter-clockwise
/// (lines rise to the right), plus a few one-pixel specks.
std::vector<uint8_t> draw_page(int w, int h, double deg) {
  std::vector<uint8_t> upright(static_cast<size_t>(w) * h, 250);
  unsigned seed = 12345;
  auto rnd = [&seed](int n) {
    seed = seed * 1103515245u + 12345u;
    return static_cast<int>((seed >> 16) % static_cast<unsigned>(n));
  };
  for (int y = 150; y + 14 < h - 150; y += 32) {
    for (int x = 120; x < w - 160;) {
      const int word = 20 + rnd(70);
      for (int yy = y; yy < y + 14; ++yy)
        for (int xx = x; xx < x + word && xx < w - 120; ++xx)
          upright[static_cast<size_t>(yy) * w + xx] = 20;
      x += word + 12;
    }
  }
  std::vector<uint8_t> page(upright.size(), 250);
  const double t = deg * 3.14159265358979 / 180.0, c = std::cos(t), s = std::sin(t);
  const double cx = w / 2.0, cy = h / 2.0;
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const double dx = (x - cx) * c - (y - cy) * s, dy = (x - cx) * s + (y - cy) * c;
      const int sx = static_cast<int>(std::lround(cx + dx)),
                sy = static_cast<int>(std::lround(cy + dy));
      if (sx >= 0 && sx < w && sy >= 0 && sy < h)
        page[static_cast<size_t>(y) * w + x] = upright[static_cast<size_t>(sy) * w + sx];
    }
  for (int i = 0; i < 40; ++i) page[static_cast<size_t>(20 + rnd(h - 40)) * w + 20 + rnd(40)] = 0;
  return page;
}

}  // namespace

int main() {
  check(std::string(pageprep::version()) == PAGEPREP_EXPECTED_VERSION,
        std::string("version ") + pageprep::version());
  const int w = 1240, h = 1754;  // A4 at 150 dpi
  const double angle = 2.5;
  const std::vector<uint8_t> page = draw_page(w, h, angle);

  pageprep::Options options;  // the CLI's defaults; the device as --device auto chooses
  std::string error;
  auto engine = pageprep::Engine::create(options, &error);
  check(engine != nullptr, "Engine::create: " + (engine ? engine->executor_name() : error));
  if (!engine) return 1;

  pageprep::ImageView view;
  view.data = page.data();
  view.width = w;
  view.height = h;
  view.stride = w;
  view.dpi = 150;
  pageprep::ImageView bad = view;
  bad.data = nullptr;
  const std::vector<pageprep::PageResult> results = engine->preprocess({view, bad, view});
  check(results.size() == 3, "three results for three pages");
  const pageprep::PageResult& r = results[0];
  check(r.ok(), "page 0 ok " + r.error_code + " " + r.error);
  char buf[160];
  std::snprintf(buf, sizeof buf, "skew %.3f (drawn %.1f), confidence %.2f", r.skew_deg, angle,
                r.skew_confidence);
  check(std::fabs(r.skew_deg - angle) < 0.3 && r.rotated, buf);
  check(r.gray.width == w && r.gray.height == h && r.gray.owner != nullptr, "gray page size");
  bool binary_ok = r.binary.width == w && r.binary.height == h;
  for (int y = 0; binary_ok && y < r.binary.height; ++y)
    for (int x = 0; x < r.binary.width; ++x) {
      const uint8_t v = r.binary.data[y * r.binary.stride + x];
      if (v != 0 && v != 255) binary_ok = false;
    }
  check(binary_ok, "binary page holds only 0 and 255");
  check(r.specks_removed > 0, "specks removed: " + std::to_string(r.specks_removed));
  check(results[1].error_code == "invalid_image", "bad page: " + results[1].error_code);
  check(results[2].ok() && std::memcmp(results[2].binary.data, r.binary.data,
                                       static_cast<size_t>(r.binary.stride) * h) == 0,
        "same page, same result");
  std::printf("%s\n", failures ? "consumer: FAILED" : "consumer: all checks passed");
  return failures ? 1 : 0;
}
