#pragma once
// The built-in engine with continuous batching. Sequences join with add() and leave when done;
// each step() advances every decoding sequence by one token and feeds up to a budget of prompt
// tokens from sequences still in prefill, all in one pass over the weights — which is why many
// users cost far less than many separate runs.
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "memwall/engine/forward.hpp"
#include "memwall/engine/kv_cache.hpp"
#include "memwall/engine/model.hpp"
#include "memwall/hw/thread_team.hpp"
#include "memwall/util/clock.hpp"
#include "memwall/util/result.hpp"

namespace memwall::engine {

struct EngineOptions {
  unsigned threads = 0;                  // one per physical core; 0 = all cores
  KvType kv_type = KvType::f16;
  std::int64_t max_batch_tokens = 512;   // tokens in one step
  std::int64_t prefill_budget = 512;     // prompt tokens per step, after the decode tokens
  std::int64_t max_sequences = 64;       // sequences in flight at once
  std::int64_t max_context = 4096;       // depth + prompt + generated tokens of one sequence
  std::optional<quant::KernelIsa> isa;   // the CPU's best when unset
};

struct SequenceRequest {
  std::vector<std::int32_t> prompt;  // at least one token
  std::int64_t n_generate = 1;       // tokens to generate, the first from the prompt's logits
  std::int64_t depth = 0;            // tokens already in the cache when the sequence starts
};

using SequenceId = std::uint64_t;

struct TokenEvent {
  SequenceId seq;
  std::int32_t token;
  std::int64_t time_ns;  // when the step that produced it ended (the engine's clock)
  bool first;            // the first generated token: the end of the time to first token
  bool last;             // the sequence is done and has left the engine
};

struct StepStats {
  std::int64_t decode_tokens = 0;
  std::int64_t prefill_tokens = 0;
  std::int64_t sequences = 0;
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;
  // The weights the step read (Forward::weight_bytes_read): of a mixture of experts, the experts
  // its tokens were routed to, which a batch's steps do not all share.
  double weight_bytes = 0;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> create(std::shared_ptr<const Model> model, const EngineOptions& options,
                                                const Clock& clock);
  ~Engine();

  // Admits a sequence: allocates its cache and, for depth > 0, fills the first `depth` positions
  // right away (untimed, outside any step; copied from the kept depth where that is as deep).
  // Errors: empty prompt, context above max_context, too many sequences, no memory for the cache.
  Result<SequenceId> add(const SequenceRequest& request);
  // Computes and keeps the stand-in context of `depth` positions, which every sequence at that depth
  // or less then copies (memory permitting: at most a quarter of what is available; otherwise each
  // sequence computes its own). A load at depth calls it before its clock starts. A depth above
  // max_context does nothing: no sequence could start there.
  void prepare_depth(std::int64_t depth);
  // One step; appends the tokens it produced to `events`. Does nothing when idle().
  StepStats step(std::vector<TokenEvent>& events);
  bool idle() const { return sequences_.empty(); }
  std::size_t in_flight() const { return sequences_.size(); }
  void cancel(SequenceId id);

  std::uint64_t kv_bytes() const;  // caches of the sequences in flight
  quant::KernelIsa isa() const { return isa_; }
  unsigned threads() const { return team_->size(); }
  const Model& model() const { return *model_; }

 private:
  struct Sequence {
    SequenceId id;
    std::vector<std::int32_t> prompt;
    std::int64_t prompt_done = 0;  // prompt tokens already in the cache
    std::int64_t to_generate = 0;
    std::int64_t generated = 0;
    std::int32_t last_token = 0;   // the latest generated token, fed back at the next step
    std::int64_t cached = 0;       // positions in the cache
    KvCache cache;
    bool prefilling() const { return prompt_done < static_cast<std::int64_t>(prompt.size()); }
  };

  Engine(std::shared_ptr<const Model> model, const EngineOptions& options, const Clock& clock,
         std::unique_ptr<hw::ThreadTeam> team, quant::KernelIsa isa);
  void fill_depth(Sequence& seq, std::int64_t depth);
  void compute_depth(KvCache& cache, std::int64_t depth);  // positions [0, depth) from scratch
  // This step's tokens: one per decoding sequence, then prompt chunks within the budget.
  void plan_batch();

  std::shared_ptr<const Model> model_;
  EngineOptions options_;
  const Clock& clock_;
  std::unique_ptr<hw::ThreadTeam> team_;
  quant::KernelIsa isa_;
  std::unique_ptr<Forward> forward_;
  std::deque<std::unique_ptr<Sequence>> sequences_;  // admission order: prefill goes first come, first served
  SequenceId next_id_ = 1;
  // Every depth is filled with the same stand-in tokens, so the deepest filled so far is kept
  // (prepare_depth) and a later sequence at that depth or less copies its first positions instead
  // of computing them again: a serving load at depth fills once, not once per request.
  std::optional<KvCache> depth_prefix_;
  std::int64_t depth_prefix_positions_ = 0;
  // Per step, sized once.
  std::vector<BatchToken> batch_;
  std::vector<KvCache*> caches_;
  std::vector<Sequence*> batch_sequences_;
  std::vector<float> logits_;
};

// The token at position `pos` of the stand-in context a sequence's depth is filled with.
inline std::int32_t stand_in_token(std::int64_t pos, std::int64_t n_vocab) {
  return static_cast<std::int32_t>((3 + pos * 7919) % n_vocab);
}

// The kernel sets this CPU runs, best first; the engine uses the first unless told otherwise.
std::vector<quant::KernelIsa> runnable_isas();
quant::KernelIsa best_isa();
// Every attention kernel table this CPU runs: one per kernel set, and AVX2's with AVX-VNNI beside
// it where the CPU has that (tests and benchmarks run them all).
std::vector<const AttentionKernels*> runnable_attention_kernels();

}  // namespace memwall::engine
