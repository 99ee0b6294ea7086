// Write with GgufWriter, read with GgufFile: every value type, every tensor type, two alignments.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "gguf_test_util.hpp"
#include "memwall/gguf/reader.hpp"
#include "memwall/gguf/writer.hpp"
#include "support/resident.hpp"
#include "support/subprocess.hpp"

namespace memwall::gguf {
namespace {

using testing::Bytes;
using T = quant::TensorType;

template <typename V>
Value scalar(V v) {
  return Value{Value::Storage(std::in_place_type<V>, v)};
}

Value array_of(ValueType type, std::vector<Value> items) {
  return Value{Array{type, std::move(items)}};
}

// One key per value type, with edge values, and the awkward arrays: nested, empty, of empty
// strings.
std::vector<KeyValue> every_value_type() {
  return {
      {"t.u8", scalar<std::uint8_t>(255)},
      {"t.i8", scalar<std::int8_t>(-128)},
      {"t.u16", scalar<std::uint16_t>(65535)},
      {"t.i16", scalar<std::int16_t>(-32768)},
      {"t.u32", scalar<std::uint32_t>(0xDEADBEEF)},
      {"t.i32", scalar<std::int32_t>(std::numeric_limits<std::int32_t>::min())},
      {"t.f32", scalar<float>(-1.5e-30f)},
      {"t.bool.true", scalar<bool>(true)},
      {"t.bool.false", scalar<bool>(false)},
      {"t.string", make_string("llama")},
      {"t.string.empty", make_string("")},
      {"t.string.unicode", make_string("\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\xa6\x99 caf\xc3\xa9")},
      {"t.u64", scalar<std::uint64_t>(std::numeric_limits<std::uint64_t>::max())},
      {"t.i64", scalar<std::int64_t>(std::numeric_limits<std::int64_t>::min())},
      {"t.f64", scalar<double>(3.141592653589793)},
      {"t.f64.inf", scalar<double>(-std::numeric_limits<double>::infinity())},
      {"t.arr.str", make_string_array({"a", "", "\xc3\xa9t\xc3\xa9", std::string(300, 'x')})},
      {"t.arr.f32", make_f32_array({0.0f, -0.0f, 1e38f})},
      {"t.arr.i32", make_i32_array({-1, 0, 1})},
      {"t.arr.bool", array_of(ValueType::boolean, {scalar(true), scalar(false)})},
      {"t.arr.u64", array_of(ValueType::u64, {scalar<std::uint64_t>(1), scalar<std::uint64_t>(2)})},
      {"t.arr.empty", array_of(ValueType::f64, {})},
      {"t.arr.arr.str",
       array_of(ValueType::array, {make_string_array({"x", "y"}), make_string_array({}),
                                   make_string_array({"\xf0\x9f\x98\x80"})})},
      {"t.arr.arr.mixed",
       array_of(ValueType::array,
                {make_i32_array({1}), array_of(ValueType::u8, {scalar<std::uint8_t>(7)})})},
      {"\xe9\x94\xae.unicode.key", make_string("value")},
  };
}

// Arrays nested to the reader's limit of 8 levels.
Value nested(unsigned levels) {
  Value v = make_string_array({"core"});
  for (unsigned i = 1; i < levels; ++i) v = array_of(ValueType::array, {v});
  return v;
}

TEST(GgufRoundTrip, EveryValueTypeSurvives) {
  GgufWriter writer;
  const std::vector<KeyValue> kvs = every_value_type();
  for (const KeyValue& kv : kvs) writer.set(kv.key, kv.value);
  writer.set("t.nested.8", nested(8));
  const Result<GgufFile> file = testing::parse(testing::write_to_bytes(writer));
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->version(), 3u);
  ASSERT_EQ(file->metadata().size(), kvs.size() + 1);  // no general.alignment at the default
  for (std::size_t i = 0; i < kvs.size(); ++i) {
    EXPECT_EQ(file->metadata()[i].key, kvs[i].key);
    EXPECT_TRUE(file->metadata()[i].value == kvs[i].value) << kvs[i].key;
  }
  EXPECT_TRUE(*file->find("t.nested.8") == nested(8));
  EXPECT_TRUE(file->tensors().empty());
}

TEST(GgufRoundTrip, SetReplacesAndKeepsFirstOrder) {
  GgufWriter writer;
  writer.set("a", make_string("1"));
  writer.set("b", make_string("2"));
  writer.set("a", make_string("3"));
  const Result<GgufFile> file = testing::parse(testing::write_to_bytes(writer));
  ASSERT_TRUE(file.ok()) << file.error().message;
  ASSERT_EQ(file->metadata().size(), 2u);
  EXPECT_EQ(file->metadata()[0].key, "a");
  EXPECT_EQ(*file->get_string("a"), "3");
}

struct TensorCase {
  std::string name;
  std::vector<std::uint64_t> shape;
  T type;
  Bytes data;
};

// Every type of the type table, cycling through 1-4 dimensions with short rows of two blocks.
std::vector<TensorCase> every_tensor_type() {
  std::vector<TensorCase> cases;
  for (std::uint32_t id = 0; id < 64; ++id) {
    const quant::TypeInfo* info = quant::find_type_info(id);
    if (info == nullptr) continue;
    std::vector<std::uint64_t> shape{2ull * info->block_size, 3, 2, 2};
    shape.resize(1 + cases.size() % 4);
    std::uint64_t n = 1;
    for (std::uint64_t d : shape) n *= d;
    cases.push_back({"w." + std::string(info->name), shape, info->type,
                     testing::pattern(quant::bytes_for(info->type, n), id)});
  }
  return cases;
}

void round_trip_tensors(std::uint64_t alignment) {
  const std::vector<TensorCase> cases = every_tensor_type();
  GgufWriter writer(alignment);
  writer.set("general.architecture", make_string("llama"));
  for (const TensorCase& c : cases) {
    ASSERT_TRUE(writer.add_tensor(c.name, c.shape, c.type, c.data).ok()) << c.name;
  }
  const Bytes bytes = testing::write_to_bytes(writer);
  const Result<GgufFile> file = testing::parse(bytes);
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->alignment(), alignment);
  EXPECT_EQ(file->data_offset() % alignment, 0u);
  EXPECT_EQ(file->file_size(), file->data_offset() + writer.data_bytes());
  EXPECT_EQ(file->find("general.alignment") != nullptr, alignment != kDefaultAlignment);
  ASSERT_EQ(file->tensors().size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const TensorInfo& t = file->tensors()[i];
    EXPECT_EQ(t.name, cases[i].name);
    EXPECT_EQ(t.shape, cases[i].shape);
    EXPECT_EQ(t.type, cases[i].type);
    EXPECT_EQ(t.offset % alignment, 0u);
    EXPECT_EQ(file->find_tensor(t.name), &t);
    const std::span<const std::byte> data = file->tensor_data(t);
    ASSERT_EQ(data.size(), cases[i].data.size()) << t.name;
    EXPECT_TRUE(std::equal(data.begin(), data.end(), cases[i].data.begin())) << t.name;
  }
}

