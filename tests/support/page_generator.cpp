#include "support/page_generator.hpp"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <functional>
#include <unordered_map>
#include <vector>

#include "support/corpus_text.hpp"

namespace pageprep::testsupport {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kLinePitchEm = 1.2;

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::u32string ascii_u32(const std::string& s) {
  return std::u32string(s.begin(), s.end());
}

int count_non_space(const std::u32string& s) {
  int n = 0;
  for (char32_t c : s) n += (c != U' ');
  return n;
}

// ---------------------------------------------------------------------------
// FreeType glyph rendering

struct Glyph {
  std::vector<uint8_t> coverage;  // rows x cols, 0 = no ink, 255 = full ink
  int cols = 0, rows = 0, left = 0, top = 0;
  int64_t advance26 = 0;  // 26.6 fixed point
  bool present = false;   // the font maps this code point
};

class FontRenderer {
 public:
  FontRenderer() = default;
  FontRenderer(const FontRenderer&) = delete;
  FontRenderer& operator=(const FontRenderer&) = delete;
  ~FontRenderer() {
    if (face_ != nullptr) FT_Done_Face(face_);
    if (lib_ != nullptr) FT_Done_FreeType(lib_);
  }

  bool open(const std::string& path, double font_pt, int dpi, std::string* error) {
    if (FT_Init_FreeType(&lib_) != 0) {
      *error = "FreeType initialisation failed";
      return false;
    }
    if (FT_New_Face(lib_, path.c_str(), 0, &face_) != 0) {
      *error = "cannot load font " + path;
      return false;
    }
    if (FT_Set_Char_Size(face_, 0, static_cast<FT_F26Dot6>(std::lround(font_pt * 64.0)),
                         static_cast<FT_UInt>(dpi), static_cast<FT_UInt>(dpi)) != 0) {
      *error = "cannot set size " + std::to_string(font_pt) + " pt on " + path;
      return false;
    }
    ascent_ = static_cast<int>((face_->size->metrics.ascender + 63) >> 6);
    descent_ = static_cast<int>((-face_->size->metrics.descender + 63) >> 6);
    pitch_ = static_cast<int>(std::lround(kLinePitchEm * font_pt * dpi / 72.0));
    pitch_ = std::max(pitch_, ascent_ + descent_ / 2);
    return true;
  }

  int ascent() const { return ascent_; }
  int line_height() const { return ascent_ + descent_; }
  int pitch() const { return pitch_; }

  const Glyph& glyph(char32_t c) {
    auto it = cache_.find(c);
    if (it != cache_.end()) return it->second;
    Glyph g;
    if (FT_Get_Char_Index(face_, c) != 0 &&
        FT_Load_Char(face_, c, FT_LOAD_RENDER | FT_LOAD_TARGET_NORMAL) == 0) {
      const FT_GlyphSlot slot = face_->glyph;
      const FT_Bitmap& bm = slot->bitmap;
      g.present = true;
      g.advance26 = slot->advance.x;
      g.cols = static_cast<int>(bm.width);
      g.rows = static_cast<int>(bm.rows);
      g.left = slot->bitmap_left;
      g.top = slot->bitmap_top;
      if (bm.pixel_mode == FT_PIXEL_MODE_GRAY) {
        g.coverage.resize(static_cast<size_t>(g.cols) * g.rows);
        for (int y = 0; y < g.rows; ++y)
          for (int x = 0; x < g.cols; ++x)
            g.coverage[static_cast<size_t>(y) * g.cols + x] = bm.buffer[y * bm.pitch + x];
      } else {
        g.cols = g.rows = 0;  // bitmap fonts: advance only (not used by the supported fonts)
      }
    }
    return cache_.emplace(c, std::move(g)).first->second;
  }

  /// Width of a run of code points, 26.6.
  int64_t width26(const std::u32string& s) {
    int64_t w = 0;
    for (char32_t c : s) w += glyph(c).advance26;
    return w;
  }

  /// Draws `s` with its pen starting at x (pixels) on `baseline`: ink = min(ink, 255 - coverage).
  void draw(cv::Mat& img, int x, int baseline, const std::u32string& s) {
    int64_t pen26 = static_cast<int64_t>(x) * 64;
    for (char32_t c : s) {
      const Glyph& g = glyph(c);
      const int gx = static_cast<int>((pen26 + 32) >> 6) + g.left;
      const int gy = baseline - g.top;
      for (int r = 0; r < g.rows; ++r) {
        const int y = gy + r;
        if (y < 0 || y >= img.rows) continue;
        uint8_t* row = img.ptr<uint8_t>(y);
        const uint8_t* cov = g.coverage.data() + static_cast<size_t>(r) * g.cols;
        const int c0 = std::max(0, -gx), c1 = std::min(g.cols, img.cols - gx);
        for (int cc = c0; cc < c1; ++cc) {
          const uint8_t v = static_cast<uint8_t>(255 - cov[cc]);
          row[gx + cc] = std::min(row[gx + cc], v);
        }
      }
      pen26 += g.advance26;
    }
  }

 private:
  FT_Library lib_ = nullptr;
  FT_Face face_ = nullptr;
  int ascent_ = 0, descent_ = 0, pitch_ = 0;
  std::unordered_map<char32_t, Glyph> cache_;
};

// ---------------------------------------------------------------------------
// Text flow: fills rectangles with paragraphs, resumable across rectangles
// (columns, text above and below a figure).

class TextFlow {
 public:
  using Source = std::function<std::vector<TextToken>()>;
  struct Region {
    std::string text;
    bool starts_paragraph = true;  // the region's first line begins a paragraph
    int lines = 0;
    int y_end = 0;  // below the last line drawn
  };

