#include "memwall/engine/kv_cache.hpp"

#include <new>

namespace memwall::engine {
namespace {

std::size_t row_bytes_for(KvType type, std::int64_t head_dim) {
  // Q8_0: 34 bytes per 32 values.
  return type == KvType::f16 ? static_cast<std::size_t>(head_dim) * 2 : static_cast<std::size_t>(head_dim) / 32 * 34;
}

std::int64_t round_to_tiles(std::int64_t positions) { return (positions + kKvTile - 1) / kKvTile * kKvTile; }

}  // namespace

KvCache::KvCache(const model::ModelSpec& spec, KvType type, std::int64_t capacity)
    : type_(type),
      capacity_(round_to_tiles(capacity)),
      n_kv_heads_(spec.n_head_kv),
      head_dim_(spec.head_dim),
      row_bytes_(row_bytes_for(type, spec.head_dim)),
      plane_bytes_(row_bytes_ * static_cast<std::size_t>(capacity_)) {}

std::uint64_t KvCache::bytes_for(const model::ModelSpec& spec, KvType type, std::int64_t capacity) {
  return 2ull * spec.n_layers * spec.n_head_kv * row_bytes_for(type, spec.head_dim) *
         static_cast<std::uint64_t>(round_to_tiles(capacity));
}

Result<KvCache> KvCache::create(const model::ModelSpec& spec, KvType type, std::int64_t capacity) {
  if (type == KvType::q8_0 && spec.head_dim % 32 != 0) {
    return make_error("a Q8_0 KV cache needs a head dimension that is a multiple of 32, not {}", spec.head_dim);
  }
  KvCache cache(spec, type, capacity);
  try {
    cache.data_.resize(bytes_for(spec, type, capacity));
  } catch (const std::bad_alloc&) {
    return make_error("cannot allocate a KV cache of {} bytes", bytes_for(spec, type, capacity));
  }
  return cache;
}

std::byte* KvCache::plane(bool v, std::int64_t layer, std::int64_t kv_head) {
  const std::size_t index = (static_cast<std::size_t>(layer) * n_kv_heads_ + kv_head) * 2 + (v ? 1 : 0);
  return data_.data() + index * plane_bytes_;
}

std::uint16_t* KvCache::k_tile(std::int64_t layer, std::int64_t kv_head, std::int64_t tile) {
  return reinterpret_cast<std::uint16_t*>(plane(false, layer, kv_head)) + tile * kKvTile * head_dim_;
}

std::uint16_t* KvCache::v_row(std::int64_t layer, std::int64_t kv_head, std::int64_t pos) {
  return reinterpret_cast<std::uint16_t*>(plane(true, layer, kv_head)) + pos * head_dim_;
}

std::byte* KvCache::k_row_q8(std::int64_t layer, std::int64_t kv_head, std::int64_t pos) {
  return plane(false, layer, kv_head) + static_cast<std::size_t>(pos) * row_bytes_;
}

std::byte* KvCache::v_row_q8(std::int64_t layer, std::int64_t kv_head, std::int64_t pos) {
  return plane(true, layer, kv_head) + static_cast<std::size_t>(pos) * row_bytes_;
}

}  // namespace memwall::engine
