#pragma once
// The rules a tensor's shape and type must meet, shared by the reader (which checks what a file
// declares) and the writer (which refuses to write what a reader would reject).
#include <cstdint>
#include <span>
#include <string>

#include "memwall/quant/types.hpp"
#include "memwall/util/result.hpp"

namespace memwall::gguf::detail {

struct TensorExtent {
  std::uint64_t n_elements = 0;
  std::uint64_t n_bytes = 0;
};

// 1-4 dimensions, each at least 1, ne[0] a multiple of the type's block size, element count within
// ggml's int64 and byte size within 2^64. Messages name no tensor: callers add which one.
Result<TensorExtent> tensor_extent(std::span<const std::uint64_t> shape,
                                   const quant::TypeInfo& type);

// "[4096, 32]", ne[0] first as the file stores it.
std::string format_shape(std::span<const std::uint64_t> shape);

}  // namespace memwall::gguf::detail