  TextFlow(FontRenderer& font, Source source) : font_(font), source_(std::move(source)) {}

  int glyphs() const { return glyphs_; }

  /// A fresh paragraph from the source, not drawn (for one-word pages).
  std::vector<TextToken> next_paragraph() { return source_(); }

  /// Abandons the rest of the current paragraph (e.g. before a table).
  void end_paragraph() { pos_ = para_.size(); }

  Region fill(cv::Mat& img, const cv::Rect& r, int max_lines = INT_MAX) {
    Region out;
    out.y_end = r.y;
    const int64_t width26 = static_cast<int64_t>(r.width) * 64;
    const int64_t space26 = font_.glyph(U' ').advance26;
    int y = r.y;
    bool first_line = true;
    int fruitless = 0;  // consecutive paragraphs with nothing drawable (a font without the glyphs)
    for (;;) {
      if (pos_ >= para_.size()) {
        para_ = source_();
        pos_ = 0;
        if (!first_line) y += font_.pitch();  // blank line between paragraphs
        if (para_.empty() || ++fruitless > 100) break;
      }
      if (out.lines >= max_lines || y + font_.line_height() > r.y + r.height) break;
      const bool para_start = pos_ == 0;
      std::u32string line;
      int64_t w = 0;
      size_t prev_len = 0, prev_pos = 0;  // the line before its last token, for kinsoku
      int tokens = 0;
      while (pos_ < para_.size()) {
        const std::u32string tok = drawable(para_[pos_].text);
        if (tok.empty()) {
          ++pos_;
          continue;
        }
        const int64_t tw = font_.width26(tok);
        const int64_t sep = (!line.empty() && para_[pos_].space_before) ? space26 : 0;
        if (w + sep + tw > width26) {
          if (line.empty()) {  // wider than the whole line: dropped, never drawn
            ++pos_;
            continue;
          }
          // CJK line breaking: closing punctuation never starts a line, so the
          // character before it moves down with it.
          if (tokens >= 2 && no_line_start(tok[0])) {
            line.resize(prev_len);
            pos_ = prev_pos;
          }
          break;
        }
        prev_len = line.size();
        prev_pos = pos_;
        if (sep != 0) line.push_back(U' ');
        line += tok;
        w += sep + tw;
        ++pos_;
        ++tokens;
      }
      if (line.empty()) continue;
      fruitless = 0;
      font_.draw(img, r.x, y + font_.ascent(), line);
      if (first_line) {
        out.starts_paragraph = para_start;
      } else {
        out.text += para_start ? "\n\n" : "\n";
      }
      out.text += to_utf8(line);
      glyphs_ += count_non_space(line);
      y += font_.pitch();
      out.y_end = y;
      ++out.lines;
      first_line = false;
    }
    return out;
  }

  static bool no_line_start(char32_t c) {
    return c == U'，' || c == U'。' || c == U'、' || c == U'；' || c == U'：' || c == U'？' ||
           c == U'！' || c == U'）' || c == U'」' || c == U'』';
  }

  /// Keeps only code points the font can draw (so the truth is what is drawn).
  std::u32string drawable(const std::u32string& s) {
    std::u32string out;
    out.reserve(s.size());
    for (char32_t c : s)
      if (font_.glyph(c).present) out.push_back(c);
    return out;
  }

