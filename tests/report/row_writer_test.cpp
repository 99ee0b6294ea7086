#include "memwall/report/row_writer.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "memwall/report/render.hpp"
#include "sample_records.hpp"

namespace memwall::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string stream(const std::vector<nlohmann::json>& records, Format format) {
  std::ostringstream out;
  RowWriter writer(format, out);
  for (const nlohmann::json& record : records) writer.add(record);
  writer.finish();
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Serving and engine-level points interleaved, as a sweep over two models would write them.
std::vector<nlohmann::json> interleaved(const std::vector<nlohmann::json>& records) {
  std::vector<nlohmann::json> engine, serve, mixed;
  for (const nlohmann::json& r : records)
    (r["point"]["test"] == "serve" ? serve : engine).push_back(r);
  for (std::size_t i = 0; i < std::max(engine.size(), serve.size()); ++i) {
    if (i < serve.size()) mixed.push_back(serve[i]);
    if (i < engine.size()) mixed.push_back(engine[i]);
  }
  return mixed;
}

TEST(RowWriter, StreamingEqualsRenderForStreamableFormats) {
  const std::vector<nlohmann::json> records = testing::sample_records();
  for (Format format : {Format::md, Format::csv, Format::jsonl, Format::json, Format::html}) {
    EXPECT_EQ(stream(records, format), render(records, format)) << format_name(format);
  }
}

TEST(RowWriter, RenderGroupsEngineRowsBeforeServingRows) {
  const std::vector<nlohmann::json> records = testing::sample_records();
  const std::vector<nlohmann::json> mixed = interleaved(records);
  EXPECT_EQ(render(mixed, Format::md), stream(records, Format::md));
  // CSV has no sections: the file order stays.
  EXPECT_EQ(render(mixed, Format::csv), stream(mixed, Format::csv));
  // Streamed, each change of kind opens a new table with its own header.
  const std::string streamed = stream(mixed, Format::md);
  std::size_t headers = 0;
  for (const std::string& line : lines_of(streamed)) headers += line.starts_with("| model |");
  EXPECT_EQ(headers, mixed.size());
}

TEST(RowWriter, WritesEachRowAsItsRecordArrives) {
  const std::vector<nlohmann::json> records = testing::sample_records();
  for (Format format : {Format::table, Format::md, Format::csv, Format::jsonl}) {
    std::ostringstream out;
    RowWriter writer(format, out);
    std::size_t previous = 0;
    for (const nlohmann::json& record : records) {
      writer.add(record);
      const std::size_t now = lines_of(out.str()).size();
      EXPECT_GT(now, previous) << format_name(format);
      previous = now;
    }
    writer.finish();
    EXPECT_EQ(lines_of(out.str()).size(), previous) << format_name(format);
  }
}

TEST(RowWriter, JsonIsOneArrayWrittenAtFinish) {
  const std::vector<nlohmann::json> records = testing::sample_records();
  std::ostringstream out;
  RowWriter writer(Format::json, out);
  for (const nlohmann::json& record : records) writer.add(record);
  EXPECT_TRUE(out.str().empty());
  writer.finish();
  EXPECT_EQ(nlohmann::json::parse(out.str()), nlohmann::json(records));
}

TEST(RowWriter, JsonLinesIsEachRecordOnOneLine) {
  const std::vector<nlohmann::json> records = testing::sample_records();
  const std::vector<std::string> lines = lines_of(stream(records, Format::jsonl));
  ASSERT_EQ(lines.size(), records.size());
  for (std::size_t i = 0; i < lines.size(); ++i)
    EXPECT_EQ(nlohmann::json::parse(lines[i]), records[i]);
}

TEST(RowWriter, NoRecordsGivesHeaderOnlyCsvAndEmptyJson) {
  EXPECT_EQ(lines_of(stream({}, Format::csv)).size(), 1u);
  EXPECT_EQ(stream({}, Format::json), "[]\n");
  EXPECT_EQ(stream({}, Format::md), "");
  EXPECT_EQ(stream({}, Format::table), "");
  EXPECT_EQ(stream({}, Format::jsonl), "");
}

// One byte per code point, so byte offsets are terminal columns ("±" is two bytes of UTF-8).
std::string columns_of(const std::string& utf8) {
  std::string narrow;
  for (const char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) narrow += c;
  }
  return narrow;
}

