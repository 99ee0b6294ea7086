#include "wording.hpp"

#include <fmt/format.h>

#include <cmath>

namespace memwall::check {

std::string format_value(double value) {
  if (!std::isfinite(value)) return "n/a";
  const double magnitude = std::fabs(value);
  if (magnitude >= 1000) return fmt::format("{:.0f}", value);
  if (magnitude >= 100) return fmt::format("{:.1f}", value);
  if (magnitude >= 10) return fmt::format("{:.2f}", value);
  if (magnitude >= 1) return fmt::format("{:.3f}", value);
  if (magnitude == 0) return "0";
  return fmt::format("{:.4g}", value);
}

std::string format_change(double change) {
  if (!std::isfinite(change)) return "n/a";
  return fmt::format("{:+.1f}%", change * 100.0);
}

std::string format_percent(double fraction) { return fmt::format("{:g}%", fraction * 100.0); }

std::string verdict_text(const Comparison& c) {
  std::string text;
  switch (c.verdict) {
    case Verdict::Regression: text = "regression"; break;
    case Verdict::Improvement: text = "improvement"; break;
    case Verdict::NoChange: text = c.beyond_tolerance ? "within noise" : "no change"; break;
  }
  if (c.basis == Basis::ToleranceOnly) text += " (tolerance only)";
  return text;
}

std::string noise_text(const Comparison& c) {
  if (c.basis == Basis::ToleranceOnly) {
    return fmt::format("none: {} and {} repetitions", c.baseline.repetitions,
                       c.current.repetitions);
  }
  if (c.metric->statistic != Statistic::Median && c.ratio_interval) {
    return fmt::format("ratio CI [{:.3f}, {:.3f}]", c.ratio_interval->low, c.ratio_interval->high);
  }
  const double p = c.p_value.value_or(1.0);
  return p < 0.001 ? "p<0.001" : fmt::format("p={:.3f}", p);
}

std::string note_kind_text(NoteKind kind) {
  switch (kind) {
    case NoteKind::BaselineOnly: return "only in the baseline";
    case NoteKind::CurrentOnly: return "only in the current run";
    case NoteKind::FailedInCurrent: return "failed in the current run";
    case NoteKind::SkippedInCurrent: return "skipped in the current run";
    case NoteKind::NotOkInBaseline: return "did not run in the baseline";
    case NoteKind::MetricMissing: return "metric missing in the current run";
    case NoteKind::Duplicate: return "repeated point";
  }
  return "";
}

std::string verdict_id(Verdict verdict) {
  switch (verdict) {
    case Verdict::Regression: return "regression";
    case Verdict::Improvement: return "improvement";
    case Verdict::NoChange: return "no_change";
  }
  return "";
}

std::string note_kind_id(NoteKind kind) {
  switch (kind) {
    case NoteKind::BaselineOnly: return "baseline_only";
    case NoteKind::CurrentOnly: return "current_only";
    case NoteKind::FailedInCurrent: return "failed_in_current";
    case NoteKind::SkippedInCurrent: return "skipped_in_current";
    case NoteKind::NotOkInBaseline: return "not_ok_in_baseline";
    case NoteKind::MetricMissing: return "metric_missing";
    case NoteKind::Duplicate: return "duplicate";
  }
  return "";
}

std::string direction_id(Direction direction) {
  return direction == Direction::HigherIsBetter ? "higher_is_better" : "lower_is_better";
}

std::string statistic_id(Statistic statistic) {
  switch (statistic) {
    case Statistic::Median: return "median";
    case Statistic::P90: return "p90";
    case Statistic::P99: return "p99";
  }
  return "";
}

std::string tolerance_text(const Tolerances& tolerances) {
  std::string text = "Tolerance " + format_percent(tolerances.default_fraction);
  std::string overrides;
  for (const auto& [name, fraction] : tolerances.by_metric) {
    overrides +=
        fmt::format("{}{} {}", overrides.empty() ? "" : ", ", name, format_percent(fraction));
  }
  if (!overrides.empty()) text += " (" + overrides + ")";
  return text + ".";
}

std::string method_text(const CheckOptions& options) {
  return fmt::format(
      "A change counts when it is beyond the tolerance and, with at least {} repetitions on each "
      "side, beyond the noise: Mann-Whitney U one-sided p <= {:g} for medians, the {:g}% bootstrap "
      "interval of the ratio ({} resamples) clear of 1 for p90/p99. With fewer repetitions the "
      "tolerance alone decides. Throughput changes are the median of all current/baseline ratios "
      "of repetitions (Hodges-Lehmann); other changes compare the values shown.",
      options.min_repetitions, options.alpha, options.bootstrap.confidence * 100,
      options.bootstrap.resamples);
}

}  // namespace memwall::check
