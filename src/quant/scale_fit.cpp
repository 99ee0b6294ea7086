#include "scale_fit.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>

#include "rounding.hpp"

namespace memwall::quant::detail {
namespace {

// The grid of starting scales: the extreme weight is sent to level `end + k * kGridStep` for
// k in [-kGridSteps, kGridSteps], i.e. within one level of the end of the range. On N(0,1) data
// a 10x finer grid lowers the error of every type by at most 0.1%, and a span of two levels
// helps some types by ~1% and hurts Q2_K by 2% (its sub-block optimum is not the optimum once
// the scales are rounded to 4 bits), so this is the balance.
constexpr int kGridSteps = 10;
constexpr float kGridStep = 0.1f;
// After the grid, rounding and re-fitting alternate while the error falls, at most this often.
constexpr int kRefinements = 4;
// A group whose largest |x| is below this is stored as zeros: it is far below what a binary16
// scale can express, and the inverse scales tried on it could overflow to infinity.
constexpr float kNegligible = 1e-30f;

// Levels for one candidate inverse scale, (x[i] - origin) * inverse_scale rounded into
// [lo, hi]. The levels stay floats (small integers, exact) until a candidate wins: the loops
// over them then vectorize into plain float arithmetic.
void levels_for(const float* x, int n, float origin, float inverse_scale, int lo, int hi,
                float* level) {
  const float lo_f = static_cast<float>(lo), hi_f = static_cast<float>(hi);
  for (int i = 0; i < n; ++i)
    level[i] = rounded_clamped((x[i] - origin) * inverse_scale, lo_f, hi_f);
}

// Four float lanes, in the GCC/Clang vector extension (SSE or NEON registers, or plain scalar
// code where there are none). The sums below keep one partial sum per lane, lane k taking
// elements k, k + 4, ...: that breaks the chain of dependent additions, which made these sums
// the bottleneck of every quantizer, and still rounds identically on every machine.
using Lanes4 = float __attribute__((vector_size(16)));

Lanes4 load4(const float* p) {
  Lanes4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

float total(Lanes4 v) { return (v[0] + v[1]) + (v[2] + v[3]); }

// Sums over a group for fixed levels (n a multiple of 4). sum(q) and sum(q^2) are sums of small
// integers, exact in float.
struct Moments {
  float n = 0, q = 0, qq = 0, x = 0, xq = 0;
};

Moments moments_of(const float* x, int n, const float* level) {
  Lanes4 q{}, qq{}, xs{}, xq{};
  for (int i = 0; i < n; i += 4) {
    const Lanes4 l = load4(level + i), xi = load4(x + i);
    q += l;
    qq += l * l;
    xs += xi;
    xq += xi * l;
  }
  return {static_cast<float>(n), total(q), total(qq), total(xs), total(xq)};
}

// The squared error of the best scale for fixed levels is sum(x^2) - xq^2 / qq, so the larger
// this is, the smaller the error.
double symmetric_gain(const Moments& m) {
  return m.qq > 0 ? static_cast<double>(m.xq) * m.xq / m.qq : 0.0;
}

struct AffineSolution {
  double scale = 0, offset = 0;
  double error = 0;  // squared error minus sum(x^2), which is the same for every candidate
  bool valid = false;
};

// Least-squares scale and offset for fixed levels (the 2x2 normal equations).
AffineSolution solve_affine(const Moments& m, bool offset_at_most_zero) {
  AffineSolution s;
  const double n = m.n, q = m.q, qq = m.qq, x = m.x, xq = m.xq;
  const double det = n * qq - q * q;
  if (det > 0) {
    s.scale = (n * xq - x * q) / det;
    s.offset = (qq * x - q * xq) / det;
  }
  // With the offset pinned at zero (the constraint is active, or all levels are equal and only
  // the scale can be fitted), the best scale is the symmetric one.
  if (offset_at_most_zero && (det <= 0 || s.offset > 0) && qq > 0) {
    s.offset = 0;
    s.scale = xq / qq;
  } else if (det <= 0) {
    return s;
  }
  if (!(s.scale > 0)) return s;
  s.error = s.scale * s.scale * qq + 2 * s.scale * s.offset * q + s.offset * s.offset * n -
            2 * s.scale * xq - 2 * s.offset * x;
  s.valid = true;
  return s;
}

// Squared error of x ~ scale * level + offset, in lanes as moments_of.
double reconstruction_error(const float* x, int n, float scale, float offset, const float* level) {
  Lanes4 error{};
  for (int i = 0; i < n; i += 4) {
    const Lanes4 diff = (scale * load4(level + i) + offset) - load4(x + i);
    error += diff * diff;
  }
  return total(error);
}

void copy_levels(const float* level, int n, std::int8_t* q) {
  for (int i = 0; i < n; ++i) q[i] = static_cast<std::int8_t>(level[i]);
}
void copy_levels(const float* level, int n, std::uint8_t* q) {
  for (int i = 0; i < n; ++i) q[i] = static_cast<std::uint8_t>(level[i]);
}

}  // namespace

float fit_symmetric(const float* x, int n, int lo, int hi, std::int8_t* q) {
  assert(n <= kMaxGroup && n % 4 == 0 && lo < 0 && hi > 0);
  float peak = 0;  // the weight of largest magnitude, with its sign
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > std::fabs(peak)) peak = x[i];
  }
  if (!(std::fabs(peak) >= kNegligible)) {
    std::memset(q, 0, static_cast<std::size_t>(n));
    return 0.0f;
  }
  float trial[kMaxGroup];
  Moments best;
  double best_gain = -1;
  for (const int end : {lo, hi}) {
    for (int k = -kGridSteps; k <= kGridSteps; ++k) {
      const float level = static_cast<float>(end) + static_cast<float>(k) * kGridStep;
      levels_for(x, n, 0.0f, level / peak, lo, hi, trial);
      const Moments m = moments_of(x, n, trial);
      if (symmetric_gain(m) > best_gain) {
        best_gain = symmetric_gain(m);
        best = m;
        copy_levels(trial, n, q);
      }
    }
  }
  for (int round = 0; round < kRefinements; ++round) {
    const float scale = best.xq / best.qq;
    if (!(scale != 0.0f)) break;
    levels_for(x, n, 0.0f, 1.0f / scale, lo, hi, trial);
    const Moments m = moments_of(x, n, trial);
    if (!(symmetric_gain(m) > best_gain)) break;
    best_gain = symmetric_gain(m);
    best = m;
    copy_levels(trial, n, q);
  }
  return best.xq / best.qq;
}

