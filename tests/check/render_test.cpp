// The Markdown (golden file), JUnit and JSON reports of one fixed comparison.
#include "memwall/check/render.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "generated_runs.hpp"
#include "memwall/util/files.hpp"
#include "support/schema.hpp"

namespace memwall::check {
namespace {

using testing::RecordSpec;

RecordSpec with(const PointKey& point, std::map<std::string, std::vector<double>> samples,
                int repetitions = 0) {
  RecordSpec spec;
  spec.point = point;
  spec.samples = std::move(samples);
  spec.repetitions = repetitions;
  return spec;
}

// A regression, an improvement, a change within the noise, a tolerance-only point, a tail
// metric, and every kind of point that is not compared.
CheckReport fixed_report() {
  RecordSpec failed = with(testing::pp_point("Q8_0"), {});
  failed.status = "failed";
  failed.reason = "engine error: <out of memory> & more";
  RecordSpec skipped = with(testing::tg_point("Q2_K"), {});
  skipped.status = "skipped";
  skipped.reason = "KV cache would not fit";
  const std::vector<RecordSpec> base = {
      with(testing::tg_point("Q4_0"), {{"tg_tok_s", {100.0, 101.0, 99.5, 100.5, 100.2}}}),
      with(testing::tg_point("Q8_0"), {{"tg_tok_s", {60.0, 60.5, 59.8, 60.2, 60.1}}}),
      with(testing::pp_point("Q4_0"), {{"pp_tok_s", {900.0, 700.0, 1100.0, 950.0, 800.0}}}),
      with(testing::tg_point("Q6_K"), {{"tg_tok_s", {70.0}}}),
      with(testing::serve_point(4),
           {{"agg_tok_s", {300.0, 302.0, 299.0}},
            {"ttft_ms", {40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51}}},
           3),
      with(testing::pp_point("Q8_0"), {{"pp_tok_s", {500.0, 505.0, 498.0}}}),
      with(testing::tg_point("Q2_K"), {{"tg_tok_s", {120.0, 121.0, 119.0}}}),
      with(testing::tg_point("Q5_0"), {{"tg_tok_s", {80.0, 81.0, 79.0}}}),
  };
  const std::vector<RecordSpec> cur = {
      with(testing::tg_point("Q4_0"), {{"tg_tok_s", {90.0, 90.5, 89.5, 90.2, 89.9}}}),
      with(testing::tg_point("Q8_0"), {{"tg_tok_s", {66.0, 66.5, 65.8, 66.2, 66.1}}}),
      with(testing::pp_point("Q4_0"), {{"pp_tok_s", {800.0, 1000.0, 650.0, 850.0, 900.0}}}),
      with(testing::tg_point("Q6_K"), {{"tg_tok_s", {71.0}}}),
      with(testing::serve_point(4),
           {{"agg_tok_s", {301.0, 300.0, 303.0}},
            {"ttft_ms", {40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 80}}},
           3),
      failed,
      skipped,
      with(testing::tg_point("Q3_K_M"), {{"tg_tok_s", {90.0, 91.0, 89.0}}}),
  };
  Result<CheckReport> report =
      run_check(testing::record_file("bench/baseline.jsonl", base),
                testing::record_file("current.jsonl", cur), CheckOptions{});
  EXPECT_TRUE(report.ok()) << report.error().message;
  return *report;
}

TEST(Render, MarkdownMatchesTheGoldenFile) {
  const std::string golden_path = std::string(MEMWALL_SOURCE_DIR) + "/tests/check/golden/report.md";
  const std::string markdown = render_markdown(fixed_report());
  const Result<std::string> golden = read_file(golden_path);
  ASSERT_TRUE(golden.ok()) << golden.error().message << "\nactual:\n" << markdown;
  EXPECT_EQ(markdown, *golden) << "actual:\n" << markdown;
}

TEST(Render, JunitHasOneCasePerPointAndMetric) {
  const CheckReport report = fixed_report();
  const std::string xml = render_junit(report);
  auto count = [&](const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t at = xml.find(needle); at != std::string::npos; at = xml.find(needle, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0), 0u);
  const std::size_t cases = report.comparisons.size() + report.notes.size();
  EXPECT_EQ(count("<testcase "), cases);
  EXPECT_EQ(count("<failure "), 2u);  // the tg regression and the failed point
  EXPECT_EQ(count("<skipped "), report.notes.size() - 1);
  EXPECT_NE(xml.find(fmt::format("tests=\"{}\" failures=\"2\"", cases)), std::string::npos) << xml;
  EXPECT_NE(xml.find("&lt;out of memory&gt; &amp; more"), std::string::npos) << xml;
  EXPECT_EQ(xml.find("<out of memory>"), std::string::npos);
  EXPECT_NE(xml.find("classname=\"preset:tiny-llama Q4_0 tg32 t2\" name=\"tg_tok_s\""),
            std::string::npos);
}

TEST(Render, JsonMatchesItsSchema) {
  const CheckReport report = fixed_report();
  const nlohmann::json document = nlohmann::json::parse(render_json(report));
  const Status valid =
      memwall::testing::validate_against_schema(document, "check-report.v1.schema.json");
  EXPECT_TRUE(valid.ok()) << valid.error().message;
  EXPECT_EQ(document["result"], "fail");
  EXPECT_EQ(document["summary"]["regressions"], 1);
  EXPECT_EQ(document["summary"]["failed_points"], 1);
  const nlohmann::json& first = document["comparisons"][0];
  EXPECT_EQ(first["verdict"], "regression");
  EXPECT_EQ(first["metric"], "tg_tok_s");
  EXPECT_EQ(first["basis"], "noise_test");
  EXPECT_EQ(first["p_exact"], true);
  EXPECT_NEAR(first["p_value"].get<double>(), 1.0 / 252, 1e-12);
  EXPECT_EQ(first["point"]["label"], "preset:tiny-llama Q4_0 tg32 t2");
}

// A model name is input: it must not end a table cell or turn into an HTML tag.
TEST(Render, MarkdownEscapesInputText) {
  PointKey point = testing::tg_point();
  point.model = "models/a|b<c>.gguf";
  const RecordSpec run = with(point, {{"tg_tok_s", {100.0, 101.0, 99.0}}});
  Result<CheckReport> report = run_check(testing::record_file("b.jsonl", {run}),
                                         testing::record_file("c.jsonl", {run}), CheckOptions{});
  ASSERT_TRUE(report.ok()) << report.error().message;
  const std::string markdown = render_markdown(*report);
  EXPECT_NE(markdown.find("| models/a\\|b&lt;c&gt;.gguf Q4_0 tg32 t2 |"), std::string::npos)
      << markdown;
}

TEST(Render, OutputIsDeterministic) {
  EXPECT_EQ(render_json(fixed_report()), render_json(fixed_report()));
  EXPECT_EQ(render_markdown(fixed_report()), render_markdown(fixed_report()));
}

}  // namespace
}  // namespace memwall::check
