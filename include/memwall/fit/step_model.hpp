#pragma once
// The cost of one forward step of a continuously batching server, the unit every speed the fit
// model predicts is built from. A step carries T tokens (one per decoding sequence, plus chunks
// of prompts) through every layer once:
//
//   memory  = (weights the T tokens touch + each sequence's KV cache) / bandwidth
//   compute = (2 x layer parameters x T + 2 x output parameters x tokens that want logits
//              + attention FLOPs) / compute peak
//   step    = max(memory / e_bw, C) + (1 - overlap) x min(memory / e_bw, C) + layers x overhead
//   C       = compute of the prompt tokens / e_c + compute of the decode tokens / e_cd
//
// where the efficiencies give attention its own (Efficiency::attention), its FLOPs leave C's two
// terms and come back as attention FLOPs / (float peak x e_att).
//
// With overlap 1 memory and arithmetic hide behind each other (GPUs); with 0 they add up, as on a
// CPU whose cores both stream the weights and do the dot products — which is why a step of 8
// decode tokens on the built-in engine costs 1.5-2.5x a step of one instead of about the same.
#include "memwall/fit/efficiency.hpp"
#include "memwall/fit/model_shape.hpp"

namespace memwall::fit {

// What one step carries; independent of the machine.
struct StepLoad {
  double tokens = 0;           // decode tokens + prompt tokens
  double logit_tokens = 0;     // tokens whose logits are computed: each produces a token
  double kv_bytes = 0;         // every sequence in the step reads its cache once
  double attention_flops = 0;  // summed over the step's tokens
  double decode_tokens = 0;    // of `tokens`, one per decoding sequence (each wants logits)
  double decode_attention_flops = 0;  // of `attention_flops`, the decode tokens' part
};

// The step at full bandwidth and full compute peak, before efficiencies.
struct StepCost {
  double memory_s = 0;
  double compute_s = 0;         // all of the step's arithmetic
  double decode_compute_s = 0;  // of compute_s, the decode tokens' part
  double superblock_memory_s = 0;  // of memory_s, the weights in super-block types
  double attention_s = 0;          // of compute_s, the attention FLOPs
  double decode_attention_s = 0;   // of decode_compute_s, the decode tokens' attention FLOPs
  double attention_float_s = 0;    // the attention FLOPs at the float peak instead
  double other_quant_share = 0;    // of the prompt tokens' layer arithmetic, the share on ModelShape's other types
};

// A step's arithmetic at full peak in the parts the compute efficiencies divide: the prompt
// tokens', the decode tokens', and, when attention has an efficiency of its own (`apart`), its
// FLOPs at the float peak, taken out of the other two; otherwise attention_s is 0.
struct ArithmeticParts {
  double prompt_s, decode_s, attention_s;
  double other_quant_prompt_s;  // of the prompt tokens', the part on other quantized types, not in prompt_s
};
ArithmeticParts arithmetic_parts(const StepCost& cost, bool apart);

// Peaks in bytes/s and FLOP/s: the one that applies to the model's weights, and the float one
// (hardware compute_tflops) attention's own efficiency refers to.
StepCost step_cost(const ModelShape& shape, double bytes_per_s, double flops_per_s, double float_flops_per_s,
                   const StepLoad& load);

// The step's arithmetic under the compute efficiencies, and its wall time under all of them, for
// a model of quantized or float weights, on cores whose round trip is round_trip_ns (0: not known).
double compute_seconds(const Efficiency& e, bool quantized_weights, const StepCost& cost);
double memory_seconds(const Efficiency& e, const StepCost& cost);
double step_seconds(const Efficiency& e, double n_layers, bool quantized_weights, const StepCost& cost,
                    double round_trip_ns = 0);

// The step a prompt chunk of `tokens` tokens is, after `context_before` cached positions; the
// last chunk of a prompt wants logits for its last token.
StepLoad prompt_chunk_load(const ModelShape& shape, quant::TensorType kv_type, double context_before, double tokens,
                           bool last);

}  // namespace memwall::fit
