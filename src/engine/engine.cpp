#include "memwall/engine/engine.hpp"

#include <algorithm>

#include "memwall/hw/memory.hpp"
#include "memwall/hw/topology.hpp"

namespace memwall::engine {

std::vector<quant::KernelIsa> runnable_isas() { return quant::runnable_isas(kernel_cpu()); }

quant::KernelIsa best_isa() { return runnable_isas().front(); }

std::vector<const AttentionKernels*> runnable_attention_kernels() {
  const quant::KernelCpu cpu = kernel_cpu();
  std::vector<const AttentionKernels*> tables;
  for (quant::KernelIsa isa : quant::runnable_isas(cpu)) {
    tables.push_back(&attention_kernels(isa));
    if (const AttentionKernels& with_cpu = attention_kernels(isa, cpu); &with_cpu != tables.back()) {
      tables.push_back(&with_cpu);
    }
  }
  return tables;
}

Engine::Engine(std::shared_ptr<const Model> model, const EngineOptions& options, const Clock& clock,
               std::unique_ptr<hw::ThreadTeam> team, quant::KernelIsa isa)
    : model_(std::move(model)), options_(options), clock_(clock), team_(std::move(team)), isa_(isa) {
  const ForwardLimits limits{options.max_batch_tokens, options.max_sequences, options.max_context};
  forward_ = std::make_unique<Forward>(model_, *team_, isa_, limits);
  batch_.reserve(static_cast<std::size_t>(options.max_batch_tokens));
  caches_.reserve(static_cast<std::size_t>(options.max_sequences));
  batch_sequences_.reserve(static_cast<std::size_t>(options.max_sequences));
  logits_.resize(static_cast<std::size_t>(options.max_sequences * forward_->logits_stride()));
}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::create(std::shared_ptr<const Model> model, const EngineOptions& options,
                                               const Clock& clock) {
  if (options.max_batch_tokens < 1 || options.prefill_budget < 1 || options.max_sequences < 1 ||
      options.max_context < 1) {
    return make_error("engine: batch, budget, sequence and context limits must be positive");
  }
  Result<hw::Topology> topology = hw::detect_topology();
  if (!topology.ok()) return topology.error();
  const unsigned threads = options.threads ? options.threads : topology->physical_cores();
  Result<std::unique_ptr<hw::ThreadTeam>> team = hw::make_core_team(threads);
  if (!team.ok()) return team.error();
  const quant::KernelIsa isa = options.isa.value_or(best_isa());
  return std::unique_ptr<Engine>(new Engine(std::move(model), options, clock, std::move(team).value(), isa));
}

Result<SequenceId> Engine::add(const SequenceRequest& request) {
  const auto prompt = static_cast<std::int64_t>(request.prompt.size());
  if (prompt == 0) return make_error("a sequence needs at least one prompt token");
  if (request.n_generate < 1) return make_error("a sequence must generate at least one token");
  const std::int64_t context = request.depth + prompt + request.n_generate;
  if (context > options_.max_context) {
    return make_error("depth {} + prompt {} + generated {} = {} tokens exceeds the context of {}", request.depth,
                      prompt, request.n_generate, context, options_.max_context);
  }
  if (static_cast<std::int64_t>(sequences_.size()) >= options_.max_sequences) {
    return make_error("{} sequences already in flight (the limit)", sequences_.size());
  }
  for (std::int32_t token : request.prompt) {
    if (token < 0 || static_cast<std::uint32_t>(token) >= model_->spec.n_vocab) {
      return make_error("token {} is outside the vocabulary of {}", token, model_->spec.n_vocab);
    }
  }
  Result<KvCache> cache = KvCache::create(model_->spec, options_.kv_type, context);
  if (!cache.ok()) return cache.error();
  auto seq = std::make_unique<Sequence>(Sequence{next_id_++, request.prompt, 0, request.n_generate, 0, 0, 0,
                                                  std::move(cache).value()});
  if (request.depth > 0) fill_depth(*seq, request.depth);
  sequences_.push_back(std::move(seq));
  return sequences_.back()->id;
}

void Engine::prepare_depth(std::int64_t depth) {
  // Deeper than a sequence may be, it would overrun the step's attention scratch.
  if (depth <= 0 || depth > options_.max_context || (depth_prefix_ && depth_prefix_positions_ >= depth)) return;
  if (KvCache::bytes_for(model_->spec, options_.kv_type, depth) > hw::available_memory_bytes() / 4) return;
  depth_prefix_.reset();
  depth_prefix_positions_ = 0;
  Result<KvCache> prefix = KvCache::create(model_->spec, options_.kv_type, depth);
  if (!prefix.ok()) return;
  compute_depth(*prefix, depth);
  depth_prefix_ = std::move(prefix).value();
  depth_prefix_positions_ = depth;
}

void Engine::fill_depth(Sequence& seq, std::int64_t depth) {
  prepare_depth(depth);
  if (depth_prefix_ && depth_prefix_positions_ >= depth) {
    seq.cache.copy_prefix(*depth_prefix_, depth);
  } else {
    compute_depth(seq.cache, depth);
  }
  seq.cached = depth;
}

void Engine::compute_depth(KvCache& cache, std::int64_t depth) {
  // Stand-in context: distinct tokens, processed in batches like any prompt, without logits. A
  // token's results do not depend on the others in its batch, so a position holds the same
  // whatever depth it was filled to.
  KvCache* caches[] = {&cache};
  for (std::int64_t done = 0; done < depth;) {
    batch_.clear();
    const std::int64_t chunk = std::min(options_.max_batch_tokens, depth - done);
    for (std::int64_t pos = done; pos < done + chunk; ++pos) {
      batch_.push_back({stand_in_token(pos, model_->spec.n_vocab), static_cast<std::int32_t>(pos), 0, false});
    }
    forward_->run(batch_, caches, logits_.data());
    done += chunk;
  }
}

void Engine::plan_batch() {
  batch_.clear();
  caches_.clear();
  batch_sequences_.clear();
  const auto add_sequence = [&](Sequence& seq) {
    batch_sequences_.push_back(&seq);
    caches_.push_back(&seq.cache);
    return static_cast<std::int32_t>(caches_.size() - 1);
  };
  for (auto& seq : sequences_) {
    if (seq->prefilling()) continue;
    batch_.push_back({seq->last_token, static_cast<std::int32_t>(seq->cached), add_sequence(*seq), true});
  }
  std::int64_t budget = std::min(options_.prefill_budget,
                                 options_.max_batch_tokens - static_cast<std::int64_t>(batch_.size()));
  for (auto& seq : sequences_) {
    if (!seq->prefilling() || budget <= 0) continue;
    const auto left = static_cast<std::int64_t>(seq->prompt.size()) - seq->prompt_done;
    const std::int64_t chunk = std::min(budget, left);
    const std::int32_t index = add_sequence(*seq);
    for (std::int64_t i = 0; i < chunk; ++i) {
      batch_.push_back({seq->prompt[static_cast<std::size_t>(seq->prompt_done + i)],
                        static_cast<std::int32_t>(seq->cached + i), index, i + 1 == left});
    }
    budget -= chunk;
  }
}

StepStats Engine::step(std::vector<TokenEvent>& events) {
  StepStats stats;
  if (idle()) return stats;
  plan_batch();
  stats.start_ns = clock_.now_ns();
  forward_->run(batch_, caches_, logits_.data());
  stats.end_ns = clock_.now_ns();
  stats.weight_bytes = forward_->weight_bytes_read();
  stats.sequences = static_cast<std::int64_t>(batch_sequences_.size());

  // Feed the tokens into the sequences' state; each logits row gives one sequence its next token.
  std::int64_t logit_row = 0;
  for (std::size_t i = 0; i < batch_.size(); ++i) {
    Sequence& seq = *batch_sequences_[static_cast<std::size_t>(batch_[i].seq)];
    const bool was_prefill = seq.prefilling();
    ++seq.cached;
    if (was_prefill) {
      ++seq.prompt_done;
      ++stats.prefill_tokens;
    } else {
      ++stats.decode_tokens;
    }
    if (!batch_[i].logits) continue;
    seq.last_token = forward_->best_token(logit_row++);
    ++seq.generated;
    events.push_back({seq.id, seq.last_token, stats.end_ns, seq.generated == 1, seq.generated == seq.to_generate});
  }
  std::erase_if(sequences_, [](const auto& seq) { return seq->generated == seq->to_generate; });
  return stats;
}

void Engine::cancel(SequenceId id) {
  std::erase_if(sequences_, [id](const auto& seq) { return seq->id == id; });
}

std::uint64_t Engine::kv_bytes() const {
  std::uint64_t bytes = 0;
  for (const auto& seq : sequences_) bytes += seq->cache.bytes();
  return bytes;
}

}  // namespace memwall::engine
