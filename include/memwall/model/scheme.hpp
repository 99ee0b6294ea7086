#pragma once
// Quantization schemes as users know them (Q4_K_M, Q8_0, ...): a default type plus a per-tensor
// policy that gives some tensors more bits. The policy is llama.cpp's, so a model memwall makes
// at a scheme has the tensor types and size a user gets from llama-quantize.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "memwall/model/spec.hpp"
#include "memwall/model/tensors.hpp"
#include "memwall/quant/types.hpp"

namespace memwall::model {

enum class Scheme {
  F32, F16, BF16, Q8_0, Q6_K, Q5_K_M, Q5_K_S, Q5_1, Q5_0, Q4_K_M, Q4_K_S, Q4_1, Q4_0,
  Q3_K_L, Q3_K_M, Q3_K_S, Q2_K,
};

struct SchemeInfo {
  Scheme scheme;
  std::string_view name;
  quant::TensorType default_type;
  std::uint32_t gguf_file_type;  // general.file_type (llama.cpp's LLAMA_FTYPE_*)
};

// Highest quality first.
std::span<const SchemeInfo> all_schemes();
const SchemeInfo& scheme_info(Scheme scheme);
std::optional<Scheme> scheme_from_name(std::string_view name);  // case-insensitive
// A file's general.file_type back to the scheme; nullopt for ones memwall does not name.
std::optional<Scheme> scheme_from_file_type(std::uint32_t file_type);

// Norms, biases, routers and 1-D tensors keep full precision under every scheme.
bool is_quantizable(const PlannedTensor& tensor);

// The type of every tensor of `tensors` (same order) under `scheme`; F32 for those that are not
// quantizable. Tensors must be in file
// order: a few rules depend on a tensor's position among those of its role.
std::vector<quant::TensorType> assign_types(const ModelSpec& spec,
                                            std::span<const PlannedTensor> tensors, Scheme scheme);

}  // namespace memwall::model
