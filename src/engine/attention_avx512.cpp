// A K tile row (16 positions of one dimension) is exactly one zmm register.
#include <immintrin.h>

#include "attention_isa.hpp"

namespace memwall::engine::detail {
namespace {

inline __m512 load_f16x16(const std::uint16_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

void tile_scores(const float* q, const std::uint16_t* tile, std::int64_t head_dim, float* scores) {
  // Two chains hide the FMA latency.
  __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
  std::int64_t d = 0;
  for (; d + 2 <= head_dim; d += 2) {
    a = _mm512_fmadd_ps(_mm512_set1_ps(q[d]), load_f16x16(tile + d * kKvTile), a);
    b = _mm512_fmadd_ps(_mm512_set1_ps(q[d + 1]), load_f16x16(tile + (d + 1) * kKvTile), b);
  }
  for (; d < head_dim; ++d) a = _mm512_fmadd_ps(_mm512_set1_ps(q[d]), load_f16x16(tile + d * kKvTile), a);
  _mm512_storeu_ps(scores, _mm512_add_ps(a, b));
}

void accumulate(float p, const std::uint16_t* v, std::int64_t head_dim, float* out) {
  const __m512 pv = _mm512_set1_ps(p);
  std::int64_t d = 0;
  for (; d + 16 <= head_dim; d += 16) {
    _mm512_storeu_ps(out + d, _mm512_fmadd_ps(pv, load_f16x16(v + d), _mm512_loadu_ps(out + d)));
  }
  for (; d < head_dim; ++d) out[d] += p * _cvtsh_ss(v[d]);
}

}  // namespace

const AttentionKernels& attention_avx512() {
  static constexpr AttentionKernels kernels{"avx512", tile_scores, accumulate};
  return kernels;
}

}  // namespace memwall::engine::detail
