#pragma once
#include <cstdint>
#include <span>

#include "memwall/model/spec.hpp"
#include "memwall/model/tensors.hpp"
#include "memwall/quant/types.hpp"

namespace memwall::model {

struct ParamCounts {
  std::uint64_t total = 0;
  std::uint64_t token_embedding = 0;  // the input embedding table
  std::uint64_t output = 0;           // output.weight (0 when tied)
  // Parameters one token uses: everything but the experts it is not routed to. Vendors differ on
  // whether the input embedding counts (Qwen and Mistral count it; OpenAI does not), so both.
  std::uint64_t active = 0;
  std::uint64_t active_excluding_input_embedding() const { return active - token_embedding; }
};

ParamCounts count_params(const ModelSpec& spec, std::span<const PlannedTensor> tensors);

struct WeightBytes {
  std::uint64_t total = 0;
  // What one decode step streams from memory: every weight the token touches (the output matrix
  // included, the experts it is not routed to excluded) and one row of the embedding table.
  double per_token = 0;
};

// `types[i]` is the type of `tensors[i]`.
WeightBytes weight_bytes(const ModelSpec& spec, std::span<const PlannedTensor> tensors,
                         std::span<const quant::TensorType> types);

// Bytes of K and V one token adds to the cache: 2 x layers x KV heads x head dim x element size.
// kv_type: F16, BF16, F32 or Q8_0 (34 bytes per 32 elements).
double kv_bytes_per_token(const ModelSpec& spec, quant::TensorType kv_type);

// Sliding-window attention. Which layers attend only to the last `spec.sliding_window` positions
// is fixed by the architecture, as llama.cpp hard-codes it (llama-model.cpp, set_swa_pattern):
// gemma3 windows 5 layers of every 6 (layer il when il % 6 < 5; the 6th is global), gpt-oss every
// other layer (il % 2 == 0). Any other architecture that declares a window applies it to every
// layer, as Mistral-7B-v0.1's config (sliding_window 4096) does. A model without one has none.
bool layer_is_windowed(const ModelSpec& spec, std::uint32_t layer);
std::uint32_t windowed_layer_count(const ModelSpec& spec);
// Cache positions one sequence of `context` tokens keeps, summed over the layers: a windowed
// layer keeps min(context, window), a global one all of them.
double kv_layer_positions(const ModelSpec& spec, double context);
// Bytes of one sequence's K and V cache at `context` tokens, windowed layers counted at
// min(context, window): kv_bytes_per_token / layers x kv_layer_positions.
double kv_cache_bytes(const ModelSpec& spec, quant::TensorType kv_type, double context);

}  // namespace memwall::model
