// F16C conversions and 8-wide FMAs. A K tile row (16 positions of one dimension) is two registers.
#include <immintrin.h>

#include "attention_isa.hpp"

namespace memwall::engine::detail {
namespace {

inline __m256 load8(const std::uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
inline float widen(std::uint16_t h) { return _cvtsh_ss(h); }
inline float widen(float x) { return x; }

template <typename T>
void tile_scores(const float* q, const T* tile, std::int64_t head_dim, float* scores) {
  __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
  for (std::int64_t d = 0; d < head_dim; ++d) {
    const __m256 qd = _mm256_broadcast_ss(q + d);
    lo = _mm256_fmadd_ps(qd, load8(tile + d * kKvTile), lo);
    hi = _mm256_fmadd_ps(qd, load8(tile + d * kKvTile + 8), hi);
  }
  _mm256_storeu_ps(scores, lo);
  _mm256_storeu_ps(scores + 8, hi);
}

template <typename T>
void accumulate(float p, const T* v, std::int64_t head_dim, float* out) {
  const __m256 pv = _mm256_set1_ps(p);
  std::int64_t d = 0;
  for (; d + 8 <= head_dim; d += 8) {
    _mm256_storeu_ps(out + d, _mm256_fmadd_ps(pv, load8(v + d), _mm256_loadu_ps(out + d)));
  }
  for (; d < head_dim; ++d) out[d] += p * widen(v[d]);
}

}  // namespace

const AttentionKernels& attention_avx2() {
  static constexpr AttentionKernels kernels{"avx2", tile_scores<std::uint16_t>, tile_scores<float>,
                                            accumulate<std::uint16_t>, accumulate<float>};
  return kernels;
}

}  // namespace memwall::engine::detail
