#include <immintrin.h>

#include "compute_kernels_isa.hpp"

namespace memwall::hw {
namespace {

double f32_avx2(std::uint64_t iterations, float seed) {
  const __m256 a = _mm256_set1_ps(seed), b = _mm256_set1_ps(0.5f);
  __m256 acc[kPeakChains];
  for (int k = 0; k < kPeakChains; ++k) acc[k] = _mm256_set1_ps(0.01f * static_cast<float>(k));
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int k = 0; k < kPeakChains; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  }
  __m256 sum = acc[0];
  for (int k = 1; k < kPeakChains; ++k) sum = _mm256_add_ps(sum, acc[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  double total = 0;
  for (float x : lanes) total += x;
  return total;
}

// u8 x s8 pairs summed to i16 (maddubs), widened to i32 (madd with ones), accumulated.
double int8_avx2(std::uint64_t iterations, float seed) {
  constexpr int kChains = 8;  // three instructions per chain: fewer chains already fill the ports
  __m256i a = _mm256_set1_epi8(static_cast<char>(seed * 10));
  const __m256i b = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
  __m256i acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm256_setzero_si256();
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int k = 0; k < kChains; ++k) {
      MEMWALL_OPAQUE(a);
      acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));
    }
  }
  __m256i sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = _mm256_add_epi32(sum, acc[k]);
  alignas(32) int lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), sum);
  double total = 0;
  for (int x : lanes) total += x;
  return total;
}

}  // namespace

PeakKernel avx2_f32_kernel() { return {"f32-fma", "avx2", 2.0 * 8 * kPeakChains, f32_avx2}; }
PeakKernel avx2_int8_kernel() { return {"int8-dot", "avx2-maddubs", 2.0 * 32 * 8, int8_avx2}; }

}  // namespace memwall::hw
