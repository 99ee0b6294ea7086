#include "tensor_shape.hpp"

#include <fmt/format.h>

#include <limits>

#include "checked.hpp"
#include "memwall/gguf/reader.hpp"

namespace memwall::gguf::detail {
namespace {

// ggml holds element counts in int64_t; a larger count would turn negative inside llama.cpp.
constexpr std::uint64_t kMaxElements =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());

Result<std::uint64_t> element_count(std::span<const std::uint64_t> shape) {
  std::uint64_t n_elements = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return make_error("dimension {} of shape {} is 0", d, format_shape(shape));
    const std::optional<std::uint64_t> product = checked_mul(n_elements, shape[d]);
    if (!product || *product > kMaxElements) {
      return make_error("element count of shape {} overflows 2^63", format_shape(shape));
    }
    n_elements = *product;
  }
  return n_elements;
}

}  // namespace

Result<TensorExtent> tensor_extent(std::span<const std::uint64_t> shape,
                                   const quant::TypeInfo& type) {
  if (shape.empty() || shape.size() > kMaxDims) {
    return make_error("{} dimensions; GGUF allows 1 to {}", shape.size(), kMaxDims);
  }
  Result<std::uint64_t> n_elements = element_count(shape);
  if (!n_elements.ok()) return n_elements.error();
  if (shape[0] % type.block_size != 0) {
    return make_error("row length {} is not a multiple of {}'s block size {}", shape[0], type.name,
                      type.block_size);
  }
  // Element count / block size * bytes per block, in that order so no intermediate overflows
  // when the bytes do not.
  const std::optional<std::uint64_t> n_bytes =
      checked_mul(*n_elements / type.block_size, type.bytes_per_block);
  if (!n_bytes) {
    return make_error("byte size of shape {} of {} overflows 2^64", format_shape(shape), type.name);
  }
  return TensorExtent{*n_elements, *n_bytes};
}

std::string format_shape(std::span<const std::uint64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

}  // namespace memwall::gguf::detail
