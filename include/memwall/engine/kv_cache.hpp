#pragma once
// One sequence's key/value cache. K is stored in tiles of 16 positions with the position innermost
// (tile = head_dim x 16 values), so the attention scores of 16 positions come out of one vector of
// fused multiply-adds without horizontal sums; V is stored position by position, since each
// position's V row is scaled and added whole.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "memwall/model/spec.hpp"
#include "memwall/util/result.hpp"

namespace memwall::engine {

// f16 by default; q8_0 halves the cache; f32 stores exactly what the model computed (for checking
// the engine against a reference, or for users who want no rounding at all).
enum class KvType { f16, q8_0, f32 };

std::string_view kv_type_name(KvType type);
std::optional<KvType> kv_type_from_name(std::string_view name);

inline constexpr std::int64_t kKvTile = 16;

class KvCache {
 public:
  // Positions are rounded up to whole tiles.
  static Result<KvCache> create(const model::ModelSpec& spec, KvType type, std::int64_t capacity);
  static std::uint64_t bytes_for(const model::ModelSpec& spec, KvType type, std::int64_t capacity);

  KvType type() const { return type_; }
  std::int64_t capacity() const { return capacity_; }
  std::uint64_t bytes() const { return data_.size(); }

  // F16 and F32: K tile `tile` of (layer, kv_head), head_dim x 16 values; V row of one position.
  std::byte* k_tile(std::int64_t layer, std::int64_t kv_head, std::int64_t tile);
  std::byte* v_row(std::int64_t layer, std::int64_t kv_head, std::int64_t pos);
  // Q8_0: the K or V row of one position as head_dim / 32 Q8_0 blocks.
  std::byte* k_row_q8(std::int64_t layer, std::int64_t kv_head, std::int64_t pos);
  std::byte* v_row_q8(std::int64_t layer, std::int64_t kv_head, std::int64_t pos);

 private:
  KvCache(const model::ModelSpec& spec, KvType type, std::int64_t capacity);
  std::byte* plane(bool v, std::int64_t layer, std::int64_t kv_head);

  KvType type_;
  std::int64_t capacity_;
  std::int64_t n_kv_heads_;
  std::int64_t head_dim_;
  std::size_t row_bytes_;    // one position of one head
  std::size_t plane_bytes_;  // all positions of one head of one layer, K or V
  std::vector<std::byte> data_;
};

}  // namespace memwall::engine
