#include "kquant_search.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

#include "rounding.hpp"
#include "scale_fit.hpp"

namespace memwall::quant::detail {
namespace {

// Integer candidates around `ideal / unit`, inside [lo, hi]; all of them collapse to 0 when
// the unit is 0 (a super-block whose scales or mins are all zero).
struct IntRange {
  int first, last;
};

IntRange candidates_around(float ideal, float unit, int lo, int hi, int radius) {
  if (unit == 0.0f) return {0, 0};
  const int center = round_clamped(ideal / unit, lo, hi);
  return {std::max(lo, center - radius), std::min(hi, center + radius)};
}

// The super-scale that maps the largest sub-block value onto the largest integer.
std::uint16_t super_scale(float largest, int integer_max) {
  return scale_to_f16(largest / static_cast<float>(integer_max));
}

}  // namespace

void search_affine_super_block(const float* x, const SuperBlockShape& shape,
                               AffineSuperBlock* out) {
  assert(shape.group * shape.n_groups == kSuperBlockSize && shape.n_groups <= 16);
  float scale[16], min[16];
  float max_scale = 0, max_min = 0;
  std::uint8_t q[kMaxGroup];
  for (int g = 0; g < shape.n_groups; ++g) {
    const AffineFit fit = fit_affine(x + g * shape.group, shape.group, shape.level_hi, true, q);
    scale[g] = fit.scale;
    min[g] = -fit.offset;
    max_scale = std::max(max_scale, scale[g]);
    max_min = std::max(max_min, min[g]);
  }
  out->d = super_scale(max_scale, shape.scale_hi);
  out->dmin = super_scale(max_min, shape.min_hi);
  const float d = f16_to_f32(out->d), dmin = f16_to_f32(out->dmin);

  for (int g = 0; g < shape.n_groups; ++g) {
    const float* xg = x + g * shape.group;
    const IntRange scales = candidates_around(scale[g], d, 0, shape.scale_hi, shape.radius);
    const IntRange mins = candidates_around(min[g], dmin, 0, shape.min_hi, shape.radius);
    double best_error = std::numeric_limits<double>::infinity();
    for (int s = scales.first; s <= scales.last; ++s) {
      for (int m = mins.first; m <= mins.last; ++m) {
        // The dequantizer computes (d * s) * level - (dmin * m): the same floats here.
        const float dl = d * static_cast<float>(s), ml = dmin * static_cast<float>(m);
        const double error = requantize_affine(xg, shape.group, dl, -ml, shape.level_hi, q);
        if (error < best_error) {
          best_error = error;
          out->scale[g] = s;
          out->min[g] = m;
          std::copy(q, q + shape.group, out->level + g * shape.group);
        }
      }
    }
  }
}

void search_symmetric_super_block(const float* x, const SuperBlockShape& shape,
                                  SymmetricSuperBlock* out) {
  assert(shape.group * shape.n_groups == kSuperBlockSize && shape.n_groups <= 16);
  assert(shape.scale_lo < 0);
  float scale[16];
  float peak = 0;  // the sub-block scale of largest magnitude, with its sign
  std::int8_t q[kMaxGroup];
  for (int g = 0; g < shape.n_groups; ++g) {
    scale[g] = fit_symmetric(x + g * shape.group, shape.group, shape.level_lo, shape.level_hi, q);
    if (std::fabs(scale[g]) > std::fabs(peak)) peak = scale[g];
  }
  // The largest scale goes to the negative end of the integer range, which is one longer.
  out->d = scale_to_f16(peak / static_cast<float>(shape.scale_lo));
  const float d = f16_to_f32(out->d);

  for (int g = 0; g < shape.n_groups; ++g) {
    const float* xg = x + g * shape.group;
    const IntRange scales =
        candidates_around(scale[g], d, shape.scale_lo, shape.scale_hi, shape.radius);
    double best_error = std::numeric_limits<double>::infinity();
    for (int s = scales.first; s <= scales.last; ++s) {
      const float dl = d * static_cast<float>(s);
      const double error =
          requantize_symmetric(xg, shape.group, dl, shape.level_lo, shape.level_hi, q);
      if (error < best_error) {
        best_error = error;
        out->scale[g] = s;
        std::copy(q, q + shape.group, out->level + g * shape.group);
      }
    }
  }
}

}  // namespace memwall::quant::detail
