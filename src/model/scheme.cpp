#include "memwall/model/scheme.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <cctype>

namespace memwall::model {
namespace {

using quant::TensorType;
using S = Scheme;

// Highest quality first; file types are llama.cpp's LLAMA_FTYPE_* numbers.
constexpr std::array<SchemeInfo, 17> kSchemes{{
    {S::F32, "F32", TensorType::F32, 0},        {S::F16, "F16", TensorType::F16, 1},
    {S::BF16, "BF16", TensorType::BF16, 32},    {S::Q8_0, "Q8_0", TensorType::Q8_0, 7},
    {S::Q6_K, "Q6_K", TensorType::Q6_K, 18},    {S::Q5_K_M, "Q5_K_M", TensorType::Q5_K, 17},
    {S::Q5_K_S, "Q5_K_S", TensorType::Q5_K, 16}, {S::Q5_1, "Q5_1", TensorType::Q5_1, 9},
    {S::Q5_0, "Q5_0", TensorType::Q5_0, 8},     {S::Q4_K_M, "Q4_K_M", TensorType::Q4_K, 15},
    {S::Q4_K_S, "Q4_K_S", TensorType::Q4_K, 14}, {S::Q4_1, "Q4_1", TensorType::Q4_1, 3},
    {S::Q4_0, "Q4_0", TensorType::Q4_0, 2},     {S::Q3_K_L, "Q3_K_L", TensorType::Q3_K, 13},
    {S::Q3_K_M, "Q3_K_M", TensorType::Q3_K, 12}, {S::Q3_K_S, "Q3_K_S", TensorType::Q3_K, 11},
    {S::Q2_K, "Q2_K", TensorType::Q2_K, 10},
}};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

bool is_quantized(TensorType t) { return quant::type_info(t).block_size > 1; }

}  // namespace

// As in llama-quantize.
bool is_quantizable(const PlannedTensor& t) {
  if (t.shape.size() < 2) return false;
  switch (t.role) {
    case Role::ffn_gate_inp: case Role::ffn_gate_exps_bias: case Role::ffn_up_exps_bias:
    case Role::ffn_down_exps_bias: case Role::other:
      return false;
    default:
      return true;
  }
}

namespace {

// A few layers get more bits: the first and last eighth, and every third one between.
bool use_more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

// What llama.cpp calls a 70B model: attn_v is 8x smaller than attn_q there, so more bits are cheap.
bool is_70b_class(const ModelSpec& s) {
  return s.n_layers == 80 && (s.arch == Arch::llama || s.arch == Arch::qwen2) &&
         s.n_head != s.n_head_kv;
}

class Policy {
 public:
  Policy(const ModelSpec& spec, std::span<const PlannedTensor> tensors, Scheme scheme)
      : s_(spec), scheme_(scheme), default_(scheme_info(scheme).default_type) {
    for (const PlannedTensor& t : tensors) {
      if (!is_quantizable(t)) continue;
      if (t.role == Role::attn_v || t.role == Role::attn_qkv) ++n_attn_v_;
      if (t.role == Role::ffn_down || t.role == Role::ffn_down_exps) ++n_ffn_down_;
    }
  }

  TensorType type_for(const PlannedTensor& t) {
    if (!is_quantizable(t)) return TensorType::F32;
    if (!is_quantized(default_)) return default_;
    return fallback(t, by_role(t));
  }

 private:
  TensorType by_role(const PlannedTensor& t) {
    const bool is_output = t.role == Role::output || (s_.tied_embeddings && t.role == Role::token_embd);
    if (is_output) return output_type(t);
    switch (t.role) {
      case Role::attn_v: case Role::attn_qkv: return attn_v_type();
      case Role::attn_k: return s_.n_expert == 8 ? TensorType::Q8_0 : default_;
      case Role::ffn_down: case Role::ffn_down_exps: return ffn_down_type(t);
      case Role::attn_output: return attn_output_type();
      default: return default_;
    }
  }

  TensorType output_type(const PlannedTensor& t) const {
    if (t.shape[0] % quant::type_info(default_).block_size != 0) return TensorType::Q8_0;
    return default_ == TensorType::Q8_0 ? TensorType::Q8_0 : TensorType::Q6_K;
  }

