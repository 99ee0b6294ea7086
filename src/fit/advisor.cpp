#include "memwall/fit/advisor.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace memwall::fit {
namespace {

// Predictions are for the request that fills the context: its prompt arrives on top of
// context - prompt - gen tokens of history.
PointParams point_for(const Targets& t) {
  PointParams p;
  p.users = std::max<std::int64_t>(t.users, 1);
  p.prompt = t.prompt;
  p.gen = t.gen;
  p.depth = std::max<std::int64_t>(t.context - t.prompt - t.gen, 0);
  p.kv_type = t.kv_type;
  return p;
}

std::string shortfall(const Evaluation& e, const Targets& t) {
  if (e.memory.verdict == Verdict::does_not_fit) return "does not fit";
  std::string why;
  if (t.min_tok_s && e.prediction.tg_tok_s < *t.min_tok_s) {
    why = fmt::format("{:.1f} tok/s < {:g}", e.prediction.tg_tok_s, *t.min_tok_s);
  }
  if (t.max_ttft_ms && e.prediction.ttft_ms > *t.max_ttft_ms) {
    why += fmt::format("{}TTFT {:.0f} ms > {:g}", why.empty() ? "" : ", ", e.prediction.ttft_ms, *t.max_ttft_ms);
  }
  return why;
}

std::optional<std::size_t> first_meeting(const std::vector<Evaluation>& rows, std::size_t begin, std::size_t end) {
  for (std::size_t i = begin; i < end; ++i) {
    if (rows[i].meets) return i;
  }
  return std::nullopt;
}

Requirement requirement_for(const ModelShape& shape, const Targets& t) {
  const PointParams point = point_for(t);
  const double min_tok_s = t.min_tok_s.value_or(0);
  const double users = static_cast<double>(point.users);
  Requirement r;
  r.shape = shape;
  r.memory_bytes = shape.weight_bytes +
                   static_cast<std::uint64_t>(shape.kv_bytes(t.kv_type, static_cast<double>(t.context)) * users);
  r.effective_bandwidth_gbps = decode_bytes_per_step(shape, point) * min_tok_s / 1e9;
  r.decode_tflops = users * shape.flops_per_token(decode_context(point)) * min_tok_s / 1e12;
  if (t.max_ttft_ms) {
    const double p = static_cast<double>(point.prompt);
    const double prompt_flops = p * shape.flops_per_token(static_cast<double>(point.depth) + (p + 1) / 2);
    // TTFT is the prefill times (users + 1) / 2 (users submitting together are served in turn).
    const double prefill_s = *t.max_ttft_ms / 1e3 * 2 / (users + 1);
    r.prefill_tflops = prompt_flops / prefill_s / 1e12;
  }
  return r;
}

// Machines that meet the targets first, cheapest first (unknown prices after known ones); then
// the rest by name.
bool plan_order(const PlanRow& a, const PlanRow& b) {
  if (a.chosen.has_value() != b.chosen.has_value()) return a.chosen.has_value();
  if (a.chosen) {
    if (a.hardware.price_usd.has_value() != b.hardware.price_usd.has_value()) return a.hardware.price_usd.has_value();
    if (a.hardware.price_usd && *a.hardware.price_usd != *b.hardware.price_usd) {
      return *a.hardware.price_usd < *b.hardware.price_usd;
    }
    return a.chosen->prediction.agg_tok_s > b.chosen->prediction.agg_tok_s;
  }
  return a.hardware.name < b.hardware.name;
}

}  // namespace

Evaluation evaluate(const Hardware& hw, const ModelShape& shape, const Targets& targets) {
  Evaluation e;
  e.shape = shape;
  e.memory = estimate_memory(hw, shape, targets.context, targets.users, targets.kv_type);
  e.prediction = predict_point(hw, shape, point_for(targets));
  e.max_context = max_context(hw, shape, targets.users, targets.kv_type);
  e.max_users = max_users(hw, shape, targets.context, targets.kv_type);
  e.shortfall = shortfall(e, targets);
  e.meets = e.shortfall.empty();
  return e;
}

FitReport run_fit(const Hardware& hw, const std::vector<ModelCandidates>& models, const Targets& targets) {
  FitReport report{hw, targets, {}, {}, {}};
  for (const ModelCandidates& m : models) {
    ModelResult result{m.model, report.rows.size(), 0, std::nullopt};
    for (const ModelShape& shape : m.schemes) report.rows.push_back(evaluate(hw, shape, targets));
    result.end = report.rows.size();
    result.recommended = first_meeting(report.rows, result.begin, result.end);
    if (result.recommended) report.ranking.push_back(*result.recommended);
    report.models.push_back(std::move(result));
  }
  // Largest model first: among those that run well enough, more parameters mean a better model.
  std::stable_sort(report.ranking.begin(), report.ranking.end(), [&](std::size_t a, std::size_t b) {
    const Evaluation& x = report.rows[a];
    const Evaluation& y = report.rows[b];
    if (x.shape.params_total != y.shape.params_total) return x.shape.params_total > y.shape.params_total;
    return x.prediction.tg_tok_s > y.prediction.tg_tok_s;
  });
  return report;
}

PlanReport run_plan(const std::vector<Hardware>& machines, const ModelCandidates& model, const Targets& targets) {
  PlanReport report;
  report.targets = targets;
  for (const ModelShape& shape : model.schemes) report.requirements.push_back(requirement_for(shape, targets));
  for (const Hardware& hw : machines) {
    PlanRow row{hw, std::nullopt, {}, std::nullopt, std::nullopt};
    for (const ModelShape& shape : model.schemes) {
      row.best_effort = evaluate(hw, shape, targets);
      if (row.best_effort.meets) {
        row.chosen = row.best_effort;
        break;
      }
    }
    if (row.chosen) {
      const double agg = row.chosen->prediction.agg_tok_s;
      if (hw.price_usd) row.tok_s_per_kusd = agg / *hw.price_usd * 1000;
      if (hw.power_w) row.tok_s_per_watt = agg / *hw.power_w;
    }
    report.rows.push_back(std::move(row));
  }
  std::stable_sort(report.rows.begin(), report.rows.end(), plan_order);
  return report;
}

}  // namespace memwall::fit
