#include "metadata_parser.hpp"

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "text.hpp"

namespace memwall::gguf::detail {
namespace {

constexpr std::uint32_t kValueTypeCount = 13;

// Bytes the smallest value of a type takes in the file: what lets an array's count be checked
// against the bytes left before anything is allocated for it.
std::uint64_t min_encoded_bytes(ValueType type) {
  switch (type) {
    case ValueType::u8:
    case ValueType::i8:
    case ValueType::boolean:
      return 1;
    case ValueType::u16:
    case ValueType::i16:
      return 2;
    case ValueType::u32:
    case ValueType::i32:
    case ValueType::f32:
      return 4;
    case ValueType::u64:
    case ValueType::i64:
    case ValueType::f64:
      return 8;
    case ValueType::string:
      return 8;  // the length
    case ValueType::array:
      return 4 + 8;  // element type and count
  }
  return 1;
}

Error prefixed(std::string_view prefix, const Error& error) {
  return Error{std::string(prefix) + ": " + error.message};
}

class ValueParser {
 public:
  explicit ValueParser(Cursor& cursor) : cursor_(cursor) {}

  Result<ValueType> read_type(std::string_view what) {
    Result<std::uint32_t> id = cursor_.read<std::uint32_t>(what);
    if (!id.ok()) return id.error();
    if (*id >= kValueTypeCount) return make_error("unknown value type {}", *id);
    return static_cast<ValueType>(*id);
  }

  // `depth`: how many arrays enclose this value.
  Result<Value> read_value(ValueType type, unsigned depth) {
    switch (type) {
      case ValueType::u8:
        return scalar<std::uint8_t>();
      case ValueType::i8:
        return scalar<std::int8_t>();
      case ValueType::u16:
        return scalar<std::uint16_t>();
      case ValueType::i16:
        return scalar<std::int16_t>();
      case ValueType::u32:
        return scalar<std::uint32_t>();
      case ValueType::i32:
        return scalar<std::int32_t>();
      case ValueType::f32:
        return scalar<float>();
      case ValueType::u64:
        return scalar<std::uint64_t>();
      case ValueType::i64:
        return scalar<std::int64_t>();
      case ValueType::f64:
        return scalar<double>();
      case ValueType::boolean:
        return boolean();
      case ValueType::string:
        return string();
      case ValueType::array:
        return array(depth + 1);
    }
    return make_error("unknown value type {}", static_cast<std::uint32_t>(type));
  }

 private:
  template <typename T>
  Result<Value> scalar() {
    Result<T> v = cursor_.read<T>("value");
    if (!v.ok()) return v.error();
    return Value{Value::Storage(std::in_place_type<T>, *v)};
  }

  // The spec allows only 0 and 1; anything else marks a corrupt or misparsed file.
  Result<Value> boolean() {
    Result<std::uint8_t> byte = cursor_.read<std::uint8_t>("value");
    if (!byte.ok()) return byte.error();
    if (*byte > 1) return make_error("bool value {} is neither 0 nor 1", *byte);
    return Value{Value::Storage(std::in_place_type<bool>, *byte == 1)};
  }

  Result<Value> string() {
    Result<std::string_view> text = cursor_.read_string("string");
    if (!text.ok()) return text.error();
    return Value{Value::Storage(std::in_place_type<std::string>, *text)};
  }

  // `level`: 1 for an array directly under a key, 2 for an array inside it, ...
  Result<Value> array(unsigned level) {
    if (level > kMaxArrayDepth) return make_error("arrays nested deeper than {}", kMaxArrayDepth);
    Result<ValueType> element_type = read_type("array element type");
    if (!element_type.ok()) return element_type.error();
    Result<std::uint64_t> count = cursor_.read<std::uint64_t>("array count");
    if (!count.ok()) return count.error();
    if (Status fits = check_count(*element_type, *count); !fits.ok()) return fits.error();
    Array array{*element_type, {}};
    array.items.reserve(static_cast<std::size_t>(*count));
    for (std::uint64_t i = 0; i < *count; ++i) {
      Result<Value> item = read_value(*element_type, level);
      if (!item.ok()) return make_error("item {}: {}", i, item.error().message);
      array.items.push_back(std::move(item).value());
    }
    return Value{Value::Storage(std::in_place_type<Array>, std::move(array))};
  }

  Status check_count(ValueType element_type, std::uint64_t count) {
    const std::uint64_t min_bytes = min_encoded_bytes(element_type);
    if (count > cursor_.remaining() / min_bytes) {
      return make_error(
          "array count {} exceeds the file ({} bytes left, each {} needs at least {})", count,
          cursor_.remaining(), value_type_name(element_type), min_bytes);
    }
    if (count > values_left_) {
      return make_error("array count {} exceeds the limit of {} metadata values per file", count,
                        kMaxMetadataValues);
    }
    values_left_ -= count;
    return {};
  }

  Cursor& cursor_;
  std::uint64_t values_left_ = kMaxMetadataValues;
};

// Keys are looked up by name, printed, and compared across tools: they must be non-empty text.
Result<std::string_view> read_key(Cursor& cursor, std::uint64_t index) {
  const std::string where = "key #" + std::to_string(index);
  Result<std::string_view> key = cursor.read_string(where);
  if (!key.ok()) return key.error();
  if (key->empty()) return make_error("{} is empty", where);
  if (!is_valid_utf8(*key))
    return make_error("{} \"{}\" is not valid UTF-8", where, printable(*key));
  return key;
}

}  // namespace

Result<std::vector<KeyValue>> read_metadata(Cursor& cursor, std::uint64_t count) {
  // The smallest pair: an 8-byte length, a 1-byte key, a 4-byte type and a 1-byte value.
  constexpr std::uint64_t kMinPairBytes = 8 + 1 + 4 + 1;
  if (count > cursor.remaining() / kMinPairBytes) {
    return make_error("metadata count {} exceeds the file ({} bytes left)", count,
                      cursor.remaining());
  }
  std::vector<KeyValue> metadata;
  metadata.reserve(static_cast<std::size_t>(count));
  std::unordered_map<std::string_view, std::uint64_t> first_seen;  // views into the file's bytes
  ValueParser parser(cursor);
  for (std::uint64_t i = 0; i < count; ++i) {
    Result<std::string_view> key = read_key(cursor, i);
    if (!key.ok()) return key.error();
    const std::string context = "key " + printable(*key);
    if (auto [it, inserted] = first_seen.emplace(*key, i); !inserted) {
      return make_error("{}: appears twice (pairs #{} and #{})", context, it->second, i);
    }
    Result<ValueType> type = parser.read_type("value type");
    if (!type.ok()) return prefixed(context, type.error());
    Result<Value> value = parser.read_value(*type, 0);
    if (!value.ok()) return prefixed(context, value.error());
    metadata.push_back(KeyValue{std::string(*key), std::move(value).value()});
  }
  return metadata;
}

}  // namespace memwall::gguf::detail
