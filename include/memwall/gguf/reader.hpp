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
#include <unordered_map>
#include <vector>

#include "memwall/gguf/value.hpp"
#include "memwall/quant/types.hpp"
#include "memwall/util/result.hpp"

namespace memwall::gguf {

inline constexpr std::uint64_t kDefaultAlignment = 32;
inline constexpr std::string_view kAlignmentKey = "general.alignment";  // a u32 when present
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

  std::uint32_t version() const { return parsed_->version; }
  std::uint64_t alignment() const { return parsed_->alignment; }
  std::uint64_t file_size() const { return bytes_.size(); }
  std::uint64_t data_offset() const { return parsed_->data_offset; }  // start of the data section
  const std::string& name() const { return parsed_->name; }

  const std::vector<KeyValue>& metadata() const { return parsed_->metadata; }
  const Value* find(std::string_view key) const;
  // Typed lookups whose errors name the file and key ("…: key llama.block_count: missing").
  Result<std::uint64_t> get_uint(std::string_view key) const;
  Result<double> get_number(std::string_view key) const;
  Result<std::string> get_string(std::string_view key) const;

  const std::vector<TensorInfo>& tensors() const { return parsed_->tensors; }
  const TensorInfo* find_tensor(std::string_view name) const;
  std::span<const std::byte> tensor_data(const TensorInfo& tensor) const;
  // Drops the tensor's pages from this process's memory once its bytes have been copied: a file
  // mapping's pages count in the resident size while mapped. The file stays mapped, and a later
  // read of the tensor faults them back in. Nothing for parse()'d bytes.
  void release(const TensorInfo& tensor) const;

 private:
  // What parse() found; immutable once built, so every copy shares one (tokenizer arrays alone can
  // hold hundreds of thousands of strings).
  struct Parsed {
    std::string name;
    std::uint32_t version = 0;
    std::uint64_t alignment = kDefaultAlignment;
    std::uint64_t data_offset = 0;
    std::vector<KeyValue> metadata;
    std::vector<TensorInfo> tensors;
    std::unordered_map<std::string_view, std::size_t> key_index;     // views into `metadata`
    std::unordered_map<std::string_view, std::size_t> tensor_index;  // views into `tensors`
  };
  static std::shared_ptr<const Parsed> empty_parsed();

  std::shared_ptr<const void> mapping_;  // keeps an mmap alive; null for parse()
  std::span<const std::byte> bytes_;
  std::shared_ptr<const Parsed> parsed_ = empty_parsed();  // a default GgufFile is empty
};

}  // namespace memwall::gguf
