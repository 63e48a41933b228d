// CPU schedule of binarization.
//
// Otsu: per-chunk partial histograms merged in chunk order, one shared
// ops::otsu_threshold() per page, then rows thresholded across the pool.
//
// Sauvola / Wolf: each page's rows are cut into chunks (at most kMaxChunks,
// each with its own workspace slice). A chunk keeps vertical column sums of the
// window rows (sum and sum of squares, uint32) and updates them incrementally
// as it moves down a row; a sliding horizontal pass turns them into window sums
// (held as doubles: integers below 2^53, so exact). The decision loop runs the
// branch-free double filter ops::local_guess() over the row (vectorizable) and
// revisits only the pixels it is unsure of with the exact 128-bit test. Sums
// are exact integers, so chunking (and hence the thread count) cannot change
// a single bit. Wolf runs the sums twice: first for the page's largest window
// standard deviation, then for the decision.
#include "pageprep/kernels/batch_check.hpp"
#include "pageprep/kernels/binarize.hpp"

#include "cpu_clones.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace pageprep::kernels {

Status validate(const BinarizeParams& p) {
  if (p.method != BinarizeMethod::kOtsu && p.method != BinarizeMethod::kSauvola &&
      p.method != BinarizeMethod::kWolf)
    return {StatusCode::kInvalidArgument, "binarize: unknown method"};
  if (p.window != 0 && (p.window < 3 || p.window > ops::kMaxWindow || p.window % 2 == 0))
    return {StatusCode::kInvalidArgument,
            "binarize: window must be 0 (scale with dpi) or odd in 3..255"};
  if (!(p.k < 0.f) && !(p.k <= 1.f))  // also rejects NaN
    return {StatusCode::kInvalidArgument, "binarize: k must be in [0, 1] (or < 0 for default)"};
  if (!(p.r >= 1.f && p.r <= 255.f))
    return {StatusCode::kInvalidArgument, "binarize: r must be in [1, 255]"};
  return Status::ok();
}

int32_t binarize_window(const BinarizeParams& p, float dpi) {
  if (p.window > 0) return p.window;
  if (!(dpi > 0.f) || !std::isfinite(dpi)) dpi = 300.f;
  const double half = std::floor(static_cast<double>(dpi) * 15.0 / 300.0 + 0.5);
  const int32_t w = 2 * static_cast<int32_t>(std::min(half, 1000.0)) + 1;
  return std::clamp(w, 3, ops::kMaxWindow);
}

float binarize_k(const BinarizeParams& p) {
  if (p.k >= 0.f) return p.k;
  return p.method == BinarizeMethod::kWolf ? kWolfDefaultK : kSauvolaDefaultK;
}

Status validate_binarize_batch(ConstGrayBatch in, GrayBatch out, const BatchLimits& limits) {
  PAGEPREP_RETURN_IF_ERROR(validate_batch(in, out, {"binarize", &limits, /*in_place=*/false}));
  for (int32_t i = 0; i < in.count; ++i)
    if (static_cast<int64_t>(in[i].width) * in[i].height >= ops::kOtsuMaxPixels)
      return {StatusCode::kOutOfRange,
              "binarize: page " + std::to_string(i) + " has 2^28 pixels or more"};
  return Status::ok();
}

