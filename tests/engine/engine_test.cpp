// Continuous batching: sequences join and leave between steps, each step advances every decoding
// sequence by one token and feeds prompt chunks within the budget, and what each sequence generates
// does not depend on who else is in the batch.
#include "memwall/engine/engine.hpp"

#include <gtest/gtest.h>

#include <map>

#include "memwall/model/presets.hpp"

namespace memwall::engine {
namespace {

// A clock that advances 1 ms each time it is read: steps get distinct, exact timestamps.
class TickingClock final : public Clock {
 public:
  std::int64_t now_ns() const override { return now_ += 1'000'000; }

 private:
  mutable std::int64_t now_ = 0;
};

std::shared_ptr<const Model> tiny(const char* preset, model::Scheme scheme = model::Scheme::Q8_0) {
  return *load_preset(model::find_preset(preset)->spec, scheme, {});
}

std::map<SequenceId, std::vector<std::int32_t>> run_to_completion(Engine& e, std::vector<TokenEvent>* all = nullptr) {
  std::map<SequenceId, std::vector<std::int32_t>> out;
  std::vector<TokenEvent> events;
  while (!e.idle()) e.step(events);
  for (const TokenEvent& ev : events) out[ev.seq].push_back(ev.token);
  if (all) *all = events;
  return out;
}

std::vector<std::int32_t> alone(std::shared_ptr<const Model> m, const SequenceRequest& r) {
  TickingClock clock;
  auto e = *Engine::create(m, {}, clock);
  const SequenceId id = *e->add(r);
  return run_to_completion(*e)[id];
}

// Every expert's three matrices, in one layer, as stored.
double all_experts_bytes(const LayerWeights& l) {
  double bytes = 0;
  for (const auto* matrices : {&l.e_gate, &l.e_up, &l.e_down}) {
    for (const quant::PackedMatrix& w : *matrices) bytes += static_cast<double>(w.rows) * static_cast<double>(w.row_bytes());
  }
  return bytes;
}

// A step reports the weights it read: one token's active weights, and of a mixture of experts the
// experts its tokens were routed to, more than one token's k when a prompt's tokens choose
// differently, never more than all of them.
TEST(Engine, StepsReportTheWeightsTheyRead) {
  for (const char* preset : {"tiny-llama", "tiny-moe"}) {
    const std::shared_ptr<const Model> m = tiny(preset);
    const double one_token = m->weight_bytes.per_token;
    double every_expert = 0;
    for (const LayerWeights& l : m->layers) every_expert += all_experts_bytes(l) * (m->spec.n_expert - m->spec.n_expert_used) / std::max<std::int64_t>(m->spec.n_expert, 1);
    TickingClock clock;
    auto e = *Engine::create(m, {}, clock);
    ASSERT_TRUE(e->add({{1, 15, 300, 42, 7, 99, 3, 250, 77, 12, 500, 64, 31}, 4, 0}).ok());
    std::vector<TokenEvent> events;
    const StepStats prompt = e->step(events);
    ASSERT_EQ(prompt.prefill_tokens, 13);
    if (m->spec.is_moe()) {
      EXPECT_GT(prompt.weight_bytes, one_token) << preset;
      EXPECT_LE(prompt.weight_bytes, one_token + every_expert + 1) << preset;
    } else {
      EXPECT_NEAR(prompt.weight_bytes, one_token, one_token * 1e-12) << preset;
    }
    while (!e->idle()) {
      const StepStats decode = e->step(events);
      EXPECT_EQ(decode.decode_tokens, 1);
      EXPECT_NEAR(decode.weight_bytes, one_token, one_token * 1e-12) << preset;  // k experts, whichever
    }
  }
}

TEST(Engine, BatchedSequencesGenerateWhatEachGeneratesAlone) {
  for (const char* preset : {"tiny-llama", "tiny-moe"}) {
    const auto m = tiny(preset);
    const std::vector<SequenceRequest> requests{
        {{1, 2, 3}, 6, 0}, {{9, 8, 7, 6, 5, 4, 3, 2, 1, 10, 11}, 4, 0}, {{300}, 8, 0}, {{42, 43}, 5, 20}};
    TickingClock clock;
    EngineOptions options;
    options.prefill_budget = 4;  // prompts arrive in chunks, interleaved with other sequences' decode
    auto e = *Engine::create(m, options, clock);
    std::vector<SequenceId> ids;
    for (const auto& r : requests) ids.push_back(*e->add(r));
    const auto together = run_to_completion(*e);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(together.at(ids[i]), alone(m, requests[i])) << preset << " sequence " << i;
      EXPECT_EQ(together.at(ids[i]).size(), static_cast<std::size_t>(requests[i].n_generate));
    }
  }
}

TEST(Engine, StepsFollowTheBudgetAndMarkFirstAndLastTokens) {
  TickingClock clock;
  EngineOptions options;
  options.prefill_budget = 5;
  auto e = *Engine::create(tiny("tiny-llama"), options, clock);
  const SequenceId a = *e->add({{1, 2, 3, 4, 5, 6, 7}, 3, 0});
  std::vector<TokenEvent> events;
  StepStats s = e->step(events);  // 5 of a's 7 prompt tokens
  EXPECT_EQ(s.prefill_tokens, 5);
  EXPECT_EQ(s.decode_tokens, 0);
  EXPECT_TRUE(events.empty());
  const SequenceId b = *e->add({{9}, 2, 0});  // joins between steps
  s = e->step(events);  // a's last 2 prompt tokens, b's prompt
  EXPECT_EQ(s.prefill_tokens, 3);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].first);
  EXPECT_EQ(events[0].time_ns, s.end_ns);
  s = e->step(events);  // one decode token each
  EXPECT_EQ(s.decode_tokens, 2);
  EXPECT_EQ(s.sequences, 2);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(events[3].last);  // b generated its 2 tokens and left
  EXPECT_EQ(events[3].seq, b);
  EXPECT_EQ(e->in_flight(), 1u);
  e->step(events);
  EXPECT_TRUE(events.back().last);
  EXPECT_EQ(events.back().seq, a);
  EXPECT_TRUE(e->idle());
  EXPECT_EQ(e->kv_bytes(), 0u);
}

