#include "memwall/fit/predict.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "memwall/fit/memory.hpp"

namespace memwall::fit {
namespace {

// The peaks a prediction divides by, before efficiencies.
struct Peaks {
  double bytes_per_s = 0;
  double flops_per_s = 0;
  double float_flops_per_s = 0;  // attention's
  double tflops = 0;
  const char* unit = "TFLOPS";
};

Peaks peaks_for(const Hardware& hw, const ModelShape& shape) {
  Peaks p;
  p.bytes_per_s = hw.efficiency.bandwidth_at(hw.bandwidth_gbps) * 1e9;
  p.tflops = compute_peak_tflops(hw, shape.quantized);
  if (p.tflops != hw.compute_tflops) p.unit = "int8 TOPS";
  p.flops_per_s = p.tflops * 1e12;
  p.float_flops_per_s = hw.compute_tflops * 1e12;
  return p;
}

std::vector<double> step_times(const Hardware& hw, const ModelShape& shape, const Peaks& peaks,
                               const std::vector<StepLoad>& loads) {
  std::vector<double> out;
  out.reserve(loads.size());
  for (const StepLoad& l : loads) {
    const StepCost cost = step_cost(shape, peaks.bytes_per_s, peaks.flops_per_s, peaks.float_flops_per_s, l);
    out.push_back(step_seconds(hw.efficiency, shape.spec.n_layers, shape.quantized, cost, hw.core_round_trip_ns));
  }
  return out;
}

std::string basis_text(const Hardware& hw, const ModelShape& shape, const Peaks& peaks, const PointParams& point,
                       const Prediction& p) {
  const Efficiency& e = hw.efficiency;
  const std::string attention =
      e.attention > 0 ? fmt::format(", attention {:.4g} TFLOPS x {:.3f}", hw.compute_tflops, e.attention) : "";
  const std::string ceiling = peaks.bytes_per_s < hw.bandwidth_gbps * 1e9
                                  ? fmt::format(", streamed as {:.4g} (this machine's ceiling)", e.read_ceiling_gbps)
                                  : "";
  const std::string round_trip = e.overhead_round_trips_per_layer > 0 && hw.core_round_trip_ns > 0
                                     ? fmt::format(" (cores at a {:.0f} ns round trip)", hw.core_round_trip_ns)
                                     : "";
  return fmt::format(
      "{:.4g} GB/s ({}{}) x {:.2f} + {:.0f} us/layer/step{}; {:.4g} {} x {:.2f} (decode tokens x {:.2f}){}, overlap {:.2f}; "
      "decode context {:.0f}, {} user{}; {}-bound; efficiencies: {}",
      hw.bandwidth_gbps, hw.bandwidth_basis, ceiling, e.decode_bandwidth, e.overhead_us_per_layer(hw.core_round_trip_ns),
      round_trip, peaks.tflops,
      peaks.unit, e.compute_for(shape.quantized), e.compute_for(shape.quantized, true), attention, e.compute_overlap,
      p.decode_context, point.users, point.users == 1 ? "" : "s", p.compute_bound ? "compute" : "bandwidth", e.source);
}

}  // namespace

double decode_context(const PointParams& point) {
  return static_cast<double>(point.depth + point.prompt) + static_cast<double>(point.gen) / 2;
}

double decode_bytes_per_step(const ModelShape& shape, const PointParams& point) {
  const double users = static_cast<double>(std::max<std::int64_t>(point.users, 1));
  return shape.weight_bytes_per_step(users) + users * shape.kv_bytes(point.kv_type, decode_context(point));
}

ServingLoad serving_load(const PointParams& point) {
  ServingLoad l;
  l.users = std::max<std::int64_t>(point.users, 1);
  l.prompt = std::max<std::int64_t>(point.prompt, 1);
  l.gen = std::max<std::int64_t>(point.gen, 1);
  l.depth = point.depth;
  l.requests = point.requests > 0 ? point.requests : 4 * l.users;
  l.warmup = std::min(point.warmup, l.users);
  l.prefill_budget = point.prefill_budget;
  l.max_batch_tokens = point.max_batch_tokens > 0 ? point.max_batch_tokens : l.users + point.prefill_budget;
  l.kv_type = point.kv_type;
  return l;
}

std::vector<StepLoad> prefill_steps(const ModelShape& shape, const PointParams& point) {
  const std::int64_t budget = std::max<std::int64_t>(point.prefill_budget, 1);
  std::vector<StepLoad> steps;
  for (std::int64_t done = 0; done < point.prompt; done += budget) {
    const std::int64_t chunk = std::min(budget, point.prompt - done);
    steps.push_back(prompt_chunk_load(shape, point.kv_type, static_cast<double>(point.depth + done),
                                      static_cast<double>(chunk), done + chunk == point.prompt));
  }
  return steps;
}

Prediction predict_point(const Hardware& hw, const ModelShape& shape, const PointParams& point) {
  const Peaks peaks = peaks_for(hw, shape);
  const double users = static_cast<double>(std::max<std::int64_t>(point.users, 1));
  Prediction p;
  p.decode_context = decode_context(point);
  p.bytes_per_step = decode_bytes_per_step(shape, point);
  // One decode step of every user's token at the mean context.
  const double attention_flops = users * shape.attention_flops(p.decode_context);
  const StepLoad decode{users, users, users * shape.kv_bytes(point.kv_type, p.decode_context), attention_flops, users,
                        attention_flops};
  const StepCost cost = step_cost(shape, peaks.bytes_per_s, peaks.flops_per_s, peaks.float_flops_per_s, decode);
  p.compute_bound = compute_seconds(hw.efficiency, shape.quantized, cost) > memory_seconds(hw.efficiency, cost);
  const double step_s = step_seconds(hw.efficiency, shape.spec.n_layers, shape.quantized, cost, hw.core_round_trip_ns);
  p.step_ms = step_s * 1e3;

  double prefill_s = 0;
  for (double s : step_times(hw, shape, peaks, prefill_steps(shape, point))) prefill_s += s;
  p.prefill_ms = prefill_s * 1e3;
  p.pp_tok_s = prefill_s > 0 ? static_cast<double>(point.prompt) / prefill_s : 0;

  const Schedule schedule = closed_loop_schedule(shape, serving_load(point));
  const ServingTimes serving = serving_times(schedule, step_times(hw, shape, peaks, schedule.steps));
  p.tg_tok_s = serving.per_user_tok_s > 0 ? serving.per_user_tok_s : 1.0 / step_s;
  p.agg_tok_s = serving.agg_tok_s;
  p.ttft_ms = serving.ttft_ms;
  p.basis = basis_text(hw, shape, peaks, point, p);
  return p;
}

nlohmann::json prediction_to_json(const Prediction& p) {
  return {{"pp_tok_s", p.pp_tok_s},           {"tg_tok_s", p.tg_tok_s},
          {"agg_tok_s", p.agg_tok_s},         {"ttft_ms", p.ttft_ms},
          {"prefill_ms", p.prefill_ms},       {"step_ms", p.step_ms},
          {"bytes_per_step", p.bytes_per_step}, {"decode_context", p.decode_context},
          {"bound", p.compute_bound ? "compute" : "bandwidth"}, {"basis", p.basis}};
}

}  // namespace memwall::fit
