// The legacy family's AVX-512BW kernels, for CPUs without VNNI: vpmaddubsw multiplies unsigned by
// signed bytes into saturating 16-bit pair sums, vpmaddwd adds pairs of words into 32 bits.
#include "legacy_avx512_k.hpp"

namespace memwall::quant::kernels {
namespace {

struct BwDot {
  // Pair sums of weights <= kMaxWeight are at most 2 x kMaxWeight x 127 (activations lie in
  // -127..127), so kRun of them add up in 16 bits before one vpmaddwd widens them.
  template <int kMaxWeight, int N>
  static __m512i dot(const __m512i* w, const __m512i* a) {
    constexpr int kRun = 32767 / (2 * kMaxWeight * 127);
    static_assert(kRun >= 1, "vpmaddubsw would saturate");
    const __m512i ones = _mm512_set1_epi16(1);
    __m512i acc = _mm512_setzero_si512();
    for (int m0 = 0; m0 < N; m0 += kRun) {
      __m512i pairs = _mm512_maddubs_epi16(w[m0], a[m0]);
      for (int m = m0 + 1; m < m0 + kRun && m < N; ++m) {
        pairs = _mm512_add_epi16(pairs, _mm512_maddubs_epi16(w[m], a[m]));
      }
      acc = _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, ones));
    }
    return acc;
  }
  static __m512i dot16(__m512i acc, __m512i x, __m512i y) { return _mm512_add_epi32(acc, _mm512_madd_epi16(x, y)); }
};

constexpr TypeKernel kTypes[] = {
    {TensorType::Q4_1, matmul32<Format32<BwDot, TensorType::Q4_1>>},
    {TensorType::Q5_0, matmul32<Format32<BwDot, TensorType::Q5_0>>},
    {TensorType::Q5_1, matmul32<Format32<BwDot, TensorType::Q5_1>>},
    {TensorType::Q2_K, matmul_k<FormatK<BwDot, TensorType::Q2_K>>},
    {TensorType::Q3_K, matmul_k<FormatK<BwDot, TensorType::Q3_K>>},
};

}  // namespace

std::span<const TypeKernel> legacy_avx512bw() { return kTypes; }

}  // namespace memwall::quant::kernels