TEST(Engine, BadRequestsAreErrors) {
  TickingClock clock;
  EngineOptions options;
  options.max_context = 64;
  options.max_sequences = 1;
  auto e = *Engine::create(tiny("tiny-llama"), options, clock);
  EXPECT_FALSE(e->add({{}, 4, 0}).ok());
  EXPECT_FALSE(e->add({{1}, 0, 0}).ok());
  EXPECT_FALSE(e->add({{1}, 10, 60}).ok());       // past the context
  EXPECT_FALSE(e->add({{100000}, 1, 0}).ok());    // outside the vocabulary
  ASSERT_TRUE(e->add({{1}, 4, 0}).ok());
  const auto second = e->add({{2}, 4, 0});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in flight"), std::string::npos);
}

TEST(Engine, DepthFillsTheCacheBeforeTheSequenceStarts) {
  TickingClock clock;
  auto e = *Engine::create(tiny("tiny-llama"), {}, clock);
  *e->add({{5, 6}, 3, 100});
  std::vector<TokenEvent> events;
  const StepStats s = e->step(events);
  EXPECT_EQ(s.prefill_tokens, 2);  // the depth was filled at add(), outside any step
  EXPECT_GE(e->kv_bytes(), KvCache::bytes_for(e->model().spec, KvType::f16, 105));
}

// A sequence at depth d generates what it generates with the d stand-in tokens put before its
// prompt: the depth, computed once and then copied for every sequence as deep or less, holds what
// a prompt of those tokens leaves in the cache.
TEST(Engine, DepthIsTheStandInContextAsAPrompt) {
  for (const char* preset : {"tiny-llama", "tiny-moe"}) {
    const auto m = tiny(preset);
    TickingClock clock;
    auto e = *Engine::create(m, {}, clock);
    e->prepare_depth(90);
    for (const SequenceRequest& r : {SequenceRequest{{5, 6}, 6, 90}, SequenceRequest{{11}, 6, 37}}) {
      const SequenceId id = *e->add(r);
      SequenceRequest as_prompt{{}, r.n_generate, 0};
      for (std::int64_t pos = 0; pos < r.depth; ++pos) as_prompt.prompt.push_back(stand_in_token(pos, m->spec.n_vocab));
      as_prompt.prompt.insert(as_prompt.prompt.end(), r.prompt.begin(), r.prompt.end());
      EXPECT_EQ(run_to_completion(*e)[id], alone(m, as_prompt)) << preset << " depth " << r.depth;
    }
  }
}

// Readying a depth no sequence may reach does nothing, and the engine goes on as before.
TEST(Engine, PreparingADepthAboveTheContextDoesNothing) {
  const auto m = tiny("tiny-llama");
  TickingClock clock;
  EngineOptions options;
  options.max_context = 64;
  auto e = *Engine::create(m, options, clock);
  e->prepare_depth(1000);
  const SequenceRequest r{{5, 6}, 4, 20};
  const SequenceId id = *e->add(r);
  EXPECT_EQ(run_to_completion(*e)[id], [&] {
    TickingClock other;
    auto fresh = *Engine::create(m, options, other);
    const SequenceId fresh_id = *fresh->add(r);
    return run_to_completion(*fresh)[fresh_id];
  }());
}

TEST(Engine, CancelRemovesASequence) {
  TickingClock clock;
  auto e = *Engine::create(tiny("tiny-llama"), {}, clock);
  const SequenceId id = *e->add({{1, 2}, 50, 0});
  std::vector<TokenEvent> events;
  e->step(events);
  e->cancel(id);
  EXPECT_TRUE(e->idle());
}

}  // namespace
}  // namespace memwall::engine
