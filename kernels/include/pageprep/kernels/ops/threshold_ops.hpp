/// \file threshold_ops.hpp
/// \brief Shared math of binarization: Otsu's global threshold and the
/// Sauvola / Wolf-Jolion local thresholds, used verbatim by the CPU and CUDA
/// schedules.
///
/// Exactness. Every decision here is exact rational arithmetic on integers, so
/// it does not depend on the schedule, the compiler or FMA contraction:
/// - Otsu compares between-class variances d^2 / (n0 n1) exactly with 128-bit
///   integers (quotient, then cross-multiplied remainders).
/// - Sauvola and Wolf decide `v <= T` by squaring both sides of an integer
///   inequality (derivation at local_is_ink_exact()). A double-precision
///   filter decides first; its rounding error is bounded far inside its
///   1e-12 relative margin, and only windows inside the margin take the 128-bit
///   path. The result is therefore exactly the rational decision on both the
///   host and the device, whichever path decides.
/// The parameters k and R enter as fixed point: k in 1/4096, R in 1/16 gray
/// level (quantize_k(), quantize_r()); that quantization is part of the
/// definition the tests check against.
///
/// Ranges the 128-bit arithmetic relies on (validated by the operations):
/// window side <= kMaxWindow (n <= 65025 < 2^16, window sum of squares < 2^32),
/// 0 <= k <= 1, 1 <= R <= 255, Otsu pages of fewer than 2^28 pixels.
#pragma once

#include <cmath>
#include <cstdint>

#include "pageprep/kernels/hd.hpp"

