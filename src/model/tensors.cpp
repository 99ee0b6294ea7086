#include "memwall/model/tensors.hpp"

#include <charconv>
#include <numeric>

namespace memwall::model {
namespace {

using Shape = std::vector<std::uint64_t>;

// GGUF name of each role: "<prefix>.weight" or "<prefix>.bias"; inside a block, "blk.N.<name>".
struct RoleName {
  Role role;
  std::string_view name;
};

constexpr RoleName kBlockRoles[] = {
    {Role::attn_norm, "attn_norm.weight"},
    {Role::attn_q, "attn_q.weight"},
    {Role::attn_k, "attn_k.weight"},
    {Role::attn_v, "attn_v.weight"},
    {Role::attn_qkv, "attn_qkv.weight"},
    {Role::attn_output, "attn_output.weight"},
    {Role::attn_q_bias, "attn_q.bias"},
    {Role::attn_k_bias, "attn_k.bias"},
    {Role::attn_v_bias, "attn_v.bias"},
    {Role::attn_output_bias, "attn_output.bias"},
    {Role::attn_q_norm, "attn_q_norm.weight"},
    {Role::attn_k_norm, "attn_k_norm.weight"},
    {Role::attn_sinks, "attn_sinks.weight"},
    {Role::post_attention_norm, "post_attention_norm.weight"},
    {Role::ffn_norm, "ffn_norm.weight"},
    {Role::post_ffw_norm, "post_ffw_norm.weight"},
    {Role::ffn_gate, "ffn_gate.weight"},
    {Role::ffn_up, "ffn_up.weight"},
    {Role::ffn_down, "ffn_down.weight"},
    {Role::ffn_gate_inp, "ffn_gate_inp.weight"},
    {Role::ffn_gate_inp_bias, "ffn_gate_inp.bias"},
    {Role::ffn_gate_exps, "ffn_gate_exps.weight"},
    {Role::ffn_up_exps, "ffn_up_exps.weight"},
    {Role::ffn_down_exps, "ffn_down_exps.weight"},
    {Role::ffn_gate_exps_bias, "ffn_gate_exps.bias"},
    {Role::ffn_up_exps_bias, "ffn_up_exps.bias"},
    {Role::ffn_down_exps_bias, "ffn_down_exps.bias"},
};

constexpr RoleName kGlobalRoles[] = {
    {Role::token_embd, "token_embd.weight"},
    {Role::output_norm, "output_norm.weight"},
    {Role::output, "output.weight"},
    {Role::rope_freqs, "rope_freqs.weight"},
};

std::string_view block_name(Role role) {
  for (const RoleName& r : kBlockRoles) {
    if (r.role == role) return r.name;
  }
  return "";
}

std::string_view global_name(Role role) {
  for (const RoleName& r : kGlobalRoles) {
    if (r.role == role) return r.name;
  }
  return "";
}

class Planner {
 public:
  explicit Planner(const ModelSpec& spec) : s_(spec) {}

  std::vector<PlannedTensor> plan() {
    global(Role::token_embd, {s_.n_embd, s_.n_vocab});
    if (s_.rope_scaling.type == "llama3") global(Role::rope_freqs, {s_.head_dim / 2});
    for (std::uint32_t layer = 0; layer < s_.n_layers; ++layer) {
      attention(static_cast<int>(layer));
      feed_forward(static_cast<int>(layer));
    }
    global(Role::output_norm, {s_.n_embd});
    if (!s_.tied_embeddings) global(Role::output, {s_.n_embd, s_.n_vocab});
    return std::move(tensors_);
  }

 private:
  void global(Role role, Shape shape) {
    tensors_.push_back({std::string(global_name(role)), std::move(shape), role, -1});
  }
  void block(int layer, Role role, Shape shape) {
    tensors_.push_back(
        {"blk." + std::to_string(layer) + "." + std::string(block_name(role)), std::move(shape),
         role, layer});
  }

