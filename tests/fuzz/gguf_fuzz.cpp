// libFuzzer target for the GGUF reader: any bytes go through GgufFile::parse; whatever parses is
// walked completely (every value, every getter, every tensor's bytes), so a bad bound anywhere
// shows up as an ASan report rather than only bad bounds in the parser itself.
#include <cstddef>
#include <cstdint>
#include <span>

#include "memwall/gguf/reader.hpp"

namespace {

using memwall::Result;
using memwall::gguf::Array;
using memwall::gguf::GgufFile;
using memwall::gguf::TensorInfo;
using memwall::gguf::Value;

void require(bool condition) {
  if (!condition) __builtin_trap();
}

std::uint64_t walk(const Value& value) {
  std::uint64_t seen =
      value.as_uint().value_or(0) + static_cast<std::uint64_t>(value.as_int().value_or(0));
  if (const std::string* text = value.as_string()) seen += text->size();
  if (const Array* array = value.as_array()) {
    for (const Value& item : array->items) {
      require(item.type() == array->element_type);
      seen += walk(item);
    }
  }
  return seen;
}

void check_tensors(const GgufFile& file, std::span<const std::byte> bytes) {
  for (const TensorInfo& t : file.tensors()) {
    require(file.find_tensor(t.name) == &t);
    require(t.offset % file.alignment() == 0);
    const std::span<const std::byte> data = file.tensor_data(t);
    require(data.size() == t.n_bytes);
    require(data.data() >= bytes.data() &&
            data.data() + data.size() <= bytes.data() + bytes.size());
    std::uint8_t sum = 0;
    for (std::byte b : data)
      sum = static_cast<std::uint8_t>(sum + std::to_integer<std::uint8_t>(b));
    volatile std::uint8_t sink = sum;  // keeps the reads
    (void)sink;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  const Result<GgufFile> file = GgufFile::parse(bytes, "fuzz.gguf");
  if (!file.ok()) {
    require(file.error().message.rfind("fuzz.gguf: ", 0) == 0);
    return 0;
  }
  require(file->data_offset() <= size);
  volatile std::uint64_t sink = 0;
  for (const memwall::gguf::KeyValue& kv : file->metadata()) {
    require(file->find(kv.key) == &kv.value);
    sink = sink + walk(kv.value);
    (void)file->get_uint(kv.key);
    (void)file->get_number(kv.key);
    (void)file->get_string(kv.key);
  }
  check_tensors(*file, bytes);
  return 0;
}
