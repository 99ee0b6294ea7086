#pragma once
// GGUF metadata values: the thirteen value types of the format, arrays nested to any depth.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace memwall::gguf {

enum class ValueType : std::uint32_t {
  u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7,
  string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};

std::string_view value_type_name(ValueType type);

struct Value;

struct Array {
  ValueType element_type = ValueType::u8;
  std::vector<Value> items;  // every item of element_type
};

struct Value {
  using Storage = std::variant<std::uint8_t, std::int8_t, std::uint16_t, std::int16_t,
                               std::uint32_t, std::int32_t, float, bool, std::string, Array,
                               std::uint64_t, std::int64_t, double>;
  Storage storage;

  // The variant's alternatives are ordered as ValueType's numbers.
  ValueType type() const { return static_cast<ValueType>(storage.index()); }

  // Any integer type that holds a non-negative value / any integer / any float or integer.
  std::optional<std::uint64_t> as_uint() const;
  std::optional<std::int64_t> as_int() const;
  std::optional<double> as_number() const;
  const std::string* as_string() const;
  const Array* as_array() const;
  std::optional<bool> as_bool() const;

  friend bool operator==(const Value&, const Value&) = default;
};

inline bool operator==(const Array& a, const Array& b) {
  return a.element_type == b.element_type && a.items == b.items;
}

// Convenience constructors for writers.
Value make_string(std::string s);
Value make_string_array(std::vector<std::string> items);
Value make_f32_array(const std::vector<float>& items);
Value make_i32_array(const std::vector<std::int32_t>& items);

struct KeyValue {
  std::string key;
  Value value;
};

}  // namespace memwall::gguf
