// AVX-512 VNNI: one instruction multiplies u8 x s8 groups of four and adds them into i32 lanes.
#include <immintrin.h>

#include "compute_kernels_isa.hpp"

namespace memwall::hw {
namespace {

double int8_avx512_vnni(std::uint64_t iterations, float seed) {
  const __m512i a = _mm512_set1_epi8(static_cast<char>(seed * 10)), b = _mm512_set1_epi8(3);
  __m512i acc[kPeakChains];
  for (int k = 0; k < kPeakChains; ++k) acc[k] = _mm512_setzero_si512();
  for (std::uint64_t it = 0; it < iterations; ++it) {
    for (int k = 0; k < kPeakChains; ++k) acc[k] = _mm512_dpbusd_epi32(acc[k], a, b);
  }
  __m512i sum = acc[0];
  for (int k = 1; k < kPeakChains; ++k) sum = _mm512_add_epi32(sum, acc[k]);
  alignas(64) int lanes[16];  // not _mm512_reduce_add_epi32: GCC 12 bug 105593 warns on it
  _mm512_store_si512(lanes, sum);
  double total = 0;
  for (int x : lanes) total += x;
  return total;
}

}  // namespace

PeakKernel avx512_vnni_int8_kernel() {
  return {"int8-dot", "avx512-vnni", 2.0 * 64 * kPeakChains, int8_avx512_vnni};
}

}  // namespace memwall::hw
