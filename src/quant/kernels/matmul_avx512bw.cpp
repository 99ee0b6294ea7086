// AVX-512 without VNNI (Skylake-X): vpmaddubsw multiplies unsigned by signed bytes into saturating
// 16-bit pair sums, vpmaddwd adds the pairs into 32 bits. Nibble quants cannot saturate the pairs
// (2 x 15 x 127 fits 16 bits); Q8_0's sign-flipped bytes could (2 x 255 x 127 does not), so Q8_0
// multiplies |w| by the activation carrying w's sign: 2 x 128 x 127 fits.
#include "avx512_kernels.hpp"

namespace memwall::quant::kernels {
namespace {

struct BwDot {
  static constexpr bool kSignedQ8 = true;
  static __m512i dot4(__m512i acc, __m512i w_u8, __m512i a_s8) {
    const __m512i pairs = _mm512_maddubs_epi16(w_u8, a_s8);
    return _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, _mm512_set1_epi16(1)));
  }
  static __m512i dot4_signed(__m512i acc, __m512i w_s8, __m512i a_s8) {
    const __m512i a_signed = _mm512_mask_sub_epi8(a_s8, _mm512_movepi8_mask(w_s8), _mm512_setzero_si512(), a_s8);
    return dot4(acc, _mm512_abs_epi8(w_s8), a_signed);
  }
};

constexpr TypeKernel kTypes[] = {
    {TensorType::F32, matmul_plain<TensorType::F32>},
    {TensorType::F16, matmul_plain<TensorType::F16>},
    {TensorType::BF16, matmul_plain<TensorType::BF16>},
    {TensorType::Q4_0, matmul_q32<BwDot, TensorType::Q4_0>},
    {TensorType::Q8_0, matmul_q32<BwDot, TensorType::Q8_0>},
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Activation quantization: the same float operations as quantize_rows_ref, 16 at a time.

// Sums the 16 int8 quants held as 16 int32 lanes.
inline std::int32_t hsum_i32(__m512i v) {
  alignas(64) std::int32_t lanes[16];
  _mm512_store_si512(lanes, v);
  std::int32_t s = 0;
  for (std::int32_t l : lanes) s += l;
  return s;
}

inline float hmax(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float m = lanes[0];
  for (float l : lanes) m = l > m ? l : m;
  return m;
}

void quantize_avx512(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                     std::int8_t* q_out, float* d_out, std::int32_t* sums_out) {
  const std::int64_t block = activation_block(kind);
  const __m512 abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7FFFFFFF));
  for (std::int64_t i = 0; i < n_rows * cols; i += block) {
    __m512 vmax = _mm512_setzero_ps();
    for (std::int64_t k = 0; k < block; k += 16) {
      vmax = _mm512_max_ps(vmax, _mm512_and_ps(_mm512_loadu_ps(x + i + k), abs_mask));
    }
    const float amax = hmax(vmax);
    const __m512 inverse = _mm512_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
    d_out[i / block] = amax / 127.0f;
    for (std::int64_t k = 0; k < block; k += 16) {
      const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + i + k), inverse));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q_out + i + k), _mm512_cvtsepi32_epi8(q));
      sums_out[(i + k) / 16] = hsum_i32(q);
    }
  }
}

std::span<const TypeKernel> plain_avx512bw() { return kTypes; }

}  // namespace memwall::quant::kernels