namespace cpu {
namespace {

// The decision loop mixes double compares with byte stores; GCC vectorizes that
// from SSE4.1 on but not with the x86-64 baseline (SSE2). Function clones pick
// the best version at load time; the result is exact either way.
// (PAGEPREP_CPU_CLONES, cpu_clones.hpp.)

/// Most row chunks per page; each owns a workspace slice.
constexpr int32_t kMaxChunks = 64;

/// Rows of one chunk, chosen so a chunk's start-up (summing 2r+1 rows) stays
/// small against its own work.
int32_t chunk_count(const ThreadPool& pool, int32_t height, int32_t window) {
  if (pool.size() <= 1) return 1;
  const int32_t min_rows = std::max(32, 2 * window);
  const int32_t by_rows = std::max(1, height / min_rows);
  return std::min({kMaxChunks, pool.size() * 4, by_rows});
}

/// Adds (sign +1) or removes (-1) one row from the column sums.
template <int Sign>
void update_columns(const uint8_t* row, int32_t width, uint32_t* cs, uint32_t* cq) {
  for (int32_t x = 0; x < width; ++x) {
    const uint32_t v = row[x];
    if constexpr (Sign > 0) {
      cs[x] += v;
      cq[x] += v * v;
    } else {
      cs[x] -= v;
      cq[x] -= v * v;
    }
  }
}

/// Exclusive prefix sums of the column sums along a row: ps[x] = sum of
/// cs[0..x), x in [0, width]. uint32 wraps, but every window sum, a difference
/// of two prefixes, is below 2^32 (ops::kMaxWindow), so it comes out exact.
void prefix_sums(const uint32_t* __restrict cs, const uint32_t* __restrict cq, int32_t width,
                 uint32_t* __restrict ps, uint32_t* __restrict pq) {
  uint32_t s = 0, q = 0;
  for (int32_t x = 0; x < width; ++x) {
    ps[x] = s;
    pq[x] = q;
    s += cs[x];
    q += cq[x];
  }
  ps[width] = s;
  pq[width] = q;
}

/// Columns [lo, hi) of a row have unclamped windows (all the same width).
struct Interior {
  int32_t lo, hi;
};
inline Interior interior(int32_t width, int32_t half) {
  const int32_t lo = std::min(half, width);
  return {lo, std::max(lo, width - half)};
}

/// Column sums of the window rows of y0 (clamped to the page).
void init_columns(ConstGrayView in, int32_t y0, int32_t half, uint32_t* cs, uint32_t* cq) {
  std::fill(cs, cs + in.width, 0u);
  std::fill(cq, cq + in.width, 0u);
  const int32_t lo = std::max(0, y0 - half), hi = std::min(in.height - 1, y0 + half);
  for (int32_t y = lo; y <= hi; ++y) update_columns<+1>(in.row(y), in.width, cs, cq);
}

/// Moves the column sums from the window of y-1 to that of y.
void advance_columns(ConstGrayView in, int32_t y, int32_t half, uint32_t* cs, uint32_t* cq) {
  if (y + half < in.height) update_columns<+1>(in.row(y + half), in.width, cs, cq);
  if (y - half - 1 >= 0) update_columns<-1>(in.row(y - half - 1), in.width, cs, cq);
}

/// Decides one row from its prefix sums. Interior pixels share one sample
/// count and read their windows from two shifted prefix streams, so the filter
/// loop is branch-free and vectorizes; the few clamped border pixels and any
/// pixel the filter is unsure of take ops::local_binarize() one by one.
PAGEPREP_CPU_CLONES void decide_row(const uint8_t* __restrict src, uint8_t* __restrict dst,
                                    int32_t width, int32_t half, int32_t ny,
                                    const uint32_t* __restrict ps, const uint32_t* __restrict pq,
                                    const ops::LocalThreshold& t) {
  const Interior in = interior(width, half);
  auto exact = [&](int32_t x) {
    const int32_t lo = std::max(0, x - half), hi = std::min(width, x + half + 1);
    dst[x] = ops::local_binarize(src[x], ps[hi] - ps[lo], pq[hi] - pq[lo], (hi - lo) * ny, t);
  };
  for (int32_t x = 0; x < in.lo; ++x) exact(x);
  for (int32_t x = in.hi; x < width; ++x) exact(x);
  const double k_q = static_cast<double>(t.k_q), r_q = static_cast<double>(t.r_q),
               m = static_cast<double>(t.min_gray), n = static_cast<double>((2 * half + 1) * ny);
  const uint32_t* __restrict ps_hi = ps + half + 1;
  const uint32_t* __restrict pq_hi = pq + half + 1;
  const uint32_t* __restrict ps_lo = ps - half;
  const uint32_t* __restrict pq_lo = pq - half;
  int32_t unsure = 0;
  for (int32_t x = in.lo; x < in.hi; ++x) {
    const int32_t g = ops::local_guess(src[x], static_cast<double>(ps_hi[x] - ps_lo[x]),
                                       static_cast<double>(pq_hi[x] - pq_lo[x]), n, k_q, r_q, m);
    dst[x] = static_cast<uint8_t>((g & ops::kGuessInk) - 1);  // ink 1 -> 0, paper 0 -> 255
    unsure += (g & ops::kGuessSure) ^ ops::kGuessSure;
  }
  if (!unsure) return;
  for (int32_t x = in.lo; x < in.hi; ++x) exact(x);
}

/// Largest Wolf std (1/16 units) among one row's windows. Interior windows
/// share one sample count n, so their largest variance is their largest
/// D = n Q - S^2 (exact in double, no division; vectorizes) and one exact
/// wolf_std_q() call settles it; the few clamped border windows are computed
/// exactly one by one.
int32_t row_std_q(int32_t width, int32_t half, int32_t ny, const uint32_t* ps, const uint32_t* pq) {
  const Interior in = interior(width, half);
  int32_t q = 0;
  auto exact = [&](int32_t x) {
    const int32_t lo = std::max(0, x - half), hi = std::min(width, x + half + 1);
    q = std::max(q, ops::wolf_std_q(ps[hi] - ps[lo], pq[hi] - pq[lo], (hi - lo) * ny));
  };
  for (int32_t x = 0; x < in.lo; ++x) exact(x);
  for (int32_t x = in.hi; x < width; ++x) exact(x);
  if (in.hi > in.lo) {
    const double n = static_cast<double>((2 * half + 1) * ny);
    auto d = [&](int32_t x) {
      const double s = static_cast<double>(ps[x + half + 1] - ps[x - half]);
      return n * static_cast<double>(pq[x + half + 1] - pq[x - half]) - s * s;
    };
    double best = -1.0;
    for (int32_t x = in.lo; x < in.hi; ++x) best = std::max(best, d(x));
    for (int32_t x = in.lo; x < in.hi; ++x)
      if (d(x) == best) {
        exact(x);
        break;
      }
  }
  return q;
}

}  // namespace

Binarize::Binarize(const BinarizeParams& params, const BatchLimits& limits)
    : params_(params), limits_(limits) {}

Status Binarize::create(const BinarizeParams& params, const BatchLimits& limits,
                        std::unique_ptr<Binarize>* out) {
  PAGEPREP_RETURN_IF_ERROR(validate(params));
  PAGEPREP_RETURN_IF_ERROR(validate_limits("binarize", limits));
  std::unique_ptr<Binarize> op(new Binarize(params, limits));
  const size_t slice = static_cast<size_t>(std::max(1, limits.max_width));
  try {
    op->thresholds_.reserve(static_cast<size_t>(limits.max_batch));
    if (params.method == BinarizeMethod::kOtsu) {
      op->hist_.resize(static_cast<size_t>(kMaxChunks) * 256);
    } else {
      op->col_sum_.resize(kMaxChunks * slice);
      op->col_sumsq_.resize(kMaxChunks * slice);
      op->win_sum_.resize(kMaxChunks * (slice + 1));
      op->win_sumsq_.resize(kMaxChunks * (slice + 1));
      op->chunk_std_q_.resize(kMaxChunks);
      op->chunk_min_.resize(kMaxChunks);
    }
  } catch (const std::bad_alloc&) {
    return {StatusCode::kOutOfMemory, "binarize: workspace allocation failed"};
  }
  *out = std::move(op);
  return Status::ok();
}

namespace {

/// d[x] = ops::apply_threshold(s[x], t) for a row. The byte compare against a
/// clamped uint8 threshold gives the same bits and vectorizes (pminub/pcmpeqb).
PAGEPREP_CPU_CLONES void otsu_apply_row(const uint8_t* __restrict s, uint8_t* __restrict d,
                                        int32_t width, int32_t t) {
  if (t < 0 || t >= 255) {
    const uint8_t fill = ops::apply_threshold(0, t);  // every value lands on one side
    for (int32_t x = 0; x < width; ++x) d[x] = fill;
    return;
  }
  const uint8_t tt = static_cast<uint8_t>(t);
  for (int32_t x = 0; x < width; ++x) d[x] = s[x] <= tt ? uint8_t{0} : uint8_t{255};
}

/// Histogram of rows [y0, y1) into h (256 entries). Eight interleaved
/// sub-histograms fed from 8-byte loads: runs of equal paper pixels would
/// otherwise serialize on one counter's store-to-load forwarding.
void otsu_histogram_rows(ConstGrayView in, int32_t y0, int32_t y1, uint32_t* h) {
  uint32_t h8[8][256] = {};
  for (int32_t y = y0; y < y1; ++y) {
    const uint8_t* r = in.row(y);
    int32_t x = 0;
    for (; x + 8 <= in.width; x += 8) {
      uint64_t v;
      std::memcpy(&v, r + x, sizeof v);
      ++h8[0][v & 0xff];
      ++h8[1][(v >> 8) & 0xff];
      ++h8[2][(v >> 16) & 0xff];
      ++h8[3][(v >> 24) & 0xff];
      ++h8[4][(v >> 32) & 0xff];
      ++h8[5][(v >> 40) & 0xff];
      ++h8[6][(v >> 48) & 0xff];
      ++h8[7][v >> 56];
    }
    for (; x < in.width; ++x) ++h8[0][r[x]];
  }
  for (int32_t i = 0; i < 256; ++i) {
    uint32_t sum = 0;
    for (int32_t k = 0; k < 8; ++k) sum += h8[k][i];
    h[i] = sum;
  }
}

}  // namespace

void Binarize::run_otsu(ThreadPool& pool, ConstGrayView in, GrayView out, int32_t page) {
  const int32_t chunks = chunk_count(pool, in.height, 16);
  const int32_t step = (in.height + chunks - 1) / chunks;
  pool.parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int32_t y0 = static_cast<int32_t>(c) * step;
      const int32_t y1 = std::min(in.height, y0 + step);
      otsu_histogram_rows(in, y0, y1, hist_.data() + c * 256);
    }
  });
  uint32_t total[256] = {};
  for (int32_t c = 0; c < chunks; ++c)
    for (int32_t i = 0; i < 256; ++i) total[i] += hist_[c * 256 + i];
  const int32_t t = ops::otsu_threshold(total);
  thresholds_[page] = t;
  const int64_t grain = std::max<int64_t>(1, 65536 / std::max<int32_t>(1, in.width));
  pool.parallel_for(in.height, grain, [&](int64_t y0, int64_t y1) {
    for (int64_t y = y0; y < y1; ++y) {
      const uint8_t* s = in.row(static_cast<int32_t>(y));
      uint8_t* d = out.row(static_cast<int32_t>(y));
      otsu_apply_row(s, d, in.width, t);
    }
  });
}