 private:
  FontRenderer& font_;
  Source source_;
  std::vector<TextToken> para_;
  size_t pos_ = 0;
  int glyphs_ = 0;
};

/// Joins region texts: a blank line where a paragraph starts, a newline where one continues.
void append_region(std::string* text, const TextFlow::Region& r) {
  if (r.text.empty()) return;
  if (!text->empty()) *text += r.starts_paragraph ? "\n\n" : "\n";
  *text += r.text;
}

// ---------------------------------------------------------------------------
// Figures and tables

/// A photo-like block: smooth gradient, soft blobs and hard shapes, printed
/// either as a clustered-dot halftone (ink 0 / paper 255) or as continuous tone
/// (`halftone` < 0: chosen by `rng`; 0: continuous tone; > 0: halftone).
/// The tone (0 black .. 1 white) of a photo-like block.
cv::Mat1f picture_tone(const cv::Rect& r, Rng& rng) {
  cv::Mat1f tone(r.height, r.width);
  const double phi = rng.uniform(0.0, 2.0 * kPi);
  const double g0 = rng.uniform(0.55, 0.9), g1 = rng.uniform(-0.5, 0.5);
  const double gx = std::cos(phi) / r.width, gy = std::sin(phi) / r.height;
  for (int y = 0; y < r.height; ++y) {
    float* row = tone.ptr<float>(y);
    for (int x = 0; x < r.width; ++x)
      row[x] = static_cast<float>(g0 + g1 * ((x - r.width / 2) * gx + (y - r.height / 2) * gy));
  }
  const int blobs = static_cast<int>(rng.uniform_int(2, 5));
  for (int b = 0; b < blobs; ++b) {
    const double cx = rng.uniform(0, r.width), cy = rng.uniform(0, r.height);
    const double rad = rng.uniform(0.1, 0.35) * std::min(r.width, r.height);
    const double amp = rng.uniform(-0.35, 0.45);
    const double inv = 1.0 / (2.0 * rad * rad);
    for (int y = 0; y < r.height; ++y) {
      float* row = tone.ptr<float>(y);
      const double dy2 = (y - cy) * (y - cy);
      if (dy2 * inv > 9.0) continue;
      for (int x = 0; x < r.width; ++x)
        row[x] -= static_cast<float>(amp * std::exp(-((x - cx) * (x - cx) + dy2) * inv));
    }
  }
  const int shapes = static_cast<int>(rng.uniform_int(1, 3));
  for (int s = 0; s < shapes; ++s) {
    const cv::Point c(static_cast<int>(rng.uniform(0.2, 0.8) * r.width),
                      static_cast<int>(rng.uniform(0.2, 0.8) * r.height));
    const int size = static_cast<int>(rng.uniform(0.08, 0.22) * std::min(r.width, r.height));
    const cv::Scalar v(rng.uniform(0.1, 0.8));
    if (rng.chance(0.5)) {
      cv::circle(tone, c, size, v, cv::FILLED, cv::LINE_AA);
    } else {
      cv::rectangle(tone, cv::Rect(c.x - size, c.y - size / 2, 2 * size, size), v, cv::FILLED);
    }
  }
  return tone;
}

void draw_figure(cv::Mat& img, const cv::Rect& r, int dpi, Rng& rng, int halftone = -1) {
  const cv::Mat1f tone = picture_tone(r, rng);
  cv::Mat roi = img(r);
  const bool screen = rng.chance(0.5);  // drawn either way, so `halftone` keeps the rng stream
  if (halftone > 0 || (halftone < 0 && screen)) {
    // Clustered-dot halftone, 45-degree screen, ~50 lines per inch.
    const double cell = std::max(4.0, dpi / 50.0);
    const double k = 2.0 * kPi / (cell * std::sqrt(2.0));
    for (int y = 0; y < r.height; ++y) {
      const float* t = tone.ptr<float>(y);
      uint8_t* row = roi.ptr<uint8_t>(y);
      for (int x = 0; x < r.width; ++x) {
        const double th = 0.5 - 0.25 * (std::cos(k * (x + y)) + std::cos(k * (x - y)));
        const double darkness = 1.0 - std::clamp(static_cast<double>(t[x]), 0.03, 0.97);
        row[x] = darkness > th ? 0 : 255;
      }
    }
  } else {
    for (int y = 0; y < r.height; ++y) {
      const float* t = tone.ptr<float>(y);
      uint8_t* row = roi.ptr<uint8_t>(y);
      for (int x = 0; x < r.width; ++x)
        row[x] = static_cast<uint8_t>(
            std::lround(255.0 * std::clamp(static_cast<double>(t[x]), 0.05, 0.95)));
    }
  }
  if (rng.chance(0.5)) cv::rectangle(img, r, cv::Scalar(0), std::max(1, dpi / 150));
}

/// A line engraving: the tone of a photo-like block cut as parallel hatching
/// (~40 lines per inch) whose lines thicken with darkness, cross-hatched where
/// it is darker than half, in pure ink on paper, inside a frame.
void draw_engraving(cv::Mat& img, const cv::Rect& r, int dpi, Rng& rng) {
  const cv::Mat1f tone = picture_tone(r, rng);
  const double period = std::max(4.0, dpi / 40.0);
  const double a0 = rng.uniform(0.2, 1.2), a1 = a0 + kPi / 2.5;
  const double c0 = std::cos(a0), s0 = std::sin(a0), c1 = std::cos(a1), s1 = std::sin(a1);
  cv::Mat roi = img(r);
  for (int y = 0; y < r.height; ++y) {
    const float* t = tone.ptr<float>(y);
    uint8_t* row = roi.ptr<uint8_t>(y);
    for (int x = 0; x < r.width; ++x) {
      const double dark = 1.0 - std::clamp(static_cast<double>(t[x]), 0.03, 0.97);
      const double u = (x * c0 + y * s0) / period, v = (x * c1 + y * s1) / period;
      const bool line0 = u - std::floor(u) < std::min(0.9, 1.2 * dark);
      const bool line1 = dark > 0.5 && v - std::floor(v) < 1.6 * (dark - 0.5);
      row[x] = (line0 || line1) ? 0 : 255;
    }
  }
  cv::rectangle(img, r, cv::Scalar(0), std::max(1, dpi / 150));
}

struct TableResult {
  std::string text;
  int glyphs = 0;
  int height = 0;
};

/// A ruled grid with cell text, its top-left at (x, y), `width` wide, at most
/// `max_height` tall. Truth: one line per row, non-empty cells joined by ' '.
TableResult draw_table(cv::Mat& img, TextFlow& flow, FontRenderer& font, int x, int y, int width,
                       int max_height, int dpi, bool chinese, Rng& rng) {
  TableResult out;
  const int cols = static_cast<int>(rng.uniform_int(3, 5));
  const int row_h = static_cast<int>(std::lround(font.pitch() * 1.5));
  const int thick =
      std::max(1, static_cast<int>(std::lround(rng.uniform(1.0, 3.49) * dpi / 300.0)));
  const int rows = std::min(static_cast<int>(rng.uniform_int(4, 10)), (max_height - thick) / row_h);
  if (rows < 1) return out;
  std::vector<double> weight(cols);
  double total = 0;
  for (double& wgt : weight) total += (wgt = rng.uniform(0.7, 1.5));
  std::vector<int> col_x(cols + 1, x);
  double acc = 0;
  for (int c = 0; c < cols; ++c) {
    acc += weight[c];
    col_x[c + 1] = x + static_cast<int>(std::lround(acc / total * (width - thick)));
  }
  const int pad = std::max(thick + 2, dpi / 20);
  const cv::Scalar ink(0);
  for (int rr = 0; rr <= rows; ++rr)
    cv::rectangle(img, cv::Rect(x, y + rr * row_h, col_x[cols] - x + thick, thick), ink,
                  cv::FILLED);
  for (int c = 0; c <= cols; ++c)
    cv::rectangle(img, cv::Rect(col_x[c], y, thick, rows * row_h + thick), ink, cv::FILLED);
  const int64_t space26 = font.glyph(U' ').advance26;
  for (int rr = 0; rr < rows; ++rr) {
    std::string row_text;
    const int baseline = y + rr * row_h + (row_h - font.line_height()) / 2 + font.ascent();
    for (int c = 0; c < cols; ++c) {
      const int64_t avail26 = static_cast<int64_t>(col_x[c + 1] - col_x[c] - 2 * pad) * 64;
      std::u32string cell;
      int64_t w = 0;
      for (const TextToken& t : table_cell(rng, rr == 0, chinese)) {
        const std::u32string tok = flow.drawable(t.text);
        if (tok.empty()) continue;
        const int64_t sep = (!cell.empty() && t.space_before) ? space26 : 0;
        const int64_t tw = font.width26(tok);
        if (w + sep + tw > avail26) break;
        if (sep != 0) cell.push_back(U' ');
        cell += tok;
        w += sep + tw;
      }
      if (cell.empty()) continue;
      font.draw(img, col_x[c] + pad, baseline, cell);
      if (!row_text.empty()) row_text += ' ';
      row_text += to_utf8(cell);
      out.glyphs += count_non_space(cell);
    }
    if (row_text.empty()) continue;
    if (!out.text.empty()) out.text += '\n';
    out.text += row_text;
  }
  out.height = rows * row_h + thick;
  return out;
}

/// Draws `s` turned `angle_deg` counter-clockwise about its centre, centred at
/// (cx, cy): rendered level on its own canvas, rotated, and combined by minimum.
void draw_rotated_text(cv::Mat& img, FontRenderer& font, const std::u32string& s, int cx, int cy,
                       double angle_deg) {
  const int w = static_cast<int>((font.width26(s) + 63) >> 6) + 4;
  const int h = font.line_height() + 4;
  const int side = static_cast<int>(std::ceil(std::hypot(w, h))) + 4;
  cv::Mat label(side, side, CV_8UC1, cv::Scalar(255));
  font.draw(label, (side - w) / 2 + 2, (side - h) / 2 + 2 + font.ascent(), s);
  const float half = static_cast<float>(side) / 2.f;
  const cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(half, half), angle_deg, 1.0);
  cv::Mat turned;
  cv::warpAffine(label, turned, m, label.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar(255));
  const cv::Rect dst =
      cv::Rect(cx - side / 2, cy - side / 2, side, side) & cv::Rect(0, 0, img.cols, img.rows);
  if (dst.empty()) return;
  const cv::Rect src(dst.x - (cx - side / 2), dst.y - (cy - side / 2), dst.width, dst.height);
  cv::Mat roi = img(dst);
  cv::min(roi, turned(src), roi);
}

