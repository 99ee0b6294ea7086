#pragma once
// The shape of a model: what GGUF metadata, a preset file or `fit` needs to know about an
// architecture, and nothing about its weights.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace memwall::model {

// GGUF's general.architecture values memwall knows. Mixtral is `llama` with experts, as in GGUF.
enum class Arch { llama, qwen2, qwen3, qwen3moe, gemma3, phi3, gpt_oss };

std::string_view arch_name(Arch arch);  // "llama", "qwen2", ..., "gpt-oss"
std::optional<Arch> arch_from_name(std::string_view name);

struct RopeScaling {
  std::string type = "none";  // "none", "llama3", "yarn", "linear"
  double factor = 1.0;
  double low_freq_factor = 1.0;   // llama3
  double high_freq_factor = 4.0;  // llama3
  std::uint64_t original_context_length = 0;
};

struct ModelSpec {
  std::string name;          // preset name or file stem
  std::string display_name;
  Arch arch = Arch::llama;
  std::uint32_t n_layers = 0;
  std::uint32_t n_embd = 0;
  std::uint32_t n_ff = 0;          // dense FFN width; 0 when every layer is MoE
  std::uint32_t n_head = 0;
  std::uint32_t n_head_kv = 0;
  std::uint32_t head_dim = 0;
  std::uint32_t n_vocab = 0;
  bool tied_embeddings = false;    // no output.weight: the token embedding is reused
  std::uint64_t context_length = 0;
  double rope_base = 10000.0;
  RopeScaling rope_scaling;
  double rms_norm_eps = 1e-5;
  bool attention_bias = false;     // biases on q, k, v (qwen2, gpt-oss)
  bool qk_norm = false;            // RMSNorm on q and k per head (qwen3, gemma3)
  std::uint32_t sliding_window = 0;  // 0 = none
  std::uint32_t n_expert = 0;      // 0 = dense
  std::uint32_t n_expert_used = 0;
  std::uint32_t n_ff_expert = 0;

  bool is_moe() const { return n_expert > 0; }
  std::uint32_t q_dim() const { return n_head * head_dim; }
  std::uint32_t kv_dim() const { return n_head_kv * head_dim; }
  std::uint32_t gqa_ratio() const { return n_head_kv ? n_head / n_head_kv : 0; }
  // The built-in engine runs the llama family and its MoE variants; the rest serve `fit`.
  bool engine_supported() const;
};

}  // namespace memwall::model
