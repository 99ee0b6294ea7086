#include "memwall/gguf/value.hpp"

#include <array>
#include <limits>
#include <type_traits>
#include <utility>

namespace memwall::gguf {

std::string_view value_type_name(ValueType type) {
  // The short names gguf-py and llama.cpp print, so messages read the same in every tool.
  static constexpr std::array<std::string_view, 13> kNames{"u8",  "i8",  "u16",  "i16",    "u32",
                                                           "i32", "f32", "bool", "string", "array",
                                                           "u64", "i64", "f64"};
  const auto index = static_cast<std::uint32_t>(type);
  return index < kNames.size() ? kNames[index] : std::string_view("unknown");
}

std::optional<std::uint64_t> Value::as_uint() const {
  return std::visit(
      [](const auto& v) -> std::optional<std::uint64_t> {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>) {
          if constexpr (std::is_signed_v<V>) {
            if (v < 0) return std::nullopt;
          }
          return static_cast<std::uint64_t>(v);
        } else {
          return std::nullopt;
        }
      },
      storage);
}

std::optional<std::int64_t> Value::as_int() const {
  return std::visit(
      [](const auto& v) -> std::optional<std::int64_t> {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::uint64_t>) {
          if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return std::nullopt;
          }
          return static_cast<std::int64_t>(v);
        } else if constexpr (std::is_integral_v<V> && !std::is_same_v<V, bool>) {
          return static_cast<std::int64_t>(v);
        } else {
          return std::nullopt;
        }
      },
      storage);
}

std::optional<double> Value::as_number() const {
  return std::visit(
      [](const auto& v) -> std::optional<double> {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_arithmetic_v<V> && !std::is_same_v<V, bool>) {
          return static_cast<double>(v);
        } else {
          return std::nullopt;
        }
      },
      storage);
}

const std::string* Value::as_string() const { return std::get_if<std::string>(&storage); }

const Array* Value::as_array() const { return std::get_if<Array>(&storage); }

std::optional<bool> Value::as_bool() const {
  if (const bool* b = std::get_if<bool>(&storage)) return *b;
  return std::nullopt;
}

Value make_string(std::string s) { return Value{std::move(s)}; }

Value make_string_array(std::vector<std::string> items) {
  Array array{ValueType::string, {}};
  array.items.reserve(items.size());
  for (std::string& item : items) array.items.push_back(Value{std::move(item)});
  return Value{std::move(array)};
}

Value make_f32_array(const std::vector<float>& items) {
  Array array{ValueType::f32, {}};
  array.items.reserve(items.size());
  for (float item : items) array.items.push_back(Value{item});
  return Value{std::move(array)};
}

Value make_i32_array(const std::vector<std::int32_t>& items) {
  Array array{ValueType::i32, {}};
  array.items.reserve(items.size());
  for (std::int32_t item : items) array.items.push_back(Value{item});
  return Value{std::move(array)};
}

}  // namespace memwall::gguf
