#include "encoder.hpp"

#include <bit>
#include <type_traits>

#include "metadata_parser.hpp"
#include "text.hpp"

namespace memwall::gguf::detail {

void Encoder::little_endian(std::uint64_t value, unsigned n_bytes) {
  for (unsigned i = 0; i < n_bytes; ++i) bytes_.push_back(static_cast<std::byte>(value >> (8 * i)));
}

void Encoder::string(std::string_view text) {
  u64(text.size());
  const auto* first = reinterpret_cast<const std::byte*>(text.data());
  bytes_.insert(bytes_.end(), first, first + text.size());
}

Status Encoder::key_value(const KeyValue& kv) {
  if (kv.key.empty()) return make_error("a metadata key is empty");
  if (!is_valid_utf8(kv.key)) return make_error("key {}: not valid UTF-8", printable(kv.key));
  string(kv.key);
  u32(static_cast<std::uint32_t>(kv.value.type()));
  if (Status ok = value(kv.value, 0); !ok.ok()) {
    return make_error("key {}: {}", printable(kv.key), ok.error().message);
  }
  return {};
}

// `level`: how many arrays enclose the value.
Status Encoder::value(const Value& v, unsigned level) {
  return std::visit(
      [&](const auto& x) -> Status {
        using V = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<V, Array>) {
          return array(x, level + 1);
        } else if constexpr (std::is_same_v<V, std::string>) {
          string(x);
        } else if constexpr (std::is_same_v<V, bool>) {
          little_endian(x ? 1 : 0, 1);
        } else if constexpr (std::is_same_v<V, float>) {
          u32(std::bit_cast<std::uint32_t>(x));
        } else if constexpr (std::is_same_v<V, double>) {
          u64(std::bit_cast<std::uint64_t>(x));
        } else {  // integers: two's complement, truncated to the type's width
          little_endian(static_cast<std::uint64_t>(x), sizeof(V));
        }
        return {};
      },
      v.storage);
}

Status Encoder::array(const Array& a, unsigned level) {
  if (level > kMaxArrayDepth) return make_error("arrays nested deeper than {}", kMaxArrayDepth);
  array_items_ += a.items.size();
  if (array_items_ > kMaxMetadataValues) {
    return make_error("more than {} array items in all; readers refuse that", kMaxMetadataValues);
  }
  u32(static_cast<std::uint32_t>(a.element_type));
  u64(a.items.size());
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    const Value& item = a.items[i];
    if (item.type() != a.element_type) {
      return make_error("item {} is {} in an array of {}", i, value_type_name(item.type()),
                        value_type_name(a.element_type));
    }
    if (Status ok = value(item, level); !ok.ok()) {
      return make_error("item {}: {}", i, ok.error().message);
    }
  }
  return {};
}

void Encoder::tensor_info(const TensorInfo& info) {
  string(info.name);
  u32(static_cast<std::uint32_t>(info.shape.size()));
  for (std::uint64_t dim : info.shape) u64(dim);
  u32(static_cast<std::uint32_t>(info.type));
  u64(info.offset);
}

void Encoder::pad_to(std::uint64_t alignment) {
  while (bytes_.size() % alignment != 0) bytes_.push_back(std::byte{0});
}

}  // namespace memwall::gguf::detail
