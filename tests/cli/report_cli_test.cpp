
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "support/subprocess.hpp"

namespace memwall {
namespace {

using testing::run_memwall;

const std::string kSample = std::string(MEMWALL_SOURCE_DIR) + "/tests/report/data/sample.jsonl";
const std::string kGolden = std::string(MEMWALL_SOURCE_DIR) + "/tests/report/golden/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t lines(const std::string& s) { return std::count(s.begin(), s.end(), '\n'); }

TEST(ReportCli, MarkdownToStdoutByDefault) {
  const auto r = run_memwall({"report", kSample});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(kGolden + "sample.md"));
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(ReportCli, WritesTheChosenFormatToAFile) {
  const std::string dir = testing::make_temp_dir("memwall-report-cli");
  const auto csv = run_memwall({"report", kSample, "--format", "csv", "-o", dir + "/r.csv"});
  EXPECT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_TRUE(csv.out.empty());
  EXPECT_EQ(slurp(dir + "/r.csv"), slurp(kGolden + "sample.csv"));
  const auto html = run_memwall({"report", kSample, "--format", "html", "-o", dir + "/r.html"});
  EXPECT_EQ(html.exit_code, 0) << html.err;
  EXPECT_NE(slurp(dir + "/r.html").find("<svg"), std::string::npos);
}

TEST(ReportCli, MalformedInputIsOneLineNamingFileAndLineExit2) {
  const std::string path = testing::make_temp_dir("memwall-report-cli") + "/bad.jsonl";
  std::ofstream(path) << slurp(kSample).substr(0, 200) << "\n";
  const auto r = run_memwall({"report", path});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find(path + ":1: not valid JSON"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(ReportCli, MissingInputAndUnknownFormatAreErrorsExit2) {
  const auto missing = run_memwall({"report", "/nonexistent/runs.jsonl"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(lines(missing.err), 1u) << missing.err;
  EXPECT_NE(missing.err.find("/nonexistent/runs.jsonl"), std::string::npos) << missing.err;
  const auto format = run_memwall({"report", kSample, "--format", "pdf"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_EQ(lines(format.err), 1u) << format.err;
  EXPECT_NE(format.err.find("'pdf'"), std::string::npos) << format.err;
  const auto no_file = run_memwall({"report"});
  EXPECT_EQ(no_file.exit_code, 2);
}

TEST(ReportCli, UnwritableOutputIsARuntimeError) {
  const auto r = run_memwall({"report", kSample, "-o", "/nonexistent/dir/r.md"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
}

}  // namespace
}  // namespace memwall
