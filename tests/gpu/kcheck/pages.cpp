#include "pages.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace pageprep::kcheck {
namespace {

/// splitmix64: small, fast, the same everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int32_t uniform(int32_t lo, int32_t hi) {  // [lo, hi]
    return lo + static_cast<int32_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }

 private:
  uint64_t s_;
};

struct Rect {
  int32_t x0, y0, x1, y1;  // half-open
};

/// Glyph-like strokes for one letter cell: a stem, sometimes a bowl or bar.
void add_glyph(Rng& rng, int32_t x, int32_t base, int32_t xh, int32_t stroke,
               std::vector<Rect>* ink) {
  const int32_t w = std::max(2, xh * rng.uniform(55, 90) / 100);
  const int kind = rng.uniform(0, 5);
  const int32_t asc = (kind == 0) ? xh * 2 / 3 : 0;               // ascender
  const int32_t desc = (kind == 1) ? xh / 3 : 0;                  // descender
  ink->push_back({x, base - xh - asc, x + stroke, base + desc});  // stem
  if (kind >= 2) {
    ink->push_back({x, base - xh, x + w, base - xh + stroke});  // top bar
    ink->push_back({x + w - stroke, base - xh, x + w, base});   // right stem
  }
  if (kind == 3 || kind == 5) ink->push_back({x, base - stroke, x + w, base});  // bottom bar
  if (kind == 4) ink->push_back({x, base - xh / 2, x + w, base - xh / 2 + stroke});
}

}  // namespace

HostPage::HostPage(int32_t w, int32_t h, int32_t bytes_per_pixel, uint8_t fill)
    : width(w), height(h), bpp(bytes_per_pixel) {
  pitch = std::max<int64_t>(1, static_cast<int64_t>(w) * bpp + 13);  // odd padding
  bytes.assign(static_cast<size_t>(pitch * std::max(1, h)), fill);
}

bool HostPage::first_difference(const HostPage& o, int32_t* x, int32_t* y) const {
  if (o.width != width || o.height != height || o.bpp != bpp) {
    *x = -1;
    *y = -1;
    return true;
  }
  const size_t n = static_cast<size_t>(width) * static_cast<size_t>(bpp);
  for (int32_t r = 0; r < height; ++r) {
    if (std::memcmp(row(r), o.row(r), n) == 0) continue;
    for (int32_t c = 0; c < width * bpp; ++c) {
      if (row(r)[c] != o.row(r)[c]) {
        *x = c / bpp;
        *y = r;
        return true;
      }
    }
  }
  return false;
}

bool HostPage::same_pixels(const HostPage& o) const {
  int32_t x, y;
  return !first_difference(o, &x, &y);
}

