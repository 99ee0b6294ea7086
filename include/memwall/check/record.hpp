#pragma once
// The part of a bench record (schemas/bench-record.v1.schema.json) that `memwall check` reads,
// and the loading of a JSON Lines file of them with structural validation: a bad line is an error
// naming the file, the line and the field.
#include <compare>
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "memwall/util/result.hpp"

namespace memwall::check {

// The built-in engine's prompt tokens per step when a record does not say (memwall bench's default).
inline constexpr std::int64_t kEngineDefaultPrefillBudget = 512;

// What a point is: the parameters baseline and current points are matched by (besides the
// hardware fingerprint). `endpoint` is empty for the built-in engine.
struct PointKey {
  std::string backend;
  std::string endpoint;
  std::string model;
  std::string scheme;
  std::string test;  // pp | tg | serve
  std::int64_t threads = 0;
  std::optional<std::int64_t> concurrency;
  std::optional<double> rate;
  std::int64_t prompt = 0;
  std::int64_t gen = 0;
  std::int64_t depth = 0;
  std::string kv_type;
  std::optional<std::int64_t> prefill_budget;  // built-in engine only; 512 when a record predates it

  friend auto operator<=>(const PointKey&, const PointKey&) = default;
};

// A short human label: "preset:llama-3.2-1b Q4_0 tg32 t2", "... serve c4 p128 g32 t2".
std::string point_label(const PointKey& point);

// One entry of a record's `stats`.
struct StatBlock {
  std::int64_t n = 0;
  double median = 0;
  double mean = 0;
  std::optional<double> stddev, cv, p90, p99;
};

struct Provenance {
  std::string memwall_version;
  std::string git_commit;
  std::string cpu_model;
  std::string hardware_fingerprint;
  std::string timestamp;
};

struct Record {
  std::size_t line = 0;  // 1-based line of its file
  std::string status;    // ok | failed | skipped
  std::string reason;    // why failed or skipped, when given
  PointKey point;
  std::optional<std::int64_t> repetitions;  // point.repetitions
  std::map<std::string, StatBlock> stats;   // by metric: tg_tok_s, ttft_ms, ...
  std::map<std::string, std::vector<double>> samples;
  std::optional<double> read_gbs;         // roofline.read_gbs: the cached probe's
  std::optional<double> read_gbs_around;  // roofline.read_gbs_around.median: read around the point (--track-bandwidth)
  Provenance provenance;

  bool ok() const { return status == "ok"; }
};

struct RecordFile {
  std::string path;
  std::vector<Record> records;  // in file order; blank lines skipped
};

// Validates the structure `check` relies on (the schema's required fields, types and enums; the
// shapes of stats, samples and roofline) and extracts it. Errors name the field: "point.threads:
// expected a non-negative integer".
Result<Record> parse_record(const nlohmann::json& line);

// Parses JSON Lines text; errors are "<path>:<line>: <problem>". An input with no record is an
// error too: a run that wrote nothing must not pass a check.
Result<RecordFile> parse_records(const std::string& text, const std::string& path);

// Reads and parses a file.
Result<RecordFile> load_records(const std::string& path);

}  // namespace memwall::check
