// Reading bench records: the structure check relies on, and errors that name file, line and field.
#include "memwall/check/record.hpp"

#include <gtest/gtest.h>

#include "generated_runs.hpp"
#include "memwall/check/metrics.hpp"
#include "support/schema.hpp"

namespace memwall::check {
namespace {

using nlohmann::json;
using testing::RecordSpec;

RecordSpec full_spec() {
  Rng rng(1);
  RecordSpec spec;
  spec.point = testing::serve_point(4);
  spec.samples = {{"agg_tok_s", testing::noisy(300, 0.02, 3, rng)},
                  {"ttft_ms", testing::noisy(40, 0.05, 48, rng)}};
  return spec;
}

TEST(Record, GeneratedRecordsMatchTheSchema) {
  RecordSpec failed;
  failed.status = "failed";
  failed.reason = "out of memory";
  for (const RecordSpec& spec : {full_spec(), failed}) {
    const Status valid = memwall::testing::validate_against_schema(testing::record_json(spec),
                                                                   "bench-record.v1.schema.json");
    EXPECT_TRUE(valid.ok()) << valid.error().message;
  }
}

TEST(Record, ParsesWhatCheckReads) {
  const Result<Record> r = parse_record(testing::record_json(full_spec()));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, "ok");
  EXPECT_EQ(r->point, testing::serve_point(4));
  EXPECT_EQ(r->repetitions, 3);
  ASSERT_EQ(r->samples.at("ttft_ms").size(), 48u);
  EXPECT_EQ(r->stats.at("ttft_ms").n, 48);
  EXPECT_TRUE(r->stats.at("ttft_ms").p99.has_value());
  EXPECT_EQ(r->read_gbs, 60.0);
  EXPECT_EQ(r->provenance.hardware_fingerprint, testing::kFingerprint);
  EXPECT_EQ(r->provenance.cpu_model, testing::kCpu);
}

TEST(Record, LabelsNameThePoint) {
  EXPECT_EQ(point_label(testing::tg_point()), "preset:tiny-llama Q4_0 tg32 t2");
  EXPECT_EQ(point_label(testing::pp_point("Q8_0")), "preset:tiny-llama Q8_0 pp128 t2");
  EXPECT_EQ(point_label(testing::serve_point(4)), "preset:tiny-llama Q4_0 serve c4 p128 g32 t2");
  PointKey p = testing::tg_point();
  p.depth = 4096;
  p.kv_type = "q8_0";
  p.backend = "openai-chat";
  p.endpoint = "http://10.0.0.2:8000";
  p.threads = 0;
  EXPECT_EQ(point_label(p),
            "preset:tiny-llama Q4_0 tg32 d4096 kv=q8_0 via openai-chat http://10.0.0.2:8000");
  p = testing::serve_point(1);
  p.concurrency.reset();
  p.rate = 2.5;
  EXPECT_EQ(point_label(p), "preset:tiny-llama Q4_0 serve r2.5/s p128 g32 t2");
  p.prefill_budget = 128;
  EXPECT_EQ(point_label(p), "preset:tiny-llama Q4_0 serve r2.5/s p128 g32 t2 budget=128");
}

// Records written before the budget was a sweep dimension ran the engine with 512 tokens per step,
// so they match new records of that budget and no other.
TEST(Record, AMissingPrefillBudgetIsTheEnginesOld512) {
  json line = testing::record_json(full_spec());
  line["point"].erase("prefill_budget");
  Result<Record> r = parse_record(line);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->point, testing::serve_point(4));
  EXPECT_EQ(r->point.prefill_budget, 512);

  line["point"]["prefill_budget"] = 128;
  r = parse_record(line);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->point, testing::serve_point(4));

  line["point"]["backend"] = "openai-chat";
  line["point"]["prefill_budget"] = nullptr;
  r = parse_record(line);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->point.prefill_budget.has_value());  // a server schedules its own steps
}

struct Malformed {
  const char* name;
  std::function<void(json&)> spoil;
  const char* expected;  // in the error message
};

// Each breaks one thing the schema requires; check's own validation and the schema agree.
TEST(Record, MalformedRecordsAreRejectedNamingTheField) {
  const std::vector<Malformed> cases = {
      {"not an object",
       [](json& j) {
         j = json::array({1, 2});
       },
       "expected a JSON object"},
      {"wrong schema", [](json& j) { j["schema"] = "memwall.bench.v0"; }, "schema"},
      {"no status", [](json& j) { j.erase("status"); }, "status: missing"},
      {"bad status", [](json& j) { j["status"] = "done"; }, "status: 'done' is not one of"},
      {"no point", [](json& j) { j.erase("point"); }, "point: missing"},
      {"threads text", [](json& j) { j["point"]["threads"] = "2"; },
       "point.threads: expected an integer"},
      {"negative depth", [](json& j) { j["point"]["depth"] = -1; },
       "point.depth: expected an integer of at least 0"},
      {"fractional gen", [](json& j) { j["point"]["gen"] = 1.5; },
       "point.gen: expected an integer"},
      {"zero users", [](json& j) { j["point"]["concurrency"] = 0; }, "point.concurrency"},
      {"bad kv", [](json& j) { j["point"]["kv_type"] = "q4"; }, "point.kv_type"},
      {"zero budget", [](json& j) { j["point"]["prefill_budget"] = 0; }, "point.prefill_budget"},
      {"bad test", [](json& j) { j["point"]["test"] = "decode"; }, "point.test"},
      {"stats not object", [](json& j) { j["stats"] = json::array(); },
       "stats: expected an object"},
      {"stat median text", [](json& j) { j["stats"]["agg_tok_s"]["median"] = "fast"; },
       "stats.agg_tok_s.median: expected a number"},
      {"stat without n", [](json& j) { j["stats"]["agg_tok_s"].erase("n"); },
       "stats.agg_tok_s.n: missing"},
      {"sample text", [](json& j) { j["samples"]["ttft_ms"][3] = "slow"; },
       "samples.ttft_ms[3]: expected a number"},
      {"samples not array", [](json& j) { j["samples"]["ttft_ms"] = 4; },
       "samples.ttft_ms: expected an array"},
      {"gbs text", [](json& j) { j["roofline"]["read_gbs"] = "60"; },
       "roofline.read_gbs: expected a number"},
      {"no fingerprint", [](json& j) { j["provenance"].erase("hardware_fingerprint"); },
       "provenance.hardware_fingerprint: missing"},
      {"warnings object", [](json& j) { j["warnings"] = json::object(); }, "warnings"},
  };
  for (const Malformed& c : cases) {
    json record = testing::record_json(full_spec());
    c.spoil(record);
    const Result<Record> parsed = parse_record(record);
    ASSERT_FALSE(parsed.ok()) << c.name;
    EXPECT_NE(parsed.error().message.find(c.expected), std::string::npos)
        << c.name << ": " << parsed.error().message;
    EXPECT_FALSE(
        memwall::testing::validate_against_schema(record, "bench-record.v1.schema.json").ok())
        << c.name << " passes the schema but not check";
  }
}