HostPage make_page(const PageSpec& s) {
  Rng rng(s.seed);
  // Ink rectangles in unskewed page coordinates.
  std::vector<Rect> ink;
  if (s.text) {
    const float px_per_pt = s.dpi / 72.f;
    const int32_t xh = std::max(3, static_cast<int32_t>(std::lround(5.f * px_per_pt)));  // ~10 pt
    const int32_t stroke = std::max(1, xh / 5);
    const int32_t leading = xh * 3;
    const int32_t margin = std::max(4, s.width / 10);
    const int32_t gutter = std::max(2, s.width / 30);
    const int32_t col_w =
        (s.width - 2 * margin - (s.columns - 1) * gutter) / std::max(1, s.columns);
    for (int32_t c = 0; c < s.columns && col_w > 4 * xh; ++c) {
      const int32_t cx0 = margin + c * (col_w + gutter);
      for (int32_t base = margin + 2 * xh; base < s.height - margin; base += leading) {
        if (rng.uniform(0, 11) == 0) continue;  // paragraph gap
        const int32_t line_end = cx0 + col_w - (rng.uniform(0, 5) == 0 ? col_w / 3 : 0);
        int32_t x = cx0;
        while (x + xh < line_end) {
          const int32_t letters = rng.uniform(1, 8);
          for (int32_t l = 0; l < letters && x + xh < line_end; ++l) {
            add_glyph(rng, x, base, xh, stroke, &ink);
            x += xh + stroke;
          }
          x += xh;  // word space
        }
      }
    }
  }
  // Rasterize the unskewed ink mask, then sample it rotated (nearest).
  std::vector<uint8_t> mask(static_cast<size_t>(s.width) * s.height, 0);
  for (const Rect& r : ink) {
    const int32_t x0 = std::clamp(r.x0, 0, s.width), x1 = std::clamp(r.x1, 0, s.width);
    const int32_t y0 = std::clamp(r.y0, 0, s.height), y1 = std::clamp(r.y1, 0, s.height);
    for (int32_t y = y0; y < y1; ++y)
      std::fill(mask.begin() + static_cast<int64_t>(y) * s.width + x0,
                mask.begin() + static_cast<int64_t>(y) * s.width + x1, uint8_t{1});
  }
  HostPage page(s.width, s.height, 1, 0);
  const double a = s.skew_deg * 3.14159265358979323846 / 180.0;
  const double ca = std::cos(a), sa = std::sin(a);
  const double cx = s.width / 2.0, cy = s.height / 2.0;
  const int32_t paper = 225 + rng.uniform(0, 15);
  const int32_t ink_level = 20 + rng.uniform(0, 30);
  const int32_t band = s.border ? std::max(2, s.width / 25) : 0;
  const int32_t amp = static_cast<int32_t>(s.noise);
  for (int32_t y = 0; y < s.height; ++y) {
    uint8_t* row = page.row(y);
    const int32_t shade = (y * 12) / std::max(1, s.height);  // gentle gradient
    for (int32_t x = 0; x < s.width; ++x) {
      // Counter-clockwise skew: output (x, y) samples the unskewed page at
      // the inverse rotation (y grows downwards).
      const double dx = x - cx, dy = y - cy;
      const int32_t sx = static_cast<int32_t>(std::lround(cx + ca * dx - sa * dy));
      const int32_t sy = static_cast<int32_t>(std::lround(cy + sa * dx + ca * dy));
      const bool on = sx >= 0 && sy >= 0 && sx < s.width && sy < s.height &&
                      mask[static_cast<size_t>(sy) * s.width + sx];
      int32_t v = on ? ink_level : paper - shade;
      if (amp > 0) v += static_cast<int32_t>(rng.next() % static_cast<uint64_t>(2 * amp + 1)) - amp;
      if (x < band) v = 15 + static_cast<int32_t>(rng.next() % 10);
      row[x] = static_cast<uint8_t>(std::clamp(v, 0, 255));
    }
  }
  for (int32_t k = 0; k < s.specks && s.width > 2 && s.height > 2; ++k) {
    const int32_t x = rng.uniform(0, s.width - 2), y = rng.uniform(0, s.height - 2);
    const int32_t size = rng.uniform(1, 2);
    for (int32_t dy = 0; dy < size; ++dy)
      for (int32_t dx = 0; dx < size; ++dx) page.row(y + dy)[x + dx] = 10;
  }
  return page;
}

HostPage to_colour(const HostPage& gray, int32_t bytes_per_pixel, uint64_t seed) {
  Rng rng(seed);
  HostPage out(gray.width, gray.height, bytes_per_pixel, 0);
  const int32_t tint[4] = {rng.uniform(-20, 0), rng.uniform(-10, 10), rng.uniform(0, 20), 0};
  for (int32_t y = 0; y < gray.height; ++y) {
    for (int32_t x = 0; x < gray.width; ++x) {
      const int32_t g = gray.row(y)[x];
      uint8_t* p = out.row(y) + x * bytes_per_pixel;
      for (int32_t c = 0; c < 3; ++c) p[c] = static_cast<uint8_t>(std::clamp(g + tint[c], 0, 255));
      if (bytes_per_pixel == 4) p[3] = static_cast<uint8_t>(rng.next() & 0xFF);
    }
  }
  return out;
}

std::vector<PageSpec> parity_specs(bool small) {
  std::vector<PageSpec> v;
  auto add = [&v](int32_t w, int32_t h, float dpi, float skew, bool text, bool border, int32_t cols,
                  uint64_t seed) {
    PageSpec s;
    s.width = w;
    s.height = h;
    s.dpi = dpi;
    s.skew_deg = skew;
    s.text = text;
    s.border = border;
    s.columns = cols;
    s.seed = seed;
    v.push_back(s);
  };
  if (small) {
    add(620, 877, 75, 3.1f, true, false, 1, 11);   // A4 at 75 dpi
    add(600, 800, 100, -2.4f, true, true, 2, 12);  // two columns, border
    add(333, 517, 100, 0.f, true, false, 1, 13);   // odd shape
    add(64, 48, 100, 0.f, false, false, 1, 14);    // blank
    add(7, 5, 100, 0.f, true, false, 1, 15);       // tiny
    return v;
  }
  add(2480, 3508, 300, 1.7f, true, false, 1, 1);   // A4 at 300 dpi
  add(1240, 1754, 150, -4.3f, true, false, 2, 2);  // A4 at 150 dpi, two columns
  add(1754, 1240, 150, 6.5f, true, true, 2, 3);    // landscape, dark border
  add(1240, 1754, 150, 0.f, false, false, 1, 4);   // blank
  add(1001, 1503, 200, -0.6f, true, false, 1, 5);  // odd shape
  add(333, 517, 100, 2.f, true, true, 1, 6);
  add(7, 5, 100, 0.f, true, false, 1, 7);  // tiny
  return v;
}

}  // namespace pageprep::kcheck