  TensorType attn_v_type() {
    const int i = i_attn_v_++;
    TensorType t = default_;
    switch (scheme_) {
      case S::Q2_K: t = s_.gqa_ratio() >= 4 ? TensorType::Q4_K : TensorType::Q3_K; break;
      case S::Q3_K_M: t = i < 2 ? TensorType::Q5_K : TensorType::Q4_K; break;
      case S::Q3_K_L: t = TensorType::Q5_K; break;
      case S::Q4_K_M: case S::Q5_K_M:
        if (use_more_bits(i, n_attn_v_)) t = TensorType::Q6_K;
        break;
      case S::Q4_K_S: if (i < 4) t = TensorType::Q5_K; break;
      default: break;
    }
    if (is_70b_class(s_) && (t == TensorType::Q3_K || t == TensorType::Q4_K)) t = TensorType::Q5_K;
    if (s_.n_expert == 8) t = TensorType::Q8_0;  // ~128 MB more for Mixtral-like models
    return t;
  }

  TensorType ffn_down_type(const PlannedTensor& t) {
    const int counted = i_ffn_down_++;
    const int i = s_.n_expert > 1 && t.layer >= 0 ? t.layer : counted;
    const int n = n_ffn_down_;
    switch (scheme_) {
      case S::Q2_K: return TensorType::Q3_K;
      case S::Q3_K_M: return i < n / 16 ? TensorType::Q5_K : TensorType::Q4_K;
      case S::Q3_K_L: return TensorType::Q5_K;
      case S::Q4_K_M: case S::Q5_K_M:
        return use_more_bits(i, n) ? TensorType::Q6_K : default_;
      case S::Q4_K_S: return i < n / 8 ? TensorType::Q5_K : default_;
      default: return default_;
    }
  }

  TensorType attn_output_type() const {
    if (s_.n_expert == 8) {
      const bool bump = scheme_ == S::Q2_K || scheme_ == S::Q3_K_S || scheme_ == S::Q3_K_M ||
                        scheme_ == S::Q4_K_S || scheme_ == S::Q4_K_M;
      return bump ? TensorType::Q5_K : default_;
    }
    switch (scheme_) {
      case S::Q2_K: return TensorType::Q3_K;
      case S::Q3_K_M: return TensorType::Q4_K;
      case S::Q3_K_L: return TensorType::Q5_K;
      default: return default_;
    }
  }

  // Rows whose length is not a multiple of the type's block (e.g. 896 wide for 256-element
  // K-quant blocks) take the nearest 32-element type, and F16 if even that does not divide.
  static TensorType fallback(const PlannedTensor& t, TensorType type) {
    const std::uint64_t row = t.shape[0];
    if (row % quant::type_info(type).block_size == 0) return type;
    TensorType alt = TensorType::F16;
    switch (type) {
      case TensorType::Q2_K: case TensorType::Q3_K: alt = TensorType::Q4_0; break;
      case TensorType::Q4_K: alt = TensorType::Q5_0; break;
      case TensorType::Q5_K: alt = TensorType::Q5_1; break;
      case TensorType::Q6_K: alt = TensorType::Q8_0; break;
      default: break;
    }
    return row % quant::type_info(alt).block_size == 0 ? alt : TensorType::F16;
  }

  const ModelSpec& s_;
  Scheme scheme_;
  TensorType default_;
  int n_attn_v_ = 0, i_attn_v_ = 0;
  int n_ffn_down_ = 0, i_ffn_down_ = 0;
};

}  // namespace

std::span<const SchemeInfo> all_schemes() { return kSchemes; }

const SchemeInfo& scheme_info(Scheme scheme) {
  const auto it = std::find_if(kSchemes.begin(), kSchemes.end(),
                               [&](const SchemeInfo& s) { return s.scheme == scheme; });
  assert(it != kSchemes.end());
  return *it;
}

std::optional<Scheme> scheme_from_name(std::string_view name) {
  for (const SchemeInfo& s : kSchemes) {
    if (iequals(s.name, name)) return s.scheme;
  }
  return std::nullopt;
}

std::optional<Scheme> scheme_from_file_type(std::uint32_t file_type) {
  for (const SchemeInfo& s : kSchemes) {
    if (s.gguf_file_type == file_type) return s.scheme;
  }
  return std::nullopt;
}

std::vector<quant::TensorType> assign_types(const ModelSpec& spec,
                                            std::span<const PlannedTensor> tensors, Scheme scheme) {
  Policy policy(spec, tensors, scheme);
  std::vector<TensorType> types;
  types.reserve(tensors.size());
  for (const PlannedTensor& t : tensors) types.push_back(policy.type_for(t));
  return types;
}

}  // namespace memwall::model
