#include "generated_runs.hpp"

#include <gtest/gtest.h>

#include "memwall/util/stats.hpp"

namespace memwall::check::testing {
namespace {

using nlohmann::json;

json point_json(const PointKey& p, int repetitions) {
  json point = {{"backend", p.backend},
                {"endpoint", p.endpoint.empty() ? json(nullptr) : json(p.endpoint)},
                {"model", p.model},
                {"scheme", p.scheme},
                {"test", p.test},
                {"threads", p.threads},
                {"concurrency", p.concurrency ? json(*p.concurrency) : json(nullptr)},
                {"rate", p.rate ? json(*p.rate) : json(nullptr)},
                {"prompt", p.prompt},
                {"gen", p.gen},
                {"depth", p.depth},
                {"kv_type", p.kv_type},
                {"prefill_budget", p.prefill_budget ? json(*p.prefill_budget) : json(nullptr)},
                {"requests", p.test == "serve" ? json(16) : json(nullptr)}};
  if (repetitions > 0) point["repetitions"] = repetitions;
  return point;
}

json stat_json(const std::vector<double>& samples) {
  const Summary s = summarize(samples);
  return {{"n", s.n},     {"median", s.median}, {"mean", s.mean}, {"stddev", s.stddev},
          {"cv", s.cv},   {"min", s.min},       {"max", s.max},   {"p50", s.median},
          {"p90", s.p90}, {"p99", s.p99}};
}

int throughput_samples(const RecordSpec& spec) {
  for (const char* metric : {"tg_tok_s", "pp_tok_s", "agg_tok_s"}) {
    if (const auto it = spec.samples.find(metric); it != spec.samples.end()) {
      return static_cast<int>(it->second.size());
    }
  }
  return 1;
}

}  // namespace

PointKey tg_point(const std::string& scheme) {
  PointKey p;
  p.backend = "engine";
  p.model = "preset:tiny-llama";
  p.scheme = scheme;
  p.test = "tg";
  p.threads = 2;
  p.gen = 32;
  p.kv_type = "f16";
  p.prefill_budget = 512;
  return p;
}

PointKey pp_point(const std::string& scheme) {
  PointKey p = tg_point(scheme);
  p.test = "pp";
  p.prompt = 128;
  p.gen = 0;
  return p;
}

PointKey serve_point(std::int64_t concurrency) {
  PointKey p = tg_point();
  p.test = "serve";
  p.concurrency = concurrency;
  p.prompt = 128;
  p.gen = 32;
  return p;
}

std::vector<double> noisy(double center, double relative_sd, int n, Rng& rng) {
  std::vector<double> samples(static_cast<std::size_t>(n));
  for (double& x : samples) x = center * (1.0 + relative_sd * rng.normal());
  return samples;
}

json record_json(const RecordSpec& spec) {
  json stats = json::object(), samples = json::object();
  for (const auto& [metric, values] : spec.samples) {
    samples[metric] = values;
    if (!values.empty()) stats[metric] = stat_json(values);
  }
  json record = {
      {"schema", "memwall.bench.v1"},
      {"status", spec.status},
      {"point",
       point_json(spec.point, spec.repetitions > 0 ? spec.repetitions : throughput_samples(spec))},
      {"stats", stats},
      {"samples", samples},
      {"roofline", {{"read_gbs", spec.read_gbs}, {"bytes_per_token", 1.1e6}, {"efficiency", 0.4}}},
      {"warnings", json::array()},
      {"provenance",
       {{"memwall_version", "0.1.0"},
        {"git_commit", "abc1234"},
        {"build_type", "Release"},
        {"compiler", "GNU 12.2.0"},
        {"cpu_model", spec.cpu},
        {"isa", "avx2"},
        {"threads", spec.point.threads},
        {"hardware_fingerprint", spec.fingerprint},
        {"timestamp", "2025-01-01T00:00:00Z"}}}};
  if (!spec.reason.empty()) record["reason"] = spec.reason;
  if (spec.read_gbs_around) {
    record["roofline"]["read_gbs_around"] = stat_json({*spec.read_gbs_around});
  }
  return record;
}

Record record(const RecordSpec& spec, std::size_t line) {
  Result<Record> parsed = parse_record(record_json(spec));
  EXPECT_TRUE(parsed.ok()) << parsed.error().message;
  Record r = parsed.ok() ? *parsed : Record{};
  r.line = line;
  return r;
}

RecordFile record_file(const std::string& path, const std::vector<RecordSpec>& specs) {
  RecordFile file{path, {}};
  for (const RecordSpec& spec : specs)
    file.records.push_back(record(spec, file.records.size() + 1));
  return file;
}

std::string jsonl(const std::vector<RecordSpec>& specs) {
  std::string text;
  for (const RecordSpec& spec : specs) text += record_json(spec).dump() + "\n";
  return text;
}

RecordSpec tg_run(double center, double relative_sd, int n, Rng& rng) {
  RecordSpec spec;
  spec.point = tg_point();
  spec.samples["tg_tok_s"] = noisy(center, relative_sd, n, rng);
  return spec;
}

}  // namespace memwall::check::testing
