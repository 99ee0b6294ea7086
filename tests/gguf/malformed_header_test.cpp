// Malformed preambles and metadata: each must be refused with a message naming the file and the
// key at fault, never crash (the ASan build of this suite checks the "never" part).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "gguf_test_util.hpp"

namespace memwall::gguf {
namespace {

using testing::Bytes;
using testing::expect_error;
using testing::RawGguf;

constexpr std::uint64_t kHuge = 9999999999;
constexpr std::uint64_t kMax = ~std::uint64_t{0};

TEST(GgufMalformedHeader, TooShortOrWrongMagic) {
  expect_error({}, {"too short to be a GGUF file (0 bytes)"});
  expect_error(RawGguf().raw("GGU").bytes(), {"too short"});
  expect_error(RawGguf().raw("GGML").u32(3).u64(0).u64(0).bytes(),
               {"not a GGUF file (starts with \"GGML\", expected \"GGUF\")"});
  expect_error(RawGguf().raw("\x1b[2J").bytes(), {"starts with \"\\x1b[2J\""});
  expect_error(RawGguf().raw("GGUF").bytes(), {"file ends while reading version"});
}

TEST(GgufMalformedHeader, UnsupportedVersions) {
  expect_error(RawGguf().header(0, 0, 0).bytes(), {"unsupported GGUF version 0"});
  expect_error(RawGguf().header(0, 0, 1).bytes(), {"GGUF version 1 is not supported"});
  expect_error(RawGguf().header(0, 0, 4).bytes(), {"unsupported GGUF version 4"});
  expect_error(RawGguf().header(0, 0, 0xFFFFFFFF).bytes(), {"unsupported GGUF version 4294967295"});
  expect_error(RawGguf().header(0, 0, 0x03000000).bytes(), {"big-endian"});
}

TEST(GgufMalformedHeader, AbsurdCounts) {
  expect_error(RawGguf().header(kMax, 0).bytes(), {"tensor count 18446744073709551615 exceeds"});
  expect_error(RawGguf().header(kHuge, 0).bytes(), {"tensor count 9999999999 exceeds the file"});
  expect_error(RawGguf().header(0, kMax).bytes(), {"metadata count 18446744073709551615 exceeds"});
  expect_error(RawGguf().header(0, 2).kv_u32("a", 1).bytes(),
               {"metadata count 2 exceeds the file"});
  expect_error(RawGguf().header(0, 2).kv_u32("a", 1).u64(50).zeros(4).bytes(),
               {"key #1 length 50 exceeds the file"});
  expect_error(RawGguf().header(1, 0).zeros(40).bytes(), {"tensor #0 has an empty name"});
}

TEST(GgufMalformedHeader, StringLengthsPastTheEnd) {
  expect_error(RawGguf().header(0, 1).u64(100).raw("abc").zeros(20).bytes(),
               {"key #0 length 100 exceeds the file"});
  expect_error(RawGguf().header(0, 1).u64(kMax).zeros(20).bytes(),
               {"key #0 length 18446744073709551615"});
  expect_error(RawGguf().header(0, 1).str("general.name").u32(8).u64(kHuge).raw("x").bytes(),
               {"key general.name: string length 9999999999 exceeds the file"});
  expect_error(RawGguf().header(0, 1).str("general.name").u32(8).u64(kMax).bytes(),
               {"key general.name: string length 18446744073709551615"});
}

TEST(GgufMalformedHeader, ArrayCountsBeyondTheFile) {
  expect_error(RawGguf()
                   .header(0, 1)
                   .str("tokenizer.ggml.tokens")
                   .u32(9)
                   .u32(8)
                   .u64(kHuge)
                   .zeros(64)
                   .bytes(),
               {"key tokenizer.ggml.tokens: array count 9999999999 exceeds the file"});
  expect_error(RawGguf().header(0, 1).str("scores").u32(9).u32(6).u64(kMax).bytes(),
               {"key scores: array count 18446744073709551615 exceeds the file"});
  // 17 strings need at least 17 lengths of 8 bytes.
  expect_error(RawGguf().header(0, 1).str("tokens").u32(9).u32(8).u64(17).zeros(17 * 8 - 1).bytes(),
               {"key tokens: array count 17 exceeds the file"});
  // An inner array's count is checked too, and the message says which item.
  expect_error(RawGguf()
                   .header(0, 1)
                   .str("nested")
                   .u32(9)
                   .u32(9)
                   .u64(2)
                   .u32(0)
                   .u64(1)
                   .u8(5)
                   .u32(0)
                   .u64(kHuge)
                   .bytes(),
               {"key nested: item 1: array count 9999999999"});
}

// Counts the file could hold but memory should not: each u8 item costs ~40 bytes as a Value.
TEST(GgufMalformedHeader, ArrayItemsBeyondTheValueLimit) {
  const std::uint64_t count = (std::uint64_t{1} << 24) + 1;
  RawGguf raw;
  raw.header(0, 1).str("big").u32(9).u32(0).u64(count).zeros(count);
  expect_error(raw.bytes(), {"key big: array count 16777217 exceeds the limit"});
}

Bytes nested_arrays(unsigned levels) {
  RawGguf raw;
  raw.header(0, 1).str("deep").u32(9);
  for (unsigned i = 1; i < levels; ++i) raw.u32(9).u64(1);
  raw.u32(0).u64(1).u8(42);
  return raw.bytes();
}

TEST(GgufMalformedHeader, ArraysNestedTooDeep) {
  ASSERT_TRUE(testing::parse(nested_arrays(8)).ok());
  expect_error(nested_arrays(9), {"key deep: ", "arrays nested deeper than 8"});
  expect_error(nested_arrays(1000), {"key deep: ", "arrays nested deeper than 8"});
}

TEST(GgufMalformedHeader, UnknownValueTypes) {
  expect_error(RawGguf().header(0, 1).str("k").u32(13).u64(0).bytes(),
               {"key k: unknown value type 13"});
  expect_error(RawGguf().header(0, 1).str("k").u32(0xFFFFFFFF).u64(0).bytes(),
               {"key k: unknown value type 4294967295"});
  // An empty array still has to name a real element type.
  expect_error(RawGguf().header(0, 1).str("k").u32(9).u32(99).u64(0).bytes(),
               {"key k: unknown value type 99"});
}

TEST(GgufMalformedHeader, ValuesTruncated) {
  expect_error(RawGguf().header(0, 1).str("k").u32(10).u32(7).bytes(),
               {"key k: file ends while reading value", "8 bytes needed, 4 left"});
  expect_error(RawGguf().header(0, 1).str("kkkkkk").bytes(),
               {"key kkkkkk: file ends while reading value type"});
  expect_error(RawGguf().header(0, 1).str("k").u32(9).u32(4).u64(3).u32(1).u32(2).bytes(),
               {"key k: array count 3 exceeds the file"});
  expect_error(
      RawGguf().header(0, 1).str("k").u32(9).u32(8).u64(2).str("ab").u64(10).raw("x").bytes(),
      {"key k: item 1: string length 10 exceeds the file"});
}

TEST(GgufMalformedHeader, BoolMustBeZeroOrOne) {
  expect_error(RawGguf().header(0, 1).str("flag").u32(7).u8(2).bytes(),
               {"key flag: bool value 2 is neither 0 nor 1"});
}

TEST(GgufMalformedHeader, BadKeys) {
  expect_error(RawGguf().header(0, 1).kv_u32("", 1).bytes(), {"key #0 is empty"});
  for (const char* bad : {"\xc0\x80", "a\xed\xa0\x80", "\xf5\x80\x80\x80", "x\xe2\x82", "\xff",
                          "\xf4\x90\x80\x80", "\xe0\x80\xaf"}) {
    expect_error(RawGguf().header(0, 1).kv_u32(bad, 1).bytes(), {"key #0", "is not valid UTF-8"});
  }
  expect_error(RawGguf()
                   .header(0, 3)
                   .kv_u32("general.name", 1)
                   .kv_u32("b", 2)
                   .kv_str("general.name", "x")
                   .bytes(),
               {"key general.name: appears twice (pairs #0 and #2)"});
}

TEST(GgufMalformedHeader, KeysAreQuotedSafely) {
  const std::string long_key = "\x1b]0;evil\x07" + std::string(5000, 'k');
  const Result<GgufFile> file =
      testing::parse(RawGguf().header(0, 1).str(long_key).u32(13).bytes());
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.error().message.find("key \\x1b]0;evil\\x07kkk"), std::string::npos);
  EXPECT_LT(file.error().message.size(), 200u);
}

TEST(GgufMalformedHeader, BadAlignment) {
  expect_error(RawGguf().header(0, 1).kv_u32("general.alignment", 0).bytes(),
               {"key general.alignment: 0 is not a power of two"});
  expect_error(RawGguf().header(0, 1).kv_u32("general.alignment", 3).bytes(),
               {"key general.alignment: 3 is not a power of two"});
  expect_error(RawGguf().header(0, 1).str("general.alignment").u32(10).u64(64).bytes(),
               {"key general.alignment: must be u32, is u64"});
  expect_error(RawGguf().header(0, 1).kv_str("general.alignment", "32").bytes(),
               {"key general.alignment: must be u32, is string"});
}

}  // namespace
}  // namespace memwall::gguf
