// The kquant family's AVX-512 kernels without VNNI (Skylake-X): vpmaddubsw multiplies unsigned by
// signed bytes into saturating 16-bit pair sums, vpmaddwd adds the pairs into 32 bits. The K-quant
// levels (at most 63) cannot saturate the pairs: 2 x 63 x 127 fits 16 bits.
#include "kquant_avx512.hpp"

namespace memwall::quant::kernels {
namespace {

struct BwDot {
  static constexpr bool kFullByteRange = false;
  static __m512i dot4(__m512i acc, __m512i w_u8, __m512i a_s8) {
    const __m512i pairs = _mm512_maddubs_epi16(w_u8, a_s8);
    return _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, _mm512_set1_epi16(1)));
  }
  static __m512i dot2x16(__m512i acc, __m512i a, __m512i b) { return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b)); }
};

}  // namespace

std::span<const TypeKernel> kquant_avx512bw() { return kKQuantTypes<BwDot>; }

}  // namespace memwall::quant::kernels
