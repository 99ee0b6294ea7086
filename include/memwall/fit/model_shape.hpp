#pragma once
// What `fit` needs to know about a model at a scheme: its real tensor bytes (from a GGUF file, or
// the scheme's per-tensor policy applied to a preset's shape), which of them every decode step
// streams and which only when their expert is routed to, and the parameters a token multiplies.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "memwall/model/scheme.hpp"
#include "memwall/model/spec.hpp"
#include "memwall/quant/types.hpp"
#include "memwall/util/result.hpp"

namespace memwall::fit {

struct ModelShape {
  model::ModelSpec spec;
  std::string label;                    // "llama-3.1-8b Q4_K_M", or the file name
  std::string source;                   // "preset" or the GGUF path
  std::optional<model::Scheme> scheme;  // nullopt for a file whose type mix has no scheme name
  std::uint64_t weight_bytes = 0;       // every tensor, as stored
  // Bytes every decode step reads whatever the batch: all but the routed experts (one row of an
  // untied input embedding per token).
  double shared_bytes_per_step = 0;
  double expert_bytes = 0;              // all routed experts of all layers; 0 for dense models
  std::uint64_t params_total = 0;
  std::uint64_t params_active = 0;      // one token's, input embedding included
  double matmul_params = 0;             // one token multiplies by these (a lookup is not a matmul)
  bool quantized = false;               // weights in a block-quantized type

  // Expected distinct experts `tokens` tokens route to in one layer: E x (1 - (1 - k/E)^B).
  double expected_experts(double tokens) const;
  // Weight bytes one step streams when it carries `tokens` tokens: the shared part once, and the
  // experts expected to be touched.
  double weight_bytes_per_step(double tokens) const;
  double kv_bytes_per_token(quant::TensorType kv_type) const;
  // FLOPs of one token at a context of `context` tokens: 2 per multiply-add of the weights, plus
  // attention (q.k and the weighted sum of v: 4 x layers x q_dim x context).
  double flops_per_token(double context) const;
};

ModelShape shape_from_preset(const model::ModelSpec& spec, model::Scheme scheme);
// Real tensor types and bytes; errors name the file.
Result<ModelShape> shape_from_gguf(const std::filesystem::path& path);

}  // namespace memwall::fit
