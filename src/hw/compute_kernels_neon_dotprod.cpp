#include <arm_neon.h>

#include "compute_kernels_isa.hpp"

namespace memwall::hw {
namespace {

double int8_neon_sdot(std::uint64_t iterations, float seed) {
  const int8x16_t a = vdupq_n_s8(static_cast<int8_t>(seed * 10)), b = vdupq_n_s8(3);
  int32x4_t acc[kPeakChains];
  for (int k = 0; k < kPeakChains; ++k) acc[k] = vdupq_n_s32(0);
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int k = 0; k < kPeakChains; ++k) acc[k] = vdotq_s32(acc[k], a, b);
  }
  int32x4_t sum = acc[0];
  for (int k = 1; k < kPeakChains; ++k) sum = vaddq_s32(sum, acc[k]);
  return static_cast<double>(vaddvq_s32(sum));
}

}  // namespace

PeakKernel neon_dotprod_int8_kernel() {
  return {"int8-dot", "neon-sdot", 2.0 * 16 * kPeakChains, int8_neon_sdot};
}

}  // namespace memwall::hw
