#include "memwall/bench/runner.hpp"

#include <gtest/gtest.h>

#include "fake_target.hpp"
#include "memwall/bench/record.hpp"
#include "support/schema.hpp"

namespace memwall::bench {
namespace {

constexpr std::int64_t kStepNs = 10'000'000;  // every fake step takes 10 ms

struct Harness {
  FakeClock clock;
  std::int64_t targets = 0;  // made so far
  std::vector<std::vector<std::int32_t>> prompts;
  std::int64_t cap = 1000;
  std::int64_t change_from_step = -1;  // each target's steps take changed_step_ns from this one on
  std::int64_t changed_step_ns = 2 * kStepNs;
  double changed_weight_bytes = 0;  // what those steps say they read (0: nothing)
  std::atomic<bool> stop{false};
  RunContext ctx() {
    return {clock, [this](std::int64_t ns) { clock.set_ns(std::max(ns, clock.now_ns())); }, &stop,
            [this]() -> Result<std::unique_ptr<Target>> {
              ++targets;
              auto target = std::make_unique<testing::FakeTarget>(clock, kStepNs, cap, prompts);
              if (change_from_step >= 0) target->change_step_ns_after(change_from_step, changed_step_ns, changed_weight_bytes);
              return std::unique_ptr<Target>(std::move(target));
            },
            {},
            {},
            {}};
  }
};

ModelCost cost() { return {1e9, 1000, 2e9, 32000}; }

// A closed-loop serving point of `users` (or, with users = 0, an open-loop one to set up).
Point serve(std::int64_t users, std::int64_t requests, std::int64_t prompt, std::int64_t gen) {
  Point p;
  p.test = TestKind::serve;
  p.concurrency = users;
  p.requests = requests;
  p.prompt = prompt;
  p.gen = gen;
  return p;
}

// A tg point of `gen` tokens, `repetitions` times.
Point tg(std::int64_t gen, std::int64_t repetitions) {
  Point p;
  p.test = TestKind::tg;
  p.gen = gen;
  p.repetitions = repetitions;
  return p;
}

TEST(Runner, TgCountsOnlyDecodeSteps) {
  Harness h;
  Point p = tg(4, 3);
  const PointRun run = *run_point(p, cost(), h.ctx());
  EXPECT_EQ(run.tg_tok_s, (std::vector<double>{100, 100, 100}));  // 4 tokens in 4 steps of 10 ms
  ASSERT_EQ(run.bytes_per_s.size(), 3u);
  // Weights each step plus KV at positions 1..4: (4e9 + 1000 x 10) bytes over 40 ms.
  EXPECT_DOUBLE_EQ(run.bytes_per_s[0], (4e9 + 1000.0 * (1 + 2 + 3 + 4)) / 0.04);
  EXPECT_EQ(h.targets, 3);  // a fresh target per repetition
}

// Each repetition's decode steps, put side by side (step_spread): one at a steady pace, one whose
// steps took twice as long from halfway; the record keeps them as a metric.
TEST(Runner, TgAndServingRepetitionsRecordTheSpreadOfTheirDecodeSteps) {
  Harness h;
  Point p = tg(20, 2);
  const PointRun steady = *run_point(p, cost(), h.ctx());
  ASSERT_EQ(steady.step_spread.size(), 2u);
  EXPECT_NEAR(steady.step_spread[0], 1.0, 1e-3);  // the KV read grows by a few bytes a step
  EXPECT_NEAR(steady.step_spread[1], 1.0, 1e-3);
  h.change_from_step = 11;  // the prompt's step, then 10 decode steps at 10 ms, 10 at 20 ms
  const PointRun slowed = *run_point(p, cost(), h.ctx());
  ASSERT_EQ(slowed.step_spread.size(), 2u);
  EXPECT_NEAR(slowed.step_spread[0], 2.0, 1e-3);

  const PointRun served = *run_point(serve(2, 4, 8, 30), cost(), h.ctx());
  ASSERT_EQ(served.step_spread.size(), 1u);
  EXPECT_NEAR(served.step_spread[0], 2.0, 1e-3);
  h.change_from_step = -1;
  const PointRun served_steady = *run_point(serve(2, 4, 8, 30), cost(), h.ctx());
  ASSERT_EQ(served_steady.step_spread.size(), 1u);
  EXPECT_NEAR(served_steady.step_spread[0], 1.0, 1e-3);

  const nlohmann::json record = make_record(p, slowed, {}, {}, {}, {});
  EXPECT_NEAR(record["stats"]["step_spread"]["max"].get<double>(), 2.0, 1e-3);
}

// A step that says it read twice the weights (a mixture of experts' batch touching more experts)
// and took twice as long ran at the same rate: the machine did not move.
TEST(Runner, StepsAreRatedByTheWeightsTheTargetSaysTheyRead) {
  Harness h;
  h.change_from_step = 11;  // the prompt's step, 10 decode steps reading cost()'s 1e9 bytes, 10 reading 2e9
  h.changed_weight_bytes = 2e9;
  const PointRun run = *run_point(tg(20, 1), cost(), h.ctx());
  EXPECT_NEAR(run.step_spread.at(0), 1.0, 1e-3);
  double kv_positions = 0;
  for (int t = 1; t <= 20; ++t) kv_positions += t;
  EXPECT_DOUBLE_EQ(run.bytes_per_s.at(0), (10 * 1e9 + 10 * 2e9 + 1000 * kv_positions) / 0.3);

  const PointRun served = *run_point(serve(2, 4, 8, 30), cost(), h.ctx());
  EXPECT_NEAR(served.step_spread.at(0), 1.0, 1e-3);
}

// The steps beside a warm-up request are left out: the first steps over fresh weights are slow.
TEST(Runner, StepsBesideAWarmupRequestAreLeftOutOfTheSpread) {
  Harness h;
  h.change_from_step = 30;  // the first two requests' steps (a prompt step, 29 decode steps) at 10 ms, then 5
  h.changed_step_ns = kStepNs / 2;
  Point p = serve(2, 4, 8, 30);
  EXPECT_NEAR(run_point(p, cost(), h.ctx())->step_spread.at(0), 2.0, 1e-3);
  p.warmup = 1;
  EXPECT_NEAR(run_point(p, cost(), h.ctx())->step_spread.at(0), 1.0, 1e-3);
}

// --track-bandwidth: a sample before every measured repetition and after the last, none around
// the warm-up or a prompt test; the record divides each repetition by the mean of its two samples.
TEST(Runner, ReadBandwidthIsSampledAroundEachMeasuredRepetition) {
  Harness h;
  RunContext ctx = h.ctx();
  std::vector<double> samples_gbs = {40, 20, 30, 30};
  std::size_t taken = 0;
  std::vector<std::int64_t> taken_with_targets;  // how many targets existed at each sample
  ctx.read_gbs_now = [&]() -> Result<double> {
    taken_with_targets.push_back(h.targets);
    return samples_gbs.at(taken++);
  };
  const std::vector<double> round_trips_ns = {100, 110, 520, 530};
  ctx.core_round_trip_ns_now = [&]() -> Result<double> { return round_trips_ns.at(taken - 1); };
  Point p = tg(4, 3);
  p.warmup = 1;
  const PointRun run = *run_point(p, cost(), ctx);
  EXPECT_EQ(run.read_gbs_around, samples_gbs);
  EXPECT_EQ(run.core_round_trip_ns_around, round_trips_ns);  // one beside each read
  EXPECT_EQ(taken_with_targets, (std::vector<std::int64_t>{1, 2, 3, 4}));  // after the warm-up, between repetitions

  PointExtras extras;
  extras.threads = 2;
  const nlohmann::json record = make_record(p, run, {"x", "llama"}, {50, 1000}, extras,
                                              {"cpu", "avx2", "fp", "2026-01-01T00:00:00Z"});
  EXPECT_EQ(record["roofline"]["read_gbs_around"]["n"], 4);
  EXPECT_DOUBLE_EQ(record["roofline"]["read_gbs_around"]["median"].get<double>(), 30);
  // Every repetition moved the same bytes per second: over 30, 25 and 30 GB/s, the median is over 30.
  EXPECT_DOUBLE_EQ(record["roofline"]["efficiency_around"].get<double>(), run.bytes_per_s[0] / 30e9);
  EXPECT_DOUBLE_EQ(record["roofline"]["efficiency"].get<double>(), run.bytes_per_s[0] / 50e9);
  EXPECT_EQ(record["samples"]["read_gbs_around"], samples_gbs);
  EXPECT_EQ(record["samples"]["core_round_trip_ns_around"], round_trips_ns);
  EXPECT_DOUBLE_EQ(record["roofline"]["core_round_trip_ns_around"]["max"].get<double>(), 530);
  const std::vector<double> per_repetition = record["samples"]["roofline_efficiency_around"];
  ASSERT_EQ(per_repetition.size(), 3u);
  EXPECT_DOUBLE_EQ(per_repetition[1], run.bytes_per_s[1] / 25e9);
  const Status valid = memwall::testing::validate_against_schema(record, "bench-record.v1.schema.json");
  EXPECT_TRUE(valid.ok()) << valid.error().message;

  taken = 0;
  p.test = TestKind::pp;
  p.prompt = 8;
  EXPECT_TRUE(run_point(p, cost(), ctx)->read_gbs_around.empty());
  EXPECT_EQ(taken, 0u);
}

// --track-bandwidth on a prompt test: the compute peak before every measured repetition and after
// the last, no read; the record sets each repetition's FLOP/s against the mean of its two samples.
TEST(Runner, ComputePeakIsSampledAroundEachMeasuredPromptRepetition) {
  Harness h;
  RunContext ctx = h.ctx();
  const std::vector<double> samples_gops = {100, 300, 200, 200};
  std::size_t taken = 0, reads = 0;
  ctx.compute_gops_now = [&]() -> Result<double> { return samples_gops.at(taken++); };
  ctx.read_gbs_now = [&]() -> Result<double> { return ++reads, 30.0; };
  Point p;
  p.test = TestKind::pp;
  p.prompt = 8;
  p.repetitions = 3;
  p.warmup = 1;
  const PointRun run = *run_point(p, cost(), ctx);
  EXPECT_EQ(run.compute_gops_around, samples_gops);
  EXPECT_TRUE(run.read_gbs_around.empty());
  EXPECT_EQ(reads, 0u);
  ASSERT_EQ(run.flops_per_s.size(), 3u);

  PointExtras extras;
  extras.threads = 2;
  const nlohmann::json record = make_record(p, run, {"x", "llama"}, {50, 1000}, extras,
                                              {"cpu", "avx2", "fp", "2026-01-01T00:00:00Z"});
  EXPECT_EQ(record["samples"]["compute_gops_around"], samples_gops);
  const std::vector<double> per_repetition = record["samples"]["prefill_efficiency_around"];
  ASSERT_EQ(per_repetition.size(), 3u);
  EXPECT_DOUBLE_EQ(per_repetition[0], run.flops_per_s[0] / 200e9);
  EXPECT_DOUBLE_EQ(per_repetition[1], run.flops_per_s[1] / 250e9);
  EXPECT_EQ(record["roofline"]["compute_gops_around"]["n"], 4);
  EXPECT_DOUBLE_EQ(record["roofline"]["compute_gops_around"]["max"].get<double>(), 300);
  EXPECT_DOUBLE_EQ(record["roofline"]["prefill_efficiency_around"].get<double>(), run.flops_per_s[2] / 200e9);
  const Status valid = memwall::testing::validate_against_schema(record, "bench-record.v1.schema.json");
  EXPECT_TRUE(valid.ok()) << valid.error().message;

  taken = 0;
  EXPECT_TRUE(run_point(tg(4, 2), cost(), ctx)->compute_gops_around.empty());  // decode reads instead
  EXPECT_EQ(taken, 0u);
  EXPECT_EQ(reads, 3u);
}

TEST(Runner, ReadBandwidthIsSampledAroundServingRepetitionsAndItsErrorFailsThePoint) {
  Harness h;
  RunContext ctx = h.ctx();
  int calls = 0;
  ctx.read_gbs_now = [&]() -> Result<double> { return ++calls == 3 ? Result<double>(make_error("sum")) : 25.0; };
  Point p = serve(2, 4, 8, 3);
  p.repetitions = 1;
  EXPECT_EQ(run_point(p, cost(), ctx)->read_gbs_around, (std::vector<double>{25, 25}));
  p.repetitions = 2;
  calls = 0;
  const Result<PointRun> failed = run_point(p, cost(), ctx);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "sum");
}

TEST(Runner, WarmupAndMinimumTime) {
  Harness h;
  Point p;
  p.test = TestKind::pp;
  p.prompt = 64;
  p.repetitions = 2;
  p.warmup = 1;
  p.min_time_s = 0.05;  // 10 ms per repetition: at least 5
  const PointRun run = *run_point(p, cost(), h.ctx());
  EXPECT_EQ(run.pp_tok_s.size(), 5u);
  EXPECT_EQ(h.targets, 6);
  EXPECT_DOUBLE_EQ(run.pp_tok_s[0], 6400);
  EXPECT_DOUBLE_EQ(run.flops_per_s[0], 2e9 * 64 / 0.01);
}

TEST(Runner, ClosedLoopLatenciesAreExact) {
  Harness h;
  Point p = serve(2, 4, 8, 3);
  const PointRun run = *run_point(p, cost(), h.ctx());
  ASSERT_EQ(run.requests.size(), 4u);
  // Two users: requests 0 and 1 run 0-30 ms, 2 and 3 are sent when those end and run 30-60 ms.
  EXPECT_DOUBLE_EQ(run.requests[2].scheduled_s, 0.03);
  EXPECT_DOUBLE_EQ(run.requests[3].sent_s, 0.03);
  const ServingStats s = serving_stats(run.requests);
  EXPECT_EQ(s.ok, 4);
  for (double v : s.ttft_ms) EXPECT_NEAR(v, 10, 1e-9);
  for (double v : s.queue_ms) EXPECT_NEAR(v, 0, 1e-9);
  for (double v : s.tpot_ms) EXPECT_NEAR(v, 10, 1e-9);
  for (double v : s.e2e_ms) EXPECT_NEAR(v, 30, 1e-9);
  for (double v : s.per_user_tok_s) EXPECT_NEAR(v, 100, 1e-6);
  EXPECT_EQ(s.itl_ms.size(), 8u);
  for (double v : s.itl_ms) EXPECT_NEAR(v, 10, 1e-9);
  ASSERT_EQ(run.agg_tok_s.size(), 1u);
  EXPECT_NEAR(run.agg_tok_s[0], 12 / 0.06, 1e-9);  // 12 tokens over 60 ms
}

TEST(Runner, WarmupRequestsAreExcludedFromLatencies) {
  Harness h;
  Point p = serve(1, 2, 4, 2);
  p.warmup = 1;
  const PointRun run = *run_point(p, cost(), h.ctx());
  ASSERT_EQ(run.requests.size(), 3u);
  EXPECT_TRUE(run.requests[0].warmup);
  const ServingStats s = serving_stats(run.requests);
  EXPECT_EQ(s.warmup, 1);
  EXPECT_EQ(s.ok, 2);
  EXPECT_EQ(s.e2e_ms.size(), 2u);
  // The window is the measured requests': after 20 ms up to 60 ms, 4 tokens (the warm-up's last
  // token, at 20 ms, is outside).
  EXPECT_NEAR(run.agg_tok_s[0], 4 / 0.04, 1e-9);
}

TEST(Runner, OpenLoopQueueTimeIsPartOfTtft) {
  Harness h;
  Point p = serve(0, 20, 4, 2);
  p.rate = 200;  // arrivals 5 ms apart on average, each request takes 20 ms: a queue forms
  p.max_concurrency = 1;
  const PointRun run = *run_point(p, cost(), h.ctx());
  const ServingStats s = serving_stats(run.requests);
  ASSERT_EQ(s.ok, 20);
  double queued = 0;
  for (std::size_t i = 0; i < s.ttft_ms.size(); ++i) {
    EXPECT_NEAR(s.ttft_ms[i] - s.queue_ms[i], 10, 1e-6);  // one step after being sent
    queued += s.queue_ms[i];
  }
  EXPECT_GT(queued, 0);
  // Arrivals are seeded: the same seed gives the same schedule.
  Harness h2;
  const PointRun again = *run_point(p, cost(), h2.ctx());
  for (std::size_t i = 0; i < run.requests.size(); ++i) EXPECT_EQ(run.requests[i].scheduled_s, again.requests[i].scheduled_s);
}

TEST(Runner, PromptsAreDistinctFromTheFirstToken) {
  Harness h;
  Point p = serve(4, 8, 16, 1);
  ASSERT_TRUE(run_point(p, cost(), h.ctx()).ok());
  const auto& prompts = h.prompts;
  ASSERT_EQ(prompts.size(), 8u);
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(prompts[i].size(), 16u);
    for (std::size_t j = 0; j < i; ++j) EXPECT_NE(prompts[i][0], prompts[j][0]);
  }
}

