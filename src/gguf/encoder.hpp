#pragma once
// Builds the header of a GGUF file (everything before the data section) as bytes in memory. The
// header holds metadata and tensor infos only, a few MB at most even with a large vocabulary.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "memwall/gguf/reader.hpp"
#include "memwall/gguf/value.hpp"
#include "memwall/util/result.hpp"

namespace memwall::gguf::detail {

class Encoder {
 public:
  void u32(std::uint32_t value) { little_endian(value, 4); }
  void u64(std::uint64_t value) { little_endian(value, 8); }
  void string(std::string_view text);
  // Refuses what the reader would refuse: array items of another type than the array's, arrays
  // nested deeper than kMaxArrayDepth, more than kMaxMetadataValues array items in all.
  Status key_value(const KeyValue& kv);
  void tensor_info(const TensorInfo& info);
  void pad_to(std::uint64_t alignment);

  std::vector<std::byte> take() && { return std::move(bytes_); }

 private:
  void little_endian(std::uint64_t value, unsigned n_bytes);
  Status value(const Value& value, unsigned level);
  Status array(const Array& array, unsigned level);

  std::vector<std::byte> bytes_;
  std::uint64_t array_items_ = 0;
};

}  // namespace memwall::gguf::detail
