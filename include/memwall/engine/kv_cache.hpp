#pragma once
// One sequence's key/value cache. K is stored in tiles of 16 positions with the position innermost
// (tile = head_dim x 16 values), so the attention scores of 16 positions come out of one vector of
// fused multiply-adds without horizontal sums; V is stored position by position, since each
// position's V row is scaled and added whole. A Q8_0 cache keeps that shape: a K tile is head_dim / 32
// block tiles, each the 16 positions' f16 scales and then, dimension by dimension, their 16 signed
// quants; a V row is head_dim / 32 Q8_0 blocks.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "memwall/model/spec.hpp"
#include "memwall/quant/types.hpp"
#include "memwall/util/huge_buffer.hpp"
#include "memwall/util/result.hpp"

namespace memwall::engine {

// f16 by default; q8_0 halves the cache; f32 stores exactly what the model computed (for checking
// the engine against a reference, or for users who want no rounding at all).
enum class KvType { f16, q8_0, f32 };

std::string_view kv_type_name(KvType type);
std::optional<KvType> kv_type_from_name(std::string_view name);
// The tensor type whose values a cache of `type` holds.
quant::TensorType kv_tensor_type(KvType type);

inline constexpr std::int64_t kKvTile = 16;
// One block tile of a Q8_0 K tile: 16 f16 scales, then the quants of 32 dimensions x 16 positions
// in 8 groups of 4 dimensions, each group position by position (4 bytes a position): one 32-bit
// lane per position, as an int8 dot product instruction sums 4 bytes into a lane.
inline constexpr std::size_t kQ8ScaleBytes = 2 * kKvTile;
inline constexpr std::size_t kQ8GroupBytes = 4 * kKvTile;
inline constexpr std::size_t kQ8BlockTileBytes = kQ8ScaleBytes + 8 * kQ8GroupBytes;
// The largest head dimension a Q8_0 cache takes (the kernels round each query head onto the stack).
inline constexpr std::int64_t kQ8MaxHeadDim = 512;
// Where dimension j (of 32) of the position in lane `lane` sits in its block tile.
constexpr std::size_t q8_quant_offset(std::int64_t j, std::int64_t lane) {
  return kQ8ScaleBytes + static_cast<std::size_t>(j / 4) * kQ8GroupBytes + static_cast<std::size_t>(lane * 4 + j % 4);
}

class KvCache {
 public:
  // Positions are rounded up to whole tiles.
  static Result<KvCache> create(const model::ModelSpec& spec, KvType type, std::int64_t capacity);
  static std::uint64_t bytes_for(const model::ModelSpec& spec, KvType type, std::int64_t capacity);

  KvType type() const { return type_; }
  std::int64_t capacity() const { return capacity_; }
  std::uint64_t bytes() const { return bytes_; }

  // Copies positions [0, positions) of every layer and head from `from`, a cache of the same model
  // and type holding at least that many; K goes in whole tiles, so the last tile's later positions
  // come too, to be overwritten before anything reads them.
  void copy_prefix(const KvCache& from, std::int64_t positions);

  // K tile `tile` of (layer, kv_head), 16 positions; V row of one position.
  std::byte* k_tile(std::int64_t layer, std::int64_t kv_head, std::int64_t tile);
  std::byte* v_row(std::int64_t layer, std::int64_t kv_head, std::int64_t pos);

 private:
  KvCache(const model::ModelSpec& spec, KvType type, std::int64_t capacity);
  std::byte* plane(bool v, std::int64_t layer, std::int64_t kv_head) const;

  KvType type_;
  std::int64_t capacity_;
  std::int64_t n_layers_;
  std::int64_t n_kv_heads_;
  std::size_t row_bytes_;    // one position of one head
  std::size_t plane_bytes_;  // all positions of one head of one layer, K or V
  std::uint64_t bytes_ = 0;
  // On huge pages, touched at creation: on the Intel host, one thread, attention over 4096 positions
  // from DRAM read 11.2 -> 14.5 GB/s of f16 K and V, Q8_0 7.0 -> 8.6 (engine_bench attention_dram).
  HugeBuffer data_;
};

}  // namespace memwall::engine
