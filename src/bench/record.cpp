#include "memwall/bench/record.hpp"

#include "memwall/util/build_info.hpp"
#include "memwall/util/stats.hpp"

namespace memwall::bench {
namespace {

using nlohmann::json;

json point_json(const Point& p, const PointExtras& extras) {
  const bool serve = p.test == TestKind::serve;
  return {{"backend", extras.backend},
          {"endpoint", extras.endpoint ? json(*extras.endpoint) : json(nullptr)},
          {"model", p.model},
          {"scheme", p.scheme.empty() ? "file" : p.scheme},
          {"test", test_name(p.test)},
          {"threads", extras.threads},
          {"concurrency", serve && p.rate <= 0 ? json(p.concurrency) : json(nullptr)},
          {"rate", serve && p.rate > 0 ? json(p.rate) : json(nullptr)},
          {"prompt", p.prompt},
          {"gen", p.gen},
          {"depth", p.depth},
          {"kv_type", p.kv_type},
          {"prefill_budget", extras.endpoint ? json(nullptr) : json(p.prefill_budget)},
          {"repetitions", p.repetitions},
          {"requests", serve ? json(p.requests) : json(nullptr)}};
}

json model_json(const ModelFacts& m) {
  return {{"name", m.name}, {"arch", m.arch}, {"params_total", m.params_total}, {"params_active", m.params_active},
          {"weight_bytes", m.weight_bytes}, {"active_weight_bytes", m.active_weight_bytes},
          {"kv_bytes_per_token", m.kv_bytes_per_token}, {"n_layer", m.n_layer}, {"n_head_kv", m.n_head_kv},
          {"head_dim", m.head_dim}, {"n_expert", m.n_expert}, {"n_expert_used", m.n_expert_used}};
}

json provenance_json(const Provenance& p, std::int64_t threads) {
  const BuildInfo& b = build_info();
  return {{"memwall_version", b.version},
          {"git_commit", std::string(b.git_commit) + (b.git_dirty ? "-dirty" : "")},
          {"build_type", b.build_type},
          {"compiler", b.compiler},
          {"cpu_model", p.cpu_model},
          {"isa", p.isa},
          {"threads", threads},
          {"hardware_fingerprint", p.hardware_fingerprint},
          {"timestamp", p.timestamp}};
}

// Each repetition's rate (decode bytes or prefill FLOPs per second) over the roofline sampled
// around it (the mean of the samples before and after it, in G per second); empty unless every
// repetition has its two samples.
std::vector<double> efficiency_around(const std::vector<double>& per_s, const std::vector<double>& around_g) {
  std::vector<double> out;
  if (around_g.size() != per_s.size() + 1) return out;
  for (std::size_t i = 0; i < per_s.size(); ++i) {
    const double g = (around_g[i] + around_g[i + 1]) / 2;
    if (g > 0) out.push_back(per_s[i] / (g * 1e9));
  }
  return out;
}

}  // namespace

json stat_json(const std::vector<double>& samples) {
  const Summary s = summarize(samples);
  return {{"n", s.n},     {"median", s.median}, {"mean", s.mean}, {"stddev", s.stddev}, {"cv", s.cv},
          {"min", s.min}, {"max", s.max},       {"p50", s.median}, {"p90", s.p90},     {"p99", s.p99}};
}

json make_record(const Point& point, const PointRun& run, const ModelFacts& model, const Roofline& roofline,
                 const PointExtras& extras, const Provenance& provenance) {
  json stats = json::object(), samples = json::object(), outliers = json::object();
  const auto add = [&](const char* name, const std::vector<double>& values) {
    if (values.empty()) return;
    stats[name] = stat_json(values);
    samples[name] = values;
    if (const auto out = mad_outliers(values); !out.empty()) outliers[name] = out.size();
  };
  add("pp_tok_s", run.pp_tok_s);
  add("tg_tok_s", run.tg_tok_s);
  add("agg_tok_s", run.agg_tok_s);
  json requests = nullptr;
  if (point.test == TestKind::serve) {
    const ServingStats s = serving_stats(run.requests);
    add("per_user_tok_s", s.per_user_tok_s);
    add("ttft_ms", s.ttft_ms);
    add("queue_ms", s.queue_ms);
    add("tpot_ms", s.tpot_ms);
    add("itl_ms", s.itl_ms);
    add("e2e_ms", s.e2e_ms);
    requests = {{"ok", s.ok}, {"failed", s.failed}, {"warmup", s.warmup}, {"errors", s.errors}};
  }
  // Roofline: decode bytes per second over the probe's read bandwidth; prefill FLOP/s over peak.
  std::vector<double> efficiency;
  for (double bps : run.bytes_per_s) {
    if (roofline.read_gbs > 0) efficiency.push_back(bps / (roofline.read_gbs * 1e9));
  }
  std::vector<double> prefill_efficiency;
  for (double fps : run.flops_per_s) {
    if (roofline.compute_gflops > 0) prefill_efficiency.push_back(fps / (roofline.compute_gflops * 1e9));
  }
  add("roofline_efficiency", efficiency);
  add("step_spread", run.step_spread);
  const auto median_or_null = [](const std::vector<double>& v) { return v.empty() ? json(nullptr) : json(summarize(v).median); };
  json record = {
      {"schema", kRecordSchema},
      {"status", "ok"},
      {"point", point_json(point, extras)},
      {"model", model_json(model)},
      {"stats", stats},
      {"samples", samples},
      {"roofline",
       {{"read_gbs", roofline.read_gbs},
        {"bytes_per_token", run.bytes_per_token > 0 ? run.bytes_per_token : model.active_weight_bytes},
        {"efficiency", median_or_null(efficiency)},
        {"compute_gflops", roofline.compute_gflops > 0 ? json(roofline.compute_gflops) : json(nullptr)},
        {"prefill_efficiency", median_or_null(prefill_efficiency)}}},
      {"memory", {{"kv_bytes", run.peak_kv_bytes}}},
      {"prediction", nullptr},
      {"outliers", outliers},
      {"warnings", extras.warnings},
      {"provenance", provenance_json(provenance, extras.threads)}};
  if (extras.peak_rss_bytes) record["memory"]["peak_rss_bytes"] = *extras.peak_rss_bytes;
  if (!requests.is_null()) record["requests"] = requests;
  if (!run.read_gbs_around.empty()) {
    const std::vector<double> around = efficiency_around(run.bytes_per_s, run.read_gbs_around);
    record["samples"]["read_gbs_around"] = run.read_gbs_around;
    if (!around.empty()) record["samples"]["roofline_efficiency_around"] = around;
    record["roofline"]["read_gbs_around"] = stat_json(run.read_gbs_around);
    record["roofline"]["efficiency_around"] = median_or_null(around);
  }
  if (!run.compute_gops_around.empty()) {
    const std::vector<double> around = efficiency_around(run.flops_per_s, run.compute_gops_around);
    record["samples"]["compute_gops_around"] = run.compute_gops_around;
    if (!around.empty()) record["samples"]["prefill_efficiency_around"] = around;
    record["roofline"]["compute_gops_around"] = stat_json(run.compute_gops_around);
    record["roofline"]["prefill_efficiency_around"] = median_or_null(around);
  }
  if (!run.core_round_trip_ns_around.empty()) {
    record["samples"]["core_round_trip_ns_around"] = run.core_round_trip_ns_around;
    record["roofline"]["core_round_trip_ns_around"] = stat_json(run.core_round_trip_ns_around);
  }
  return record;
}

json make_failed_record(const Point& point, std::string_view status, const std::string& reason, const ModelFacts& model,
                        const PointExtras& extras, const Provenance& provenance) {
  return {{"schema", kRecordSchema},
          {"status", status},
          {"reason", reason},
          {"point", point_json(point, extras)},
          {"model", model_json(model)},
          {"stats", json::object()},
          {"samples", json::object()},
          {"warnings", extras.warnings},
          {"provenance", provenance_json(provenance, extras.threads)}};
}

}  // namespace memwall::bench
