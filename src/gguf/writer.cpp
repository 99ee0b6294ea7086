#include "memwall/gguf/writer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <utility>

#include "checked.hpp"
#include "encoder.hpp"
#include "format.hpp"
#include "memwall/util/units.hpp"
#include "output_file.hpp"
#include "tensor_parser.hpp"
#include "tensor_shape.hpp"
#include "text.hpp"

namespace memwall::gguf {
namespace {

using detail::TensorExtent;

// Large enough that write(2) overhead vanishes, small enough to stay in memory beside a
// multi-GB model being synthesized.
constexpr std::uint64_t kChunkBytes = 16 * kMiB;

// general.alignment is a u32 in the file, so larger alignments cannot be recorded.
Status check_alignment(std::uint64_t alignment) {
  if (!detail::is_power_of_two(alignment) ||
      alignment > std::numeric_limits<std::uint32_t>::max()) {
    return make_error("alignment {} is not a power of two below 2^32", alignment);
  }
  return {};
}

// Name and shape rules of the format; offset and uniqueness are the writer's to settle.
Result<TensorInfo> describe_tensor(std::string name, std::vector<std::uint64_t> shape,
                                   quant::TensorType type) {
  if (name.empty()) return make_error("a tensor name is empty");
  if (name.size() > detail::kMaxTensorNameBytes) {
    return make_error("tensor {}: name is {} bytes, longer than ggml's limit of {}",
                      detail::printable(name), name.size(), detail::kMaxTensorNameBytes);
  }
  Result<TensorExtent> extent = detail::tensor_extent(shape, quant::type_info(type));
  if (!extent.ok()) {
    return make_error("tensor {}: {}", detail::printable(name), extent.error().message);
  }
  TensorInfo info;
  info.name = std::move(name);
  info.shape = std::move(shape);
  info.type = type;
  info.n_elements = extent->n_elements;
  info.n_bytes = extent->n_bytes;
  return info;
}

// Whole rows per chunk, so a filler never sees a row cut in two; whole blocks when a row alone
// exceeds the buffer.
std::uint64_t chunk_bytes(const TensorInfo& t) {
  const std::uint64_t row = quant::bytes_for(t.type, t.shape[0]);
  const std::uint64_t unit = row <= kChunkBytes ? row : quant::type_info(t.type).bytes_per_block;
  return std::min(t.n_bytes, kChunkBytes / unit * unit);
}

Status write_zeros(detail::OutputFile& out, std::uint64_t n_bytes) {
  static constexpr std::array<std::byte, 4096> kZeros{};
  while (n_bytes > 0) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(n_bytes, kZeros.size()));
    if (Status ok = out.write(std::span(kZeros).first(n)); !ok.ok()) return ok;
    n_bytes -= n;
  }
  return {};
}

}  // namespace

GgufWriter::GgufWriter(std::uint64_t alignment) : alignment_(alignment) {}

void GgufWriter::set(std::string key, Value value) {
  const auto it = std::find_if(metadata_.begin(), metadata_.end(),
                               [&](const KeyValue& kv) { return kv.key == key; });
  if (it != metadata_.end()) {
    it->value = std::move(value);
  } else {
    metadata_.push_back(KeyValue{std::move(key), std::move(value)});
  }
}

Status GgufWriter::add_tensor(std::string name, std::vector<std::uint64_t> shape,
                              quant::TensorType type, Filler fill) {
  if (Status ok = check_alignment(alignment_); !ok.ok()) return ok;
  Result<TensorInfo> info = describe_tensor(std::move(name), std::move(shape), type);
  if (!info.ok()) return info.error();
  const std::string shown = detail::printable(info->name);
  if (std::any_of(tensors_.begin(), tensors_.end(),
                  [&](const PendingTensor& t) { return t.info.name == info->name; })) {
    return make_error("tensor {}: added twice", shown);
  }
  if (!fill) return make_error("tensor {}: no filler given", shown);
  // Laid out back to back, each at the next aligned offset, as llama.cpp requires.
  const std::optional<std::uint64_t> offset = detail::align_up(data_bytes(), alignment_);
  const std::optional<std::uint64_t> end =
      offset ? detail::checked_add(*offset, info->n_bytes) : std::nullopt;
  if (!end || !detail::align_up(*end, alignment_)) {
    return make_error("tensor {}: data section would exceed 2^64 bytes", shown);
  }
  info->offset = *offset;
  tensors_.push_back(PendingTensor{std::move(info).value(), std::move(fill)});
  return {};
}

