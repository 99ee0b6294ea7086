#include "memwall/gguf/reader.hpp"

#include <algorithm>
#include <new>
#include <stdexcept>
#include <utility>

#include "checked.hpp"
#include "cursor.hpp"
#include "format.hpp"
#include "mapped_file.hpp"
#include "metadata_parser.hpp"
#include "tensor_parser.hpp"
#include "text.hpp"

namespace memwall::gguf {
namespace {

using detail::Cursor;

struct Preamble {
  std::uint32_t version = 0;
  std::uint64_t tensor_count = 0;
  std::uint64_t metadata_count = 0;
};

Status check_version(std::uint32_t version) {
  if (version == 2 || version == 3) return {};
  if (version == 1) return make_error("GGUF version 1 is not supported (only versions 2 and 3)");
  // A big-endian file's version 3 reads as 0x03000000 here.
  const bool byte_swapped = version != 0 && (version & 0xFFFF) == 0;
  return make_error("unsupported GGUF version {} (only versions 2 and 3){}", version,
                    byte_swapped ? "; is it a big-endian file?" : "");
}

// Magic, version and the two counts.
Result<Preamble> read_preamble(Cursor& cursor) {
  if (cursor.remaining() < 4) {
    return make_error("too short to be a GGUF file ({} bytes)", cursor.remaining());
  }
  Result<std::uint32_t> magic = cursor.read<std::uint32_t>("magic");  // 4 bytes are there
  if (*magic != detail::kMagic) {
    const std::string text{static_cast<char>(*magic & 0xFF), static_cast<char>(*magic >> 8 & 0xFF),
                           static_cast<char>(*magic >> 16 & 0xFF), static_cast<char>(*magic >> 24)};
    return make_error("not a GGUF file (starts with \"{}\", expected \"GGUF\")",
                      detail::printable(text));
  }
  Preamble preamble;
  Result<std::uint32_t> version = cursor.read<std::uint32_t>("version");
  if (!version.ok()) return version.error();
  if (Status supported = check_version(*version); !supported.ok()) return supported.error();
  preamble.version = *version;
  Result<std::uint64_t> tensor_count = cursor.read<std::uint64_t>("tensor count");
  if (!tensor_count.ok()) return tensor_count.error();
  preamble.tensor_count = *tensor_count;
  Result<std::uint64_t> metadata_count = cursor.read<std::uint64_t>("metadata count");
  if (!metadata_count.ok()) return metadata_count.error();
  preamble.metadata_count = *metadata_count;
  return preamble;
}

// general.alignment must be a u32 (as llama.cpp reads it) holding a power of two.
Result<std::uint64_t> alignment_from(const std::vector<KeyValue>& metadata) {
  const auto it = std::find_if(metadata.begin(), metadata.end(),
                               [](const KeyValue& kv) { return kv.key == kAlignmentKey; });
  if (it == metadata.end()) return kDefaultAlignment;
  const auto* alignment = std::get_if<std::uint32_t>(&it->value.storage);
  if (alignment == nullptr) {
    return make_error("key {}: must be u32, is {}", kAlignmentKey,
                      value_type_name(it->value.type()));
  }
  if (!detail::is_power_of_two(*alignment)) {
    return make_error("key {}: {} is not a power of two", kAlignmentKey, *alignment);
  }
  return std::uint64_t{*alignment};
}

// The data section starts at the first aligned byte after the header. A file without tensors may
// end before that (llama.cpp only seeks there when there are tensors).
Result<std::uint64_t> data_section_offset(std::uint64_t header_end, std::uint64_t alignment,
                                          std::uint64_t file_size, bool has_tensors) {
  const std::optional<std::uint64_t> aligned = detail::align_up(header_end, alignment);
  if (aligned && *aligned <= file_size) return *aligned;
  if (!has_tensors) return file_size;
  return make_error("data section would start at byte {}, past the end of the file ({} bytes)",
                    aligned.value_or(header_end), file_size);
}

template <typename Item, typename NameOf>
std::unordered_map<std::string_view, std::size_t> index_by_name(const std::vector<Item>& items,
                                                                NameOf name_of) {
  std::unordered_map<std::string_view, std::size_t> index;
  index.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) index.emplace(name_of(items[i]), i);
  return index;
}

}  // namespace

std::shared_ptr<const GgufFile::Parsed> GgufFile::empty_parsed() {
  static const std::shared_ptr<const Parsed> empty = std::make_shared<const Parsed>();
  return empty;
}

Result<GgufFile> GgufFile::open(const std::filesystem::path& path) {
  Result<detail::MappedFile> mapped = detail::map_readonly(path);
  if (!mapped.ok()) return mapped.error();
  Result<GgufFile> file = parse(mapped->bytes, path.string());
  if (file.ok()) file->mapping_ = std::move(mapped->owner);
  return file;
}

