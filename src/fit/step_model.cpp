#include "memwall/fit/step_model.hpp"

#include <algorithm>

namespace memwall::fit {
namespace {

// Attention FLOPs of the tokens that see context + 1 ... context + tokens positions. The FLOPs of
// one token are linear in its context up to the sliding window and linear after it, so each side
// is its count times the FLOPs at its mean context.
double prompt_attention_flops(const ModelShape& shape, double context, double tokens) {
  const double window = shape.spec.sliding_window > 0 ? shape.spec.sliding_window : context + tokens;
  const double below = std::clamp(window - context, 0.0, tokens);  // tokens that see <= window
  double flops = 0;
  if (below > 0) flops += below * shape.attention_flops(context + (below + 1) / 2);
  if (tokens > below) {
    const double first = context + below;
    flops += (tokens - below) * shape.attention_flops(first + (tokens - below + 1) / 2);
  }
  return flops;
}

}  // namespace

StepCost step_cost(const ModelShape& shape, double bytes_per_s, double flops_per_s, double float_flops_per_s,
                   const StepLoad& load) {
  const double weights = shape.weight_bytes_per_step(load.tokens);
  const double layer_params = shape.matmul_params - shape.output_params;
  const double flops = 2.0 * layer_params * load.tokens + 2.0 * shape.output_params * load.logit_tokens +
                       load.attention_flops;
  const double decode_flops = 2.0 * shape.matmul_params * load.decode_tokens + load.decode_attention_flops;
  return {(weights + load.kv_bytes) / bytes_per_s,        flops / flops_per_s,
          decode_flops / flops_per_s,                       weights * shape.superblock_share / bytes_per_s,
          load.attention_flops / flops_per_s,               load.decode_attention_flops / flops_per_s,
          load.attention_flops / float_flops_per_s,         shape.quantized ? shape.other_quant_layer_share : 0};
}

ArithmeticParts arithmetic_parts(const StepCost& c, bool apart) {
  const double prompt = c.compute_s - c.decode_compute_s;
  const auto split = [&](double prompt_s, double decode_s, double attention_s) {
    return ArithmeticParts{prompt_s * (1 - c.other_quant_share), decode_s, attention_s, prompt_s * c.other_quant_share};
  };
  if (!apart) return split(prompt, c.decode_compute_s, 0);
  return split(prompt - (c.attention_s - c.decode_attention_s), c.decode_compute_s - c.decode_attention_s,
               c.attention_float_s);
}

double compute_seconds(const Efficiency& e, bool quantized_weights, const StepCost& cost) {
  const ArithmeticParts a = arithmetic_parts(cost, e.attention > 0);
  return a.prompt_s / e.compute_for(quantized_weights) + a.other_quant_prompt_s / e.compute_for_other_quant() +
         a.decode_s / e.compute_for(quantized_weights, true) + (a.attention_s > 0 ? a.attention_s / e.attention : 0);
}

double memory_seconds(const Efficiency& e, const StepCost& cost) {
  return (cost.memory_s - cost.superblock_memory_s) / e.decode_bandwidth +
         cost.superblock_memory_s / e.bandwidth_for_superblocks();
}

double step_seconds(const Efficiency& e, double n_layers, bool quantized_weights, const StepCost& cost,
                    double round_trip_ns) {
  const double memory = memory_seconds(e, cost);
  const double compute = compute_seconds(e, quantized_weights, cost);
  return std::max(memory, compute) + (1.0 - e.compute_overlap) * std::min(memory, compute) +
         n_layers * e.overhead_us_per_layer(round_trip_ns) * 1e-6;
}

StepLoad prompt_chunk_load(const ModelShape& shape, quant::TensorType kv_type, double context_before, double tokens,
                           bool last) {
  StepLoad load;
  load.tokens = tokens;
  load.logit_tokens = last ? 1 : 0;
  load.kv_bytes = shape.kv_bytes(kv_type, context_before + tokens);
  load.attention_flops = prompt_attention_flops(shape, context_before, tokens);
  return load;
}

}  // namespace memwall::fit
