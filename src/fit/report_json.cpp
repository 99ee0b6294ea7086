// The --json records of `memwall fit` and `memwall plan`.
#include <fmt/format.h>

#include "memwall/fit/advisor.hpp"

namespace memwall::fit {
namespace {

using nlohmann::json;

json optional_number(const std::optional<double>& x) { return x ? json(*x) : json(nullptr); }

json targets_json(const Targets& t) {
  return {{"context", t.context},
          {"users", t.users},
          {"prompt", t.prompt},
          {"gen", t.gen},
          {"kv_type", quant::type_info(t.kv_type).name},
          {"min_tok_s", optional_number(t.min_tok_s)},
          {"max_ttft_ms", optional_number(t.max_ttft_ms)}};
}

json shape_json(const ModelShape& s) {
  return {{"model", s.spec.name},
          {"label", s.label},
          {"source", s.source},
          {"scheme", s.scheme ? json(model::scheme_info(*s.scheme).name) : json(nullptr)},
          {"weight_bytes", s.weight_bytes},
          {"bytes_per_token", s.weight_bytes_per_step(1)},
          {"params_total", s.params_total},
          {"params_active", s.params_active},
          {"kv_bytes_per_token_f16", s.kv_bytes_per_token(quant::TensorType::F16)}};
}

json memory_json(const MemoryEstimate& m) {
  return {{"weights", m.weights},         {"kv_cache", m.kv_cache},
          {"compute_buffers", m.compute_buffers}, {"runtime_overhead", m.runtime_overhead},
          {"needed", m.needed},           {"usable", m.usable},
          {"verdict", verdict_name(m.verdict)}};
}

json evaluation_json(const Evaluation& e) {
  return {{"model", shape_json(e.shape)},
          {"memory", memory_json(e.memory)},
          {"prediction", prediction_to_json(e.prediction)},
          {"max_context", e.max_context},
          {"max_users", e.max_users},
          {"meets_targets", e.meets},
          {"shortfall", e.shortfall}};
}

}  // namespace

json fit_report_to_json(const FitReport& r) {
  json rows = json::array();
  for (const Evaluation& e : r.rows) rows.push_back(evaluation_json(e));
  json models = json::array();
  for (const ModelResult& m : r.models) {
    models.push_back({{"model", m.model},
                      {"rows", {m.begin, m.end}},
                      {"recommended", m.recommended ? json(*m.recommended) : json(nullptr)}});
  }
  return {{"schema", "memwall.fit"},
          {"schema_version", 1},
          {"hardware", hardware_to_json(r.hardware)},
          {"targets", targets_json(r.targets)},
          {"rows", rows},
          {"models", models},
          {"ranking", r.ranking}};
}

json plan_report_to_json(const PlanReport& r) {
  json requirements = json::array();
  for (const Requirement& q : r.requirements) {
    requirements.push_back({{"model", shape_json(q.shape)},
                            {"memory_bytes", q.memory_bytes},
                            {"effective_bandwidth_gbps", q.effective_bandwidth_gbps},
                            {"decode_tflops", q.decode_tflops},
                            {"prefill_tflops", optional_number(q.prefill_tflops)}});
  }
  json machines = json::array();
  for (const PlanRow& row : r.rows) {
    machines.push_back({{"hardware", hardware_to_json(row.hardware)},
                        {"meets_targets", row.chosen.has_value()},
                        {"evaluation", evaluation_json(row.chosen ? *row.chosen : row.best_effort)},
                        {"tok_s_per_1000_usd", optional_number(row.tok_s_per_kusd)},
                        {"tok_s_per_watt", optional_number(row.tok_s_per_watt)}});
  }
  return {{"schema", "memwall.plan"},
          {"schema_version", 1},
          {"targets", targets_json(r.targets)},
          {"requirements", requirements},
          {"machines", machines}};
}

}  // namespace memwall::fit