Result<GgufFile> GgufFile::parse(std::span<const std::byte> bytes, std::string name) {
  const auto fail = [&](const Error& error) { return make_error("{}: {}", name, error.message); };
  // The parser checks every count against the bytes left before allocating; this catch is the
  // last line for a file large enough that even checked sizes exhaust memory.
  try {
    auto parsed = std::make_shared<Parsed>();
    parsed->name = name;
    Cursor cursor(bytes);
    Result<Preamble> preamble = read_preamble(cursor);
    if (!preamble.ok()) return fail(preamble.error());
    parsed->version = preamble->version;
    Result<std::vector<KeyValue>> metadata =
        detail::read_metadata(cursor, preamble->metadata_count);
    if (!metadata.ok()) return fail(metadata.error());
    parsed->metadata = std::move(metadata).value();
    Result<std::uint64_t> alignment = alignment_from(parsed->metadata);
    if (!alignment.ok()) return fail(alignment.error());
    parsed->alignment = *alignment;
    Result<std::vector<TensorInfo>> tensors =
        detail::read_tensor_infos(cursor, preamble->tensor_count);
    if (!tensors.ok()) return fail(tensors.error());
    parsed->tensors = std::move(tensors).value();
    Result<std::uint64_t> data_offset = data_section_offset(cursor.position(), parsed->alignment,
                                                            bytes.size(), !parsed->tensors.empty());
    if (!data_offset.ok()) return fail(data_offset.error());
    parsed->data_offset = *data_offset;
    if (Status layout = detail::check_tensor_layout(parsed->tensors, parsed->data_offset,
                                                    bytes.size(), parsed->alignment);
        !layout.ok()) {
      return fail(layout.error());
    }
    // Indexed last: the views point into the finished vectors, which no longer move.
    parsed->key_index = index_by_name(
        parsed->metadata, [](const KeyValue& kv) -> std::string_view { return kv.key; });
    parsed->tensor_index = index_by_name(
        parsed->tensors, [](const TensorInfo& t) -> std::string_view { return t.name; });
    GgufFile file;
    file.bytes_ = bytes;
    file.parsed_ = std::move(parsed);
    return file;
  } catch (const std::bad_alloc&) {
    return fail(Error{"out of memory while reading the header"});
  } catch (const std::length_error&) {
    return fail(Error{"out of memory while reading the header"});
  }
}

Result<std::uint64_t> GgufFile::get_uint(std::string_view key) const {
  const Value* value = find(key);
  if (value == nullptr) return make_error("{}: key {}: missing", name(), key);
  if (std::optional<std::uint64_t> u = value->as_uint()) return *u;
  if (std::optional<std::int64_t> i = value->as_int()) {
    return make_error("{}: key {}: {} is negative, expected an unsigned integer", name(), key, *i);
  }
  return make_error("{}: key {}: is {}, expected an unsigned integer", name(), key,
                    value_type_name(value->type()));
}

Result<double> GgufFile::get_number(std::string_view key) const {
  const Value* value = find(key);
  if (value == nullptr) return make_error("{}: key {}: missing", name(), key);
  if (std::optional<double> number = value->as_number()) return *number;
  return make_error("{}: key {}: is {}, expected a number", name(), key,
                    value_type_name(value->type()));
}

Result<std::string> GgufFile::get_string(std::string_view key) const {
  const Value* value = find(key);
  if (value == nullptr) return make_error("{}: key {}: missing", name(), key);
  if (const std::string* text = value->as_string()) return *text;
  return make_error("{}: key {}: is {}, expected a string", name(), key,
                    value_type_name(value->type()));
}

const Value* GgufFile::find(std::string_view key) const {
  const auto it = parsed_->key_index.find(key);
  return it == parsed_->key_index.end() ? nullptr : &parsed_->metadata[it->second].value;
}

const TensorInfo* GgufFile::find_tensor(std::string_view tensor_name) const {
  const auto it = parsed_->tensor_index.find(tensor_name);
  return it == parsed_->tensor_index.end() ? nullptr : &parsed_->tensors[it->second];
}

std::span<const std::byte> GgufFile::tensor_data(const TensorInfo& tensor) const {
  // Checked again because the caller may pass a TensorInfo of its own making.
  const std::uint64_t available =
      bytes_.size() - std::min<std::uint64_t>(data_offset(), bytes_.size());
  if (tensor.offset > available || tensor.n_bytes > available - tensor.offset) return {};
  return bytes_.subspan(static_cast<std::size_t>(data_offset() + tensor.offset),
                        static_cast<std::size_t>(tensor.n_bytes));
}

void GgufFile::release(const TensorInfo& tensor) const {
  if (mapping_) detail::release_pages(tensor_data(tensor));
}

}  // namespace memwall::gguf