  void attention(int l) {
    const std::uint64_t embd = s_.n_embd, q = s_.q_dim(), kv = s_.kv_dim();
    block(l, Role::attn_norm, {embd});
    if (s_.arch == Arch::phi3) {
      block(l, Role::attn_qkv, {embd, q + 2 * kv});  // phi3 fuses q, k and v
    } else {
      block(l, Role::attn_q, {embd, q});
      block(l, Role::attn_k, {embd, kv});
      block(l, Role::attn_v, {embd, kv});
    }
    if (s_.attention_bias) {
      block(l, Role::attn_q_bias, {q});
      block(l, Role::attn_k_bias, {kv});
      block(l, Role::attn_v_bias, {kv});
    }
    if (s_.qk_norm) {
      block(l, Role::attn_q_norm, {s_.head_dim});
      block(l, Role::attn_k_norm, {s_.head_dim});
    }
    block(l, Role::attn_output, {q, embd});
    if (s_.arch == Arch::gpt_oss) {
      block(l, Role::attn_output_bias, {embd});
      block(l, Role::attn_sinks, {s_.n_head});
    }
    if (s_.arch == Arch::gemma3) block(l, Role::post_attention_norm, {embd});
  }

  void feed_forward(int l) {
    const std::uint64_t embd = s_.n_embd;
    block(l, Role::ffn_norm, {embd});
    if (s_.is_moe()) {
      experts(l);
    } else if (s_.arch == Arch::phi3) {
      block(l, Role::ffn_up, {embd, 2ull * s_.n_ff});  // phi3 fuses gate and up
      block(l, Role::ffn_down, {s_.n_ff, embd});
    } else {
      block(l, Role::ffn_gate, {embd, s_.n_ff});
      block(l, Role::ffn_up, {embd, s_.n_ff});
      block(l, Role::ffn_down, {s_.n_ff, embd});
    }
    if (s_.arch == Arch::gemma3) block(l, Role::post_ffw_norm, {embd});
  }

  void experts(int l) {
    const std::uint64_t embd = s_.n_embd, ff = s_.n_ff_expert, n = s_.n_expert;
    block(l, Role::ffn_gate_inp, {embd, n});
    if (s_.arch == Arch::gpt_oss) block(l, Role::ffn_gate_inp_bias, {n});
    block(l, Role::ffn_gate_exps, {embd, ff, n});
    block(l, Role::ffn_up_exps, {embd, ff, n});
    block(l, Role::ffn_down_exps, {ff, embd, n});
    if (s_.arch == Arch::gpt_oss) {
      block(l, Role::ffn_gate_exps_bias, {ff, n});
      block(l, Role::ffn_up_exps_bias, {ff, n});
      block(l, Role::ffn_down_exps_bias, {embd, n});
    }
  }

  const ModelSpec& s_;
  std::vector<PlannedTensor> tensors_;
};

}  // namespace

std::uint64_t PlannedTensor::n_elements() const {
  return std::accumulate(shape.begin(), shape.end(), std::uint64_t{1},
                         [](std::uint64_t a, std::uint64_t b) { return a * b; });
}

bool PlannedTensor::is_expert() const {
  switch (role) {
    case Role::ffn_gate_exps: case Role::ffn_up_exps: case Role::ffn_down_exps:
    case Role::ffn_gate_exps_bias: case Role::ffn_up_exps_bias: case Role::ffn_down_exps_bias:
      return true;
    default:
      return false;
  }
}

std::vector<PlannedTensor> plan_tensors(const ModelSpec& spec) { return Planner(spec).plan(); }

PlannedTensor describe_tensor(std::string_view name, std::vector<std::uint64_t> shape) {
  PlannedTensor t{std::string(name), std::move(shape), Role::other, -1};
  for (const RoleName& r : kGlobalRoles) {
    if (r.name == name) t.role = r.role;
  }
  constexpr std::string_view kPrefix = "blk.";
  if (name.substr(0, kPrefix.size()) != kPrefix) return t;
  const std::string_view rest = name.substr(kPrefix.size());
  const auto dot = rest.find('.');
  int layer = -1;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + dot, layer);
  if (dot == std::string_view::npos || ec != std::errc() || end != rest.data() + dot) return t;
  const std::string_view suffix = rest.substr(dot + 1);
  for (const RoleName& r : kBlockRoles) {
    if (r.name == suffix) {
      t.role = r.role;
      t.layer = layer;
    }
  }
  return t;
}

}  // namespace memwall::model
