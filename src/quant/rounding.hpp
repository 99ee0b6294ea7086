#pragma once
// Small numeric helpers shared by the quantizers.
#include <cstdint>

#include "memwall/quant/half.hpp"

namespace memwall::quant::detail {

// Nearest integer to v (ties to even) within [lo, hi], as a float; NaN gives lo. Clamping first
// keeps |v| below 2^22, where adding 1.5 * 2^23 leaves exactly the rounded integer in the low
// mantissa bits, so this needs no call into libm (nearbyint is a call on baseline x86-64) and
// vectorizes.
inline float rounded_clamped(float v, float lo, float hi) {
  float c = v > lo ? v : lo;  // written so a NaN takes the lo branch
  c = c < hi ? c : hi;
  constexpr float kRoundingBias = 12582912.0f;  // 1.5 * 2^23
  return (c + kRoundingBias) - kRoundingBias;
}

inline int round_clamped(float v, int lo, int hi) {
  return static_cast<int>(rounded_clamped(v, static_cast<float>(lo), static_cast<float>(hi)));
}

// The binary16 a scale is stored as, saturated at the largest finite half so that a huge scale
// clips the block instead of turning its weights into inf or NaN.
inline std::uint16_t scale_to_f16(float scale) {
  constexpr float kMaxHalf = 65504.0f;
  if (scale > kMaxHalf) scale = kMaxHalf;
  if (scale < -kMaxHalf) scale = -kMaxHalf;
  return f32_to_f16(scale);
}

}  // namespace memwall::quant::detail
