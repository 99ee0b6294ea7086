// Renders the sample records in every text format and compares with the files in golden/.
// To regenerate them after an intended change of output, run
//   MEMWALL_UPDATE_GOLDEN=1 build/tests/report/report_tests --gtest_filter='Golden.*'
// and review the diff of tests/report/golden/ before committing it.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "memwall/report/render.hpp"
#include "sample_records.hpp"

namespace memwall::report {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_golden(Format format, const std::string& file) {
  const std::string rendered = render(testing::sample_records(), format);
  const std::string path = testing::golden_dir() + "/" + file;
  if (std::getenv("MEMWALL_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(path, std::ios::binary) << rendered;
    GTEST_SKIP() << "wrote " << path;
  }
  const std::string golden = slurp(path);
  ASSERT_FALSE(golden.empty()) << path << " is missing; see the comment at the top of this file";
  EXPECT_EQ(rendered, golden) << "output differs from " << path;
}

TEST(Golden, Markdown) { expect_golden(Format::md, "sample.md"); }
TEST(Golden, Csv) { expect_golden(Format::csv, "sample.csv"); }
TEST(Golden, Json) { expect_golden(Format::json, "sample.json"); }
TEST(Golden, ConsoleTable) { expect_golden(Format::table, "sample.txt"); }

}  // namespace
}  // namespace memwall::report
