#include "memwall/bench/ranges.hpp"

#include <gtest/gtest.h>

namespace memwall::bench {
namespace {

using V = std::vector<std::int64_t>;

TEST(Ranges, ListsAndRanges) {
  EXPECT_EQ(*parse_int_list("8", "-c"), V{8});
  EXPECT_EQ(*parse_int_list("1,2,4,8", "-c"), (V{1, 2, 4, 8}));
  EXPECT_EQ(*parse_int_list("1-8*2", "-c"), (V{1, 2, 4, 8}));
  EXPECT_EQ(*parse_int_list("1-10*3", "-c"), (V{1, 3, 9}));
  EXPECT_EQ(*parse_int_list("128-512+128", "-p"), (V{128, 256, 384, 512}));
  EXPECT_EQ(*parse_int_list("1-4", "-t"), (V{1, 2, 3, 4}));
  EXPECT_EQ(*parse_int_list("0,64-128+64", "-p"), (V{0, 64, 128}));
}

TEST(Ranges, ErrorsNameTheItemAndTheFlag) {
  const auto expect_error = [](const char* text, const char* fragment) {
    const auto r = parse_int_list(text, "-c", 1);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().message.find("-c"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(fragment), std::string::npos) << r.error().message;
  };
  expect_error("4-1", "'4-1' counts down");
  expect_error("1,,2", "empty item");
  expect_error("x", "'x'");
  expect_error("1-8*1", "factor");
  expect_error("1-8+0", "step");
  expect_error("0", "below the minimum");
  expect_error("1-8*", "no valid step");
  expect_error("1-1000000", "too many");
}

TEST(Ranges, NumbersAndNames) {
  EXPECT_EQ(*parse_number_list("0.5,1,2", "--rate"), (std::vector<double>{0.5, 1, 2}));
  EXPECT_FALSE(parse_number_list("0", "--rate").ok());
  EXPECT_FALSE(parse_number_list("fast", "--rate").ok());
  EXPECT_EQ(*parse_name_list("Q4_0,Q8_0", "-q"), (std::vector<std::string>{"Q4_0", "Q8_0"}));
  EXPECT_FALSE(parse_name_list("Q4_0,", "-q").ok());
}

}  // namespace
}  // namespace memwall::bench
