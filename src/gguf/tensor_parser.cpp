#include "tensor_parser.hpp"

#include <algorithm>
#include <numeric>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "checked.hpp"
#include "tensor_shape.hpp"
#include "text.hpp"

namespace memwall::gguf::detail {
namespace {

Result<std::string_view> read_name(Cursor& cursor, std::uint64_t index) {
  const std::string where = "tensor #" + std::to_string(index);
  Result<std::string_view> name = cursor.read_string(where + " name");
  if (!name.ok()) return name.error();
  if (name->empty()) return make_error("{} has an empty name", where);
  if (name->size() > kMaxTensorNameBytes) {
    return make_error("{} name \"{}\" is {} bytes, longer than ggml's limit of {}", where,
                      printable(*name), name->size(), kMaxTensorNameBytes);
  }
  return name;
}

Result<std::vector<std::uint64_t>> read_shape(Cursor& cursor) {
  Result<std::uint32_t> n_dims = cursor.read<std::uint32_t>("dimension count");
  if (!n_dims.ok()) return n_dims.error();
  // Checked before the dimensions are read: the count decides how many there are.
  if (*n_dims == 0 || *n_dims > kMaxDims) {
    return make_error("{} dimensions; GGUF allows 1 to {}", *n_dims, kMaxDims);
  }
  std::vector<std::uint64_t> shape(*n_dims);
  for (std::uint64_t& dim : shape) {
    Result<std::uint64_t> value = cursor.read<std::uint64_t>("dimension");
    if (!value.ok()) return value.error();
    dim = *value;
  }
  return shape;
}

// Shape, type and offset: everything after the name.
Status read_layout(Cursor& cursor, TensorInfo& info) {
  Result<std::vector<std::uint64_t>> shape = read_shape(cursor);
  if (!shape.ok()) return shape.error();
  info.shape = std::move(shape).value();
  Result<std::uint32_t> type_id = cursor.read<std::uint32_t>("tensor type");
  if (!type_id.ok()) return type_id.error();
  const quant::TypeInfo* type = quant::find_type_info(*type_id);
  if (type == nullptr) return make_error("unknown tensor type {}", *type_id);
  info.type = type->type;
  Result<TensorExtent> extent = tensor_extent(info.shape, *type);
  if (!extent.ok()) return extent.error();
  info.n_elements = extent->n_elements;
  info.n_bytes = extent->n_bytes;
  Result<std::uint64_t> offset = cursor.read<std::uint64_t>("data offset");
  if (!offset.ok()) return offset.error();
  info.offset = *offset;
  return {};
}

Status check_extent(const TensorInfo& t, std::uint64_t data_offset, std::uint64_t file_size,
                    std::uint64_t alignment) {
  if (t.offset % alignment != 0) {
    return make_error("tensor {}: data offset {} is not a multiple of the alignment {}",
                      printable(t.name), t.offset, alignment);
  }
  const std::optional<std::uint64_t> end = checked_add(t.offset, t.n_bytes);
  if (!end || *end > file_size - data_offset) {
    return make_error(
        "tensor {}: data ends past end of file (offset {} from the data section at byte {}, {} "
        "bytes, file {} bytes)",
        printable(t.name), t.offset, data_offset, t.n_bytes, file_size);
  }
  return {};
}

}  // namespace

Result<std::vector<TensorInfo>> read_tensor_infos(Cursor& cursor, std::uint64_t count) {
  // The smallest info: name length and one byte, one dimension, type and offset.
  constexpr std::uint64_t kMinInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;
  if (count > cursor.remaining() / kMinInfoBytes) {
    return make_error("tensor count {} exceeds the file ({} bytes left)", count,
                      cursor.remaining());
  }
  std::vector<TensorInfo> tensors;
  tensors.reserve(static_cast<std::size_t>(count));
  std::unordered_map<std::string_view, std::uint64_t> first_seen;  // views into the file's bytes
  for (std::uint64_t i = 0; i < count; ++i) {
    Result<std::string_view> name = read_name(cursor, i);
    if (!name.ok()) return name.error();
    if (auto [it, inserted] = first_seen.emplace(*name, i); !inserted) {
      return make_error("tensor {}: appears twice (tensors #{} and #{})", printable(*name),
                        it->second, i);
    }
    TensorInfo info;
    info.name = std::string(*name);
    if (Status read = read_layout(cursor, info); !read.ok()) {
      return make_error("tensor {}: {}", printable(info.name), read.error().message);
    }
    tensors.push_back(std::move(info));
  }
  return tensors;
}

Status check_tensor_layout(const std::vector<TensorInfo>& tensors, std::uint64_t data_offset,
                           std::uint64_t file_size, std::uint64_t alignment) {
  for (const TensorInfo& t : tensors) {
    if (Status ok = check_extent(t, data_offset, file_size, alignment); !ok.ok()) return ok;
  }
  // Sorted by offset, each tensor must end before the next begins.
  std::vector<std::size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return tensors[a].offset < tensors[b].offset; });
  for (std::size_t k = 1; k < order.size(); ++k) {
    const TensorInfo& before = tensors[order[k - 1]];
    const TensorInfo& after = tensors[order[k]];
    if (after.offset < before.offset + before.n_bytes) {  // no overflow: both end inside the file
      return make_error("tensors {} and {} overlap ({} at offset {} for {} bytes, {} at offset {})",
                        printable(before.name), printable(after.name), printable(before.name),
                        before.offset, before.n_bytes, printable(after.name), after.offset);
    }
  }
  return {};
}

}  // namespace memwall::gguf::detail
