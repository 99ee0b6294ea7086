#include "memwall/fit/predict.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "memwall/fit/memory.hpp"

namespace memwall::fit {
namespace {

// The rates a prediction divides by, efficiencies applied.
struct Rates {
  double bytes_per_s = 0;
  double flops_per_s = 0;
  double overhead_s = 0;  // per step (or per micro-batch of prefill)
  double peak_tflops = 0;
  const char* peak_unit = "TFLOPS";
};

Rates rates_for(const Hardware& hw, const ModelShape& shape) {
  const Efficiency& e = hw.efficiency;
  Rates r;
  r.bytes_per_s = hw.bandwidth_gbps * 1e9 * e.decode_bandwidth;
  r.peak_tflops = compute_peak_tflops(hw, shape.quantized);
  if (r.peak_tflops != hw.compute_tflops) r.peak_unit = "int8 TOPS";
  r.flops_per_s = r.peak_tflops * 1e12 * e.prefill_compute;
  r.overhead_s = e.step_overhead_us_per_layer * 1e-6 * shape.spec.n_layers;
  return r;
}

// One sequence's prompt of `prompt` tokens after `depth` cached ones, in micro-batches of
// kBatchTokens: compute-bound, but never faster than streaming the weights once per micro-batch.
double prefill_seconds(const ModelShape& shape, const Rates& r, std::int64_t prompt, std::int64_t depth,
                       quant::TensorType kv_type) {
  if (prompt <= 0) return 0;
  const double p = static_cast<double>(prompt);
  const double d = static_cast<double>(depth);
  const double chunks = std::ceil(p / kBatchTokens);
  // Attention over the context: token i of the prompt sees depth + i positions.
  const double mean_context = d + (p + 1) / 2;
  const double flops = p * shape.flops_per_token(mean_context);
  const double tokens_per_chunk = std::min<double>(p, kBatchTokens);
  const double kv_read = shape.kv_bytes_per_token(kv_type) * mean_context;
  const double bytes = chunks * (shape.weight_bytes_per_step(tokens_per_chunk) + kv_read);
  return std::max(flops / r.flops_per_s, bytes / r.bytes_per_s) + chunks * r.overhead_s;
}

std::string basis_text(const Hardware& hw, const Rates& r, const PointParams& point, const Prediction& p) {
  const Efficiency& e = hw.efficiency;
  return fmt::format(
      "{:.4g} GB/s ({}) x {:.2f} + {:.0f} us/layer/step; {:.4g} {} x {:.2f}; decode context {:.0f}, {} user{}; "
      "{}-bound; efficiencies: {}",
      hw.bandwidth_gbps, hw.bandwidth_basis, e.decode_bandwidth, e.step_overhead_us_per_layer, r.peak_tflops,
      r.peak_unit, e.prefill_compute, p.decode_context, point.users, point.users == 1 ? "" : "s",
      p.compute_bound ? "compute" : "bandwidth", e.source);
}

}  // namespace

double decode_context(const PointParams& point) {
  return static_cast<double>(point.depth + point.prompt) + static_cast<double>(point.gen) / 2;
}

double decode_bytes_per_step(const ModelShape& shape, const PointParams& point) {
  const double users = static_cast<double>(std::max<std::int64_t>(point.users, 1));
  return shape.weight_bytes_per_step(users) + users * shape.kv_bytes_per_token(point.kv_type) * decode_context(point);
}

Prediction predict_point(const Hardware& hw, const ModelShape& shape, const PointParams& point) {
  const Rates r = rates_for(hw, shape);
  const double users = static_cast<double>(std::max<std::int64_t>(point.users, 1));
  Prediction p;
  p.decode_context = decode_context(point);
  p.bytes_per_step = decode_bytes_per_step(shape, point);
  const double memory_s = p.bytes_per_step / r.bytes_per_s;
  const double compute_s = users * shape.flops_per_token(p.decode_context) / r.flops_per_s;
  p.compute_bound = compute_s > memory_s;
  const double step_s = std::max(memory_s, compute_s) + r.overhead_s;
  p.step_ms = step_s * 1e3;
  p.tg_tok_s = 1.0 / step_s;
  p.agg_tok_s = users / step_s;
  const double prefill_s = prefill_seconds(shape, r, point.prompt, point.depth, point.kv_type);
  p.prefill_ms = prefill_s * 1e3;
  p.pp_tok_s = prefill_s > 0 ? static_cast<double>(point.prompt) / prefill_s : 0;
  // Users who submit together are prefilled in turn: the mean one waits for half the others.
  p.ttft_ms = p.prefill_ms * (users + 1) / 2;
  p.basis = basis_text(hw, r, point, p);
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
