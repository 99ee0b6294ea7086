#include "memwall/engine/routing.hpp"

#include <algorithm>
#include <cmath>

namespace memwall::engine {

void route(const float* logits, std::int64_t n_expert, std::int64_t k, std::int32_t* chosen, float* weight) {
  // Top k by logit (softmax is monotonic), then the softmax restricted to them.
  float max = logits[0];
  for (std::int64_t e = 1; e < n_expert; ++e) max = std::max(max, logits[e]);
  std::int64_t picked = 0;
  float sum = 0;
  for (std::int64_t j = 0; j < k; ++j) {
    std::int64_t best = -1;
    for (std::int64_t e = 0; e < n_expert; ++e) {
      if (std::find(chosen, chosen + picked, e) != chosen + picked) continue;
      if (best < 0 || logits[e] > logits[best]) best = e;
    }
    chosen[picked] = static_cast<std::int32_t>(best);
    weight[picked] = std::exp(logits[best] - max);
    sum += weight[picked++];
  }
  for (std::int64_t j = 0; j < k; ++j) weight[j] /= sum;
}

}  // namespace memwall::engine
