#include "memwall/engine/evaluate.hpp"

#include "memwall/hw/topology.hpp"

namespace memwall::engine {

Result<std::vector<float>> next_token_logits(std::shared_ptr<const Model> model, std::span<const std::int32_t> tokens,
                                             const EvalOptions& options) {
  if (tokens.empty()) return make_error("no tokens to evaluate");
  const auto n = static_cast<std::int64_t>(tokens.size());
  for (std::int32_t t : tokens) {
    if (t < 0 || static_cast<std::uint32_t>(t) >= model->spec.n_vocab) {
      return make_error("token {} is outside the vocabulary of {}", t, model->spec.n_vocab);
    }
  }
  Result<hw::Topology> topology = hw::detect_topology();
  if (!topology.ok()) return topology.error();
  Result<std::unique_ptr<hw::ThreadTeam>> team =
      hw::make_core_team(options.threads ? options.threads : topology->physical_cores());
  if (!team.ok()) return team.error();
  Result<KvCache> cache = KvCache::create(model->spec, options.kv_type, n);
  if (!cache.ok()) return cache.error();
  const ForwardLimits limits{std::min(options.chunk, n), 1, n};
  Forward forward(model, **team, options.isa.value_or(best_isa()), limits);
  std::vector<float> logits(static_cast<std::size_t>(forward.logits_stride()));
  KvCache* caches[] = {&*cache};
  std::vector<BatchToken> batch;
  for (std::int64_t begin = 0; begin < n; begin += limits.max_tokens) {
    batch.clear();
    const std::int64_t end = std::min(n, begin + limits.max_tokens);
    for (std::int64_t i = begin; i < end; ++i) {
      batch.push_back({tokens[static_cast<std::size_t>(i)], static_cast<std::int32_t>(i), 0, i + 1 == n});
    }
    forward.run(batch, caches, logits.data());
  }
  logits.resize(static_cast<std::size_t>(model->spec.n_vocab));
  return logits;
}

}  // namespace memwall::engine
