// AVX-VNNI: the VEX-encoded 256-bit dot product of CPUs that have it without AVX-512. This file is
// compiled without AVX-512 flags so nothing in it needs AVX-512.
#include <immintrin.h>

#include "compute_kernels_isa.hpp"

namespace memwall::hw {
namespace {

double int8_avx_vnni(std::uint64_t iterations, float seed) {
  const __m256i a = _mm256_set1_epi8(static_cast<char>(seed * 10)), b = _mm256_set1_epi8(3);
  __m256i acc[kPeakChains];
  for (int k = 0; k < kPeakChains; ++k) acc[k] = _mm256_setzero_si256();
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int k = 0; k < kPeakChains; ++k) acc[k] = _mm256_dpbusd_avx_epi32(acc[k], a, b);
  }
  __m256i sum = acc[0];
  for (int k = 1; k < kPeakChains; ++k) sum = _mm256_add_epi32(sum, acc[k]);
  alignas(32) int lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), sum);
  double total = 0;
  for (int x : lanes) total += x;
  return total;
}

}  // namespace

PeakKernel avx_vnni_int8_kernel() {
  return {"int8-dot", "avx-vnni", 2.0 * 32 * kPeakChains, int8_avx_vnni};
}

}  // namespace memwall::hw
