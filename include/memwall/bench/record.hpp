#pragma once
// A finished point as the JSON record of schemas/bench-record.v1.schema.json: parameters, raw
// samples, statistics, roofline, memory, provenance. The printers (report module) read only this.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "memwall/bench/runner.hpp"
#include "memwall/bench/sweep.hpp"

namespace memwall::bench {

inline constexpr std::string_view kRecordSchema = "memwall.bench.v1";

struct Provenance {
  std::string cpu_model;
  std::string isa;
  std::string hardware_fingerprint;
  std::string timestamp;  // ISO 8601 UTC
};

struct ModelFacts {
  std::string name, arch;
  double params_total = 0, params_active = 0;
  double weight_bytes = 0, active_weight_bytes = 0, kv_bytes_per_token = 0;
  std::int64_t n_layer = 0, n_head_kv = 0, head_dim = 0, n_expert = 0, n_expert_used = 0;
};

struct Roofline {
  double read_gbs = 0;          // probe, all cores
  double compute_gflops = 0;    // probe peak matching the weights (int8 dot or f32 FMA)
};

struct PointExtras {
  std::int64_t threads = 0;                 // actually used
  std::optional<std::uint64_t> peak_rss_bytes;
  std::vector<std::string> warnings;
  std::string backend = "engine";
  std::optional<std::string> endpoint;
};

nlohmann::json make_record(const Point& point, const PointRun& run, const ModelFacts& model, const Roofline& roofline,
                           const PointExtras& extras, const Provenance& provenance);
// A point that did not produce measurements: status "failed" (it broke) or "skipped" (not run).
nlohmann::json make_failed_record(const Point& point, std::string_view status, const std::string& reason,
                                  const ModelFacts& model, const PointExtras& extras, const Provenance& provenance);

// The JSON of a distribution (n, median, mean, stddev, cv, min, max, p50, p90, p99).
nlohmann::json stat_json(const std::vector<double>& samples);

}  // namespace memwall::bench
