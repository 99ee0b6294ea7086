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

}  // namespace memwall::model
