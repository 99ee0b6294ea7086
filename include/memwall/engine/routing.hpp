#pragma once
#include <cstdint>

namespace memwall::engine {

// Mixture-of-experts routing of one token: the k experts with the highest router logits (ties go
// to the lower index) and their weights, the softmax of the logits restricted to those k — which
// is also a softmax over all experts renormalised over the top k, as qwen3moe (norm_topk_prob) and
// Mixtral both route.
void route(const float* logits, std::int64_t n_expert, std::int64_t k, std::int32_t* chosen, float* weight);

}  // namespace memwall::engine
