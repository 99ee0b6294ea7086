#include "memwall/engine/kv_cache.hpp"

#include <cstring>
#include <utility>

namespace memwall::engine {
namespace {

std::size_t row_bytes_for(KvType type, std::int64_t head_dim) {
  const auto n = static_cast<std::size_t>(head_dim);
  switch (type) {
    case KvType::f16: return n * 2;
    case KvType::f32: return n * 4;
    default: return n / 32 * 34;  // Q8_0: 34 bytes per 32 values
  }
}

std::int64_t round_to_tiles(std::int64_t positions) { return (positions + kKvTile - 1) / kKvTile * kKvTile; }

}  // namespace

std::string_view kv_type_name(KvType type) {
  switch (type) {
    case KvType::f16: return "f16";
    case KvType::q8_0: return "q8_0";
    case KvType::f32: return "f32";
  }
  return "unknown";
}

quant::TensorType kv_tensor_type(KvType type) {
  switch (type) {
    case KvType::q8_0: return quant::TensorType::Q8_0;
    case KvType::f32: return quant::TensorType::F32;
    default: return quant::TensorType::F16;
  }
}

std::optional<KvType> kv_type_from_name(std::string_view name) {
  for (KvType t : {KvType::f16, KvType::q8_0, KvType::f32}) {
    if (kv_type_name(t) == name) return t;
  }
  return std::nullopt;
}

KvCache::KvCache(const model::ModelSpec& spec, KvType type, std::int64_t capacity)
    : type_(type),
      capacity_(round_to_tiles(capacity)),
      n_layers_(spec.n_layers),
      n_kv_heads_(spec.n_head_kv),
      row_bytes_(row_bytes_for(type, spec.head_dim)),
      plane_bytes_(row_bytes_ * static_cast<std::size_t>(capacity_)) {}

std::uint64_t KvCache::bytes_for(const model::ModelSpec& spec, KvType type, std::int64_t capacity) {
  return 2ull * spec.n_layers * spec.n_head_kv * row_bytes_for(type, spec.head_dim) *
         static_cast<std::uint64_t>(round_to_tiles(capacity));
}

Result<KvCache> KvCache::create(const model::ModelSpec& spec, KvType type, std::int64_t capacity) {
  if (type == KvType::q8_0 && (spec.head_dim % 32 != 0 || spec.head_dim > kQ8MaxHeadDim)) {
    return make_error("a Q8_0 KV cache needs a head dimension that is a multiple of 32 up to {}, not {}", kQ8MaxHeadDim,
                      spec.head_dim);
  }
  KvCache cache(spec, type, capacity);
  cache.bytes_ = bytes_for(spec, type, capacity);
  Result<HugeBuffer> buffer = HugeBuffer::allocate(cache.bytes_);
  if (!buffer.ok()) return make_error("cannot allocate a KV cache of {} bytes: {}", cache.bytes_, buffer.error().message);
  cache.data_ = std::move(*buffer);
  cache.data_.touch();
  return cache;
}

std::byte* KvCache::plane(bool v, std::int64_t layer, std::int64_t kv_head) const {
  const std::size_t index = (static_cast<std::size_t>(layer) * n_kv_heads_ + kv_head) * 2 + (v ? 1 : 0);
  return static_cast<std::byte*>(data_.data()) + index * plane_bytes_;
}

void KvCache::copy_prefix(const KvCache& from, std::int64_t positions) {
  const std::size_t bytes = static_cast<std::size_t>(round_to_tiles(positions)) * row_bytes_;
  for (std::int64_t layer = 0; layer < n_layers_; ++layer) {
    for (std::int64_t h = 0; h < n_kv_heads_; ++h) {
      for (bool v : {false, true}) std::memcpy(plane(v, layer, h), from.plane(v, layer, h), bytes);
    }
  }
}

std::byte* KvCache::k_tile(std::int64_t layer, std::int64_t kv_head, std::int64_t tile) {
  return plane(false, layer, kv_head) + static_cast<std::size_t>(tile * kKvTile) * row_bytes_;
}

std::byte* KvCache::v_row(std::int64_t layer, std::int64_t kv_head, std::int64_t pos) {
  return plane(true, layer, kv_head) + static_cast<std::size_t>(pos) * row_bytes_;
}

}  // namespace memwall::engine
