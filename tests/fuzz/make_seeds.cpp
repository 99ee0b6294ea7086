// Writes a few small, valid GGUF files as the fuzzer's starting corpus: every value type, nested
// arrays, tensors of block-quantized and plain types in 1-4 dimensions, a non-default alignment.
// Generated rather than committed so they follow the writer. Usage: gguf_fuzz_seeds DIR
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "memwall/gguf/writer.hpp"

namespace {

using memwall::Status;
using memwall::gguf::Array;
using memwall::gguf::GgufWriter;
using memwall::gguf::Value;
using memwall::gguf::ValueType;
using T = memwall::quant::TensorType;

template <typename V>
Value scalar(V v) {
  return Value{Value::Storage(std::in_place_type<V>, v)};
}

GgufWriter metadata_seed() {
  GgufWriter writer;
  writer.set("general.architecture", memwall::gguf::make_string("llama"));
  writer.set("u8", scalar<std::uint8_t>(1));
  writer.set("i8", scalar<std::int8_t>(-1));
  writer.set("u16", scalar<std::uint16_t>(2));
  writer.set("i16", scalar<std::int16_t>(-2));
  writer.set("u32", scalar<std::uint32_t>(3));
  writer.set("i32", scalar<std::int32_t>(-3));
  writer.set("f32", scalar<float>(0.5f));
  writer.set("bool", scalar<bool>(true));
  writer.set("u64", scalar<std::uint64_t>(4));
  writer.set("i64", scalar<std::int64_t>(-4));
  writer.set("f64", scalar<double>(0.25));
  writer.set("tokens", memwall::gguf::make_string_array({"<s>", "", "\xc3\xa9"}));
  writer.set("scores", memwall::gguf::make_f32_array({0.0f, -1.0f}));
  writer.set(
      "nested",
      Value{Array{ValueType::array,
                  {memwall::gguf::make_i32_array({1}), memwall::gguf::make_string_array({"x"})}}});
  return writer;
}

Status fill_pattern(std::uint64_t offset, std::span<std::byte> out) {
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::byte>((offset + i) * 7);
  return {};
}

GgufWriter tensor_seed(std::uint64_t alignment) {
  GgufWriter writer(alignment);
  writer.set("general.name", memwall::gguf::make_string("seed"));
  const struct {
    const char* name;
    std::vector<std::uint64_t> shape;
    T type;
  } tensors[] = {{"a", {32, 2}, T::Q4_0},
                 {"b", {256}, T::Q6_K},
                 {"c", {2, 3, 2}, T::F16},
                 {"d", {1, 2, 1, 3}, T::F32},
                 {"e", {5}, T::I8}};
  for (const auto& t : tensors) {
    if (Status s = writer.add_tensor(t.name, t.shape, t.type, fill_pattern); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
    }
  }
  return writer;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::pair<const char*, GgufWriter> seeds[] = {
      {"empty.gguf", GgufWriter()},
      {"metadata.gguf", metadata_seed()},
      {"tensors.gguf", tensor_seed(32)},
      {"aligned64.gguf", tensor_seed(64)},
  };
  for (const auto& [name, writer] : seeds) {
    if (Status s = writer.write(dir / name); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
      return 1;
    }
  }
  return 0;
}
