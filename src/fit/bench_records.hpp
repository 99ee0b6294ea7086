#pragma once
// Reading memwall bench records (schemas/bench-record.v1) for the calibration and the comparison:
// which records describe this machine's built-in engine, and the point and model each measured.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memwall/fit/compare.hpp"
#include "memwall/fit/hardware.hpp"
#include "memwall/fit/model_shape.hpp"
#include "memwall/fit/predict.hpp"
#include "memwall/util/result.hpp"

namespace memwall::fit::detail {

struct RecordSkips {
  int other_machine = 0;  // another fingerprint
  int not_ok = 0;         // failed or skipped points
  int unusable = 0;       // servers, open loop, fewer threads, unknown models, missing fields
};

// Successful built-in-engine records of this machine at its largest thread count (fewer threads
// measure a smaller machine).
std::vector<const nlohmann::json*> usable_records(const Hardware& local, const std::vector<nlohmann::json>& records,
                                                  RecordSkips& skips);

// A tg, pp or closed-loop serving point, with the model it ran and the bandwidth it ran at
// (record_bandwidth).
struct RecordPoint {
  std::string test;  // "tg", "pp" or "serve"
  std::string model;
  std::string scheme;
  PointParams params;  // serving: bench's load and the engine's step limits
  RecordBandwidth bandwidth;
  ModelShape shape;
};
std::optional<RecordPoint> record_point(const Hardware& local, const nlohmann::json& record);

// The number at a JSON pointer of the record, 0 when absent or not a number.
double number_at(const nlohmann::json& record, const std::string& pointer);

// A statistic of the record ("/stats/<metric>/<field>"), 0 when absent.
double record_stat(const nlohmann::json& record, const std::string& metric, const std::string& field);

// JSON Lines; errors name the file and line.
Result<std::vector<nlohmann::json>> read_records(const std::filesystem::path& path);

// "llama-3.2-1b Q4_0" from a preset name or a file path and the record's scheme.
std::string model_label(const std::string& model, const std::string& scheme);

}  // namespace memwall::fit::detail