/// A level bar chart inside `r`: axes, 5-8 bars (black or gray), numeric tick
/// labels on the y axis, a short word under each bar, and one caption at 45
/// degrees above the plot. Charts carry no reading text: nothing goes into the truth.
void draw_chart(cv::Mat& img, const cv::Rect& r, int dpi, FontRenderer& font, Rng& rng) {
  const int thick = std::max(2, dpi / 100);
  const int x0 = r.x + dpi, y1 = r.y + r.height - dpi;  // the origin
  const int plot_w = r.width - dpi - dpi / 4;
  const int plot_h = std::min(r.height - 2 * dpi, static_cast<int>(r.height * 0.55));
  const int y0 = y1 - plot_h;
  cv::line(img, cv::Point(x0, y0), cv::Point(x0, y1), cv::Scalar(0), thick);
  cv::line(img, cv::Point(x0, y1), cv::Point(x0 + plot_w, y1), cv::Scalar(0), thick);
  for (int t = 0; t <= 5; ++t) {
    const int y = y1 - t * plot_h / 5;
    cv::line(img, cv::Point(x0 - dpi / 20, y), cv::Point(x0, y), cv::Scalar(0), thick);
    const std::u32string label = ascii_u32(std::to_string(t * 20));
    const int lw = static_cast<int>((font.width26(label) + 63) >> 6);
    font.draw(img, x0 - dpi / 12 - lw, y + font.ascent() / 2, label);
  }
  const int bars = static_cast<int>(rng.uniform_int(5, 8));
  const int slot = plot_w / bars;
  const auto& words = common_english_words();
  for (int b = 0; b < bars; ++b) {
    const int bw = slot * 3 / 5;
    const int bx = x0 + b * slot + (slot - bw) / 2;
    const int bh = static_cast<int>(rng.uniform(0.15, 0.95) * plot_h);
    const cv::Scalar tone(rng.chance(0.5) ? 0 : static_cast<double>(rng.uniform_int(90, 170)));
    cv::rectangle(img, cv::Rect(bx, y1 - bh, bw, bh), tone, cv::FILLED);
    const std::u32string word = ascii_u32(
        words[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(words.size()) - 1))]);
    const int ww = static_cast<int>((font.width26(word) + 63) >> 6);
    font.draw(img, bx + bw / 2 - ww / 2, y1 + thick + font.ascent() + dpi / 30, word);
  }
  draw_rotated_text(img, font, U"Relative change", x0 + plot_w / 2, y0 - dpi / 2, 45.0);
}

