// Dewarp model: the host decision of dewarp.hpp (steps 1-5) from the strip
// ink profiles. Double precision; a few thousand correlations per page.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "pageprep/kernels/dewarp.hpp"

namespace pageprep::kernels {
namespace {

constexpr int32_t kDegX = 4, kDegY = 2;
constexpr int32_t kPolyTerms = kDegX * (kDegY + 1);  // i = 1..4, j = 0..2
constexpr int32_t kMaxBridge = 3;                    // strips an empty strip may be bridged over

struct Measure {
  double x, y, u, w;
  int32_t block;
};

/// Best shift t (|t| <= range) of profile b against a over rows [y0, y1):
/// b(y + t) ~ a(y). Returns the peak correlation (-1 if none) and *shift.
double pair_shift(const int32_t* a, const int32_t* b, int32_t h, int32_t y0, int32_t y1,
                  int32_t range, double* shift) {
  const int32_t n = y1 - y0;
  double ma = 0;
  for (int32_t y = y0; y < y1; ++y) ma += a[y];
  ma /= n;
  double va = 0;
  for (int32_t y = y0; y < y1; ++y) va += (a[y] - ma) * (a[y] - ma);
  if (va <= 0) return -1;
  std::vector<double> c(static_cast<size_t>(2 * range + 1), -2.0);
  int32_t best = -1;
  for (int32_t t = -range; t <= range; ++t) {
    if (y0 + t < 0 || y1 + t > h) continue;
    double mb = 0;
    for (int32_t y = y0; y < y1; ++y) mb += b[y + t];
    mb /= n;
    double vb = 0, ab = 0;
    for (int32_t y = y0; y < y1; ++y) {
      const double d = b[y + t] - mb;
      vb += d * d;
      ab += (a[y] - ma) * d;
    }
    if (vb <= 0) continue;
    const size_t k = static_cast<size_t>(t + range);
    c[k] = ab / std::sqrt(va * vb);
    if (best < 0 || c[k] > c[static_cast<size_t>(best)]) best = static_cast<int32_t>(k);
  }
  if (best < 0) return -1;
  // A peak on the edge of the range is not a peak: the true shift may lie beyond.
  if (best == 0 || best == 2 * range) return -1;
  const double cm = c[static_cast<size_t>(best - 1)], c0 = c[static_cast<size_t>(best)],
               cp = c[static_cast<size_t>(best + 1)];
  double frac = 0;
  const double den = cm - 2 * c0 + cp;
  if (cm > -2 && cp > -2 && den < 0) frac = std::clamp(0.5 * (cm - cp) / den, -0.5, 0.5);
  *shift = (best - range) + frac;
  return c0;
}

/// Solves the symmetric system a x = b (n x n, row-major) by Gaussian
/// elimination with partial pivoting; false when singular.
bool solve(std::vector<double> a, std::vector<double> b, int32_t n, std::vector<double>* x) {
  for (int32_t k = 0; k < n; ++k) {
    int32_t p = k;
    for (int32_t i = k + 1; i < n; ++i)
      if (std::fabs(a[static_cast<size_t>(i * n + k)]) >
          std::fabs(a[static_cast<size_t>(p * n + k)]))
        p = i;
    if (std::fabs(a[static_cast<size_t>(p * n + k)]) < 1e-12) return false;
    if (p != k) {
      for (int32_t j = 0; j < n; ++j)
        std::swap(a[static_cast<size_t>(k * n + j)], a[static_cast<size_t>(p * n + j)]);
      std::swap(b[static_cast<size_t>(k)], b[static_cast<size_t>(p)]);
    }
    for (int32_t i = k + 1; i < n; ++i) {
      const double f = a[static_cast<size_t>(i * n + k)] / a[static_cast<size_t>(k * n + k)];
      if (f == 0) continue;
      for (int32_t j = k; j < n; ++j)
        a[static_cast<size_t>(i * n + j)] -= f * a[static_cast<size_t>(k * n + j)];
      b[static_cast<size_t>(i)] -= f * b[static_cast<size_t>(k)];
    }
  }
  x->assign(static_cast<size_t>(n), 0);
  for (int32_t i = n - 1; i >= 0; --i) {
    double s = b[static_cast<size_t>(i)];
    for (int32_t j = i + 1; j < n; ++j)
      s -= a[static_cast<size_t>(i * n + j)] * (*x)[static_cast<size_t>(j)];
    (*x)[static_cast<size_t>(i)] = s / a[static_cast<size_t>(i * n + i)];
  }
  return true;
}

/// The polynomial terms xn^i yn^j, i = 1..kDegX, j = 0..kDegY.
void poly_terms(double xn, double yn, double* t) {
  int32_t k = 0;
  double xi = 1;
  for (int32_t i = 1; i <= kDegX; ++i) {
    xi *= xn;
    double yj = 1;
    for (int32_t j = 0; j <= kDegY; ++j) {
      t[k++] = xi * yj;
      yj *= yn;
    }
  }
}

std::string fmt(const char* f, double v) {
  char b[96];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

DewarpModel fit_dewarp(const std::vector<int32_t>& profiles, int32_t width, int32_t height) {
  DewarpModel m;
  m.width = width;
  m.height = height;
  const int32_t s_n = kDewarpStrips, h = height;
  if (width < s_n || height < 8 * kDewarpBlocksPerPage ||
      profiles.size() != static_cast<size_t>(s_n) * static_cast<size_t>(h)) {
    m.note = "page too small to model";
    return m;
  }
  const int32_t block_h = h / kDewarpBlocksPerPage, step = block_h / 2;
  const int32_t range = std::max(4, h / kDewarpShiftDiv);
  const auto prof = [&](int32_t s) { return profiles.data() + static_cast<int64_t>(s) * h; };
  const auto strip_x = [&](int32_t s) {
    return 0.5 * (static_cast<double>(s) * width / s_n + static_cast<double>(s + 1) * width / s_n);
  };
  // Step 1-2: per block, offsets chained from the inkiest strip.
  std::vector<Measure> ms;
  int32_t blocks = 0;
  for (int32_t y0 = 0; y0 + block_h <= h; y0 += step, ++blocks) {
    const int32_t y1 = y0 + block_h;
    std::vector<int64_t> ink(static_cast<size_t>(s_n), 0);
    for (int32_t s = 0; s < s_n; ++s)
      for (int32_t y = y0; y < y1; ++y) ink[static_cast<size_t>(s)] += prof(s)[y];
    const int32_t ref =
        static_cast<int32_t>(std::max_element(ink.begin(), ink.end()) - ink.begin());
    // A strip holds ink when its rows average at least one ink pixel.
    const auto inky = [&](int32_t s) { return ink[static_cast<size_t>(s)] >= block_h; };
    if (!inky(ref)) continue;
    std::vector<Measure> local{{strip_x(ref), y0 + 0.5 * block_h, 0.0, 1.0, blocks}};
    for (int32_t dir = -1; dir <= 1; dir += 2) {
      int32_t c = ref;
      double u = 0;
      while (true) {
        bool linked = false;
        for (int32_t k = 1; k <= kMaxBridge; ++k) {
          const int32_t s = c + dir * k;
          if (s < 0 || s >= s_n) break;
          if (!inky(s)) continue;
          double d = 0;
          const double ncc = pair_shift(prof(c), prof(s), h, y0, y1, range * k, &d);
          if (ncc < kDewarpMinNcc) break;
          u += d;
          local.push_back({strip_x(s), y0 + 0.5 * block_h, u, ncc, blocks});
          c = s;
          linked = true;
          break;
        }
        if (!linked) break;
      }
    }
    // One offset alone says nothing about the shape (the block offset absorbs it).
    if (local.size() >= 2) ms.insert(ms.end(), local.begin(), local.end());
  }
  m.measures = static_cast<int32_t>(ms.size());
  if (m.measures < kDewarpMinMeasures) {
    m.note = "too few text lines to model (" + std::to_string(m.measures) + " strip offsets)";
    return m;
  }
  // Step 3: weighted least squares, polynomial terms then one offset per block.
  const int32_t n = kPolyTerms + blocks;
  std::vector<double> ata(static_cast<size_t>(n) * n, 0.0), atb(static_cast<size_t>(n), 0.0);
  double t[kPolyTerms];
  const auto xn = [&](double x) { return 2.0 * x / width - 1.0; };
  const auto yn = [&](double y) { return 2.0 * y / h - 1.0; };
  std::vector<double> row(static_cast<size_t>(n));
  for (const Measure& e : ms) {
    std::fill(row.begin(), row.end(), 0.0);
    poly_terms(xn(e.x), yn(e.y), t);
    for (int32_t k = 0; k < kPolyTerms; ++k) row[static_cast<size_t>(k)] = t[k];
    row[static_cast<size_t>(kPolyTerms + e.block)] = 1.0;
    for (int32_t i = 0; i < n; ++i) {
      if (row[static_cast<size_t>(i)] == 0) continue;
      atb[static_cast<size_t>(i)] += e.w * row[static_cast<size_t>(i)] * e.u;
      for (int32_t j = 0; j < n; ++j)
        ata[static_cast<size_t>(i * n + j)] +=
            e.w * row[static_cast<size_t>(i)] * row[static_cast<size_t>(j)];
    }
  }
  // A small ridge keeps blocks without offsets (and unconstrained terms) at 0.
  for (int32_t i = 0; i < n; ++i) ata[static_cast<size_t>(i * n + i)] += 1e-6;
  std::vector<double> c;
  if (!solve(ata, atb, n, &c)) {
    m.note = "curl model could not be fitted";
    return m;
  }
  double r2 = 0, wsum = 0, xmin = width, xmax = 0, ymin = h, ymax = 0;
  for (const Measure& e : ms) {
    poly_terms(xn(e.x), yn(e.y), t);
    double v = c[static_cast<size_t>(kPolyTerms + e.block)];
    for (int32_t k = 0; k < kPolyTerms; ++k) v += c[static_cast<size_t>(k)] * t[k];
    r2 += e.w * (e.u - v) * (e.u - v);
    wsum += e.w;
    xmin = std::min(xmin, e.x), xmax = std::max(xmax, e.x);
    ymin = std::min(ymin, e.y), ymax = std::max(ymax, e.y);
  }
  m.rms_px = std::sqrt(r2 / wsum);
  m.confidence = std::max(0.0, 1.0 - m.rms_px / kDewarpMaxRmsPx) *
                 std::min(1.0, static_cast<double>(m.measures) / kDewarpFullMeasures);
  // Step 3 (evaluation): the grid, held inside the measured area, less the
  // reference column's value on each row. The reference is the column where
  // the model is flattest (least mean |dv/dx| over the rows): the part of the
  // page that lies flat on the glass is then not moved at all.
  const int32_t gw = ops::dewarp_grid_w(width), gh = ops::dewarp_grid_h(height);
  std::vector<double> v(static_cast<size_t>(gw) * gh);
  for (int32_t j = 0; j < gh; ++j) {
    const double y = std::clamp(static_cast<double>(j * ops::kDewarpGridStep), ymin, ymax);
    for (int32_t i = 0; i < gw; ++i) {
      const double x = std::clamp(static_cast<double>(i * ops::kDewarpGridStep), xmin, xmax);
      poly_terms(xn(x), yn(y), t);
      double s = 0;
      for (int32_t k = 0; k < kPolyTerms; ++k) s += c[static_cast<size_t>(k)] * t[k];
      v[static_cast<size_t>(j * gw + i)] = s;
    }
  }
  int32_t ref = 0;
  double best = -1;
  for (int32_t i = 0; i + 1 < gw; ++i) {
    const double xr = static_cast<double>(i * ops::kDewarpGridStep);
    if (xr < xmin || xr + ops::kDewarpGridStep > xmax) continue;
    double slope = 0;
    for (int32_t j = 0; j < gh; ++j)
      slope +=
          std::fabs(v[static_cast<size_t>(j * gw + i + 1)] - v[static_cast<size_t>(j * gw + i)]);
    if (best < 0 || slope < best) best = slope, ref = i;
  }
  for (int32_t j = 0; j < gh; ++j) {
    const double r = v[static_cast<size_t>(j * gw + ref)];
    for (int32_t i = 0; i < gw; ++i) v[static_cast<size_t>(j * gw + i)] -= r;
  }
  m.max_px = 0;
  for (double e : v) m.max_px = std::max(m.max_px, std::fabs(e));
  // The curl is what a straight line per grid row does not explain: a linear
  // part is a shear, i.e. the residual of deskew (0.05 degrees is 2 px across
  // an A4 page at 300 dpi), not a curled page.
  double curl = 0;
  for (int32_t j = 0; j < gh; ++j) {
    double cnt = 0, sx = 0, sv = 0, sxx = 0, sxv = 0;
    for (int32_t i = 0; i < gw; ++i) {
      const double x = i * ops::kDewarpGridStep, e = v[static_cast<size_t>(j * gw + i)];
      if (x < xmin || x > xmax) continue;
      cnt += 1, sx += x, sv += e, sxx += x * x, sxv += x * e;
    }
    const double den = cnt * sxx - sx * sx;
    if (cnt < 2 || den <= 0) continue;
    const double slope = (cnt * sxv - sx * sv) / den, icpt = (sv - slope * sx) / cnt;
    for (int32_t i = 0; i < gw; ++i) {
      const double x = i * ops::kDewarpGridStep;
      if (x < xmin || x > xmax) continue;
      curl = std::max(curl, std::fabs(v[static_cast<size_t>(j * gw + i)] - (icpt + slope * x)));
    }
  }
  if (curl < std::max(kDewarpMinShiftPx, static_cast<double>(height) / kDewarpFlatDiv)) {
    m.note = "flat page (largest curl " + fmt("%.2f", curl) + " px beyond a straight line)";
    return m;
  }
  if (m.confidence < kDewarpMinConfidence) {
    m.note = "curl model not confident (" + std::to_string(m.measures) +
             " strip offsets, residual " + fmt("%.2f", m.rms_px) + " px)";
    return m;
  }
  if (m.max_px > ops::kDewarpMaxShiftPx) {
    m.note = "curl model out of range (" + fmt("%.0f", m.max_px) + " px)";
    return m;
  }
  m.v_q8.resize(v.size());
  for (size_t k = 0; k < v.size(); ++k) m.v_q8[k] = static_cast<int32_t>(std::lround(v[k] * 256.0));
  m.apply = true;
  return m;
}

}  // namespace pageprep::kernels
