// Malformed tensor infos and data layouts, plus truncation and mutation sweeps over a valid file.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "gguf_test_util.hpp"

namespace memwall::gguf {
namespace {

using testing::Bytes;
using testing::expect_error;
using testing::RawGguf;

constexpr std::uint32_t kF32 = 0, kQ4_0 = 2, kQ4_K = 12, kF64 = 28;
constexpr std::uint64_t kMax = ~std::uint64_t{0};

// One tensor info, the header padded to 32 and `data_bytes` of data.
Bytes one_tensor(std::string_view name, std::initializer_list<std::uint64_t> shape,
                 std::uint32_t type, std::uint64_t offset, std::size_t data_bytes = 64) {
  return RawGguf().header(1, 0).tensor(name, shape, type, offset).pad(32).zeros(data_bytes).bytes();
}

TEST(GgufMalformedTensor, Names) {
  expect_error(one_tensor("", {4}, kF32, 0), {"tensor #0 has an empty name"});
  ASSERT_TRUE(testing::parse(one_tensor(std::string(63, 'n'), {4}, kF32, 0)).ok());
  expect_error(one_tensor(std::string(64, 'n'), {4}, kF32, 0),
               {"tensor #0 name \"nnn", "is 64 bytes, longer than ggml's limit of 63"});
  expect_error(RawGguf()
                   .header(2, 0)
                   .tensor("w", {8}, kF32, 0)
                   .tensor("w", {8}, kF32, 32)
                   .pad(32)
                   .zeros(64)
                   .bytes(),
               {"tensor w: appears twice (tensors #0 and #1)"});
  expect_error(RawGguf().header(1, 0).u64(kMax).zeros(40).bytes(),
               {"tensor #0 name length 18446744073709551615"});
}

TEST(GgufMalformedTensor, DimensionCounts) {
  expect_error(RawGguf().header(1, 0).str("w").u32(0).u32(kF32).u64(0).zeros(64).bytes(),
               {"tensor w: 0 dimensions; GGUF allows 1 to 4"});
  expect_error(one_tensor("w", {1, 1, 1, 1, 1}, kF32, 0), {"tensor w: 5 dimensions"});
  expect_error(RawGguf().header(1, 0).str("w").u32(0xFFFFFFFF).zeros(64).bytes(),
               {"tensor w: 4294967295 dimensions"});
  expect_error(RawGguf().header(1, 0).str("w").u32(4).u64(1).u64(1).u64(1).bytes(),
               {"tensor w: file ends while reading dimension"});
}

TEST(GgufMalformedTensor, DimensionValues) {
  expect_error(one_tensor("w", {32, 0}, kF32, 0), {"tensor w: dimension 1 of shape [32, 0] is 0"});
  expect_error(one_tensor("w", {0}, kF32, 0), {"tensor w: dimension 0 of shape [0] is 0"});
  expect_error(one_tensor("w", {1ull << 32, 1ull << 32}, kF32, 0),
               {"tensor w: element count of shape [4294967296, 4294967296] overflows"});
  expect_error(one_tensor("w", {1ull << 62, 2}, kF32, 0), {"tensor w: element count", "overflows"});
  expect_error(one_tensor("w", {kMax, kMax, kMax, kMax}, kF32, 0), {"tensor w: element count"});
  expect_error(one_tensor("w", {1ull << 62}, kF64, 0),
               {"tensor w: byte size of shape [4611686018427387904] of F64 overflows 2^64"});
  expect_error(one_tensor("w", {1ull << 40}, kF32, 0), {"tensor w: data ends past end of file"});
}

TEST(GgufMalformedTensor, Types) {
  for (std::uint32_t type : {4u, 5u, 31u, 99u, 0xFFFFFFFFu}) {
    expect_error(one_tensor("w", {32}, type, 0),
                 {"tensor w: unknown tensor type " + std::to_string(type)});
  }
  expect_error(one_tensor("w", {33}, kQ4_0, 0),
               {"tensor w: row length 33 is not a multiple of Q4_0's block size 32"});
  expect_error(one_tensor("w", {255, 2}, kQ4_K, 0), {"row length 255", "Q4_K's block size 256"});
  ASSERT_TRUE(testing::parse(one_tensor("w", {32, 2}, kQ4_0, 0)).ok());
}

TEST(GgufMalformedTensor, Offsets) {
  expect_error(one_tensor("w", {4}, kF32, 16),
               {"tensor w: data offset 16 is not a multiple of the alignment 32"});
  expect_error(RawGguf()
                   .header(1, 1)
                   .kv_u32("general.alignment", 64)
                   .tensor("w", {4}, kF32, 32)
                   .pad(64)
                   .zeros(128)
                   .bytes(),
               {"tensor w: data offset 32 is not a multiple of the alignment 64"});
  expect_error(one_tensor("w", {4}, kF32, kMax & ~std::uint64_t{31}),
               {"tensor w: data ends past end of file (offset 18446744073709551584"});
  expect_error(one_tensor("w", {4}, kF32, 64), {"tensor w: data ends past end of file"});
}

TEST(GgufMalformedTensor, DataPastTheEnd) {
  const Bytes bytes = one_tensor("blk.3.attn_q.weight", {1024}, kF32, 0, 100);
  expect_error(bytes, {"tensor blk.3.attn_q.weight: data ends past end of file (offset 0 from the "
                       "data section at byte 96, 4096 bytes, file 196 bytes)"});
  // The header ends at byte 57; the data section would start at 64.
  expect_error(RawGguf().header(1, 0).tensor("w", {4}, kF32, 0).bytes(),
               {"data section would start at byte 64, past the end of the file (57 bytes)"});
}

TEST(GgufMalformedTensor, Overlaps) {
  expect_error(RawGguf()
                   .header(2, 0)
                   .tensor("a", {16}, kF32, 0)
                   .tensor("b", {16}, kF32, 32)
                   .pad(32)
                   .zeros(128)
                   .bytes(),
               {"tensors a and b overlap (a at offset 0 for 64 bytes, b at offset 32)"});
  expect_error(RawGguf()
                   .header(2, 0)
                   .tensor("a", {8}, kF32, 0)
                   .tensor("b", {8}, kF32, 0)
                   .pad(32)
                   .zeros(64)
                   .bytes(),
               {"overlap"});
  // Adjacent is fine, and so is an order other than the file's (llama.cpp needs back-to-back
  // offsets in order; memwall reads any layout that is safe).
  ASSERT_TRUE(testing::parse(RawGguf()
                                 .header(2, 0)
                                 .tensor("a", {8}, kF32, 32)
                                 .tensor("b", {8}, kF32, 0)
                                 .pad(32)
                                 .zeros(64)
                                 .bytes())
                  .ok());
}

// A valid file with metadata of several kinds and tensors of three types.
Bytes valid_file() {
  GgufWriter writer;
  writer.set("general.architecture", make_string("llama"));
  writer.set("llama.block_count", Value{Value::Storage(std::in_place_type<std::uint32_t>, 2)});
  writer.set("tokenizer.ggml.tokens", make_string_array({"<s>", "</s>", "hello", ""}));
  writer.set("tokenizer.ggml.scores", make_f32_array({0.0f, -1.0f, -2.5f, 3.0f}));
  writer.set("nested",
             Value{Array{ValueType::array, {make_i32_array({1, 2}), make_string_array({"x"})}}});
  const Bytes q = testing::pattern(2 * 2 * 18, 1), h = testing::pattern(8 * 3 * 2, 2),
              f = testing::pattern(5 * 4, 3);
  EXPECT_TRUE(writer.add_tensor("blk.0.attn_q.weight", {64, 2}, quant::TensorType::Q4_0, q).ok());
  EXPECT_TRUE(writer.add_tensor("token_embd.weight", {8, 3}, quant::TensorType::F16, h).ok());
  EXPECT_TRUE(writer.add_tensor("output_norm.weight", {5}, quant::TensorType::F32, f).ok());
  return testing::write_to_bytes(writer);
}

TEST(GgufMalformedSweep, EveryTruncationBeforeTheLastTensorEndFails) {
  const Bytes bytes = valid_file();
  const Result<GgufFile> whole = testing::parse(bytes);
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  std::uint64_t required_end = 0;
  for (const TensorInfo& t : whole->tensors()) {
    required_end = std::max(required_end, whole->data_offset() + t.offset + t.n_bytes);
  }
  ASSERT_LT(required_end, bytes.size());  // the last tensor is followed by padding
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    const Bytes prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    const Result<GgufFile> file = testing::parse(prefix);
    EXPECT_EQ(file.ok(), cut >= required_end) << "cut at " << cut;
    if (!file.ok()) {
      EXPECT_EQ(file.error().message.rfind("test.gguf: ", 0), 0u);
    }
  }
}

// Every header byte replaced by values that break lengths, counts and type ids, and every header
// position overwritten by large 64-bit values. The assertion is that nothing crashes (ASan and
// UBSan make that strict) and that whatever parses yields tensor data inside the buffer.
TEST(GgufMalformedSweep, MutatedHeadersNeverCrash) {
  const Bytes bytes = valid_file();
  const std::uint64_t header_end = testing::parse(bytes)->data_offset();
  std::size_t parsed = 0, refused = 0;
  const auto check = [&](const Bytes& mutated) {
    const Result<GgufFile> file = testing::parse(mutated);
    if (!file.ok()) {
      ++refused;
      return;
    }
    ++parsed;
    for (const TensorInfo& t : file->tensors()) {
      const std::span<const std::byte> data = file->tensor_data(t);
      ASSERT_EQ(data.size(), t.n_bytes);
      ASSERT_GE(data.data(), mutated.data());
      ASSERT_LE(data.data() + data.size(), mutated.data() + mutated.size());
    }
  };
  for (std::size_t i = 0; i < header_end; ++i) {
    const auto original = std::to_integer<std::uint8_t>(bytes[i]);
    for (std::uint8_t v :
         {std::uint8_t{0x00}, std::uint8_t{0xFF}, std::uint8_t{0x7F}, std::uint8_t{0x80},
          std::uint8_t(original ^ 1), std::uint8_t(original + 1)}) {
      Bytes mutated = bytes;
      mutated[i] = std::byte{v};
      check(mutated);
    }
    for (std::uint64_t v :
         {kMax, std::uint64_t{1} << 63, std::uint64_t{1} << 32, std::uint64_t{0}}) {
      Bytes mutated = bytes;
      const std::size_t n = std::min<std::size_t>(8, mutated.size() - i);
      for (std::size_t k = 0; k < n; ++k) mutated[i + k] = static_cast<std::byte>(v >> (8 * k));
      check(mutated);
    }
  }
  EXPECT_GT(refused, 0u);
  EXPECT_GT(parsed, 0u);  // e.g. changed string contents still parse
}

}  // namespace
}  // namespace memwall::gguf