/// A handwritten-looking signature in the lower right of `r`: one smooth,
/// looping pen stroke (sums of sines), with a short rule under it.
void draw_signature(cv::Mat& img, const cv::Rect& r, int dpi, Rng& rng) {
  const int thick = std::max(2, dpi / 90);
  const double len = rng.uniform(1.8, 2.8) * dpi, amp = rng.uniform(0.15, 0.3) * dpi;
  const double cx = r.x + r.width - len - dpi / 2.0, cy = r.y + r.height - 1.2 * dpi;
  const double f1 = rng.uniform(5, 9), f2 = rng.uniform(11, 17), ph = rng.uniform(0, 2 * kPi);
  std::vector<cv::Point> pts;
  for (int i = 0; i <= 600; ++i) {
    const double t = i / 600.0;
    const double loop = 0.35 * dpi * std::sin(2 * kPi * f1 * t + ph) / (1.0 + 3.0 * t);
    const double x = cx + len * t + loop;
    const double y =
        cy + amp * std::sin(2 * kPi * f1 * t) * std::cos(2 * kPi * f2 * t * 0.25) - 0.3 * amp * t;
    pts.emplace_back(static_cast<int>(std::lround(x)), static_cast<int>(std::lround(y)));
  }
  cv::polylines(img, pts, false, cv::Scalar(20), thick, cv::LINE_AA);
  cv::line(img, cv::Point(static_cast<int>(cx), static_cast<int>(cy + amp + dpi / 6)),
           cv::Point(static_cast<int>(cx + len), static_cast<int>(cy + amp + dpi / 6)),
           cv::Scalar(0), std::max(1, dpi / 150));
}

/// Smallest margin (>= the nominal one) that keeps the text block inside the
/// page, clear of borders, once rotated by |skew|.
int margin_for(int w, int h, int nominal, double skew_deg, int border, int dpi) {
  const double t = std::abs(skew_deg) * kPi / 180.0;
  const double c = std::cos(t), s = std::sin(t);
  const int pad = dpi / 20;
  const int step = std::max(1, dpi / 50);
  int m = nominal;
  while (m < std::min(w, h) / 3) {
    const double a = w / 2.0 - m, b = h / 2.0 - m;
    // Borders are the same width on every side they appear on, so rotate90
    // (applied after the skew) does not change the condition.
    if (a * c + b * s <= w / 2.0 - border - pad && a * s + b * c <= h / 2.0 - border - pad) break;
    m += step;
  }
  // With no skew or border, the margin is exactly the nominal one.
  return (skew_deg == 0 && border == 0) ? nominal : m;
}

// ---------------------------------------------------------------------------
// Degradation helpers

/// Fills `g` with the 8-bit gray noise field sigma * N(0,1), fast: a table of
/// 64K normal deviates indexed by a splitmix64 stream (four indices per draw).
void add_noise(cv::Mat& img, double sigma, uint64_t seed) {
  static const std::vector<float> table = [] {
    std::vector<float> t(65536);
    Rng rng(0x5EED5EEDull);
    for (float& v : t) v = static_cast<float>(rng.normal());
    return t;
  }();
  uint64_t state = seed;
  const int n = img.cols * img.channels();
  const float s = static_cast<float>(sigma);
  for (int y = 0; y < img.rows; ++y) {
    uint8_t* row = img.ptr<uint8_t>(y);
    uint64_t bits = 0;
    for (int x = 0; x < n; ++x) {
      if ((x & 3) == 0) bits = splitmix64(state++);
      const float v = row[x] + s * table[bits & 0xFFFF] + 0.5f;
      bits >>= 16;
      row[x] = static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f));
    }
  }
}

void add_specks(cv::Mat& img, double density, uint8_t paper, Rng& rng) {
  const int64_t n = std::llround(density * static_cast<double>(img.total()) / 1e6);
  for (int64_t i = 0; i < n; ++i) {
    const int x = static_cast<int>(rng.uniform_int(0, img.cols - 1));
    const int y = static_cast<int>(rng.uniform_int(0, img.rows - 1));
    const bool dark = rng.chance(0.5);
    const int size = static_cast<int>(rng.uniform_int(1, dark ? 3 : 2));
    const cv::Scalar v(dark ? static_cast<double>(rng.uniform_int(0, 60))
                            : static_cast<double>(paper));
    if (size == 3) {  // a plus-shaped 3x3 dot reads as round
      cv::rectangle(img, cv::Rect(x - 1, y, 3, 1), v, cv::FILLED);
      cv::rectangle(img, cv::Rect(x, y - 1, 1, 3), v, cv::FILLED);
    } else {
      cv::rectangle(img, cv::Rect(x, y, size, size), v, cv::FILLED);
    }
  }
}

