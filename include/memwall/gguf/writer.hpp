#pragma once
// Writing GGUF v3: metadata, tensor infos, aligned and padded tensor data. The file is written to a
// temporary name beside the target and renamed into place, so a failed write never leaves a half
// file under the final name.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "memwall/gguf/reader.hpp"
#include "memwall/gguf/value.hpp"
#include "memwall/quant/types.hpp"
#include "memwall/util/result.hpp"

namespace memwall::gguf {

namespace detail {
class OutputFile;
}

class GgufWriter {
 public:
  // Produces a tensor's bytes chunk by chunk, in order: fill out[0..size) with the bytes at
  // [offset, offset + size) of the tensor's data. May run its own threads. Chunks hold whole rows
  // (whole blocks when one row is larger than the writer's 16 MiB buffer), so a filler can
  // quantize each chunk on its own.
  using Filler = std::function<Status(std::uint64_t offset, std::span<std::byte> out)>;
  // Called as data is written, after each chunk and each run of padding: data-section bytes
  // written so far and in total (data_bytes()).
  using Progress = std::function<void(std::uint64_t done_bytes, std::uint64_t total_bytes)>;

  explicit GgufWriter(std::uint64_t alignment = kDefaultAlignment);

  // Adds or replaces a metadata key; keys are written in the order first set.
  void set(std::string key, Value value);
  // Validates the name (unique, non-empty), shape (1-4 dims, each > 0, ne[0] a multiple of the
  // type's block size) and, for `bytes`, the size.
  Status add_tensor(std::string name, std::vector<std::uint64_t> shape, quant::TensorType type,
                    Filler fill);
  Status add_tensor(std::string name, std::vector<std::uint64_t> shape, quant::TensorType type,
                    std::span<const std::byte> bytes);  // bytes must outlive write()

  std::uint64_t data_bytes() const;  // tensor data, padding included
  Status write(const std::filesystem::path& path, const Progress& progress = {}) const;

 private:
  struct PendingTensor {
    TensorInfo info;
    Filler fill;
  };

  Result<std::vector<std::byte>> encode_header() const;
  Status write_tensor(detail::OutputFile& out, const PendingTensor& tensor,
                      std::span<std::byte> buffer,
                      const std::function<void(std::uint64_t)>& on_written) const;
  std::uint64_t alignment_;
  std::vector<KeyValue> metadata_;
  std::vector<PendingTensor> tensors_;
};

}  // namespace memwall::gguf
