// The legacy family's AVX-512 VNNI kernels: vpdpbusd multiplies 4 unsigned weight bytes by 4 signed
// activation bytes into each 32-bit lane exactly, whatever the bytes; vpdpwssd does the same for
// two 16-bit words.
#include "legacy_avx512_k.hpp"

namespace memwall::quant::kernels {
namespace {

struct VnniDot {
  // Two chains when there are enough registers, to hide vpdpbusd's latency.
  template <int kMaxWeight, int N>
  static __m512i dot(const __m512i* w, const __m512i* a) {
    constexpr int kChains = N >= 8 ? 2 : 1;
    __m512i acc[kChains];
    for (auto& c : acc) c = _mm512_setzero_si512();
    for (int m = 0; m < N; ++m) acc[m % kChains] = _mm512_dpbusd_epi32(acc[m % kChains], w[m], a[m]);
    return kChains == 2 ? _mm512_add_epi32(acc[0], acc[kChains - 1]) : acc[0];
  }
  static __m512i dot16(__m512i acc, __m512i x, __m512i y) { return _mm512_dpwssd_epi32(acc, x, y); }
};

constexpr TypeKernel kTypes[] = {
    {TensorType::Q4_1, matmul32<Format32<VnniDot, TensorType::Q4_1>>},
    {TensorType::Q5_0, matmul32<Format32<VnniDot, TensorType::Q5_0>>},
    {TensorType::Q5_1, matmul32<Format32<VnniDot, TensorType::Q5_1>>},
    {TensorType::Q2_K, matmul_k<FormatK<VnniDot, TensorType::Q2_K>>},
    {TensorType::Q3_K, matmul_k<FormatK<VnniDot, TensorType::Q3_K>>},
};

}  // namespace

std::span<const TypeKernel> legacy_avx512vnni() { return kTypes; }

}  // namespace memwall::quant::kernels
