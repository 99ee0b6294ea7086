// Interoperability with llama.cpp's own GGUF code, through its llama-gguf example program:
// memwall reads what llama-gguf writes, and llama-gguf reads what memwall writes. Skipped unless
// MEMWALL_LLAMA_GGUF names a llama-gguf binary (see results/gguf.md).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <regex>
#include <string>

#include "gguf_test_util.hpp"
#include "memwall/gguf/reader.hpp"
#include "memwall/gguf/writer.hpp"
#include "support/subprocess.hpp"

namespace memwall::gguf {
namespace {

using T = quant::TensorType;

struct Process {
  int exit_code = -1;
  std::string out;
};

Process run_command(const std::string& command) {
  Process result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) result.out.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

struct Printed {
  std::uint64_t size, offset;
};

// "gguf_ex_read_0: tensor[3]: name = tensor_3, size = 160, offset = 288"
std::map<std::string, Printed> printed_tensors(const std::string& out) {
  std::map<std::string, Printed> tensors;
  const std::regex line(
      R"(gguf_ex_read_0: tensor\[\d+\]: name = (\S+), size = (\d+), offset = (\d+))");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator();
       ++it) {
    tensors[(*it)[1]] = {std::stoull((*it)[2]), std::stoull((*it)[3])};
  }
  return tensors;
}

class LlamaInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* binary = std::getenv("MEMWALL_LLAMA_GGUF");
    if (binary == nullptr || !std::filesystem::exists(binary)) {
      GTEST_SKIP() << "set MEMWALL_LLAMA_GGUF to a llama-gguf binary to run";
    }
    binary_ = binary;
    dir_ = memwall::testing::make_temp_dir("gguf-interop");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void expect_printed_layout_matches(const GgufFile& file, const std::string& out) {
    const std::map<std::string, Printed> printed = printed_tensors(out);
    ASSERT_EQ(printed.size(), file.tensors().size()) << out;
    for (const TensorInfo& t : file.tensors()) {
      ASSERT_TRUE(printed.count(t.name)) << t.name;
      EXPECT_EQ(printed.at(t.name).size, t.n_bytes) << t.name;
      EXPECT_EQ(printed.at(t.name).offset, t.offset) << t.name;
    }
    EXPECT_NE(out.find("data offset: " + std::to_string(file.data_offset())), std::string::npos);
    EXPECT_NE(out.find("alignment:   " + std::to_string(file.alignment())), std::string::npos);
  }

  std::string binary_;
  std::filesystem::path dir_;
};

template <typename V>
V scalar_of(const GgufFile& file, const char* key) {
  const Value* value = file.find(key);
  EXPECT_NE(value, nullptr) << key;
  const V* v = value ? std::get_if<V>(&value->storage) : nullptr;
  EXPECT_NE(v, nullptr) << key;
  return v ? *v : V{};
}

// The values are those examples/gguf/gguf.cpp writes.
TEST_F(LlamaInterop, MemwallReadsWhatLlamaGgufWrites) {
  const std::filesystem::path path = dir_ / "llama.gguf";
  ASSERT_EQ(run_command(binary_ + " " + path.string() + " w").exit_code, 0);
  const Result<GgufFile> file = GgufFile::open(path);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(scalar_of<std::uint8_t>(*file, "some.parameter.uint8"), 0x12);
  EXPECT_EQ(scalar_of<std::int8_t>(*file, "some.parameter.int8"), -0x13);
  EXPECT_EQ(scalar_of<std::uint16_t>(*file, "some.parameter.uint16"), 0x1234);
  EXPECT_EQ(scalar_of<std::int16_t>(*file, "some.parameter.int16"), -0x1235);
  EXPECT_EQ(scalar_of<std::uint32_t>(*file, "some.parameter.uint32"), 0x12345678u);
  EXPECT_EQ(scalar_of<std::int32_t>(*file, "some.parameter.int32"), -0x12345679);
  EXPECT_EQ(scalar_of<float>(*file, "some.parameter.float32"), 0.123456789f);
  EXPECT_EQ(scalar_of<std::uint64_t>(*file, "some.parameter.uint64"), 0x123456789abcdef0ull);
  EXPECT_EQ(scalar_of<std::int64_t>(*file, "some.parameter.int64"), -0x123456789abcdef1ll);
  EXPECT_EQ(scalar_of<double>(*file, "some.parameter.float64"), 0.1234567890123456789);
  EXPECT_TRUE(scalar_of<bool>(*file, "some.parameter.bool"));
  EXPECT_EQ(*file->get_string("some.parameter.string"), "hello world");
  EXPECT_TRUE(*file->find("some.parameter.arr.str") == make_string_array({"hello", "world", "!"}));
  EXPECT_TRUE(*file->find("some.parameter.arr.f32") == make_f32_array({3.145f, 2.718f, 1.414f}));
  const Array* i16 = file->find("some.parameter.arr.i16")->as_array();
  ASSERT_NE(i16, nullptr);
  EXPECT_EQ(i16->element_type, ValueType::i16);
  EXPECT_EQ(i16->items.size(), 4u);
  ASSERT_EQ(file->tensors().size(), 10u);
  for (std::size_t i = 0; i < 10; ++i) {
    const TensorInfo& t = file->tensors()[i];
    EXPECT_EQ(t.name, "tensor_" + std::to_string(i));
    EXPECT_EQ(t.type, T::F32);
    const std::span<const std::byte> data = file->tensor_data(t);
    ASSERT_EQ(data.size(), t.n_elements * 4);
    for (std::uint64_t j = 0; j < t.n_elements; ++j) {
      float f = 0;
      std::memcpy(&f, data.data() + 4 * j, 4);
      ASSERT_EQ(f, 100.0f + static_cast<float>(i)) << t.name << "[" << j << "]";
    }
  }
  const Process printed = run_command(binary_ + " " + path.string() + " r n");
  ASSERT_EQ(printed.exit_code, 0) << printed.out;
  expect_printed_layout_matches(*file, printed.out);
}

