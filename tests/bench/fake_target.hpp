#pragma once
// A stand-in for the engine with exactly known timing: every step takes step_ns on a fake clock
// (or another time from a given step on),
// takes every waiting prompt whole, and gives each sequence one token (the first from its prompt).
#include <deque>

#include "memwall/bench/target.hpp"
#include "memwall/util/clock.hpp"

namespace memwall::bench::testing {

class FakeTarget final : public Target {
 public:
  // Every prompt added is appended to `prompt_log` (which outlives the target).
  FakeTarget(FakeClock& clock, std::int64_t step_ns, std::int64_t max_sequences,
             std::vector<std::vector<std::int32_t>>& prompt_log)
      : clock_(clock), step_ns_(step_ns), max_sequences_(max_sequences), prompt_log_(prompt_log) {}

  Result<engine::SequenceId> add(const engine::SequenceRequest& r) override {
    if (static_cast<std::int64_t>(seqs_.size()) >= max_sequences_) return make_error("too many sequences");
    seqs_.push_back({next_id_, static_cast<std::int64_t>(r.prompt.size()), r.n_generate, 0});
    prompt_log_.push_back(r.prompt);
    return next_id_++;
  }
  // From its `steps`-th step on, every step takes step_ns: a machine whose speed moved mid-run;
  // or, reporting that it read `weight_bytes` (0: it says nothing), steps that read more.
  void change_step_ns_after(std::int64_t steps, std::int64_t step_ns, double weight_bytes = 0) {
    change_after_ = steps;
    changed_step_ns_ = step_ns;
    changed_weight_bytes_ = weight_bytes;
  }
  engine::StepStats step(std::vector<engine::TokenEvent>& events) override {
    engine::StepStats st;
    st.start_ns = clock_.now_ns();
    const bool changed = change_after_ >= 0 && steps_ >= change_after_;
    clock_.advance_ns(changed ? changed_step_ns_ : step_ns_);
    if (changed) st.weight_bytes = changed_weight_bytes_;
    ++steps_;
    st.end_ns = clock_.now_ns();
    for (auto it = seqs_.begin(); it != seqs_.end();) {
      if (it->generated == 0) st.prefill_tokens += it->prompt; else ++st.decode_tokens;
      ++it->generated;
      const bool last = it->generated == it->n_generate;
      events.push_back({it->id, 7, st.end_ns, it->generated == 1, last});
      it = last ? seqs_.erase(it) : it + 1;
    }
    return st;
  }
  bool idle() const override { return seqs_.empty(); }
  std::uint64_t kv_bytes() const override { return 100 * seqs_.size(); }

 private:
  struct Seq {
    engine::SequenceId id;
    std::int64_t prompt, n_generate, generated;
  };
  FakeClock& clock_;
  std::int64_t step_ns_;
  std::int64_t max_sequences_;
  std::vector<std::vector<std::int32_t>>& prompt_log_;
  std::deque<Seq> seqs_;
  engine::SequenceId next_id_ = 1;
  std::int64_t steps_ = 0, change_after_ = -1, changed_step_ns_ = 0;
  double changed_weight_bytes_ = 0;
};

}  // namespace memwall::bench::testing
