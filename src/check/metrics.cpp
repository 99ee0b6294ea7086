#include "memwall/check/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace memwall::check {
namespace {

std::vector<MetricDef> build_metric_table() {
  using enum Direction;
  using enum SampleUnit;
  std::vector<MetricDef> table = {
      {"pp_tok_s", "pp_tok_s", Statistic::Median, HigherIsBetter, Repetition, "pp tok/s", true},
      {"tg_tok_s", "tg_tok_s", Statistic::Median, HigherIsBetter, Repetition, "tg tok/s", true},
      {"agg_tok_s", "agg_tok_s", Statistic::Median, HigherIsBetter, Repetition, "aggregate tok/s",
       true},
      {"per_user_tok_s", "per_user_tok_s", Statistic::Median, HigherIsBetter, Request,
       "per-user tok/s", true},
      {"roofline_efficiency", "roofline_efficiency", Statistic::Median, HigherIsBetter, Repetition,
       "roofline efficiency", false},
  };
  struct Latency {
    const char* prefix;
    const char* display;
  };
  struct Percentile {
    const char* suffix;
    Statistic statistic;
  };
  for (const Latency l : {Latency{"ttft", "TTFT"}, Latency{"queue", "queue"},
                          Latency{"tpot", "TPOT"}, Latency{"itl", "ITL"}, Latency{"e2e", "E2E"}}) {
    for (const Percentile p :
         {Percentile{"p50", Statistic::Median}, Percentile{"p90", Statistic::P90},
          Percentile{"p99", Statistic::P99}}) {
      table.push_back({fmt::format("{}_{}", l.prefix, p.suffix), fmt::format("{}_ms", l.prefix),
                       p.statistic, LowerIsBetter, Request,
                       fmt::format("{} {} ms", l.display, p.suffix), true});
    }
  }
  return table;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (std::size_t begin = 0;;) {
    const std::size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return parts;
    begin = end + 1;
  }
}

std::string known_names() {
  std::string names;
  for (const MetricDef& m : all_metrics()) names += (names.empty() ? "" : ", ") + m.name;
  return names;
}

// "5%" or "5" -> 0.05.
Result<double> parse_percent(std::string_view text) {
  std::string_view number = text;
  if (!number.empty() && number.back() == '%') number.remove_suffix(1);
  double percent = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), percent);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size() ||
      !std::isfinite(percent) || percent < 0) {
    return make_error("tolerance '{}': expected a percentage such as 5%", text);
  }
  return percent / 100.0;
}

}  // namespace

std::span<const MetricDef> all_metrics() {
  static const std::vector<MetricDef> table = build_metric_table();
  return table;
}

const MetricDef* find_metric(std::string_view name) {
  for (const MetricDef& m : all_metrics()) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

std::vector<const MetricDef*> default_metrics() {
  std::vector<const MetricDef*> metrics;
  for (const char* name : {"pp_tok_s", "tg_tok_s", "agg_tok_s", "ttft_p50", "ttft_p99"}) {
    metrics.push_back(find_metric(name));
  }
  return metrics;
}

Result<std::vector<const MetricDef*>> parse_metric_names(const std::vector<std::string>& names) {
  std::vector<const MetricDef*> metrics;
  for (const std::string& list : names) {
    for (std::string_view name : split(list, ',')) {
      if (name.empty()) continue;
      const MetricDef* metric = find_metric(name);
      if (!metric) return make_error("unknown metric '{}' (metrics: {})", name, known_names());
      if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end())
        metrics.push_back(metric);
    }
  }
  if (metrics.empty()) return make_error("no metric given (metrics: {})", known_names());
  return metrics;
}

double statistic_percent(Statistic statistic) {
  switch (statistic) {
    case Statistic::Median: return 50;
    case Statistic::P90: return 90;
    case Statistic::P99: return 99;
  }
  return 50;
}

double Tolerances::for_metric(std::string_view metric_name) const {
  const auto it = by_metric.find(metric_name);
  return it == by_metric.end() ? default_fraction : it->second;
}

Result<Tolerances> parse_tolerances(std::string_view spec) {
  Tolerances tolerances;
  for (std::string_view item : split(spec, ',')) {
    if (item.empty()) return make_error("tolerance '{}': empty item", spec);
    const std::size_t equals = item.find('=');
    const std::string_view value =
        equals == std::string_view::npos ? item : item.substr(equals + 1);
    Result<double> fraction = parse_percent(value);
    if (!fraction.ok()) return fraction.error();
    if (equals == std::string_view::npos) {
      tolerances.default_fraction = *fraction;
      continue;
    }
    const std::string_view name = item.substr(0, equals);
    if (!find_metric(name)) {
      return make_error("tolerance '{}': unknown metric '{}' (metrics: {})", item, name,
                        known_names());
    }
    tolerances.by_metric[std::string(name)] = *fraction;
  }
  return tolerances;
}

}  // namespace memwall::check
