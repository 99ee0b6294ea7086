// The report as JSON (schemas/check-report.v1.schema.json), for tools that post-process a check.
#include <cmath>
#include <nlohmann/json.hpp>

#include "memwall/check/render.hpp"
#include "wording.hpp"

namespace memwall::check {
namespace {

// Fields in the order the schema documents them, schema first.
using json = nlohmann::ordered_json;

json finite_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

template <typename T>
json optional_json(const std::optional<T>& x) {
  return x ? json(*x) : json(nullptr);
}

json point_json(const PointKey& p) {
  return {{"backend", p.backend},
          {"endpoint", p.endpoint.empty() ? json(nullptr) : json(p.endpoint)},
          {"model", p.model},
          {"scheme", p.scheme},
          {"test", p.test},
          {"threads", p.threads},
          {"concurrency", optional_json(p.concurrency)},
          {"rate", optional_json(p.rate)},
          {"prompt", p.prompt},
          {"gen", p.gen},
          {"depth", p.depth},
          {"kv_type", p.kv_type},
          {"prefill_budget", optional_json(p.prefill_budget)},
          {"label", point_label(p)}};
}

json run_json(const std::string& path, const Provenance& p) {
  return {{"path", path},
          {"memwall_version", p.memwall_version},
          {"git_commit", p.git_commit},
          {"cpu_model", p.cpu_model},
          {"hardware_fingerprint", p.hardware_fingerprint}};
}

json side_json(const Side& s) {
  return {{"value", finite_or_null(s.value)},
          {"samples", s.samples},
          {"repetitions", s.repetitions},
          {"cv", optional_json(s.cv)},
          {"line", s.line}};
}

json comparison_json(const Comparison& c) {
  json interval = nullptr;
  if (c.ratio_interval) {
    interval = json::array(
        {finite_or_null(c.ratio_interval->low), finite_or_null(c.ratio_interval->high)});
  }
  return {{"point", point_json(c.point)},
          {"metric", c.metric->name},
          {"direction", direction_id(c.metric->direction)},
          {"statistic", statistic_id(c.metric->statistic)},
          {"baseline", side_json(c.baseline)},
          {"current", side_json(c.current)},
          {"change", finite_or_null(c.change)},
          {"change_estimate", c.hodges_lehmann ? "hodges_lehmann" : "ratio"},
          {"tolerance", c.tolerance},
          {"basis", c.basis == Basis::NoiseTest ? "noise_test" : "tolerance_only"},
          {"p_value", optional_json(c.p_value)},
          {"p_exact", c.basis == Basis::NoiseTest ? json(c.exact_p) : json(nullptr)},
          {"ratio_interval", interval},
          {"beyond_tolerance", c.beyond_tolerance},
          {"significant", c.significant},
          {"verdict", verdict_id(c.verdict)}};
}

json options_json(const CheckOptions& o) {
  json metrics = json::array();
  for (const MetricDef* m : o.metrics) metrics.push_back(m->name);
  json by_metric = json::object();
  for (const auto& [name, fraction] : o.tolerances.by_metric) by_metric[name] = fraction;
  return {{"metrics", metrics},
          {"tolerance", {{"default", o.tolerances.default_fraction}, {"by_metric", by_metric}}},
          {"normalize", o.normalize_roofline ? json("roofline") : json(nullptr)},
          {"allow_hardware_mismatch", o.allow_hardware_mismatch},
          {"min_repetitions", o.min_repetitions},
          {"alpha", o.alpha},
          {"bootstrap",
           {{"resamples", o.bootstrap.resamples},
            {"confidence", o.bootstrap.confidence},
            {"seed", o.bootstrap.seed}}}};
}

json summary_json(const CheckReport& r) {
  return {{"comparisons", r.comparisons.size()},
          {"regressions", r.count(Verdict::Regression)},
          {"improvements", r.count(Verdict::Improvement)},
          {"unchanged", r.count(Verdict::NoChange)},
          {"tolerance_only", r.tolerance_only()},
          {"failed_points", r.count(NoteKind::FailedInCurrent)},
          {"notes", r.notes.size()}};
}

}  // namespace

std::string render_json(const CheckReport& report) {
  json comparisons = json::array(), notes = json::array(), mismatches = json::array();
  for (const Comparison& c : report.comparisons) comparisons.push_back(comparison_json(c));
  for (const Note& n : report.notes) {
    notes.push_back({{"kind", note_kind_id(n.kind)},
                     {"point", point_json(n.point)},
                     {"metric", n.metric.empty() ? json(nullptr) : json(n.metric)},
                     {"detail", n.detail}});
  }
  for (const HardwareMismatch& m : report.hardware_mismatches) {
    mismatches.push_back({{"baseline_fingerprint", m.baseline_fingerprint},
                          {"baseline_cpu", m.baseline_cpu},
                          {"current_fingerprint", m.current_fingerprint},
                          {"current_cpu", m.current_cpu}});
  }
  const json document = {{"schema", "memwall.check.v1"},
                         {"result", report.failed() ? "fail" : "pass"},
                         {"baseline", run_json(report.baseline_path, report.baseline_provenance)},
                         {"current", run_json(report.current_path, report.current_provenance)},
                         {"options", options_json(report.options)},
                         {"summary", summary_json(report)},
                         {"comparisons", comparisons},
                         {"notes", notes},
                         {"hardware_mismatches", mismatches}};
  return document.dump(2) + "\n";
}

}  // namespace memwall::check
