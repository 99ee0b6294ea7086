#include <arm_neon.h>

#include "compute_kernels_isa.hpp"

namespace memwall::hw {
namespace {

double f32_neon(std::uint64_t iterations, float seed) {
  const float32x4_t a = vdupq_n_f32(seed), b = vdupq_n_f32(0.5f);
  float32x4_t acc[kPeakChains];
  for (int k = 0; k < kPeakChains; ++k) acc[k] = vdupq_n_f32(0.01f * static_cast<float>(k));
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int k = 0; k < kPeakChains; ++k) acc[k] = vfmaq_f32(b, acc[k], a);
  }
  float32x4_t sum = acc[0];
  for (int k = 1; k < kPeakChains; ++k) sum = vaddq_f32(sum, acc[k]);
  return vaddvq_f32(sum);
}

}  // namespace

PeakKernel neon_f32_kernel() { return {"f32-fma", "neon", 2.0 * 4 * kPeakChains, f32_neon}; }

}  // namespace memwall::hw
