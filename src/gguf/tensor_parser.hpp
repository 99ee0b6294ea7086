#pragma once
// Reading the tensor-info section of a GGUF header and checking where the data lies.
#include <cstdint>
#include <vector>

#include "cursor.hpp"
#include "memwall/gguf/reader.hpp"
#include "memwall/util/result.hpp"

namespace memwall::gguf::detail {

// ggml keeps names in char[64] with the terminating NUL, so a longer name cannot load there.
inline constexpr std::uint64_t kMaxTensorNameBytes = 63;

// Reads `count` tensor infos: names non-empty, unique and short enough; shapes and types valid.
// Messages name the tensor ("tensor blk.0.attn_q.weight: ...") but not the file.
Result<std::vector<TensorInfo>> read_tensor_infos(Cursor& cursor, std::uint64_t count);

// Every tensor's data at an aligned offset, inside the file, and overlapping no other tensor's.
Status check_tensor_layout(const std::vector<TensorInfo>& tensors, std::uint64_t data_offset,
                           std::uint64_t file_size, std::uint64_t alignment);

}  // namespace memwall::gguf::detail