TEST(Runner, EngineErrorsAreCountedNotFatal) {
  Harness h;
  h.cap = 2;  // the target refuses a third sequence
  Point p = serve(3, 3, 4, 2);
  const PointRun run = *run_point(p, cost(), h.ctx());
  const ServingStats s = serving_stats(run.requests);
  EXPECT_EQ(s.ok, 2);
  EXPECT_EQ(s.failed, 1);
  EXPECT_EQ(s.errors.at("engine"), 1);
}

TEST(Runner, StopInterrupts) {
  Harness h;
  h.stop = true;
  Point p = tg(4, 3);
  const PointRun run = *run_point(p, cost(), h.ctx());
  EXPECT_TRUE(run.interrupted);
  EXPECT_TRUE(run.tg_tok_s.empty());
}

TEST(Record, ValidatesAgainstTheSchema) {
  Harness h;
  Point p = serve(2, 4, 8, 3);
  p.model = "preset:x";
  p.scheme = "Q4_0";
  const PointRun run = *run_point(p, cost(), h.ctx());
  PointExtras extras;
  extras.threads = 2;
  const nlohmann::json record = make_record(p, run, {"x", "llama"}, {50, 1000}, extras, {"cpu", "avx2", "fp", "2026-01-01T00:00:00Z"});
  const Status valid = memwall::testing::validate_against_schema(record, "bench-record.v1.schema.json");
  EXPECT_TRUE(valid.ok()) << valid.error().message;
  EXPECT_EQ(record["stats"]["ttft_ms"]["median"], 10);
  EXPECT_EQ(record["requests"]["ok"], 4);
  EXPECT_EQ(record["samples"]["agg_tok_s"].size(), 1u);
  const nlohmann::json failed = make_failed_record(p, "skipped", "KV cache would need 9 GiB", {}, extras, {"cpu", "", "fp", "2026-01-01T00:00:00Z"});
  const Status failed_valid = memwall::testing::validate_against_schema(failed, "bench-record.v1.schema.json");
  EXPECT_TRUE(failed_valid.ok()) << failed_valid.error().message;
}

}  // namespace
}  // namespace memwall::bench
