#pragma once
// Least-squares fits of a scale (and an offset) to one small group of weights: the search every
// quantizer here builds on. The objective is the plain squared error of the reconstruction:
// without activation statistics, every weight matters equally to the error of a dot product with
// an unknown input, and it is the error the tests and the comparison with ggml measure.
#include <cstdint>

namespace memwall::quant::detail {

// Largest group any format fits one scale to (the 32 weights of a legacy block or of a Q4_K/Q5_K
// sub-block).
inline constexpr int kMaxGroup = 32;

// x[i] ~ scale * q[i], integers q[i] in [lo, hi] (lo < 0 < hi), n <= kMaxGroup. Tries a grid of
// scales that put the largest |x| near either end of the range, keeps the best, then alternates
// re-rounding and re-fitting while the error falls. Returns the scale (0 when the group is zero,
// and then every q is 0). The scale's sign says which end the largest |x| went to.
float fit_symmetric(const float* x, int n, int lo, int hi, std::int8_t* q);

struct AffineFit {
  float scale;   // > 0, or 0 when the group is constant
  float offset;  // x ~ scale * q + offset
};

// x[i] ~ scale * q[i] + offset, q[i] in [0, nmax], n <= kMaxGroup. With offset_at_most_zero the
// offset is kept <= 0: the K-quants store it as an unsigned min that is subtracted.
AffineFit fit_affine(const float* x, int n, int nmax, bool offset_at_most_zero, std::uint8_t* q);

// For a scale and offset already fixed (e.g. after they were rounded to their stored form):
// the best levels, x[i] ~ scale * q[i] + offset, and the squared error of that reconstruction
// computed as the dequantizer computes it. A zero scale gives q = 0.
double requantize_affine(const float* x, int n, float scale, float offset, int nmax,
                         std::uint8_t* q);
// The same for x[i] ~ scale * q[i], q[i] in [lo, hi].
double requantize_symmetric(const float* x, int n, float scale, int lo, int hi, std::int8_t* q);

}  // namespace memwall::quant::detail
