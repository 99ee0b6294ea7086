#pragma once
// Comparing a current run with a baseline: points matched by their parameters and hardware
// fingerprint, and per metric a verdict that needs the change to exceed both the tolerance and,
// where there are enough repetitions, the measured noise.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "memwall/check/metrics.hpp"
#include "memwall/check/record.hpp"
#include "memwall/check/stats.hpp"
#include "memwall/util/result.hpp"

namespace memwall::check {

struct CheckOptions {
  std::vector<const MetricDef*> metrics = default_metrics();
  Tolerances tolerances;
  // Compare throughput per GB/s of each run's own measured read bandwidth (latency x GB/s), so
  // runners of different speed can be compared.
  bool normalize_roofline = false;
  bool allow_hardware_mismatch = false;
  // Below this many repetitions on either side the verdict rests on the tolerance alone.
  std::int64_t min_repetitions = 3;
  double alpha = 0.05;  // one-sided level of the rank test
  BootstrapOptions bootstrap;
};

enum class Verdict { NoChange, Improvement, Regression };

enum class Basis {
  NoiseTest,      // tolerance and a significant noise test
  ToleranceOnly,  // too few repetitions for a noise test
};

// One side of a comparison.
struct Side {
  double value = 0;              // the metric's statistic, normalized when asked
  std::size_t samples = 0;       // raw samples the noise test had
  std::int64_t repetitions = 0;  // of the point
  std::optional<double> cv;      // stddev / mean of the samples
  std::size_t line = 0;          // of the record in its file
};

struct Comparison {
  PointKey point;
  const MetricDef* metric = nullptr;
  Side baseline, current;
  // current / baseline - 1 (+-inf when the baseline is 0). For throughputs with raw samples the
  // ratio is the Hodges-Lehmann estimate over the repetitions; otherwise the ratio of the values.
  double change = 0;
  bool hodges_lehmann = false;
  double tolerance = 0;
  Basis basis = Basis::ToleranceOnly;
  // Noise test (Basis::NoiseTest): the Mann-Whitney one-sided p-value in the direction of the
  // change, and the bootstrap interval of current / baseline for the metric's statistic. The rank
  // test decides for medians, the interval for tail percentiles (a rank test compares locations,
  // not tails).
  std::optional<double> p_value;
  bool exact_p = false;
  std::optional<Interval> ratio_interval;
  bool beyond_tolerance = false;
  bool significant = false;
  Verdict verdict = Verdict::NoChange;

  bool worse() const;  // the change goes the metric's wrong way
};

// Points (or parts of them) that were not compared, and why.
enum class NoteKind {
  BaselineOnly,      // no current point with these parameters
  CurrentOnly,       // a new point
  FailedInCurrent,   // ok in the baseline, failed now: fails the check
  SkippedInCurrent,  // ok in the baseline, skipped now (e.g. its KV cache did not fit)
  NotOkInBaseline,   // failed or skipped in the baseline: nothing to compare with
  MetricMissing,     // a metric the baseline point has and the current one lacks
  Duplicate,         // a point repeated within one file: the later line is used
};

struct Note {
  NoteKind kind;
  PointKey point;
  std::string detail;  // the reason given, both statuses, or the lines at issue; may be empty
  std::string metric;  // for MetricMissing
};

struct HardwareMismatch {
  std::string baseline_fingerprint, baseline_cpu;
  std::string current_fingerprint, current_cpu;
};

struct CheckReport {
  std::string baseline_path, current_path;
  Provenance baseline_provenance, current_provenance;  // of each file's first record
  CheckOptions options;
  std::vector<Comparison> comparisons;  // regressions first, then improvements, then the rest
  std::vector<Note> notes;
  std::vector<HardwareMismatch> hardware_mismatches;  // compared anyway, as allowed

  std::size_t count(Verdict verdict) const;
  std::size_t count(NoteKind kind) const;
  std::size_t tolerance_only() const;
  // Exit status 1: a regression, or a point that ran in the baseline and failed now.
  bool failed() const;
};

// Compares one metric of two ok records; nullopt when either lacks it.
std::optional<Comparison> compare_metric(const Record& baseline, const Record& current,
                                         const MetricDef& metric, const CheckOptions& options);

// Matches and compares two files. Errors (exit 2 in the CLI): a hardware mismatch that is not
// allowed, --normalize roofline on a record without roofline.read_gbs, no point in common, or no
// selected metric in any matched point.
Result<CheckReport> run_check(const RecordFile& baseline, const RecordFile& current,
                              const CheckOptions& options);

}  // namespace memwall::check