AffineFit fit_affine(const float* x, int n, int nmax, bool offset_at_most_zero, std::uint8_t* q) {
  assert(n <= kMaxGroup && n % 4 == 0 && nmax > 0);
  float lowest = x[0], highest = x[0];
  for (int i = 1; i < n; ++i) {
    lowest = std::min(lowest, x[i]);
    highest = std::max(highest, x[i]);
  }
  if (offset_at_most_zero) lowest = std::min(lowest, 0.0f);
  std::memset(q, 0, static_cast<std::size_t>(n));
  if (!(highest - lowest >= kNegligible)) return {0.0f, lowest};

  float trial[kMaxGroup];
  AffineSolution best;
  // Starting points: the lowest weight at level 0, the highest near level nmax.
  for (int k = -kGridSteps; k <= kGridSteps; ++k) {
    const float inverse_scale =
        (static_cast<float>(nmax) + static_cast<float>(k) * kGridStep) / (highest - lowest);
    levels_for(x, n, lowest, inverse_scale, 0, nmax, trial);
    const AffineSolution s = solve_affine(moments_of(x, n, trial), offset_at_most_zero);
    if (s.valid && (!best.valid || s.error < best.error)) {
      best = s;
      copy_levels(trial, n, q);
    }
  }
  if (!best.valid) return {0.0f, lowest};
  for (int round = 0; round < kRefinements; ++round) {
    const auto inverse_scale = static_cast<float>(1.0 / best.scale);
    levels_for(x, n, static_cast<float>(best.offset), inverse_scale, 0, nmax, trial);
    const AffineSolution s = solve_affine(moments_of(x, n, trial), offset_at_most_zero);
    if (!s.valid || !(s.error < best.error)) break;
    best = s;
    copy_levels(trial, n, q);
  }
  return {static_cast<float>(best.scale), static_cast<float>(best.offset)};
}

double requantize_affine(const float* x, int n, float scale, float offset, int nmax,
                         std::uint8_t* q) {
  assert(n <= kMaxGroup && n % 4 == 0);
  float level[kMaxGroup];
  levels_for(x, n, offset, scale != 0.0f ? 1.0f / scale : 0.0f, 0, nmax, level);
  copy_levels(level, n, q);
  return reconstruction_error(x, n, scale, offset, level);
}

double requantize_symmetric(const float* x, int n, float scale, int lo, int hi, std::int8_t* q) {
  assert(n <= kMaxGroup && n % 4 == 0);
  float level[kMaxGroup];
  levels_for(x, n, 0.0f, scale != 0.0f ? 1.0f / scale : 0.0f, lo, hi, level);
  copy_levels(level, n, q);
  return reconstruction_error(x, n, scale, 0.0f, level);
}

}  // namespace memwall::quant::detail
