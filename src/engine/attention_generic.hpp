#pragma once
// Private to engine/: the portable attention of one query-head group, and the scalar pieces the
// SIMD versions share for their tails.
#include <cmath>
#include <cstring>

#include "memwall/engine/attention.hpp"
#include "memwall/engine/ops.hpp"
#include "memwall/quant/half.hpp"

namespace memwall::engine::detail {

inline float widen(std::uint16_t h) { return quant::f16_to_f32(h); }
inline float widen(float x) { return x; }

template <typename T>
void attend_generic(const float* q, std::int64_t gqa, std::int64_t hd, KvPlanes<T> kv, std::int64_t n_pos,
                    float* out, float* scratch) {
  const std::int64_t stride = (n_pos + kKvTile - 1) / kKvTile * kKvTile;
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  for (std::int64_t g = 0; g < gqa; ++g) {
    float* s = scratch + g * stride;
    for (std::int64_t p = 0; p < n_pos; ++p) {
      const T* tile = kv.k_tiles + (p / kKvTile) * hd * kKvTile + p % kKvTile;
      float dot = 0;
      for (std::int64_t d = 0; d < hd; ++d) dot += q[g * hd + d] * widen(tile[d * kKvTile]);
      s[p] = dot * scale;
    }
    softmax(s, n_pos);
    float* o = out + g * hd;
    std::memset(o, 0, static_cast<std::size_t>(hd) * sizeof(float));
    for (std::int64_t p = 0; p < n_pos; ++p) {
      for (std::int64_t d = 0; d < hd; ++d) o[d] += s[p] * widen(kv.v_rows[p * hd + d]);
    }
  }
}

}  // namespace memwall::engine::detail
