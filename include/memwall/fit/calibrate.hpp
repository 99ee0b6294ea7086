#pragma once
// This machine's efficiencies from its own `memwall bench` records (schemas/bench-record.v1):
// decode bandwidth efficiency and per-step overhead by least squares over the tg points, prefill
// efficiency from the pp points. Only successful built-in-engine points of this machine's
// fingerprint at its full thread count are used; everything else is counted and skipped.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memwall/fit/efficiency.hpp"
#include "memwall/fit/hardware.hpp"
#include "memwall/util/result.hpp"

namespace memwall::fit {

// One measured point beside what the fitted model now predicts for it.
struct CalibrationRow {
  std::string test;  // "tg" or "pp"
  std::string model;
  std::string scheme;
  std::int64_t prompt = 0;
  std::int64_t gen = 0;
  std::int64_t depth = 0;
  double measured_tok_s = 0;
  double fitted_tok_s = 0;
};

struct CalibrationReport {
  Calibration calibration;
  std::vector<CalibrationRow> rows;
  int skipped_other_machine = 0;  // another fingerprint
  int skipped_not_ok = 0;         // failed or skipped points
  int skipped_unusable = 0;       // server backends, serve points, fewer threads, missing fields
  std::vector<std::string> warnings;
};

// `records` are parsed bench lines; `source_name` is recorded in the calibration. Fails when
// there is not one usable tg point.
Result<CalibrationReport> calibrate(const Hardware& local, const std::vector<nlohmann::json>& records,
                                    const std::string& source_name);
// Reads a JSON Lines file (errors name the file and line) and calibrates.
Result<CalibrationReport> calibrate_file(const Hardware& local, const std::filesystem::path& results);

}  // namespace memwall::fit