namespace pageprep::kernels::ops {

__extension__ typedef unsigned __int128 U128;
__extension__ typedef __int128 I128;

constexpr int32_t kMaxWindow = 255;          ///< largest local window side
constexpr int64_t kKOne = 4096;              ///< k fixed point: k = k_q / 4096
constexpr int64_t kROne = 16;                ///< R fixed point: R = r_q / 16
constexpr int64_t kOtsuMaxPixels = 1 << 28;  ///< 128-bit bound of otsu_threshold()

// ---------------------------------------------------------------------------
// Otsu
// ---------------------------------------------------------------------------

/// Between-class variance of threshold t, up to the factor 1/N^2 common to all
/// t: d^2 / (n0 n1) with d = n1 s0 - n0 s1 (class 0 = gray <= t). Kept as the
/// exact quotient and remainder of d^2 by den = n0 n1 for exact comparison.
struct OtsuScore {
  U128 quot;
  uint64_t rem;
  uint64_t den;
};

PAGEPREP_HD inline OtsuScore otsu_score(uint64_t n0, uint64_t s0, uint64_t n1, uint64_t s1) {
  // |d| <= n0 n1 255 < 2^62 for N < 2^28; the products are formed in 128 bits.
  const I128 d = static_cast<I128>(n1) * s0 - static_cast<I128>(n0) * s1;
  const uint64_t ad = static_cast<uint64_t>(d < 0 ? -d : d);
  const U128 d2 = static_cast<U128>(ad) * ad;
  const uint64_t den = n0 * n1;
  OtsuScore s;
  s.quot = d2 / den;
  s.rem = static_cast<uint64_t>(d2 - s.quot * den);
  s.den = den;
  return s;
}

/// a > b exactly. rem < den < 2^54, so the cross products stay below 2^108.
PAGEPREP_HD inline bool otsu_greater(const OtsuScore& a, const OtsuScore& b) {
  if (a.quot != b.quot) return a.quot > b.quot;
  return static_cast<U128>(a.rem) * b.den > static_cast<U128>(b.rem) * a.den;
}

/// Candidate t of Otsu's search, from the class-0 prefix (n0, s0) through t
/// and the page totals (n, s): false when t does not split the pixels into
/// two non-empty classes. The serial search and the CUDA schedule's parallel
/// one (one thread per t) both score every t with this.
PAGEPREP_HD inline bool otsu_candidate(uint64_t n0, uint64_t s0, uint64_t n, uint64_t s,
                                       OtsuScore* score) {
  if (n0 == 0 || n0 >= n) return false;
  *score = otsu_score(n0, s0, n - n0, s - s0);
  return true;
}

/// Whether candidate (a, ta) wins over (b, tb): the larger variance, ties to
/// the smaller t. Associative and commutative, so any reduction order (the
/// serial scan, a parallel tree) picks the same t.
PAGEPREP_HD inline bool otsu_prefers(const OtsuScore& a, int32_t ta, const OtsuScore& b,
                                     int32_t tb) {
  if (otsu_greater(a, b)) return true;
  if (otsu_greater(b, a)) return false;
  return ta < tb;
}

/// Otsu's threshold of a 256-bin histogram: the t maximizing the between-class
/// variance, pixels <= t being ink. Ties go to the smallest t, so a two-level
/// image {a, b} gets t = a. Returns -1 when no t splits the pixels into two
/// non-empty classes (a constant or empty page): then every pixel is paper.
PAGEPREP_HD inline int32_t otsu_threshold(const uint32_t* hist) {
  uint64_t n = 0, s = 0;
  for (int32_t i = 0; i < 256; ++i) {
    n += hist[i];
    s += static_cast<uint64_t>(hist[i]) * static_cast<uint64_t>(i);
  }
  int32_t best_t = -1;
  OtsuScore best{0, 0, 1};
  uint64_t n0 = 0, s0 = 0;
  for (int32_t t = 0; t < 255; ++t) {
    n0 += hist[t];
    s0 += static_cast<uint64_t>(hist[t]) * static_cast<uint64_t>(t);
    OtsuScore sc;
    if (!otsu_candidate(n0, s0, n, s, &sc)) continue;
    if (best_t < 0 || otsu_prefers(sc, t, best, best_t)) {
      best = sc;
      best_t = t;
    }
  }
  return best_t;
}

/// 0 (ink) when v <= t, else 255 (paper).
PAGEPREP_HD PAGEPREP_FORCEINLINE uint8_t apply_threshold(uint32_t v, int32_t t) {
  return static_cast<int32_t>(v) <= t ? uint8_t{0} : uint8_t{255};
}

// ---------------------------------------------------------------------------
// Sauvola and Wolf-Jolion
// ---------------------------------------------------------------------------

/// k in [0, 1] to 1/4096 units, rounded to nearest.
PAGEPREP_HD inline int64_t quantize_k(float k) {
  return static_cast<int64_t>(static_cast<double>(k) * kKOne + 0.5);
}
/// R in [1, 255] to 1/16 units, rounded to nearest.
PAGEPREP_HD inline int64_t quantize_r(float r) {
  return static_cast<int64_t>(static_cast<double>(r) * kROne + 0.5);
}

/// Per-page constants of the local decision. Sauvola is the case min_gray = 0
/// with r_q the dynamic range parameter; Wolf uses the page's minimum gray and
/// its largest window standard deviation (wolf_std_q()).
struct LocalThreshold {
  int64_t k_q = 0;       ///< k * 4096
  int64_t r_q = 1;       ///< R * 16, >= 1
  int64_t min_gray = 0;  ///< M
};

/// Window sizes under the clamp-to-image border rule: the window of side
/// 2*half+1 centred on a pixel is intersected with the page, so border pixels
/// use fewer samples (never replicated ones).
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t clamped_extent(int32_t c, int32_t half, int32_t size) {
  const int32_t lo = c - half < 0 ? 0 : c - half;
  const int32_t hi = c + half >= size ? size - 1 : c + half;
  return hi - lo + 1;
}

/// The exact local decision. With m = S/n, s = sqrt(D)/n, D = nQ - S^2 the
/// window mean and standard deviation, Sauvola's threshold is
///   T = m (1 + k (s/R - 1))
/// and Wolf-Jolion's
///   T = (1 - k) m + k M + k (s/R) (m - M).
/// Both are T = [ (1-k) S + k M n + k (S - M n) sqrt(D) / (n R) ] / n with
/// M = 0 for Sauvola. The pixel is ink iff v <= T. Multiplying by 4096 n:
///   A := 4096 n v - (4096 - K) S - K M n  <=  K B sqrt(D) / (n R),  B = S - M n.
/// The right side is >= 0, so A <= 0 means ink; otherwise both sides are
/// positive and, with R = r_q/16, squaring gives the integer test
///   (A n r_q)^2 <= 256 (K B)^2 D.
/// Magnitudes: A < 2^36, A n r_q < 2^64, (K B)^2 D 256 < 2^126.
PAGEPREP_HD inline bool local_is_ink_exact(uint32_t v, uint32_t sum, uint32_t sumsq, int32_t n,
                                           const LocalThreshold& t) {
  const int64_t nn = n;
  const int64_t a =
      kKOne * nn * v - (kKOne - t.k_q) * static_cast<int64_t>(sum) - t.k_q * t.min_gray * nn;
  if (a <= 0) return true;
  const uint64_t d =
      static_cast<uint64_t>(nn) * sumsq - static_cast<uint64_t>(sum) * static_cast<uint64_t>(sum);
  const uint64_t b = static_cast<uint64_t>(static_cast<int64_t>(sum) - t.min_gray * nn);
  const uint64_t lhs =
      static_cast<uint64_t>(a) * static_cast<uint64_t>(nn) * static_cast<uint64_t>(t.r_q);
  const uint64_t kb = static_cast<uint64_t>(t.k_q) * b;
  return static_cast<U128>(lhs) * lhs <= static_cast<U128>(kb) * kb * static_cast<U128>(d << 8);
}

/// Bits of local_guess(): the decision, and whether it is certain.
constexpr int32_t kGuessInk = 1;
constexpr int32_t kGuessSure = 2;

/// The same inequality in double. A, D, B, K B and A n are exact integers below
/// 2^53, so only A n r_q, the two squares and the product with D round: the
/// relative error of each side is below 4 * 2^-53, far inside the 1e-12 margin,
/// and a decision flagged kGuessSure equals local_is_ink_exact(). Branch-free
/// and returning plain bits so the CPU row loop vectorizes; the inputs are the
/// window sums as doubles (exact).
PAGEPREP_HD PAGEPREP_FORCEINLINE int32_t local_guess(double v, double sum, double sumsq, double n,
                                                     double k_q, double r_q, double min_gray) {
  const double a = 4096.0 * n * v - (4096.0 - k_q) * sum - k_q * min_gray * n;
  const double d = n * sumsq - sum * sum;
  const double kb = k_q * (sum - min_gray * n);
  const double lhs = a * n * r_q;
  const double lhs2 = lhs * lhs;
  const double rhs2 = kb * kb * d * 256.0;
  const double diff = lhs2 - rhs2;
  const double tol = rhs2 * 1e-12;
  const int32_t a_nonpositive = a <= 0.0;
  const int32_t ink = a_nonpositive | (diff <= 0.0);
  const int32_t sure = a_nonpositive | (diff > tol) | (diff < -tol);
  return ink | (sure << 1);
}

/// The local decision: the filter, then the exact test where the filter is
/// unsure. Returns the output pixel (0 ink, 255 paper).
PAGEPREP_HD inline uint8_t local_binarize(uint32_t v, uint32_t sum, uint32_t sumsq, int32_t n,
                                          const LocalThreshold& t) {
  const int32_t g =
      local_guess(static_cast<double>(v), static_cast<double>(sum), static_cast<double>(sumsq),
                  static_cast<double>(n), static_cast<double>(t.k_q), static_cast<double>(t.r_q),
                  static_cast<double>(t.min_gray));
  const bool ink =
      (g & kGuessSure) ? (g & kGuessInk) != 0 : local_is_ink_exact(v, sum, sumsq, n, t);
  return ink ? uint8_t{0} : uint8_t{255};
}

/// Wolf's R for one window, in 1/16 units, rounded up: the smallest q with
/// q >= 16 sqrt(D) / n, i.e. q^2 n^2 >= 256 D (exact; q <= 2041, so every
/// product is below 2^54). The page's R is the maximum over its windows, at
/// least 1; since rounding up is monotone that is the rounded-up maximum
/// standard deviation.
PAGEPREP_HD inline int32_t wolf_std_q(uint32_t sum, uint32_t sumsq, int32_t n) {
  const uint64_t nn = static_cast<uint64_t>(n);
  const uint64_t d = nn * sumsq - static_cast<uint64_t>(sum) * sum;
  const uint64_t target = d << 8;
  const uint64_t n2 = nn * nn;
  // Estimate, then correct exactly; the estimate's rounding never matters.
  int64_t q = static_cast<int64_t>(16.0 * sqrt(static_cast<double>(d)) / static_cast<double>(n));
  if (q < 0) q = 0;
  while (q > 0 && static_cast<uint64_t>((q - 1) * (q - 1)) * n2 >= target) --q;
  while (static_cast<uint64_t>(q * q) * n2 < target) ++q;
  return static_cast<int32_t>(q);
}

/// Wolf's threshold degenerates on a constant page: R = 0 and T = m = v, so
/// every pixel would be ink. A page whose largest window std rounds up to 0
/// (every window constant, i.e. the page is constant) is all paper instead, as
/// with Otsu. Otherwise R = std_q / 16 >= 1/16.
PAGEPREP_HD PAGEPREP_FORCEINLINE bool wolf_page_is_constant(int32_t std_q) {
  return std_q == 0;
}

}  // namespace pageprep::kernels::ops