TEST(GgufRoundTrip, EveryTensorTypeAtDefaultAlignment) { round_trip_tensors(32); }

TEST(GgufRoundTrip, EveryTensorTypeAtAlignment64) { round_trip_tensors(64); }

TEST(GgufRoundTrip, OpenMapsTheFileAndCopiesShareIt) {
  GgufWriter writer;
  writer.set("llama.block_count", scalar<std::uint32_t>(32));
  writer.set("llama.rope.freq_base", scalar<float>(500000.0f));
  writer.set("general.name", make_string("tiny"));
  writer.set("llama.negative", scalar<std::int32_t>(-4));
  const Bytes data = testing::pattern(64 * 4 * 2, 9);
  ASSERT_TRUE(writer.add_tensor("output.weight", {64, 4}, T::BF16, data).ok());
  const std::filesystem::path dir = memwall::testing::make_temp_dir("gguf");
  const std::filesystem::path path = dir / "tiny.gguf";
  ASSERT_TRUE(writer.write(path).ok());

  Result<GgufFile> opened = GgufFile::open(path);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  const GgufFile copy = *opened;  // outlives the original
  opened = Error{"dropped"};
  EXPECT_EQ(copy.name(), path.string());
  EXPECT_EQ(*copy.get_uint("llama.block_count"), 32u);
  EXPECT_EQ(*copy.get_number("llama.rope.freq_base"), 500000.0);
  EXPECT_EQ(*copy.get_number("llama.block_count"), 32.0);
  EXPECT_EQ(*copy.get_string("general.name"), "tiny");
  const std::span<const std::byte> bytes = copy.tensor_data(*copy.find_tensor("output.weight"));
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), data.begin()));
  EXPECT_EQ(copy.find_tensor("missing"), nullptr);

  const std::string prefix = path.string() + ": key ";
  EXPECT_EQ(copy.get_uint("nope").error().message, prefix + "nope: missing");
  EXPECT_EQ(copy.get_uint("general.name").error().message,
            prefix + "general.name: is string, expected an unsigned integer");
  EXPECT_EQ(copy.get_uint("llama.negative").error().message,
            prefix + "llama.negative: -4 is negative, expected an unsigned integer");
  EXPECT_EQ(copy.get_string("llama.block_count").error().message,
            prefix + "llama.block_count: is u32, expected a string");
  EXPECT_EQ(copy.get_number("general.name").error().message,
            prefix + "general.name: is string, expected a number");
  std::filesystem::remove_all(dir);
}

