#include <immintrin.h>

#include "compute_kernels_isa.hpp"

namespace memwall::hw {
namespace {

double f32_avx512(std::uint64_t iterations, float seed) {
  const __m512 a = _mm512_set1_ps(seed), b = _mm512_set1_ps(0.5f);
  __m512 acc[kPeakChains];
  for (int k = 0; k < kPeakChains; ++k) acc[k] = _mm512_set1_ps(0.01f * static_cast<float>(k));
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int k = 0; k < kPeakChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  }
  __m512 sum = acc[0];
  for (int k = 1; k < kPeakChains; ++k) sum = _mm512_add_ps(sum, acc[k]);
  alignas(64) float lanes[16];  // not _mm512_reduce_add_ps: GCC 12 bug 105593 warns on it
  _mm512_store_ps(lanes, sum);
  double total = 0;
  for (float x : lanes) total += x;
  return total;
}

}  // namespace

PeakKernel avx512_f32_kernel() { return {"f32-fma", "avx512", 2.0 * 16 * kPeakChains, f32_avx512}; }

}  // namespace memwall::hw
