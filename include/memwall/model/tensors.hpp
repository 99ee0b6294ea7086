#pragma once
// The tensors of a model, by GGUF name, with their roles: what the quantization policy, the
// parameter counts and the engine's loader all reason about.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "memwall/model/spec.hpp"

namespace memwall::model {

enum class Role {
  token_embd, output_norm, output, rope_freqs,
  attn_norm, attn_q, attn_k, attn_v, attn_qkv, attn_output,
  attn_q_bias, attn_k_bias, attn_v_bias, attn_output_bias, attn_q_norm, attn_k_norm, attn_sinks,
  post_attention_norm, ffn_norm, post_ffw_norm,
  ffn_gate, ffn_up, ffn_down,
  ffn_gate_inp, ffn_gate_inp_bias,                   // MoE router
  ffn_gate_exps, ffn_up_exps, ffn_down_exps,         // (n_embd|n_ff_exp, ..., n_expert)
  ffn_gate_exps_bias, ffn_up_exps_bias, ffn_down_exps_bias,
  other,
};

struct PlannedTensor {
  std::string name;                  // e.g. "blk.3.attn_q.weight"
  std::vector<std::uint64_t> shape;  // ne[0] first, as in GGUF
  Role role = Role::other;
  int layer = -1;                    // -1 for tensors outside the blocks

  std::uint64_t n_elements() const;
  // Per-expert tensors (3D experts and their biases): only n_expert_used of n_expert are read.
  bool is_expert() const;
};

// Every tensor of the architecture in GGUF order: token_embd, [rope_freqs], blocks, output_norm,
// [output].
std::vector<PlannedTensor> plan_tensors(const ModelSpec& spec);

// Role and layer from a GGUF tensor name ("blk.12.ffn_down.weight" -> ffn_down, 12).
PlannedTensor describe_tensor(std::string_view name, std::vector<std::uint64_t> shape);

}  // namespace memwall::model
