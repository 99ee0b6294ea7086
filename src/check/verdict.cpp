// One metric of one point: the change, the noise test, the verdict.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "memwall/check/compare.hpp"

namespace memwall::check {
namespace {

// What one record says about one metric.
struct Observed {
  double value = 0;
  std::vector<double> samples;
  std::optional<double> cv;
};

std::optional<double> recorded_statistic(const StatBlock& s, Statistic statistic) {
  switch (statistic) {
    case Statistic::Median: return s.median;
    case Statistic::P90: return s.p90;
    case Statistic::P99: return s.p99;
  }
  return std::nullopt;
}

std::optional<double> sample_cv(const std::vector<double>& samples) {
  if (samples.size() < 2) return std::nullopt;
  const double n = static_cast<double>(samples.size());
  const double mean = std::accumulate(samples.begin(), samples.end(), 0.0) / n;
  if (mean == 0) return std::nullopt;
  double sum_sq = 0;
  for (double x : samples) sum_sq += (x - mean) * (x - mean);
  return std::sqrt(sum_sq / (n - 1)) / std::fabs(mean);
}

// Throughput per GB/s of the run's measured bandwidth; latency times GB/s. Each run is set against
// its own memory wall, so a runner with faster memory is not mistaken for a faster program: the
// bandwidth read around the point when bench tracked it, else the probe's.
double normalization_factor(const Record& r, const MetricDef& metric, bool normalize) {
  if (!normalize || !metric.normalizable) return 1.0;
  const double gbs = r.read_gbs_around.value_or(r.read_gbs.value_or(1.0));
  return metric.direction == Direction::HigherIsBetter ? 1.0 / gbs : gbs;
}

// The recorded statistic when the record has it (what the bench printed), else computed from the
// raw samples.
std::optional<Observed> observe(const Record& r, const MetricDef& metric, bool normalize) {
  const auto stats = r.stats.find(metric.source);
  const auto samples = r.samples.find(metric.source);
  Observed o;
  if (samples != r.samples.end()) o.samples = samples->second;
  std::optional<double> value;
  if (stats != r.stats.end()) value = recorded_statistic(stats->second, metric.statistic);
  if (!value && !o.samples.empty())
    value = percentile(o.samples, statistic_percent(metric.statistic));
  if (!value) return std::nullopt;
  o.cv = stats != r.stats.end() && stats->second.cv ? stats->second.cv : sample_cv(o.samples);
  const double factor = normalization_factor(r, metric, normalize);
  o.value = *value * factor;
  for (double& x : o.samples) x *= factor;
  return o;
}

// Throughputs are sampled once per repetition; latencies once per request, pooled over the
// point's repetitions, which the record states (one when it does not).
std::int64_t repetitions_of(const Record& r, const MetricDef& metric, const Observed& o) {
  if (metric.unit == SampleUnit::Request) return r.repetitions.value_or(1);
  if (!o.samples.empty()) return static_cast<std::int64_t>(o.samples.size());
  const auto stats = r.stats.find(metric.source);
  return stats != r.stats.end() ? stats->second.n : 0;
}

double relative_change(double baseline, double current) {
  if (baseline != 0) return current / baseline - 1.0;
  if (current == 0) return 0;
  return current > 0 ? INFINITY : -INFINITY;
}

Side make_side(const Record& r, const MetricDef& metric, const Observed& o) {
  return Side{o.value, o.samples.size(), repetitions_of(r, metric, o), o.cv, r.line};
}

void run_noise_test(const Observed& base, const Observed& cur, const CheckOptions& options,
                    Comparison& c) {
  c.basis = Basis::NoiseTest;
  const MannWhitney mw = mann_whitney(cur.samples, base.samples);
  c.p_value = c.change < 0 ? mw.p_less : mw.p_greater;
  c.exact_p = mw.exact;
  const double percent = statistic_percent(c.metric->statistic);
  c.ratio_interval =
      bootstrap_ratio_interval(base.samples, cur.samples, percent, options.bootstrap);
  if (c.metric->statistic == Statistic::Median) {
    c.significant = *c.p_value <= options.alpha;
  } else {
    c.significant = c.change < 0 ? c.ratio_interval->high < 1.0 : c.ratio_interval->low > 1.0;
  }
}

}  // namespace

bool Comparison::worse() const {
  return metric->direction == Direction::HigherIsBetter ? change < 0 : change > 0;
}

std::optional<Comparison> compare_metric(const Record& baseline, const Record& current,
                                         const MetricDef& metric, const CheckOptions& options) {
  const std::optional<Observed> base = observe(baseline, metric, options.normalize_roofline);
  const std::optional<Observed> cur = observe(current, metric, options.normalize_roofline);
  if (!base || !cur) return std::nullopt;
  Comparison c;
  c.point = current.point;
  c.metric = &metric;
  c.baseline = make_side(baseline, metric, *base);
  c.current = make_side(current, metric, *cur);
  c.change = relative_change(base->value, cur->value);
  // Repetitions are few, so the change is estimated from all of them, not from two medians alone.
  // Per-request samples are many (their statistic is already steady) and may be tens of thousands.
  if (metric.unit == SampleUnit::Repetition && !base->samples.empty() && !cur->samples.empty()) {
    c.change = hodges_lehmann_ratio(cur->samples, base->samples) - 1.0;
    c.hodges_lehmann = true;
  }
  c.tolerance = options.tolerances.for_metric(metric.name);
  c.beyond_tolerance = std::fabs(c.change) > c.tolerance;
  const std::int64_t repetitions = std::min(c.baseline.repetitions, c.current.repetitions);
  const std::size_t samples = std::min(base->samples.size(), cur->samples.size());
  if (repetitions >= options.min_repetitions &&
      samples >= static_cast<std::size_t>(options.min_repetitions)) {
    run_noise_test(*base, *cur, options, c);
  }
  const bool real = c.beyond_tolerance && (c.basis == Basis::ToleranceOnly || c.significant);
  if (real) c.verdict = c.worse() ? Verdict::Regression : Verdict::Improvement;
  return c;
}

}  // namespace memwall::check
