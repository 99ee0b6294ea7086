#pragma once
// This machine's step-model constants (fit/step_model.hpp) from its own `memwall bench` records
// (schemas/bench-record.v1): the bandwidth efficiency, the per-step overhead and the compute
// efficiencies (prompt and decode tokens, quantized and float weights, each where points show it)
// by robust least squares (Huber's loss on the relative errors) over every measured time — tg (a
// decode step), pp (the prompt's steps), and for closed-loop serving points (-c) the aggregate's
// window, the mean TPOT and the mean TTFT, each a sum of the steps the engine's schedule runs
// (fit/schedule.hpp) — and the overlap of memory and arithmetic, chosen among 0, 0.25, ..., 1 by
// the smallest loss when serving points are there to tell them apart. Only successful built-in-engine points of this
// machine's fingerprint at its full thread count are used; everything else is counted and skipped.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memwall/fit/efficiency.hpp"
#include "memwall/fit/hardware.hpp"
#include "memwall/util/result.hpp"

namespace memwall::fit {

// One measured time beside what the fitted model now gives for it.
struct CalibrationRow {
  std::string test;    // "tg", "pp" or "serve"
  std::string metric;  // "tg tok/s", "pp tok/s", "agg tok/s", "TPOT ms (mean)", "TTFT ms (mean)"
  std::string model;   // "llama-3.2-1b Q4_0"
  std::int64_t users = 1;
  std::int64_t prompt = 0;
  std::int64_t gen = 0;
  std::int64_t depth = 0;
  double measured = 0;
  double fitted = 0;
};

struct CalibrationReport {
  Calibration calibration;
  std::vector<CalibrationRow> rows;
  int skipped_other_machine = 0;  // another fingerprint
  int skipped_not_ok = 0;         // failed or skipped points
  int skipped_unusable = 0;       // servers, open loop, fewer threads, unknown models, missing fields
  int skipped_read_moved = 0;     // runs whose bandwidth moved (RecordBandwidth::moved)
  std::vector<std::string> warnings;
};

// `records` are parsed bench lines; `source_name` is recorded in the calibration. Fails when
// there is not one usable tg or serving point.
Result<CalibrationReport> calibrate(const Hardware& local, const std::vector<nlohmann::json>& records,
                                    const std::string& source_name);
// Reads a JSON Lines file (errors name the file and line) and calibrates.
Result<CalibrationReport> calibrate_file(const Hardware& local, const std::filesystem::path& results);

}  // namespace memwall::fit
