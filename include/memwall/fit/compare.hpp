#pragma once
// The fit model against measurements: for every usable record of this machine's built-in engine
// (as the calibration selects them), the prediction of the same point beside what bench measured
// — tg and pp tok/s, and for closed-loop serving points the median per-user tok/s, the aggregate
// tok/s and the median TTFT, the statistics bench reports.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "memwall/fit/efficiency.hpp"
#include "memwall/fit/hardware.hpp"
#include "memwall/util/result.hpp"

namespace memwall::fit {

// The bandwidth a bench record ran at: the median read around the run when bench tracked it
// (--track-bandwidth), else the probe bench divided by, else this machine's.
struct RecordBandwidth {
  double gbps = 0;
  bool around = false;     // read around the run
  double spread = 1;       // the largest read around the run over the smallest; 1 when not tracked
  double step_spread = 1;  // bench's step_spread (bench/step_spread.hpp), the largest of the run's; 1 when absent
  // The cores' round trip sampled beside the reads (bench --track-bandwidth on two or more cores):
  // its median, smallest and largest, and the largest over the smallest; 0, 0, 0 and 1 when absent.
  double round_trip_ns = 0, round_trip_min_ns = 0, round_trip_max_ns = 0, round_trip_spread = 1;
  // A prompt test's compute peak sampled around its repetitions (bench --track-bandwidth): the
  // largest over the smallest; 1 when absent. On the Zen 5 host of results/fit.md (*prompt runs
  // and the compute around them*), the four runs whose repetitions spread 1.25-1.74 showed
  // 1.21-1.55; of five that spread 1.05-1.11, three showed 1.05-1.19 and two 1.30 and 1.38 (a dip
  // their repetitions rode out).
  double compute_spread = 1;
  // The machine's bandwidth moved during the run, so no one read is the one it ran at: on the Zen 5
  // host of results/fit.md the reads switch between about 30, 52 and 86 GB/s, while within one
  // mode they stay within a few percent. Reads before and after a run of a few seconds can both
  // miss a switch that its steps show (llama-3.2-1b Q4_0 at 2 users: steps of 16.8 ms, then 11.1,
  // between two reads of 51.6 GB/s); steady runs spread 1.01-1.18 (results/fit.md). The same host
  // moves its two cores between one core complex and two as it switches, the round trip between
  // them 55-172 ns against 506-573 (results/engine.md), so a round trip that changed several-fold
  // around a run says the same.
  bool moved() const {
    return spread > kMovedSpread || step_spread > kMovedSpread || round_trip_spread > kMovedRoundTrip ||
           compute_spread > kMovedSpread;
  }
  static constexpr double kMovedSpread = 1.2;
  static constexpr double kMovedRoundTrip = 2;
};
RecordBandwidth record_bandwidth(const Hardware& local, const nlohmann::json& record);
// `local` at that bandwidth, its basis saying so when it was read around the run, and with the
// cores' round trip around the run when it was read around it (0 when not sampled).
Hardware at_bandwidth(const Hardware& local, const RecordBandwidth& bandwidth);

struct ComparisonRow {
  std::string model;   // "llama-3.2-1b Q4_0"
  std::string point;   // "tg64", "pp128", "c4 p128 n64"
  std::string metric;  // "tg tok/s", "pp tok/s", "per-user tok/s", "agg tok/s", "TTFT ms"
  double measured = 0;
  double predicted = 0;
  double read_gbps = 0;      // the bandwidth the prediction used
  bool read_around = false;  // read around the run (bench --track-bandwidth), else the probe's
  bool read_moved = false;   // RecordBandwidth::moved(): the reads around it or its steps
  double round_trip_ns = 0;  // the cores' round trip the prediction used (0: not known)
  double error() const { return predicted / measured - 1; }
};

struct ComparisonSummary {
  std::string metric;
  int points = 0;
  double median_abs_error = 0;
  double max_abs_error = 0;
  int within_10 = 0;
  int within_20 = 0;
  // The same counts over the rows whose bandwidth held still through the run (not read_moved).
  int steady_points = 0;
  int steady_within_10 = 0;
  int steady_within_20 = 0;
};

struct Comparison {
  std::vector<ComparisonRow> rows;
  std::vector<ComparisonSummary> summary;  // per metric, in the order the metrics first appear
  int skipped = 0;                         // records not of this machine's engine, or unusable
};

// memwall bench JSON Lines; errors name the file and line.
Result<std::vector<nlohmann::json>> read_bench_records(const std::filesystem::path& path);

Comparison compare_records(const Hardware& local, const std::vector<nlohmann::json>& records);

nlohmann::json comparison_to_json(const Comparison& c);

// A warning when the calibration's efficiencies are of another bandwidth than the comparison's
// decode rows are predicted at: fitted against the cached probe and applied to the read around
// tracked runs, or the other way round. Nothing for a calibration fitted on both kinds.
std::optional<std::string> basis_mismatch(const Calibration& calibration, const Comparison& c);

}  // namespace memwall::fit
