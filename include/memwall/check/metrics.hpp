#pragma once
// The metrics `memwall check` can compare, each declared once with where it is read from, which
// statistic of it counts, and which way is better; and the tolerances allowed on them.
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "memwall/util/result.hpp"

namespace memwall::check {

enum class Direction { HigherIsBetter, LowerIsBetter };

// The statistic of a metric's distribution that is compared.
enum class Statistic { Median, P90, P99 };

// What one raw sample of a metric is: a repetition of the point (throughputs) or a request
// (latencies, pooled over the repetitions).
enum class SampleUnit { Repetition, Request };

struct MetricDef {
  std::string name;    // as given to --metric: tg_tok_s, ttft_p99
  std::string source;  // key in the record's stats and samples: tg_tok_s, ttft_ms
  Statistic statistic;
  Direction direction;
  SampleUnit unit;
  std::string display;  // "tg tok/s", "TTFT p99 ms"
  bool normalizable;    // rescaled by the run's own bandwidth under --normalize roofline
};

// Throughputs (pp_tok_s, tg_tok_s, agg_tok_s, per_user_tok_s), roofline_efficiency, and the
// latencies ttft, queue, tpot, itl and e2e at p50, p90 and p99 (ttft_p50, ...).
std::span<const MetricDef> all_metrics();
const MetricDef* find_metric(std::string_view name);

// pp_tok_s, tg_tok_s, agg_tok_s, ttft_p50, ttft_p99.
std::vector<const MetricDef*> default_metrics();

// Names (each may itself be a comma list) to definitions, without repeats; an unknown name is an
// error listing the known ones.
Result<std::vector<const MetricDef*>> parse_metric_names(const std::vector<std::string>& names);

// 100 * p: the percentile a statistic stands for (50 for the median).
double statistic_percent(Statistic statistic);

// Relative tolerances (fractions: 0.05 = 5%): one default and per-metric overrides.
struct Tolerances {
  double default_fraction = 0.05;
  std::map<std::string, double, std::less<>> by_metric;

  double for_metric(std::string_view metric_name) const;
};

// "5%" or "5" (percent), "tg_tok_s=3%", or a comma list of them: "4%,ttft_p99=10%". The last
// default given wins; a metric name must be known.
Result<Tolerances> parse_tolerances(std::string_view spec);

}  // namespace memwall::check