// Console columns have fixed widths: the numbers of every row end under their header's unit.
TEST(RowWriter, ConsoleTableColumnsAlign) {
  const std::vector<nlohmann::json> records = testing::sample_records();
  std::vector<std::string> lines;
  for (const std::string& line : lines_of(stream(records, Format::table)))
    lines.push_back(columns_of(line));
  std::size_t unit_line = 0, checked = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].starts_with("model")) unit_line = i + 1;
    if (lines[i].empty() || i <= unit_line + 1 || lines[i].find(" -  ") != std::string::npos) {
      continue;  // headers, the rule, rows with missing values
    }
    const std::size_t percent = lines[unit_line].rfind('%');
    ASSERT_NE(percent, std::string::npos);
    ASSERT_GT(lines[i].size(), percent) << lines[i];
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(lines[i][percent]))) << lines[i];
    EXPECT_TRUE(lines[i].size() == percent + 1 || lines[i][percent + 1] == ' ') << lines[i];
    ++checked;
  }
  EXPECT_EQ(checked, 11u);
}

TEST(RowWriter, ConsoleShowsThePerKindColumns) {
  const std::string table = stream(testing::sample_records(), Format::table);
  EXPECT_THAT(table, HasSubstr("tok/s"));
  EXPECT_THAT(table, HasSubstr("95.07 ± 0.25"));  // pp512 Q4_0: median ± stddev
  EXPECT_THAT(table, HasSubstr("agg tok/s"));
  EXPECT_THAT(table, HasSubstr("TTFT"));
  EXPECT_THAT(table, HasSubstr("p99 ms"));
  EXPECT_THAT(table, HasSubstr("queue"));
  EXPECT_THAT(table, HasSubstr("roofline"));
}

TEST(RowWriter, FailedAndSkippedRowsAreShownWithTheirReasons) {
  const std::vector<nlohmann::json> records = testing::sample_records();
  for (Format format : {Format::table, Format::md, Format::csv, Format::jsonl}) {
    const std::string text = stream(records, format);
    EXPECT_THAT(text, HasSubstr("out of memory allocating")) << format_name(format);
    EXPECT_THAT(text, HasSubstr("KV cache would not fit: 8 sequences")) << format_name(format);
  }
  const std::string md = render(records, Format::md);
  EXPECT_THAT(md, HasSubstr("| failed: engine: out of memory allocating \"compute buffer\""));
  EXPECT_THAT(md, HasSubstr("| skipped: KV cache would not fit"));
  EXPECT_THAT(md, HasSubstr("request errors: timeout 1; agg_tok_s varies by 6.3%"));
  // RFC 4180: the reason holds quotes and a comma, so it is quoted and its quotes doubled.
  EXPECT_THAT(
      render(records, Format::csv),
      HasSubstr(R"(failed,"engine: out of memory allocating ""compute buffer"" (2.31 GiB), )"
                R"(1.87 GiB available",preset:llama-3.2-1b,F16,engine,,pp,)"));
}

TEST(RowWriter, PredictedColumnsOnlyWhenARecordHasAPrediction) {
  std::vector<nlohmann::json> records = testing::sample_records();
  EXPECT_THAT(render(records, Format::md), HasSubstr("predicted tok/s"));
  EXPECT_THAT(render(records, Format::md), HasSubstr("predicted TTFT (ms)"));
  EXPECT_THAT(render(records, Format::csv), HasSubstr("predicted_agg_tok_s"));
  for (nlohmann::json& record : records) record.erase("prediction");
  for (Format format : {Format::md, Format::csv, Format::table, Format::html}) {
    EXPECT_THAT(render(records, format), Not(HasSubstr("pred"))) << format_name(format);
  }
}

TEST(RowWriter, MarkdownCellsCannotBreakTheTable) {
  nlohmann::json record = testing::sample_records().front();
  record["status"] = "failed";
  record["reason"] = "a | b\nc";
  const std::string md = render({record}, Format::md);
  EXPECT_THAT(md, HasSubstr("failed: a \\| b c |"));
  EXPECT_EQ(lines_of(md).size(), 3u);
}

TEST(RowWriter, RecordsMissingFieldsRenderWithPlaceholders) {
  const nlohmann::json bare = {
      {"schema", "memwall.bench.v1"}, {"status", "failed"}, {"point", nlohmann::json::object()}};
  for (Format format : {Format::table, Format::md, Format::csv, Format::json, Format::html}) {
    EXPECT_FALSE(render({bare}, format).empty()) << format_name(format);
  }
  EXPECT_THAT(render({bare}, Format::md), HasSubstr("| - | - |"));
}

}  // namespace
}  // namespace memwall::report
