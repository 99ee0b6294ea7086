#include "memwall/util/text_table.hpp"

#include <gtest/gtest.h>

namespace memwall {
namespace {

TEST(TextTable, AlignsTextLeftAndNumbersRight) {
  TextTable table({"kernel", "GB/s"});
  table.add_row({"read", "42.5"});
  table.add_row({"write_nt", "7.0"});
  EXPECT_EQ(table.render(),
            "kernel    GB/s\n"
            "--------------\n"
            "read      42.5\n"
            "write_nt   7.0\n");
}

TEST(TextTable, IndentsEveryLine) {
  TextTable table({"a"});
  table.add_row({"x"});
  EXPECT_EQ(table.render(2), "  a\n  -\n  x\n");
}

}  // namespace
}  // namespace memwall