TEST(Record, NullOptionalFieldsAreAccepted) {
  json record = testing::record_json(full_spec());
  record["point"]["endpoint"] = nullptr;
  record["point"]["rate"] = nullptr;
  record["prediction"] = nullptr;
  record.erase("roofline");
  const Result<Record> parsed = parse_record(record);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_FALSE(parsed->read_gbs.has_value());
}

TEST(RecordFile, ErrorsNameFileAndLine) {
  const std::string good = testing::jsonl({full_spec()});
  const Result<RecordFile> not_json =
      parse_records(good + good + "{\"schema\": \n", "runs/c.jsonl");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.error().message.rfind("runs/c.jsonl:3: not valid JSON", 0), 0u)
      << not_json.error().message;

  json bad = testing::record_json(full_spec());
  bad["point"].erase("model");
  const Result<RecordFile> invalid = parse_records(good + "\n" + bad.dump() + "\n", "b.jsonl");
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.error().message, "b.jsonl:3: point.model: missing");
}

TEST(RecordFile, BlankLinesAndCrlfAreTolerated) {
  const std::string line = testing::record_json(full_spec()).dump();
  const Result<RecordFile> f = parse_records("\n" + line + "\r\n\n   \n" + line, "x.jsonl");
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->records.size(), 2u);
  EXPECT_EQ(f->records[0].line, 2u);
  EXPECT_EQ(f->records[1].line, 5u);
}

TEST(RecordFile, EmptyAndMissingFilesAreErrors) {
  const Result<RecordFile> empty = parse_records("\n\n", "empty.jsonl");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("empty.jsonl: no records"), std::string::npos);
  const Result<RecordFile> missing = load_records("/nonexistent/dir/results.jsonl");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/dir/results.jsonl"), std::string::npos);
}

TEST(Metrics, NamesAndDirections) {
  ASSERT_NE(find_metric("tg_tok_s"), nullptr);
  EXPECT_EQ(find_metric("tg_tok_s")->direction, Direction::HigherIsBetter);
  EXPECT_EQ(find_metric("ttft_p99")->direction, Direction::LowerIsBetter);
  EXPECT_EQ(find_metric("ttft_p99")->source, "ttft_ms");
  EXPECT_EQ(find_metric("ttft_p99")->statistic, Statistic::P99);
  EXPECT_EQ(find_metric("e2e_p50")->statistic, Statistic::Median);
  EXPECT_EQ(find_metric("nonsense"), nullptr);
  std::vector<std::string> defaults;
  for (const MetricDef* m : default_metrics()) defaults.push_back(m->name);
  EXPECT_EQ(defaults, (std::vector<std::string>{"pp_tok_s", "tg_tok_s", "agg_tok_s", "ttft_p50",
                                                "ttft_p99"}));
}

TEST(Metrics, ParseNames) {
  const auto parsed = parse_metric_names({"tg_tok_s,ttft_p99", "tg_tok_s", "itl_p90"});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[2]->name, "itl_p90");
  const auto unknown = parse_metric_names({"tg_tok_s,speed"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown metric 'speed'"), std::string::npos);
  EXPECT_NE(unknown.error().message.find("ttft_p99"), std::string::npos);  // lists the known ones
}

TEST(Metrics, ParseTolerances) {
  const auto plain = parse_tolerances("5%");
  ASSERT_TRUE(plain.ok());
  EXPECT_DOUBLE_EQ(plain->default_fraction, 0.05);
  EXPECT_DOUBLE_EQ(parse_tolerances("2.5")->default_fraction, 0.025);
  const auto mixed = parse_tolerances("4%,ttft_p99=10%,tg_tok_s=3");
  ASSERT_TRUE(mixed.ok()) << mixed.error().message;
  EXPECT_DOUBLE_EQ(mixed->for_metric("pp_tok_s"), 0.04);
  EXPECT_DOUBLE_EQ(mixed->for_metric("ttft_p99"), 0.10);
  EXPECT_DOUBLE_EQ(mixed->for_metric("tg_tok_s"), 0.03);
  for (const char* bad :
       {"", "x%", "-1%", "5%%", "speed=5%", "tg_tok_s=", "5%,,6%", "nan", "inf"}) {
    EXPECT_FALSE(parse_tolerances(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace memwall::check
