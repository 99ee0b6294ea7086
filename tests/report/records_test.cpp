#include "memwall/report/records.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "sample_records.hpp"
#include "support/schema.hpp"
#include "support/subprocess.hpp"

namespace memwall::report {
namespace {

using ::testing::HasSubstr;

std::string write_temp(const std::string& name, const std::string& content) {
  const std::string path = memwall::testing::make_temp_dir("memwall-report") + "/" + name;
  std::ofstream(path) << content;
  return path;
}

const std::string kRecord =
    R"({"schema":"memwall.bench.v1","status":"ok","point":{"test":"tg"},"stats":{}})";

TEST(ReadRecords, ReadsTheSampleAndEveryRecordMatchesTheSchema) {
  const std::vector<nlohmann::json> records = testing::sample_records();
  ASSERT_EQ(records.size(), 13u);
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Status valid =
        memwall::testing::validate_against_schema(records[i], "bench-record.v1.schema.json");
    EXPECT_TRUE(valid.ok()) << "record " << i + 1 << ": " << valid.error().message;
  }
}

TEST(ReadRecords, SkipsBlankLinesAndAcceptsAMissingFinalNewline) {
  Result<std::vector<nlohmann::json>> records =
      parse_records("\n" + kRecord + "\n   \r\n" + kRecord, "runs.jsonl");
  ASSERT_TRUE(records.ok()) << records.error().message;
  EXPECT_EQ(records->size(), 2u);
}

TEST(ReadRecords, EmptyFileHasNoRecords) {
  Result<std::vector<nlohmann::json>> records = read_records(write_temp("empty.jsonl", ""));
  ASSERT_TRUE(records.ok()) << records.error().message;
  EXPECT_TRUE(records->empty());
}

TEST(ReadRecords, MalformedLineIsAnErrorNamingFileAndLine) {
  const std::string path = write_temp("bad.jsonl", kRecord + "\n" + kRecord + "\n{\"schema\": \n");
  Result<std::vector<nlohmann::json>> records = read_records(path);
  ASSERT_FALSE(records.ok());
  EXPECT_THAT(records.error().message, HasSubstr(path + ":3: not valid JSON"));
}

TEST(ReadRecords, TruncatedLastLineIsAnError) {
  Result<std::vector<nlohmann::json>> records =
      parse_records(kRecord + "\n" + kRecord.substr(0, 40), "runs.jsonl");
  ASSERT_FALSE(records.ok());
  EXPECT_THAT(records.error().message, HasSubstr("runs.jsonl:2:"));
}

TEST(ReadRecords, RecordsOfAnotherShapeAreErrors) {
  const auto problem = [](const std::string& line) {
    Result<std::vector<nlohmann::json>> records = parse_records(line + "\n", "r.jsonl");
    return records.ok() ? std::string("accepted") : records.error().message;
  };
  EXPECT_THAT(problem("[1, 2]"), HasSubstr("r.jsonl:1: not a JSON object"));
  EXPECT_THAT(problem(R"({"status":"ok","point":{}})"),
              HasSubstr("r.jsonl:1: not a memwall bench record"));
  EXPECT_THAT(problem(R"({"schema":"memwall.bench.v2","point":{}})"),
              HasSubstr("r.jsonl:1: schema 'memwall.bench.v2' is not supported"));
  EXPECT_THAT(problem(R"({"schema":"memwall.bench.v1","point":3})"),
              HasSubstr("r.jsonl:1: bench record without a \"point\" object"));
  EXPECT_THAT(problem(R"({"schema":"memwall.probe.v1"})"), HasSubstr("not supported"));
}

TEST(ReadRecords, MissingFileIsAnErrorNamingIt) {
  Result<std::vector<nlohmann::json>> records = read_records("/nonexistent/runs.jsonl");
  ASSERT_FALSE(records.ok());
  EXPECT_THAT(records.error().message, HasSubstr("/nonexistent/runs.jsonl"));
}

}  // namespace
}  // namespace memwall::report
