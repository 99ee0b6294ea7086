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
  double output_params = 0;             // of those, the output matrix (n_vocab x n_embd): only the
                                        // tokens whose logits are wanted multiply by it
  bool quantized = false;               // weights in a block-quantized type
  // Of the weight bytes, the share in 256-weight super-block types (the K-quants), whose heavier
  // unpacking streams slower on some CPUs (Efficiency::superblock_bandwidth).
  double superblock_share = 0;
  // Of the parameters a token multiplies by in the layers (the output matrix left out), the share
  // in quantized types other than Q8_0 and Q4_0 (the K-quants, Q4_1, Q5_0, Q5_1): their prompt
  // kernels unpack more per weight, and a CPU's tile unit takes only Q8_0 and Q4_0
  // (Efficiency::compute_other_quant).
  double other_quant_layer_share = 0;

  // Expected distinct experts `tokens` tokens route to in one layer: E x (1 - (1 - k/E)^B).
  double expected_experts(double tokens) const;
  // Weight bytes one step streams when it carries `tokens` tokens: the shared part once, and the
  // experts expected to be touched.
  double weight_bytes_per_step(double tokens) const;
  double kv_bytes_per_token(quant::TensorType kv_type) const;  // at full context, every layer
  // One sequence's cache at `context` tokens, sliding-window layers at min(context, window).
  double kv_bytes(quant::TensorType kv_type, double context) const;
  // Attention FLOPs of one token that sees `context` positions: q.k and the weighted sum of v,
  // 4 x q_dim per position and layer, windowed layers seeing at most their window.
  double attention_flops(double context) const;
  // FLOPs of one token that wants logits, at a context of `context` tokens: 2 per multiply-add
  // of the weights, plus attention.
  double flops_per_token(double context) const;
};

ModelShape shape_from_preset(const model::ModelSpec& spec, model::Scheme scheme);
// Real tensor types and bytes; errors name the file.
Result<ModelShape> shape_from_gguf(const std::filesystem::path& path);
// A float file (every tensor F32, F16 or BF16) as the engine requantizes it at load: `scheme`'s
// per-tensor policy applied to the file's real tensor shapes (bench -q does the same). A file
// that is already block-quantized is an error: requantizing it would not give the scheme's
// quality, so its numbers would mislead.
Result<ModelShape> shape_from_gguf(const std::filesystem::path& path, model::Scheme scheme);

}  // namespace memwall::fit
