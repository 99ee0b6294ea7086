#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cells.hpp"
#include "memwall/report/render.hpp"
#include "sample_records.hpp"

namespace memwall::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
    ++n;
  return n;
}

class Html : public ::testing::Test {
 protected:
  std::vector<nlohmann::json> records_ = testing::sample_records();
  std::string html_ = render(records_, Format::html);
};

TEST_F(Html, IsOneSelfContainedPage) {
  EXPECT_TRUE(html_.starts_with("<!DOCTYPE html>")) << html_.substr(0, 80);
  EXPECT_THAT(html_, HasSubstr("<meta charset=\"utf-8\">"));
  EXPECT_THAT(html_, HasSubstr("<style>"));
  EXPECT_THAT(html_, Not(HasSubstr("http://")));
  EXPECT_THAT(html_, Not(HasSubstr("https://")));
  EXPECT_THAT(html_, Not(HasSubstr("<script")));
  EXPECT_THAT(html_, Not(HasSubstr("<link")));
  EXPECT_THAT(html_, Not(HasSubstr("<img")));
  EXPECT_THAT(html_, Not(HasSubstr("url(")));
  EXPECT_THAT(html_, Not(HasSubstr("@import")));
}

TEST_F(Html, ElementsAreBalanced) {
  for (const char* tag : {"html", "head", "body", "svg", "figure", "table", "tr", "td", "th", "div",
                          "text", "title", "h2", "dl", "ul"}) {
    const std::string open = std::string("<") + tag;
    // "<tr" would also count "<text": count opening tags followed by '>' or ' '.
    const std::size_t opened = count(html_, open + ">") + count(html_, open + " ");
    EXPECT_EQ(opened, count(html_, std::string("</") + tag + ">")) << tag;
  }
}

TEST_F(Html, PlotsThroughputTtftAndRoofline) {
  // Aggregate tok/s, per-user tok/s and TTFT against users; pp and tg bars; roofline bars.
  EXPECT_EQ(count(html_, "<svg"), 6u);
  EXPECT_THAT(html_, HasSubstr("<h3>llama-3.2-1b: against concurrent users</h3>"));
  EXPECT_THAT(html_, HasSubstr(">Aggregate tok/s</text>"));
  EXPECT_THAT(html_, HasSubstr(">Per-user tok/s (1 / TPOT)</text>"));
  EXPECT_THAT(html_, HasSubstr(">TTFT</text>"));
  EXPECT_THAT(html_, HasSubstr("Roofline efficiency per point"));
  EXPECT_THAT(html_, HasSubstr("concurrent users (closed loop)"));
  // One line per quantization and statistic: Q4_0 and Q8_0; TTFT p50 solid and p99 dashed.
  EXPECT_EQ(count(html_, "<polyline"), 8u);
  EXPECT_EQ(count(html_, "stroke-dasharray=\"6 4\""), 2u);
  // Legends name the schemes and the line styles.
  EXPECT_THAT(html_, HasSubstr(">Q4_0</text>"));
  EXPECT_THAT(html_, HasSubstr(">Q8_0</text>"));
  EXPECT_THAT(html_, HasSubstr(">p99</text>"));
  // Axis ticks at the concurrency levels measured.
  for (const char* tick : {">1</text>", ">2</text>", ">4</text>"})
    EXPECT_THAT(html_, HasSubstr(tick));
}

TEST_F(Html, AQuantizationHasOneColourThroughout) {
  // Q4_0 is the first scheme of the sample: its lines and bars share the first colour.
  EXPECT_THAT(html_, HasSubstr(R"(stroke="#0072B2" stroke-width="2"/>)"));
  EXPECT_THAT(html_, HasSubstr(R"(fill="#0072B2"><title>Q4_0 pp512)"));
  EXPECT_THAT(html_, HasSubstr(R"(fill="#D55E00"><title>Q8_0 tg128)"));
}

TEST_F(Html, TablesHoldEveryPoint) {
  EXPECT_EQ(count(html_, "<tr class=\"point "), records_.size());
  EXPECT_EQ(count(html_, "<tr class=\"point failed noted\">"), 1u);
  EXPECT_EQ(count(html_, "<tr class=\"point skipped noted\">"), 1u);
  for (const nlohmann::json& record : records_) EXPECT_THAT(html_, HasSubstr(test_label(record)));
  EXPECT_THAT(html_,
              HasSubstr("failed: engine: out of memory allocating &quot;compute buffer&quot;"));
  EXPECT_THAT(html_, HasSubstr("skipped: KV cache would not fit"));
}

TEST_F(Html, ShowsProvenance) {
  for (const char* text : {"0.1.0", "1b4c8ad", "Intel(R) Xeon(R) Platinum 8488C", "avx512vnni",
                           "5f3a9c21d0e4b7a8", "2025-05-14T09:30:09Z to 2025-05-14T09:32:57Z"}) {
    EXPECT_THAT(html_, HasSubstr(text));
  }
}

TEST(HtmlEscaping, RecordTextIsEscaped) {
  nlohmann::json record = testing::sample_records().back();
  record["point"]["model"] = "<script>alert(1)</script>";
  record["reason"] = "a & b";
  const std::string html = render({record}, Format::html);
  EXPECT_THAT(html, Not(HasSubstr("<script>")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("a &amp; b"));
}

TEST(HtmlEmpty, NoRecordsIsStillAPage) {
  const std::string html = render({}, Format::html);
  EXPECT_THAT(html, HasSubstr("0 points"));
  EXPECT_THAT(html, HasSubstr("</html>"));
  EXPECT_THAT(html, Not(HasSubstr("<svg")));
}

TEST(HtmlOpenLoop, ArrivalRatePointsGetTheirOwnCharts) {
  std::vector<nlohmann::json> records;
  for (const nlohmann::json& record : testing::sample_records()) {
    if (record["point"]["test"] != "serve" || record["status"] != "ok") continue;
    nlohmann::json open = record;
    open["point"]["rate"] = open["point"]["concurrency"].get<double>() * 0.5;
    open["point"]["concurrency"] = nullptr;
    records.push_back(open);
  }
  const std::string html = render(records, Format::html);
  EXPECT_THAT(html, HasSubstr("<h3>llama-3.2-1b: against arrival rate</h3>"));
  EXPECT_THAT(html, Not(HasSubstr("against concurrent users")));
  EXPECT_THAT(html, HasSubstr("requests per second (open loop)"));
  EXPECT_THAT(html, HasSubstr(">0.5</text>"));
}

}  // namespace
}  // namespace memwall::report
