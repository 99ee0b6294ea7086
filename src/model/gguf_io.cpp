#include "memwall/model/gguf_io.hpp"

#include <cmath>
#include <numbers>

namespace memwall::model {
namespace {

using gguf::Value;

Value u32(std::uint64_t v) { return Value{static_cast<std::uint32_t>(v)}; }
Value f32(double v) { return Value{static_cast<float>(v)}; }

// Reads "<arch>.<suffix>" as an unsigned integer.
struct ArchKeys {
  const gguf::GgufFile& file;
  std::string prefix;

  Result<std::uint64_t> uint(std::string_view suffix) const {
    return file.get_uint(prefix + std::string(suffix));
  }
  std::uint64_t uint_or(std::string_view suffix, std::uint64_t fallback) const {
    const Result<std::uint64_t> v = uint(suffix);
    return v.ok() ? *v : fallback;
  }
  double number_or(std::string_view suffix, double fallback) const {
    const Result<double> v = file.get_number(prefix + std::string(suffix));
    return v.ok() ? *v : fallback;
  }
};

Status read_required(const ArchKeys& keys, ModelSpec& s) {
  struct Field {
    const char* suffix;
    std::uint32_t* out;
  };
  const Field fields[] = {{"block_count", &s.n_layers}, {"embedding_length", &s.n_embd},
                          {"attention.head_count", &s.n_head}};
  for (const Field& f : fields) {
    Result<std::uint64_t> v = keys.uint(f.suffix);
    if (!v.ok()) return v.error();
    if (*v == 0 || *v > 1'000'000) {
      return make_error("{}: key {}{}: value {} out of range", keys.file.name(), keys.prefix,
                        f.suffix, *v);
    }
    *f.out = static_cast<std::uint32_t>(*v);
  }
  return {};
}

void read_experts(const ArchKeys& keys, ModelSpec& s) {
  s.n_expert = static_cast<std::uint32_t>(keys.uint_or("expert_count", 0));
  s.n_expert_used = static_cast<std::uint32_t>(keys.uint_or("expert_used_count", 0));
  const std::uint32_t ff = static_cast<std::uint32_t>(keys.uint_or("feed_forward_length", 0));
  if (s.n_expert == 0) {
    s.n_ff = ff;
  } else {
    // llama-arch MoE (Mixtral) keeps the expert width in feed_forward_length.
    s.n_ff_expert = static_cast<std::uint32_t>(keys.uint_or("expert_feed_forward_length", ff));
  }
}

std::uint32_t vocab_size(const gguf::GgufFile& file, const ArchKeys& keys) {
  if (const Value* tokens = file.find("tokenizer.ggml.tokens")) {
    if (const gguf::Array* a = tokens->as_array()) return static_cast<std::uint32_t>(a->items.size());
  }
  if (const gguf::TensorInfo* embd = file.find_tensor("token_embd.weight")) {
    if (embd->shape.size() == 2) return static_cast<std::uint32_t>(embd->shape[1]);
  }
  return static_cast<std::uint32_t>(keys.uint_or("vocab_size", 0));
}

}  // namespace

Result<ModelSpec> spec_from_gguf(const gguf::GgufFile& file) {
  Result<std::string> arch_name_value = file.get_string("general.architecture");
  if (!arch_name_value.ok()) return arch_name_value.error();
  const std::optional<Arch> arch = arch_from_name(*arch_name_value);
  if (!arch) {
    return make_error("{}: architecture '{}' is not one memwall knows", file.name(),
                      *arch_name_value);
  }
  ModelSpec s;
  s.arch = *arch;
  const ArchKeys keys{file, *arch_name_value + "."};
  if (Status st = read_required(keys, s); !st.ok()) return st.error();
  if (Result<std::string> name = file.get_string("general.name"); name.ok()) s.display_name = *name;
  s.n_head_kv = static_cast<std::uint32_t>(keys.uint_or("attention.head_count_kv", s.n_head));
  s.head_dim = static_cast<std::uint32_t>(keys.uint_or("attention.key_length", s.n_embd / s.n_head));
  s.context_length = keys.uint_or("context_length", 0);
  s.rope_base = keys.number_or("rope.freq_base", 10000.0);
  s.rms_norm_eps = keys.number_or("attention.layer_norm_rms_epsilon", 1e-5);
  s.sliding_window = static_cast<std::uint32_t>(keys.uint_or("attention.sliding_window", 0));
  read_experts(keys, s);
  s.n_vocab = vocab_size(file, keys);
  s.tied_embeddings = file.find_tensor("output.weight") == nullptr;
  s.attention_bias = file.find_tensor("blk.0.attn_q.bias") != nullptr;
  s.qk_norm = file.find_tensor("blk.0.attn_q_norm.weight") != nullptr;
  if (file.find_tensor("rope_freqs.weight")) s.rope_scaling.type = "llama3";
  if (const Value* v = file.find(keys.prefix + "rope.scaling.type")) {
    if (const std::string* t = v->as_string()) s.rope_scaling.type = *t;
    s.rope_scaling.factor = keys.number_or("rope.scaling.factor", 1.0);
    s.rope_scaling.original_context_length =
        keys.uint_or("rope.scaling.original_context_length", 0);
  }
  if (s.n_head_kv == 0 || s.n_head % s.n_head_kv != 0 || s.head_dim == 0) {
    return make_error("{}: {} heads with {} KV heads of dimension {} is not a valid attention layout",
                      file.name(), s.n_head, s.n_head_kv, s.head_dim);
  }
  return s;
}

void write_spec_metadata(const ModelSpec& s, std::uint32_t file_type, gguf::GgufWriter& w) {
  const std::string a = std::string(arch_name(s.arch)) + ".";
  w.set("general.architecture", gguf::make_string(std::string(arch_name(s.arch))));
  w.set("general.name", gguf::make_string(s.display_name.empty() ? s.name : s.display_name));
  w.set("general.file_type", u32(file_type));
  w.set("general.quantization_version", u32(2));
  w.set(a + "context_length", u32(s.context_length));
  w.set(a + "embedding_length", u32(s.n_embd));
  w.set(a + "block_count", u32(s.n_layers));
  // llama-arch MoE models (Mixtral) keep the expert width here; qwen3moe has its own key too.
  w.set(a + "feed_forward_length", u32(s.n_ff ? s.n_ff : s.n_ff_expert));
  w.set(a + "attention.head_count", u32(s.n_head));
  w.set(a + "attention.head_count_kv", u32(s.n_head_kv));
  w.set(a + "attention.key_length", u32(s.head_dim));
  w.set(a + "attention.value_length", u32(s.head_dim));
  w.set(a + "attention.layer_norm_rms_epsilon", f32(s.rms_norm_eps));
  w.set(a + "rope.freq_base", f32(s.rope_base));
  w.set(a + "rope.dimension_count", u32(s.head_dim));
  w.set(a + "vocab_size", u32(s.n_vocab));
  if (s.sliding_window) w.set(a + "attention.sliding_window", u32(s.sliding_window));
  if (s.rope_scaling.type == "yarn" || s.rope_scaling.type == "linear") {
    w.set(a + "rope.scaling.type", gguf::make_string(s.rope_scaling.type));
    w.set(a + "rope.scaling.factor", f32(s.rope_scaling.factor));
    w.set(a + "rope.scaling.original_context_length", u32(s.rope_scaling.original_context_length));
  }
  if (s.is_moe()) {
    w.set(a + "expert_count", u32(s.n_expert));
    w.set(a + "expert_used_count", u32(s.n_expert_used));
    if (s.arch != Arch::llama) w.set(a + "expert_feed_forward_length", u32(s.n_ff_expert));
  }
}

std::vector<float> llama3_rope_factors(const ModelSpec& spec) {
  // Meta's llama3 scaling: wavelengths shorter than original_context / high_freq_factor keep
  // their frequency, longer than original_context / low_freq_factor are slowed by `factor`, and
  // those between are interpolated smoothly.
  const RopeScaling& r = spec.rope_scaling;
  const double low_wavelen = r.original_context_length / r.low_freq_factor;
  const double high_wavelen = r.original_context_length / r.high_freq_factor;
  std::vector<float> factors;
  for (std::uint32_t i = 0; i < spec.head_dim / 2; ++i) {
    const double freq = std::pow(spec.rope_base, -2.0 * i / spec.head_dim);
    const double wavelen = 2 * std::numbers::pi / freq;
    double f = 1.0;
    if (wavelen > low_wavelen) {
      f = r.factor;
    } else if (wavelen >= high_wavelen) {
      const double smooth = (r.original_context_length / wavelen - r.low_freq_factor) /
                            (r.high_freq_factor - r.low_freq_factor);
      f = 1.0 / ((1 - smooth) / r.factor + smooth);
    }
    factors.push_back(static_cast<float>(f));
  }
  return factors;
}

}  // namespace memwall::model
