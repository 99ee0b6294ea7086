// The kquant family's AVX-512 VNNI kernels: vpdpbusd multiplies 4 unsigned weight bytes by 4 signed
// activation bytes and adds them into each 32-bit lane exactly, whatever the bytes.
#include "kquant_avx512.hpp"

namespace memwall::quant::kernels {
namespace {

struct VnniDot {
  static constexpr bool kFullByteRange = true;
  static __m512i dot4(__m512i acc, __m512i w_u8, __m512i a_s8) { return _mm512_dpbusd_epi32(acc, w_u8, a_s8); }
  static __m512i dot2x16(__m512i acc, __m512i a, __m512i b) { return _mm512_dpwssd_epi32(acc, a, b); }
};

}  // namespace

std::span<const TypeKernel> kquant_avx512vnni() { return kKQuantTypes<VnniDot>; }

}  // namespace memwall::quant::kernels
