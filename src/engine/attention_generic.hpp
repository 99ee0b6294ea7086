#pragma once
// Private to engine/: the portable attention of one query-head group, and the scalar pieces the
// SIMD versions share for their tails.
#include <cmath>
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

// A Q8_0 cache (KvPlanes<std::byte>): each score sums the blocks' scale times the dot of q with the
// block's quants; each V block adds weight * (scale * quant).
inline void attend_generic_q8(const float* q, std::int64_t gqa, std::int64_t hd, KvPlanes<std::byte> kv,
                              std::int64_t n_pos, float* out, float* scratch, std::size_t /*ahead*/) {
  const std::int64_t stride = (n_pos + kKvTile - 1) / kKvTile * kKvTile, blocks = hd / 32;
  const std::size_t v_row_bytes = static_cast<std::size_t>(blocks) * sizeof(quant::BlockQ8_0);
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const auto quant_at = [](const std::byte* p) { return static_cast<float>(static_cast<std::int8_t>(*p)); };
  for (std::int64_t g = 0; g < gqa; ++g) {
    float* s = scratch + g * stride;
    for (std::int64_t p = 0; p < n_pos; ++p) {
      const std::byte* tile = kv.k_tiles + static_cast<std::size_t>(p / kKvTile * blocks) * kQ8BlockTileBytes;
      const std::int64_t lane = p % kKvTile;
      float dot = 0;
      for (std::int64_t b = 0; b < blocks; ++b) {
        const std::byte* blk = tile + static_cast<std::size_t>(b) * kQ8BlockTileBytes;
        float part = 0;
        for (std::int64_t j = 0; j < 32; ++j) part += q[g * hd + b * 32 + j] * quant_at(blk + kQ8ScaleBytes + j * kKvTile + lane);
        std::uint16_t d;
        std::memcpy(&d, blk + 2 * lane, 2);
        dot += part * quant::f16_to_f32(d);
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