void apply_illumination(cv::Mat& img, double amplitude, Rng& rng) {
  // Bright at one corner, darkening smoothly (quadratically) towards the opposite one.
  const int corner = static_cast<int>(rng.uniform_int(0, 3));
  const double cx = (corner & 1) ? img.cols - 1 : 0, cy = (corner & 2) ? img.rows - 1 : 0;
  const double inv_d2 =
      1.0 / (static_cast<double>(img.cols) * img.cols + static_cast<double>(img.rows) * img.rows);
  const float a = static_cast<float>(0.6 * std::clamp(amplitude, 0.0, 1.0));
  const int ch = img.channels();
  std::vector<float> fx(img.cols);
  for (int x = 0; x < img.cols; ++x) fx[x] = static_cast<float>((x - cx) * (x - cx) * inv_d2);
  for (int y = 0; y < img.rows; ++y) {
    const float fy = static_cast<float>((y - cy) * (y - cy) * inv_d2);
    uint8_t* row = img.ptr<uint8_t>(y);
    for (int x = 0; x < img.cols; ++x) {
      const float f = 1.0f - a * (fx[x] + fy);
      for (int c = 0; c < ch; ++c)
        row[x * ch + c] = static_cast<uint8_t>(static_cast<float>(row[x * ch + c]) * f + 0.5f);
    }
  }
}

void add_dark_borders(cv::Mat& img, int width, Rng& rng) {
  int sides = static_cast<int>(rng.uniform_int(1, 15));  // bit i: left, top, right, bottom
  const int ch = img.channels();
  for (int side = 0; side < 4; ++side) {
    if (!(sides & (1 << side))) continue;
    const bool vertical = side == 0 || side == 2;  // a vertical band (left/right edge)
    const int len = vertical ? img.rows : img.cols;
    const double w0 = width * rng.uniform(0.7, 1.3);
    const double amp = width * rng.uniform(0.05, 0.2), freq = rng.uniform(1.0, 4.0) * 2 * kPi / len;
    const double phase = rng.uniform(0, 2 * kPi);
    const double level = rng.uniform(15, 60);
    for (int t = 0; t < len; ++t) {
      const int w =
          std::max(0, static_cast<int>(std::lround(w0 + amp * std::sin(freq * t + phase))));
      for (int k = 0; k < w; ++k) {
        int x = 0, y = 0;
        if (side == 0) x = k, y = t;
        if (side == 1) x = t, y = k;
        if (side == 2) x = img.cols - 1 - k, y = t;
        if (side == 3) x = t, y = img.rows - 1 - k;
        if (x < 0 || y < 0 || x >= img.cols || y >= img.rows) continue;
        uint8_t* p = img.ptr<uint8_t>(y) + x * ch;
        for (int c = 0; c < ch; ++c) p[c] = static_cast<uint8_t>(level);
      }
    }
  }
}

}  // namespace

const char* layout_name(Layout l) {
  switch (l) {
    case Layout::kSingleColumn:
      return "single";
    case Layout::kTwoColumn:
      return "two";
    case Layout::kTable:
      return "table";
    case Layout::kFigure:
      return "figure";
    case Layout::kSparse:
      return "sparse";
    case Layout::kBlank:
      return "blank";
    case Layout::kPhoto:
      return "photo";
    case Layout::kChart:
      return "chart";
    case Layout::kSignature:
      return "signature";
    case Layout::kPageNumber:
      return "pagenumber";
    case Layout::kWord:
      return "word";
    case Layout::kEngraving:
      return "engraving";
  }
  return "?";
}

bool parse_layout(const std::string& name, Layout* out) {
  for (Layout l : {Layout::kSingleColumn, Layout::kTwoColumn, Layout::kTable, Layout::kFigure,
                   Layout::kSparse, Layout::kBlank, Layout::kPhoto, Layout::kChart,
                   Layout::kSignature, Layout::kPageNumber, Layout::kWord, Layout::kEngraving})
    if (name == layout_name(l)) {
      *out = l;
      return true;
    }
  return false;
}

std::string resolve_font_path(const std::string& name) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return file_exists(name) ? name : "";
  for (const char* dir :
       {"/usr/share/fonts/truetype/dejavu/", "/usr/share/fonts/truetype/liberation/",
        "/usr/share/fonts/truetype/liberation2/", "/usr/share/fonts/truetype/"})
    for (const char* ext : {".ttf", ".otf", ".ttc"}) {
      const std::string p = std::string(dir) + name + ext;
      if (file_exists(p)) return p;
    }
  return "";
}

