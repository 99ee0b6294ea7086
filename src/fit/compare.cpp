#include "memwall/fit/compare.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "bench_records.hpp"
#include "memwall/fit/predict.hpp"

namespace memwall::fit {
namespace {

using nlohmann::json;

// As bench names its tests: "tg64", "pp128 @d2048", "c4 p128 n64".
std::string point_label(const detail::RecordPoint& p) {
  const std::string depth = p.params.depth > 0 ? fmt::format(" @d{}", p.params.depth) : "";
  if (p.test == "tg") return fmt::format("tg{}{}", p.params.gen, depth);
  if (p.test == "pp") return fmt::format("pp{}{}", p.params.prompt, depth);
  return fmt::format("c{} p{} n{}{}", p.params.users, p.params.prompt, p.params.gen, depth);
}

void add_rows(const Hardware& local, const json& r, const detail::RecordPoint& p, std::vector<ComparisonRow>& out) {
  const Hardware at = at_bandwidth(local, p.bandwidth);
  const Prediction pred = predict_point(at, p.shape, p.params);
  const std::string model = detail::model_label(p.model, p.scheme), point = point_label(p);
  const auto row = [&](const char* metric, const char* stat, const char* field, double predicted) {
    const double measured = detail::record_stat(r, stat, field);
    if (measured > 0 && predicted > 0) {
      out.push_back({model, point, metric, measured, predicted, p.bandwidth.gbps, p.bandwidth.around, p.bandwidth.moved(),
                     at.core_round_trip_ns});
    }
  };
  if (p.test == "tg") return row("tg tok/s", "tg_tok_s", "median", pred.tg_tok_s);
  if (p.test == "pp") return row("pp tok/s", "pp_tok_s", "median", pred.pp_tok_s);
  if (p.params.gen >= 2) row("per-user tok/s", "per_user_tok_s", "median", pred.tg_tok_s);
  row("agg tok/s", "agg_tok_s", "median", pred.agg_tok_s);
  row("TTFT ms", "ttft_ms", "median", pred.ttft_ms);
}

std::vector<ComparisonSummary> summarize(const std::vector<ComparisonRow>& rows) {
  std::vector<ComparisonSummary> out;
  for (const ComparisonRow& row : rows) {
    if (std::none_of(out.begin(), out.end(), [&](const ComparisonSummary& s) { return s.metric == row.metric; })) {
      out.push_back({row.metric});
    }
  }
  const auto within = [](const std::vector<double>& errors, double bound) {
    return static_cast<int>(std::count_if(errors.begin(), errors.end(), [&](double e) { return e <= bound; }));
  };
  for (ComparisonSummary& s : out) {
    std::vector<double> errors, steady;
    for (const ComparisonRow& row : rows) {
      if (row.metric != s.metric) continue;
      errors.push_back(std::abs(row.error()));
      if (!row.read_moved) steady.push_back(errors.back());
    }
    std::sort(errors.begin(), errors.end());
    const std::size_t n = errors.size();
    s.points = static_cast<int>(n);
    s.median_abs_error = n % 2 ? errors[n / 2] : (errors[n / 2 - 1] + errors[n / 2]) / 2;
    s.max_abs_error = errors.back();
    s.within_10 = within(errors, 0.10);
    s.within_20 = within(errors, 0.20);
    s.steady_points = static_cast<int>(steady.size());
    s.steady_within_10 = within(steady, 0.10);
    s.steady_within_20 = within(steady, 0.20);
  }
  return out;
}

}  // namespace

Result<std::vector<json>> read_bench_records(const std::filesystem::path& path) { return detail::read_records(path); }

Comparison compare_records(const Hardware& local, const std::vector<json>& records) {
  Comparison c;
  detail::RecordSkips skips;
  for (const json* r : detail::usable_records(local, records, skips)) {
    const std::optional<detail::RecordPoint> p = detail::record_point(local, *r);
    const std::size_t before = c.rows.size();
    if (p) add_rows(local, *r, *p, c.rows);
    c.skipped += c.rows.size() == before;
  }
  c.skipped += skips.other_machine + skips.not_ok + skips.unusable;
  c.summary = summarize(c.rows);
  return c;
}

json comparison_to_json(const Comparison& c) {
  json rows = json::array(), summary = json::array();
  for (const ComparisonRow& r : c.rows) {
    rows.push_back({{"model", r.model}, {"point", r.point}, {"metric", r.metric}, {"measured", r.measured},
                    {"predicted", r.predicted}, {"error", r.error()}, {"read_gbps", r.read_gbps},
                    {"read_basis", r.read_around ? "around" : "probe"}, {"read_moved", r.read_moved},
                    {"round_trip_ns", r.round_trip_ns > 0 ? json(r.round_trip_ns) : json(nullptr)}});
  }
  for (const ComparisonSummary& s : c.summary) {
    summary.push_back({{"metric", s.metric}, {"points", s.points}, {"median_abs_error", s.median_abs_error},
                       {"max_abs_error", s.max_abs_error}, {"within_10", s.within_10}, {"within_20", s.within_20},
                       {"steady_points", s.steady_points}, {"steady_within_10", s.steady_within_10},
                       {"steady_within_20", s.steady_within_20}});
  }
  return {{"rows", rows}, {"summary", summary}, {"skipped", c.skipped}};
}

std::optional<std::string> basis_mismatch(const Calibration& calibration, const Comparison& c) {
  int around = 0, probe = 0;
  for (const ComparisonRow& r : c.rows) {
    if (r.metric == "pp tok/s") continue;  // pp is never tracked: compute-bound
    ++(r.read_around ? around : probe);
  }
  const int trackable = calibration.decode_points + calibration.serving_points;  // pp is never tracked
  if (calibration.tracked_points == 0 && around > 0) {
    return fmt::format("the calibration ({}) was fitted against the cached probe, and {} of these rows are predicted at "
                       "the read around their run: calibrate on records made the same way (bench --track-bandwidth or not)",
                       calibration.results_file, around);
  }
  if (calibration.tracked_points == trackable && trackable > 0 && probe > 0) {
    return fmt::format("the calibration ({}) was fitted against the read around each run, and {} of these rows are "
                       "predicted at the cached probe: calibrate on records made the same way (bench --track-bandwidth or not)",
                       calibration.results_file, probe);
  }
  return std::nullopt;
}

}  // namespace memwall::fit
