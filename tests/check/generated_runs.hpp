#pragma once
// Bench records generated from seeded noise, shaped as `memwall bench --save` writes them
// (schemas/bench-record.v1.schema.json), for check's tests.
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "memwall/check/record.hpp"
#include "memwall/check/stats.hpp"

namespace memwall::check::testing {

inline constexpr const char* kFingerprint = "f00dfeed12345678";
inline constexpr const char* kCpu = "Test CPU 9000";

// Engine points on the tiny preset: tg 32 and pp 128 with 2 threads; a serving point with c users.
PointKey tg_point(const std::string& scheme = "Q4_0");
PointKey pp_point(const std::string& scheme = "Q4_0");
PointKey serve_point(std::int64_t concurrency);

// n samples of center x (1 + relative_sd x N(0, 1)).
std::vector<double> noisy(double center, double relative_sd, int n, Rng& rng);

struct RecordSpec {
  PointKey point = tg_point();
  std::map<std::string, std::vector<double>> samples;  // metric -> raw samples
  std::string status = "ok";
  std::string reason;
  std::string fingerprint = kFingerprint;
  std::string cpu = kCpu;
  double read_gbs = 60.0;
  std::optional<double> read_gbs_around;  // roofline.read_gbs_around.median (--track-bandwidth)
  int repetitions = 0;  // point.repetitions; 0 = the number of throughput samples
};

// A complete record: stats summarised from the samples, roofline, provenance.
nlohmann::json record_json(const RecordSpec& spec);

// The same, parsed as check reads it (line numbers 1, 2, ... in order).
Record record(const RecordSpec& spec, std::size_t line = 1);
RecordFile record_file(const std::string& path, const std::vector<RecordSpec>& specs);

// JSON Lines text of the records.
std::string jsonl(const std::vector<RecordSpec>& specs);

// A tg point whose tg_tok_s has `n` repetitions around `center`.
RecordSpec tg_run(double center, double relative_sd, int n, Rng& rng);

}  // namespace memwall::check::testing
