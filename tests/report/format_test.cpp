#include <gtest/gtest.h>

#include "memwall/report/format.hpp"

namespace memwall::report {
namespace {

TEST(Format, ParsesEveryNameAndRoundTrips) {
  for (Format format :
       {Format::table, Format::md, Format::csv, Format::json, Format::jsonl, Format::html}) {
    Result<Format> parsed = parse_format(format_name(format));
    ASSERT_TRUE(parsed.ok()) << format_name(format);
    EXPECT_EQ(*parsed, format);
  }
  ASSERT_TRUE(parse_format("markdown").ok());
  EXPECT_EQ(*parse_format("markdown"), Format::md);
}

TEST(Format, UnknownNameIsAnErrorNamingIt) {
  Result<Format> parsed = parse_format("xml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("'xml'"), std::string::npos) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("html"), std::string::npos) << parsed.error().message;
  EXPECT_FALSE(parse_format("").ok());
  EXPECT_FALSE(parse_format("MD").ok());
}

}  // namespace
}  // namespace memwall::report
