#pragma once
// A model ready to run: its shape, and every weight packed for the matmul kernels in one arena.
// Built from a GGUF file (optionally requantized to a scheme at load) or synthesized in memory
// from a preset at a scheme, so one F16 file or one preset serves a whole quantization sweep.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memwall/model/params.hpp"
#include "memwall/model/scheme.hpp"
#include "memwall/model/spec.hpp"
#include "memwall/quant/packed.hpp"
#include "memwall/util/huge_buffer.hpp"
#include "memwall/util/result.hpp"

namespace memwall::engine {

struct LayerWeights {
  std::vector<float> attn_norm;           // (n_embd)
  quant::PackedMatrix wq, wk, wv, wo;     // (q_dim x n_embd), (kv_dim x n_embd) x2, (n_embd x q_dim)
  std::vector<float> bq, bk, bv;          // qwen2 biases, empty otherwise
  std::vector<float> q_norm, k_norm;      // qwen3: (head_dim), empty otherwise
  std::vector<float> ffn_norm;            // (n_embd)
  quant::PackedMatrix w_gate, w_up, w_down;  // dense: (n_ff x n_embd) x2, (n_embd x n_ff)
  quant::PackedMatrix router;                // MoE: (n_expert x n_embd), F32
  std::vector<quant::PackedMatrix> e_gate, e_up, e_down;  // MoE, one per expert
};

// The token embedding in GGUF row layout, for looking up one row per token.
struct EmbeddingTable {
  quant::TensorType type = quant::TensorType::F32;
  const std::byte* rows = nullptr;  // (n_vocab rows of n_embd)
  std::size_t row_bytes = 0;
};

// out (n) = row `token` of the embedding, in float.
void embed_token(const EmbeddingTable& table, std::int32_t token, std::int64_t n, float* out);

struct Model {
  model::ModelSpec spec;
  std::string source;                // file path or "preset:NAME"
  std::optional<model::Scheme> scheme;
  model::WeightBytes weight_bytes;   // as stored: what the roofline counts
  std::vector<LayerWeights> layers;
  std::vector<float> output_norm;    // (n_embd)
  quant::PackedMatrix output;        // (n_vocab x n_embd); the token embedding when tied
  EmbeddingTable embedding;
  std::vector<float> rope_factors;   // (head_dim / 2) llama3 frequency divisors; empty = none

  // Storage the views above point into.
  HugeBuffer arena;
  std::vector<std::byte> embedding_storage;  // when not mapped from a file
  std::shared_ptr<const void> file;          // keeps an mmap'd GGUF alive
};

struct LoadOptions {
  std::optional<model::Scheme> requantize;  // F32/F16/BF16 weights converted at load
  unsigned threads = 0;                     // for requantizing and synthesizing
  std::uint64_t seed = 1;                   // synthesized weights
  // Bytes that must stay free beside the model (KV cache, buffers): loading is refused, before
  // anything is allocated, when the model would not leave them.
  std::uint64_t reserve_bytes = 0;
};

// Errors: unknown architecture or type for the engine, model larger than available memory (with
// the numbers), unreadable file.
Result<std::shared_ptr<const Model>> load_gguf(const std::filesystem::path& path, const LoadOptions& options);
Result<std::shared_ptr<const Model>> load_preset(const model::ModelSpec& spec, model::Scheme scheme,
                                                 const LoadOptions& options);

}  // namespace memwall::engine
