#pragma once
// Private to engine/: the mixture-of-experts feed-forward. Each token is routed to its top-k
// experts; the tokens of a batch are grouped by expert so that each expert's weights are read
// once for all the tokens routed to it.
#include <cstdint>
#include <vector>

#include "memwall/engine/attention.hpp"
#include "memwall/engine/model.hpp"
#include "phase.hpp"

namespace memwall::engine::detail {

struct MoeBuffers {
  MoeBuffers() = default;
  MoeBuffers(const model::ModelSpec& spec, std::int64_t max_tokens, unsigned members, const quant::KernelCpu& cpu);

  std::vector<float> router;                // (T, pad16(n_expert)) logits
  std::vector<std::int32_t> chosen;         // (T, k) expert of each slot
  std::vector<float> weight;                // (T, k) its weight
  std::vector<std::int32_t> expert_begin;   // (n_expert + 1): first row of each expert's rows
  std::vector<std::int32_t> row_of_slot;    // (T, k): where slot (t, j) went among the rows
  std::vector<std::int32_t> next_row;       // (n_expert): while grouping, each expert's next row
  std::vector<float> in;                    // (T * k, n_embd) rows grouped by expert
  std::vector<float> gate, up;              // (T * k, pad16(n_ff_expert))
  std::vector<float> out;                   // (T * k, n_embd)
  ActivationScratch act;
  std::vector<std::vector<MatmulJob>> jobs;  // per member, capacity 2 x n_expert
  std::vector<std::vector<const quant::PackedMatrix*>> next;  // per member: the matrices to warm
  // The bytes of the experts the tokens were routed to, added up over the layers since the caller
  // last set it to 0: each expert's three matrices once, however many of the tokens chose it.
  double routed_expert_bytes = 0;
};

// Expert e's three matrices, in bytes as stored.
double expert_bytes(const LayerWeights& l, std::size_t e);

// x (T, ld) += experts(xn), xn (T, ld): every member calls it, between barriers. `after` are the
// matrices of the matmuls that follow (Phase::warm), asked for once the experts' are read.
void moe_forward(const Phase& p, const LayerWeights& l, const model::ModelSpec& s, MoeBuffers& b, SiluMulFn silu_mul,
                 const float* xn, std::int64_t ld, std::int64_t n, float* x,
                 std::span<const quant::PackedMatrix* const> after);

}  // namespace memwall::engine::detail