// Tensors as llama-gguf's reader checks them: tensor_i filled with 100 + i.
TEST_F(LlamaInterop, LlamaGgufReadsAndChecksWhatMemwallWrites) {
  GgufWriter writer;
  writer.set("some.parameter.string", make_string("hello world"));
  writer.set("some.parameter.arr.str", make_string_array({"hello", "world", "!"}));
  std::vector<std::vector<float>> data;
  for (int i = 0; i < 10; ++i) {
    const std::vector<std::uint64_t> shape{static_cast<std::uint64_t>(i + 1), 3, 2,
                                           1 + static_cast<std::uint64_t>(i % 2)};
    data.emplace_back(shape[0] * shape[1] * shape[2] * shape[3], 100.0f + static_cast<float>(i));
    ASSERT_TRUE(writer
                    .add_tensor("tensor_" + std::to_string(i), shape, T::F32,
                                std::as_bytes(std::span(data.back())))
                    .ok());
  }
  const std::filesystem::path path = dir_ / "memwall.gguf";
  ASSERT_TRUE(writer.write(path).ok());
  const Process checked = run_command(binary_ + " " + path.string() + " r");
  ASSERT_EQ(checked.exit_code, 0) << checked.out;
  EXPECT_NE(checked.out.find("found, kv[0] value = hello world"), std::string::npos) << checked.out;
  expect_printed_layout_matches(*GgufFile::open(path), checked.out);
}

// Every tensor type of memwall's table, every value type llama.cpp reads (it refuses nested
// arrays), and a non-default alignment: llama.cpp agrees on every size and offset.
TEST_F(LlamaInterop, LlamaGgufAgreesOnEveryTensorTypesLayout) {
  GgufWriter writer(64);
  writer.set("u8", Value{Value::Storage(std::in_place_type<std::uint8_t>, 1)});
  writer.set("b", Value{Value::Storage(std::in_place_type<bool>, true)});
  writer.set("f64", Value{Value::Storage(std::in_place_type<double>, 2.5)});
  writer.set("i64s", Value{Array{ValueType::i64,
                                 {Value{Value::Storage(std::in_place_type<std::int64_t>, -1)}}}});
  writer.set("empty", make_string_array({}));
  std::vector<testing::Bytes> data;
  for (std::uint32_t id = 0; id < 64; ++id) {
    const quant::TypeInfo* info = quant::find_type_info(id);
    if (info == nullptr) continue;
    const std::vector<std::uint64_t> shape{info->block_size * 3ull, 1 + id % 3};
    data.push_back(testing::pattern(quant::bytes_for(info->type, shape[0] * shape[1]), id));
    ASSERT_TRUE(writer.add_tensor(std::string(info->name), shape, info->type, data.back()).ok());
  }
  const std::filesystem::path path = dir_ / "types.gguf";
  ASSERT_TRUE(writer.write(path).ok());
  const Process listing = run_command(binary_ + " " + path.string() + " r n");
  ASSERT_EQ(listing.exit_code, 0) << listing.out;
  expect_printed_layout_matches(*GgufFile::open(path), listing.out);
}

}  // namespace
}  // namespace memwall::gguf
