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

namespace {

// sums[j] = the sum of q[16 j .. 16 j + 16) for n quants (a multiple of 32, as every activation
// block is): the bytes biased to unsigned and summed by eights (vpsadbw), the two eights of each
// 16 added.
void sums_of_16(const std::int8_t* q, std::int64_t n, std::int32_t* sums) {
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i low = _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m512i high = _mm512_setr_epi32(2, 6, 10, 14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m128i unbias = _mm_set1_epi32(16 * 128);
  std::int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i eights = _mm512_sad_epu8(_mm512_xor_si512(_mm512_loadu_si512(q + i), bias), _mm512_setzero_si512());
    const __m512i sixteens = _mm512_add_epi32(_mm512_permutexvar_epi32(low, eights), _mm512_permutexvar_epi32(high, eights));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(sums + i / 16), _mm_sub_epi32(_mm512_castsi512_si128(sixteens), unbias));
  }
  for (; i < n; i += 16) {
    const __m128i eights = _mm_sad_epu8(_mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + i)),
                                                      _mm512_castsi512_si128(bias)),
                                        _mm_setzero_si128());
    sums[i / 16] = _mm_cvtsi128_si32(_mm_add_epi32(eights, _mm_unpackhi_epi64(eights, eights))) - 16 * 128;
  }
}

}  // namespace

void quantize_avx512(ActivationKind kind, const float* x, std::int64_t n_rows, std::int64_t cols,
                     std::int8_t* q_out, float* d_out, std::int32_t* sums_out) {
  const std::int64_t block = activation_block(kind);
  const __m512 abs_mask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7FFFFFFF));
  for (std::int64_t i = 0; i < n_rows * cols; i += block) {
    // Two chains of maxima (a block is 32 or 256 floats): one was a chain of 16 latencies in 256.
    __m512 vmax[2] = {_mm512_setzero_ps(), _mm512_setzero_ps()};
    for (std::int64_t k = 0; k < block; k += 32) {
      for (int c = 0; c < 2; ++c) {
        vmax[c] = _mm512_max_ps(vmax[c], _mm512_and_ps(_mm512_loadu_ps(x + i + k + 16 * c), abs_mask));
      }
    }
    // Reductions in registers: through memory (a 64-byte store read back as 16 scalars, for the max
    // and for every sum) quantizing 4096 floats took 4.8 us, slower than AVX2 (engine_bench quantize).
    const float amax = _mm512_reduce_max_ps(_mm512_max_ps(vmax[0], vmax[1]));
    const __m512 inverse = _mm512_set1_ps(amax > 0 ? 127.0f / amax : 0.0f);
    d_out[i / block] = amax / 127.0f;
    for (std::int64_t k = 0; k < block; k += 16) {
      const __m512i q = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + i + k), inverse));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q_out + i + k), _mm512_cvtsepi32_epi8(q));
    }
  }
  sums_of_16(q_out, n_rows * cols, sums_out);
}

std::span<const TypeKernel> plain_avx512bw() { return kTypes; }

}  // namespace memwall::quant::kernels