void Binarize::run_local(ThreadPool& pool, ConstGrayView in, GrayView out, int32_t window) {
  const int32_t half = window / 2;
  const int32_t chunks = chunk_count(pool, in.height, window);
  const int32_t step = (in.height + chunks - 1) / chunks;
  const size_t slice = static_cast<size_t>(std::max(1, limits_.max_width));
  const bool wolf = params_.method == BinarizeMethod::kWolf;

  ops::LocalThreshold t;
  t.k_q = ops::quantize_k(binarize_k(params_));
  t.r_q = ops::quantize_r(params_.r);
  t.min_gray = 0;

  // Runs fn(y, ws, wq) for every row of chunk c with that row's window sums.
  auto for_rows = [&](int64_t c, auto&& fn) {
    uint32_t* cs = col_sum_.data() + c * slice;
    uint32_t* cq = col_sumsq_.data() + c * slice;
    uint32_t* ws = win_sum_.data() + c * (slice + 1);  // row prefix sums
    uint32_t* wq = win_sumsq_.data() + c * (slice + 1);
    const int32_t y0 = static_cast<int32_t>(c) * step;
    const int32_t y1 = std::min(in.height, y0 + step);
    if (y0 >= y1) return;
    init_columns(in, y0, half, cs, cq);
    for (int32_t y = y0; y < y1; ++y) {
      if (y > y0) advance_columns(in, y, half, cs, cq);
      prefix_sums(cs, cq, in.width, ws, wq);
      fn(y, ops::clamped_extent(y, half, in.height), ws, wq);
    }
  };

  if (wolf) {
    pool.parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        int32_t q = 0;
        uint8_t mn = 255;
        for_rows(c, [&](int32_t y, int32_t ny, const uint32_t* ws, const uint32_t* wq) {
          q = std::max(q, row_std_q(in.width, half, ny, ws, wq));
          const uint8_t* r = in.row(y);
          for (int32_t x = 0; x < in.width; ++x) mn = std::min(mn, r[x]);
        });
        chunk_std_q_[c] = q;
        chunk_min_[c] = mn;
      }
    });
    int32_t q = 0;
    uint8_t mn = 255;
    for (int32_t c = 0; c < chunks; ++c) {
      q = std::max(q, chunk_std_q_[c]);
      mn = std::min(mn, chunk_min_[c]);
    }
    if (ops::wolf_page_is_constant(q)) {
      pool.parallel_for(in.height, 64, [&](int64_t y0, int64_t y1) {
        for (int64_t y = y0; y < y1; ++y)
          std::fill(out.row(static_cast<int32_t>(y)), out.row(static_cast<int32_t>(y)) + in.width,
                    uint8_t{255});
      });
      return;
    }
    t.r_q = q;
    t.min_gray = mn;
  }

  pool.parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      for_rows(c, [&](int32_t y, int32_t ny, const uint32_t* ws, const uint32_t* wq) {
        decide_row(in.row(y), out.row(y), in.width, half, ny, ws, wq, t);
      });
    }
  });
}

Status Binarize::run(ThreadPool& pool, ConstGrayBatch in, GrayBatch out, const float* page_dpi) {
  PAGEPREP_RETURN_IF_ERROR(validate_binarize_batch(in, out, limits_));
  const bool otsu = params_.method == BinarizeMethod::kOtsu;
  thresholds_.assign(otsu ? static_cast<size_t>(in.count) : 0, -1);
  for (int32_t i = 0; i < in.count; ++i) {
    if (in[i].empty()) continue;
    if (otsu) {
      run_otsu(pool, in[i], out[i], i);
    } else {
      run_local(pool, in[i], out[i], binarize_window(params_, page_dpi ? page_dpi[i] : 300.f));
    }
  }
  return Status::ok();
}

}  // namespace cpu
}  // namespace pageprep::kernels
