#pragma once
// Reading GGUF v2 and v3 files through mmap. Every count, size and offset is checked against the
// file before it is used; errors name the file and the key or tensor at fault. No input crashes.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memwall/gguf/value.hpp"
#include "memwall/quant/types.hpp"
#include "memwall/util/result.hpp"

namespace memwall::gguf {

inline constexpr std::uint64_t kDefaultAlignment = 32;
inline constexpr unsigned kMaxDims = 4;

struct TensorInfo {
  std::string name;
  std::vector<std::uint64_t> shape;  // ne[0] first: ne[0] is the row length (input dimension)
  quant::TensorType type = quant::TensorType::F32;
  std::uint64_t offset = 0;          // from the start of the data section
  std::uint64_t n_elements = 0;
  std::uint64_t n_bytes = 0;

  std::uint64_t rows() const { return shape.empty() ? 0 : n_elements / shape[0]; }
};

// The parsed header of a GGUF file plus a view of its bytes. Cheap to copy: the mapping is shared.
class GgufFile {
 public:
  // Maps the file read-only and parses it. Errors: "<path>: <problem>".
  static Result<GgufFile> open(const std::filesystem::path& path);
  // Parses bytes already in memory (kept alive by the caller); `name` is used in messages.
  static Result<GgufFile> parse(std::span<const std::byte> bytes, std::string name);

  std::uint32_t version() const { return version_; }
  std::uint64_t alignment() const { return alignment_; }
  std::uint64_t file_size() const { return bytes_.size(); }
  std::uint64_t data_offset() const { return data_offset_; }  // start of the data section
  const std::string& name() const { return name_; }

  const std::vector<KeyValue>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;
  // Typed lookups whose errors name the file and key ("…: key llama.block_count: missing").
  Result<std::uint64_t> get_uint(std::string_view key) const;
  Result<double> get_number(std::string_view key) const;
  Result<std::string> get_string(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  std::span<const std::byte> tensor_data(const TensorInfo& tensor) const;

 private:
  std::shared_ptr<const void> mapping_;  // keeps an mmap alive; null for parse()
  std::span<const std::byte> bytes_;
  std::string name_;
  std::uint32_t version_ = 0;
  std::uint64_t alignment_ = kDefaultAlignment;
  std::uint64_t data_offset_ = 0;
  std::vector<KeyValue> metadata_;
  std::vector<TensorInfo> tensors_;
};

}  // namespace memwall::gguf
