#pragma once
// Private to engine/: the portable attention of one query-head group, and the scalar pieces the
// SIMD versions share for their tails.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "memwall/engine/attention.hpp"
#include "memwall/engine/ops.hpp"
#include "memwall/quant/blocks.hpp"
#include "memwall/quant/half.hpp"

namespace memwall::engine::detail {

inline float widen(std::uint16_t h) { return quant::f16_to_f32(h); }
inline float widen(float x) { return x; }

template <typename T>
void attend_generic(const float* q, std::int64_t gqa, std::int64_t hd, KvPlanes<T> kv, std::int64_t n_pos,
                    float* out, float* scratch, std::size_t /*ahead*/) {
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

// One query head rounded to Q8 steps per block of 32 dimensions, as K's quants are read against it:
// each block's quants, step (its largest magnitude / 127) and the sum of its quants.
struct QueryQ8 {
  std::int8_t quants[kQ8MaxHeadDim];
  float step[kQ8MaxHeadDim / 32];
  std::int32_t sum[kQ8MaxHeadDim / 32];
};

inline void round_query_q8(const float* q, std::int64_t hd, QueryQ8& out) {
  for (std::int64_t b = 0; b < hd / 32; ++b) {
    float amax = 0;
    for (std::int64_t j = 0; j < 32; ++j) amax = std::max(amax, std::abs(q[b * 32 + j]));
    const float inverse = amax > 0 ? 127.0f / amax : 0.0f;
    out.step[b] = amax / 127.0f;
    out.sum[b] = 0;
    for (std::int64_t j = 0; j < 32; ++j) {
      out.quants[b * 32 + j] = static_cast<std::int8_t>(std::nearbyint(q[b * 32 + j] * inverse));
      out.sum[b] += out.quants[b * 32 + j];
    }
  }
}

// A Q8_0 cache (KvPlanes<std::byte>): each score sums, over the blocks, the integer dot of the
// query's quants with the position's times the position's scale times the query's step; each V
// block adds weight * (scale * quant).
inline void attend_generic_q8(const float* q, std::int64_t gqa, std::int64_t hd, KvPlanes<std::byte> kv,
                              std::int64_t n_pos, float* out, float* scratch, std::size_t /*ahead*/) {
  const std::int64_t stride = (n_pos + kKvTile - 1) / kKvTile * kKvTile, blocks = hd / 32;
  const std::size_t v_row_bytes = static_cast<std::size_t>(blocks) * sizeof(quant::BlockQ8_0);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  QueryQ8 query;
  for (std::int64_t g = 0; g < gqa; ++g) {
    round_query_q8(q + g * hd, hd, query);
    float* s = scratch + g * stride;
    for (std::int64_t p = 0; p < n_pos; ++p) {
      const std::byte* tile = kv.k_tiles + static_cast<std::size_t>(p / kKvTile * blocks) * kQ8BlockTileBytes;
      const std::int64_t lane = p % kKvTile;
      float dot = 0;
      for (std::int64_t b = 0; b < blocks; ++b) {
        const std::byte* blk = tile + static_cast<std::size_t>(b) * kQ8BlockTileBytes;
        std::int32_t quants = 0;
        for (std::int64_t j = 0; j < 32; ++j) {
          quants += query.quants[b * 32 + j] * static_cast<std::int8_t>(blk[q8_quant_offset(j, lane)]);
        }
        std::uint16_t d;
        std::memcpy(&d, blk + 2 * lane, 2);
        dot += static_cast<float>(quants) * quant::f16_to_f32(d) * query.step[b];
      }
      s[p] = dot * scale;
    }
    softmax(s, n_pos);
    float* o = out + g * hd;
    std::memset(o, 0, static_cast<std::size_t>(hd) * sizeof(float));
    for (std::int64_t p = 0; p < n_pos; ++p) {
      const auto* row = reinterpret_cast<const quant::BlockQ8_0*>(kv.v_rows + static_cast<std::size_t>(p) * v_row_bytes);
      for (std::int64_t d = 0; d < hd; ++d) {
        o[d] += s[p] * (quant::f16_to_f32(row[d / 32].d) * static_cast<float>(row[d / 32].qs[d % 32]));
      }
    }
  }
}

}  // namespace memwall::engine::detail
