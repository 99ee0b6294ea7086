// A K tile row (16 positions of one dimension) is exactly one zmm register.
#include <immintrin.h>

#include "attention_isa.hpp"

namespace memwall::engine::detail {
namespace {

inline __m512 load16(const std::uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
inline float widen(std::uint16_t h) { return _cvtsh_ss(h); }
inline float widen(float x) { return x; }

template <typename T>
void tile_scores(const float* q, const T* tile, std::int64_t head_dim, float* scores) {
  // Two chains hide the FMA latency.
  __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
  std::int64_t d = 0;
  for (; d + 2 <= head_dim; d += 2) {
    a = _mm512_fmadd_ps(_mm512_set1_ps(q[d]), load16(tile + d * kKvTile), a);
    b = _mm512_fmadd_ps(_mm512_set1_ps(q[d + 1]), load16(tile + (d + 1) * kKvTile), b);
  }
  for (; d < head_dim; ++d) a = _mm512_fmadd_ps(_mm512_set1_ps(q[d]), load16(tile + d * kKvTile), a);
  _mm512_storeu_ps(scores, _mm512_add_ps(a, b));
}

template <typename T>
void accumulate(float p, const T* v, std::int64_t head_dim, float* out) {
  const __m512 pv = _mm512_set1_ps(p);
  std::int64_t d = 0;
  for (; d + 16 <= head_dim; d += 16) {
    _mm512_storeu_ps(out + d, _mm512_fmadd_ps(pv, load16(v + d), _mm512_loadu_ps(out + d)));
  }
  for (; d < head_dim; ++d) out[d] += p * widen(v[d]);
}

}  // namespace

const AttentionKernels& attention_avx512() {
  static constexpr AttentionKernels kernels{"avx512", tile_scores<std::uint16_t>, tile_scores<float>,
                                            accumulate<std::uint16_t>, accumulate<float>};
  return kernels;
}

}  // namespace memwall::engine::detail