TEST(GgufRoundTrip, ReleaseDropsATensorsPagesAndItReadsBackTheSame) {
  if (!memwall::testing::resident_file_bytes()) GTEST_SKIP() << "no RssFile in /proc/self/status";
  GgufWriter writer;
  const Bytes data = testing::pattern(8 << 20, 3);  // 8 MiB of F32
  ASSERT_TRUE(writer.add_tensor("blk.0.ffn_up.weight", {1024, 2048}, T::F32, data).ok());
  const std::filesystem::path dir = memwall::testing::make_temp_dir("gguf");
  const std::filesystem::path path = dir / "big.gguf";
  ASSERT_TRUE(writer.write(path).ok());
  const GgufFile file = *GgufFile::open(path);
  const TensorInfo& tensor = *file.find_tensor("blk.0.ffn_up.weight");
  const std::span<const std::byte> bytes = file.tensor_data(tensor);

  ASSERT_TRUE(std::equal(bytes.begin(), bytes.end(), data.begin()));  // every page read in
  const std::uint64_t read_in = *memwall::testing::resident_file_bytes();
  file.release(tensor);
  const std::uint64_t released = *memwall::testing::resident_file_bytes();
  EXPECT_GE(read_in - std::min(read_in, released), 6u << 20) << read_in << " bytes before, " << released << " after";
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), data.begin()));
  std::filesystem::remove_all(dir);
}

TEST(GgufRoundTrip, ReleaseLeavesBytesInMemoryAlone) {
  GgufWriter writer;
  const Bytes data = testing::pattern(64 << 10, 4);
  ASSERT_TRUE(writer.add_tensor("output.weight", {128, 128}, T::F32, data).ok());
  const Bytes file_bytes = testing::write_to_bytes(writer);
  const GgufFile file = *testing::parse(file_bytes);
  const std::span<const std::byte> bytes = file.tensor_data(*file.find_tensor("output.weight"));
  file.release(*file.find_tensor("output.weight"));
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), data.begin()));
}

TEST(GgufRoundTrip, OpenErrorsNameThePath) {
  const Result<GgufFile> missing = GgufFile::open("/nonexistent/model.gguf");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message.rfind("/nonexistent/model.gguf: cannot open", 0), 0u);
  const std::filesystem::path dir = memwall::testing::make_temp_dir("gguf");
  const Result<GgufFile> directory = GgufFile::open(dir);
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message.find("not a regular file"), std::string::npos);
  const std::filesystem::path empty = dir / "empty.gguf";
  { std::ofstream touch(empty); }
  const Result<GgufFile> short_file = GgufFile::open(empty);
  ASSERT_FALSE(short_file.ok());
  EXPECT_EQ(short_file.error().message, empty.string() + ": too short to be a GGUF file (0 bytes)");
  std::filesystem::remove_all(dir);
}

TEST(GgufRoundTrip, DefaultConstructedFileIsEmpty) {
  const GgufFile file;
  EXPECT_TRUE(file.metadata().empty());
  EXPECT_TRUE(file.tensors().empty());
  EXPECT_EQ(file.find("x"), nullptr);
  EXPECT_FALSE(file.get_uint("x").ok());
}

TEST(GgufRoundTrip, VersionTwoIsRead) {
  testing::RawGguf raw;
  raw.header(1, 1, 2).kv_str("general.name", "v2").tensor("w", {4}, 0, 0).pad(32).zeros(16);
  const Result<GgufFile> file = testing::parse(raw.bytes());
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->version(), 2u);
  EXPECT_EQ(file->tensors()[0].n_bytes, 16u);
}

// llama.cpp's reader skips the padding after the header when there are no tensors.
TEST(GgufRoundTrip, FileWithoutTensorsNeedsNoPadding) {
  testing::RawGguf raw;
  raw.header(0, 1).kv_str("k", "v");
  const Result<GgufFile> file = testing::parse(raw.bytes());
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->data_offset(), raw.size());
}

// A TensorInfo the caller made up yields no bytes rather than bytes past the file.
TEST(GgufRoundTrip, TensorDataOfAForeignTensorIsEmpty) {
  testing::RawGguf raw;
  raw.header(1, 0).tensor("w", {4}, 0, 0).pad(32).zeros(16);
  const Result<GgufFile> file = testing::parse(raw.bytes());
  ASSERT_TRUE(file.ok()) << file.error().message;
  TensorInfo foreign = file->tensors()[0];
  foreign.n_bytes = 1 << 20;
  EXPECT_TRUE(file->tensor_data(foreign).empty());
  foreign.offset = std::numeric_limits<std::uint64_t>::max();
  foreign.n_bytes = 2;
  EXPECT_TRUE(file->tensor_data(foreign).empty());
}

}  // namespace
}  // namespace memwall::gguf