std::string find_cjk_font() {
  for (const char* p : {"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
                        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
                        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"})
    if (file_exists(p)) return p;
  return "";
}

cv::Mat degrade_page(const cv::Mat& clean, const Degradation& deg, uint64_t seed) {
  Rng rng(seed);
  // Contrast: ink rises from 0 to (1-c)*128, paper falls from 255 to 255-(1-c)*64.
  const double c = std::clamp(deg.contrast, 0.0, 1.0);
  const double ink = (1.0 - c) * 128.0, paper_d = 255.0 - (1.0 - c) * 64.0;
  const uint8_t paper = static_cast<uint8_t>(std::lround(paper_d));
  cv::Mat g;
  if (c < 1.0) {
    cv::Mat lut(1, 256, CV_8U);
    for (int v = 0; v < 256; ++v)
      lut.at<uint8_t>(v) = static_cast<uint8_t>(std::lround(ink + v * (paper_d - ink) / 255.0));
    cv::LUT(clean, lut, g);
  } else {
    g = clean.clone();
  }
  if (deg.skew_deg != 0) {
    const cv::Mat m = cv::getRotationMatrix2D(
        cv::Point2f(static_cast<float>(g.cols - 1) * 0.5f, static_cast<float>(g.rows - 1) * 0.5f),
        deg.skew_deg, 1.0);
    cv::Mat out;
    cv::warpAffine(g, out, m, g.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(paper));
    g = out;
  }
  if (deg.rotate90 == 90) cv::rotate(g, g, cv::ROTATE_90_COUNTERCLOCKWISE);
  if (deg.rotate90 == 180) cv::rotate(g, g, cv::ROTATE_180);
  if (deg.rotate90 == 270) cv::rotate(g, g, cv::ROTATE_90_CLOCKWISE);
  if (deg.speck_density > 0) add_specks(g, deg.speck_density, paper, rng);
  if (deg.illumination > 0) apply_illumination(g, deg.illumination, rng);
  // Yellowed paper as a multiplicative paper colour: ink stays dark.
  const double y = std::clamp(deg.paper_yellow, 0.0, 1.0);
  const cv::Scalar paper_bgr(1.0 - 0.45 * y, 1.0 - 0.10 * y, 1.0 - 0.02 * y);
  if (deg.color) {
    cv::Mat bgr;
    cv::cvtColor(g, bgr, cv::COLOR_GRAY2BGR);
    if (y > 0) cv::multiply(bgr, paper_bgr, bgr);
    g = bgr;
  } else if (y > 0) {
    g.convertTo(g, CV_8U, 0.114 * paper_bgr[0] + 0.587 * paper_bgr[1] + 0.299 * paper_bgr[2]);
  }
  if (deg.dark_border_px > 0) add_dark_borders(g, deg.dark_border_px, rng);
  if (deg.blur_sigma > 0) cv::GaussianBlur(g, g, cv::Size(0, 0), deg.blur_sigma);
  if (deg.noise_sigma > 0) add_noise(g, deg.noise_sigma, rng.next());
  if (deg.jpeg_quality > 0) {
    std::vector<uint8_t> buf;
    cv::imencode(".jpg", g, buf, {cv::IMWRITE_JPEG_QUALITY, std::clamp(deg.jpeg_quality, 1, 100)});
    g = cv::imdecode(buf, deg.color ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
  }
  return g;
}

bool generate_page(const PageSpec& spec_in, const Degradation& deg, GeneratedPage* out,
                   std::string* error) {
  std::string local_error;
  if (error == nullptr) error = &local_error;
  PageSpec spec = spec_in;
  if (spec.dpi < 50 || spec.dpi > 1200) {
    *error = "dpi out of range [50, 1200]: " + std::to_string(spec.dpi);
    return false;
  }
  if (spec.width_px == 2480 && spec.height_px == 3508 && spec.dpi != 300) {
    spec.width_px = PageSpec::a4_width_px(spec.dpi);
    spec.height_px = PageSpec::a4_height_px(spec.dpi);
  }
  if (spec.width_px < 16 || spec.height_px < 16 || spec.width_px > 20000 ||
      spec.height_px > 20000) {
    *error = "page size out of range: " + std::to_string(spec.width_px) + "x" +
             std::to_string(spec.height_px);
    return false;
  }
  if (deg.rotate90 != 0 && deg.rotate90 != 90 && deg.rotate90 != 180 && deg.rotate90 != 270) {
    *error = "rotate90 must be 0, 90, 180 or 270";
    return false;
  }
  if (!(spec.font_pt > 1.0 && spec.font_pt < 200.0)) {
    *error = "font_pt out of range";
    return false;
  }
  if (spec.sparse_lines < 0) {
    *error = "sparse_lines must be >= 0";
    return false;
  }
  const bool chinese = spec.language == "chi_sim";
  const bool russian = spec.language == "rus";
  if (!chinese && !russian && spec.language != "eng") {
    *error = "unsupported language '" + spec.language + "' (eng, chi_sim, rus)";
    return false;
  }
  std::string font_path;
  if (chinese) {
    font_path =
        spec.font.find('/') != std::string::npos ? resolve_font_path(spec.font) : find_cjk_font();
    if (font_path.empty()) {
      *error = "no CJK font found (install fonts-wqy-zenhei or fonts-noto-cjk)";
      return false;
    }
  } else {
    font_path = resolve_font_path(spec.font);
    if (font_path.empty()) {
      *error = "font not found: " + spec.font;
      return false;
    }
  }
  FontRenderer font;
  if (!font.open(font_path, spec.font_pt, spec.dpi, error)) return false;

  const int w = spec.width_px, h = spec.height_px;
  const int nominal = std::min(spec.dpi, std::min(w, h) / 6);
  const int margin =
      margin_for(w, h, nominal, deg.skew_deg, std::max(0, deg.dark_border_px), spec.dpi);
  GeneratedPage page;
  page.clean = cv::Mat(h, w, CV_8UC1, cv::Scalar(255));
  page.margin_px = margin;
  page.skew_deg = deg.skew_deg;

  Rng rng(spec.seed);
  Rng text_rng(splitmix64(spec.seed ^ 0x7E47ull));
  TextFlow flow(font, [&text_rng, chinese, russian]() {
    if (chinese) return chinese_paragraph(text_rng, static_cast<int>(text_rng.uniform_int(2, 4)));
    if (russian) return russian_paragraph(text_rng, static_cast<int>(text_rng.uniform_int(2, 5)));
    return english_paragraph(text_rng, static_cast<int>(text_rng.uniform_int(2, 5)));
  });
  const cv::Rect body(margin, margin, w - 2 * margin, h - 2 * margin);
  std::string text;
  int extra_glyphs = 0;
  switch (spec.layout) {
    case Layout::kSingleColumn:
      append_region(&text, flow.fill(page.clean, body));
      break;
    case Layout::kTwoColumn: {
      const int gutter = std::max(4, spec.dpi / 4);
      const int col_w = (body.width - gutter) / 2;
      append_region(&text, flow.fill(page.clean, cv::Rect(body.x, body.y, col_w, body.height)));
      append_region(&text, flow.fill(page.clean, cv::Rect(body.x + col_w + gutter, body.y, col_w,
                                                          body.height)));
      break;
    }
    case Layout::kTable: {
      const TextFlow::Region above =
          flow.fill(page.clean, body, static_cast<int>(rng.uniform_int(2, 4)));
      append_region(&text, above);
      flow.end_paragraph();
      const int top = above.y_end + font.pitch();
      TableResult table = draw_table(page.clean, flow, font, body.x, top, body.width,
                                     body.y + body.height - top, spec.dpi, chinese, rng);
      if (!table.text.empty()) {
        if (!text.empty()) text += "\n\n";
        text += table.text;
      }
      extra_glyphs += table.glyphs;
      const int below = top + table.height + font.pitch();
      if (below < body.y + body.height)
        append_region(&text, flow.fill(page.clean, cv::Rect(body.x, below, body.width,
                                                            body.y + body.height - below)));
      break;
    }
    case Layout::kFigure:
    case Layout::kEngraving: {
      const int fig_w = static_cast<int>(body.width * rng.uniform(0.7, 1.0));
      const int fig_h =
          std::min(static_cast<int>(static_cast<double>(w) * h / 4.0 / fig_w), body.height / 2);
      const int fig_y = body.y + static_cast<int>(rng.uniform(0.0, 0.6) * (body.height - fig_h));
      const int fig_x = rng.chance(0.5) ? body.x : body.x + (body.width - fig_w) / 2;
      const int gap = font.pitch() / 2;
      if (fig_y - gap > body.y)
        append_region(&text, flow.fill(page.clean,
                                       cv::Rect(body.x, body.y, body.width, fig_y - gap - body.y)));
      const cv::Rect fig(fig_x, fig_y, fig_w, fig_h);
      if (spec.layout == Layout::kEngraving)
        draw_engraving(page.clean, fig, spec.dpi, rng);
      else
        draw_figure(page.clean, fig, spec.dpi, rng);
      page.picture_boxes.push_back(fig);
      const int below = fig_y + fig_h + gap + font.pitch() / 2;
      if (below < body.y + body.height)
        append_region(&text, flow.fill(page.clean, cv::Rect(body.x, below, body.width,
                                                            body.y + body.height - below)));
      break;
    }
    case Layout::kSparse: {
      // Both draws happen whatever sparse_lines says, so the rest of the page
      // (and every page made before the option) stays the same.
      const int y_drawn = body.y + static_cast<int>(rng.uniform(0.0, 0.5) * body.height);
      const int n_drawn = static_cast<int>(rng.uniform_int(3, 5));
      const int y0 = spec.sparse_lines > 0 ? body.y : y_drawn;
      const int n = spec.sparse_lines > 0 ? spec.sparse_lines : n_drawn;
      append_region(
          &text,
          flow.fill(page.clean, cv::Rect(body.x, y0, body.width, body.y + body.height - y0), n));
      break;
    }
    case Layout::kBlank:
      break;
    case Layout::kPhoto:
      draw_figure(page.clean, body, spec.dpi, rng, static_cast<int>(spec.seed & 1));
      page.picture_boxes.push_back(body);
      break;
    case Layout::kChart:
      draw_chart(page.clean, body, spec.dpi, font, rng);
      break;
    case Layout::kSignature:
      draw_signature(page.clean, body, spec.dpi, rng);
      break;
    case Layout::kPageNumber:
    case Layout::kWord: {
      // One token: a level page number at the foot of the page, or one word
      // (the first of a paragraph in the page's language) in its middle.
      std::u32string token;
      if (spec.layout == Layout::kPageNumber) {
        token = ascii_u32(std::to_string(rng.uniform_int(1, 400)));
      } else {
        const std::vector<TextToken> para = flow.next_paragraph();
        token = para.empty() ? U"" : flow.drawable(para.front().text);
      }
      const int tw = static_cast<int>((font.width26(token) + 63) >> 6);
      const int baseline = spec.layout == Layout::kPageNumber
                               ? h - margin / 2
                               : body.y + body.height / 2 + font.ascent() / 2;
      font.draw(page.clean, (w - tw) / 2, baseline, token);
      text = to_utf8(token);
      extra_glyphs += count_non_space(token);
      break;
    }
  }
  page.text = std::move(text);
  page.glyphs = flow.glyphs() + extra_glyphs;
  cv::threshold(page.clean, page.clean_binary, 127, 255, cv::THRESH_BINARY);
  page.degraded = degrade_page(page.clean, deg, splitmix64(spec.seed ^ 0xD1B54A32D192ED03ull));
  *out = std::move(page);
  return true;
}

}  // namespace pageprep::testsupport