Status GgufWriter::add_tensor(std::string name, std::vector<std::uint64_t> shape,
                              quant::TensorType type, std::span<const std::byte> bytes) {
  Result<TensorInfo> info = describe_tensor(name, shape, type);
  if (!info.ok()) return info.error();
  if (bytes.size() != info->n_bytes) {
    return make_error("tensor {}: {} bytes given, shape {} of {} takes {}",
                      detail::printable(info->name), bytes.size(), detail::format_shape(shape),
                      quant::type_info(type).name, info->n_bytes);
  }
  Filler copy = [bytes](std::uint64_t offset, std::span<std::byte> out) -> Status {
    std::memcpy(out.data(), bytes.data() + offset, out.size());
    return {};
  };
  return add_tensor(std::move(name), std::move(shape), type, std::move(copy));
}

std::uint64_t GgufWriter::data_bytes() const {
  if (tensors_.empty()) return 0;
  const TensorInfo& last = tensors_.back().info;
  return *detail::align_up(last.offset + last.n_bytes, alignment_);  // checked in add_tensor
}

Result<std::vector<std::byte>> GgufWriter::encode_header() const {
  if (Status ok = check_alignment(alignment_); !ok.ok()) return ok.error();
  bool alignment_recorded = false;
  for (const KeyValue& kv : metadata_) {
    if (kv.key != kAlignmentKey) continue;
    const auto* value = std::get_if<std::uint32_t>(&kv.value.storage);
    if (value == nullptr || *value != alignment_) {
      return make_error("key {}: must be the writer's alignment {} as u32", kAlignmentKey,
                        alignment_);
    }
    alignment_recorded = true;
  }
  const bool add_alignment = !alignment_recorded && alignment_ != kDefaultAlignment;
  detail::Encoder encoder;
  encoder.u32(detail::kMagic);
  encoder.u32(detail::kWrittenVersion);
  encoder.u64(tensors_.size());
  encoder.u64(metadata_.size() + (add_alignment ? 1 : 0));
  for (const KeyValue& kv : metadata_) {
    if (Status ok = encoder.key_value(kv); !ok.ok()) return ok.error();
  }
  if (add_alignment) {
    const auto alignment = static_cast<std::uint32_t>(alignment_);
    (void)encoder.key_value(
        KeyValue{std::string(kAlignmentKey),
                 Value{Value::Storage(std::in_place_type<std::uint32_t>, alignment)}});
  }
  for (const PendingTensor& t : tensors_) encoder.tensor_info(t.info);
  encoder.pad_to(alignment_);
  return std::move(encoder).take();
}

Status GgufWriter::write_tensor(detail::OutputFile& out, const PendingTensor& tensor,
                                std::span<std::byte> buffer,
                                const std::function<void(std::uint64_t)>& on_written) const {
  const TensorInfo& info = tensor.info;
  const std::uint64_t chunk = chunk_bytes(info);
  for (std::uint64_t offset = 0; offset < info.n_bytes; offset += chunk) {
    const std::span<std::byte> piece =
        buffer.first(static_cast<std::size_t>(std::min(chunk, info.n_bytes - offset)));
    if (Status filled = tensor.fill(offset, piece); !filled.ok()) {
      return make_error("{}: tensor {}: {}", out.target().string(), detail::printable(info.name),
                        filled.error().message);
    }
    if (Status written = out.write(piece); !written.ok()) return written;
    on_written(piece.size());
  }
  const std::uint64_t padding = *detail::align_up(info.n_bytes, alignment_) - info.n_bytes;
  if (padding == 0) return {};
  if (Status written = write_zeros(out, padding); !written.ok()) return written;
  on_written(padding);
  return {};
}

Status GgufWriter::write(const std::filesystem::path& path, const Progress& progress) const {
  Result<std::vector<std::byte>> header = encode_header();
  if (!header.ok()) return make_error("{}: {}", path.string(), header.error().message);
  Result<detail::OutputFile> out = detail::OutputFile::create(path);
  if (!out.ok()) return out.error();
  if (Status written = out->write(*header); !written.ok()) return written;
  std::uint64_t buffer_bytes = 0;
  for (const PendingTensor& t : tensors_)
    buffer_bytes = std::max(buffer_bytes, chunk_bytes(t.info));
  std::vector<std::byte> buffer(static_cast<std::size_t>(buffer_bytes));  // reused by every chunk
  const std::uint64_t total = data_bytes();
  std::uint64_t done = 0;
  const auto on_written = [&](std::uint64_t n_bytes) {
    done += n_bytes;
    if (progress) progress(done, total);
  };
  for (const PendingTensor& t : tensors_) {
    if (Status written = write_tensor(*out, t, buffer, on_written); !written.ok()) return written;
  }
  return out->commit();
}

}  // namespace memwall::gguf
