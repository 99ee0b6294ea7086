#include "memwall/gguf/value.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace memwall::gguf {
namespace {

template <typename V>
Value scalar(V v) {
  return Value{Value::Storage(std::in_place_type<V>, v)};
}

TEST(GgufValue, TypeFollowsTheVariantOrder) {
  EXPECT_EQ(scalar<std::uint8_t>(1).type(), ValueType::u8);
  EXPECT_EQ(scalar<bool>(true).type(), ValueType::boolean);
  EXPECT_EQ(make_string("x").type(), ValueType::string);
  EXPECT_EQ(make_i32_array({}).type(), ValueType::array);
  EXPECT_EQ(scalar<double>(1).type(), ValueType::f64);
  EXPECT_EQ(value_type_name(ValueType::f32), "f32");
  EXPECT_EQ(value_type_name(ValueType::string), "string");
  EXPECT_EQ(value_type_name(static_cast<ValueType>(77)), "unknown");
}

TEST(GgufValue, AsUintTakesNonNegativeIntegersOnly) {
  EXPECT_EQ(scalar<std::uint16_t>(7).as_uint(), 7u);
  EXPECT_EQ(scalar<std::int32_t>(7).as_uint(), 7u);
  EXPECT_EQ(scalar<std::uint64_t>(~0ull).as_uint(), ~0ull);
  EXPECT_FALSE(scalar<std::int8_t>(-1).as_uint());
  EXPECT_FALSE(scalar<float>(1.0f).as_uint());
  EXPECT_FALSE(scalar<bool>(true).as_uint());
  EXPECT_FALSE(make_string("1").as_uint());
}

TEST(GgufValue, AsIntTakesIntegersThatFit) {
  EXPECT_EQ(scalar<std::int8_t>(-5).as_int(), -5);
  EXPECT_EQ(scalar<std::uint32_t>(0xFFFFFFFF).as_int(), 0xFFFFFFFFll);
  EXPECT_EQ(scalar<std::int64_t>(std::numeric_limits<std::int64_t>::min()).as_int(),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_FALSE(scalar<std::uint64_t>(1ull << 63).as_int());
  EXPECT_FALSE(scalar<double>(1).as_int());
}

TEST(GgufValue, AsNumberTakesIntegersAndFloats) {
  EXPECT_EQ(scalar<float>(0.5f).as_number(), 0.5);
  EXPECT_EQ(scalar<std::int16_t>(-3).as_number(), -3.0);
  EXPECT_EQ(scalar<double>(1e300).as_number(), 1e300);
  EXPECT_FALSE(scalar<bool>(false).as_number());
  EXPECT_FALSE(make_string("2").as_number());
}

TEST(GgufValue, StringsArraysAndBools) {
  EXPECT_EQ(*make_string("abc").as_string(), "abc");
  EXPECT_EQ(scalar<int>(1).as_string(), nullptr);
  EXPECT_EQ(scalar<bool>(false).as_bool(), false);
  EXPECT_FALSE(scalar<std::uint8_t>(1).as_bool());
  const Value tokens = make_string_array({"a", "b"});
  ASSERT_NE(tokens.as_array(), nullptr);
  EXPECT_EQ(tokens.as_array()->element_type, ValueType::string);
  EXPECT_EQ(*tokens.as_array()->items[1].as_string(), "b");
  EXPECT_EQ(make_f32_array({1.5f}).as_array()->items[0].as_number(), 1.5);
  EXPECT_EQ(make_i32_array({-2}).as_array()->items[0].as_int(), -2);
  EXPECT_EQ(make_string("x").as_array(), nullptr);
}

TEST(GgufValue, EqualityComparesTypeAndContent) {
  EXPECT_EQ(make_i32_array({1, 2}), make_i32_array({1, 2}));
  EXPECT_NE(make_i32_array({1, 2}), make_i32_array({1}));
  EXPECT_NE(scalar<std::int32_t>(1), scalar<std::uint32_t>(1));
  EXPECT_NE((Value{Array{ValueType::u8, {}}}), (Value{Array{ValueType::i8, {}}}));
}

}  // namespace
}  // namespace memwall::gguf
