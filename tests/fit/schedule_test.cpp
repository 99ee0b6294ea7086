// The serving schedule against schedules worked out by hand from the engine's rules (one token per
// decoding sequence, then prompt chunks in arrival order within the budget), and the step model's
// arithmetic.
#include <gtest/gtest.h>

#include "memwall/fit/predict.hpp"
#include "memwall/fit/schedule.hpp"
#include "memwall/fit/step_model.hpp"
#include "memwall/model/presets.hpp"

namespace memwall::fit {
namespace {

ModelShape llama_1b() { return shape_from_preset(model::find_preset("llama-3.2-1b")->spec, model::Scheme::Q4_0); }

ServingLoad load(std::int64_t users, std::int64_t prompt, std::int64_t gen, std::int64_t requests, std::int64_t warmup) {
  return {users, prompt, gen, 0, requests, warmup, 512, 512, quant::TensorType::F16};
}

TEST(FitSchedule, OneUserPrefillsThenDecodesEachRequestInTurn) {
  // Two requests of prompt 128, 4 tokens: [prefill, 3 decode steps] twice.
  const Schedule s = closed_loop_schedule(llama_1b(), load(1, 128, 4, 2, 0));
  ASSERT_EQ(s.steps.size(), 8u);
  for (std::size_t i : {0u, 4u}) {
    EXPECT_EQ(s.steps[i].tokens, 128);
    EXPECT_EQ(s.steps[i].logit_tokens, 1);
  }
  for (std::size_t i : {1u, 2u, 3u, 5u, 6u, 7u}) {
    EXPECT_EQ(s.steps[i].tokens, 1);
    EXPECT_EQ(s.steps[i].logit_tokens, 1);
  }
  EXPECT_EQ(s.requests[1].sent, 4);
  EXPECT_EQ(s.requests[1].first, 4);
  EXPECT_EQ(s.requests[1].last, 7);
}

TEST(FitSchedule, FourUsersShareOnePrefillStepThenDecodeTogether) {
  // 4 x 128 prompt tokens fill the 512-token budget of step 0; then 2 steps of 4 decode tokens;
  // the next four requests come in before step 3.
  const Schedule s = closed_loop_schedule(llama_1b(), load(4, 128, 3, 8, 0));
  ASSERT_EQ(s.steps.size(), 6u);
  EXPECT_EQ(s.steps[0].tokens, 512);
  EXPECT_EQ(s.steps[0].logit_tokens, 4);
  EXPECT_EQ(s.steps[1].tokens, 4);
  EXPECT_EQ(s.steps[2].tokens, 4);
  EXPECT_EQ(s.steps[3].tokens, 512);
  EXPECT_EQ(s.requests[7].sent, 3);
}

TEST(FitSchedule, APromptLongerThanTheBudgetLeftIsSplitAcrossSteps) {
  // Step 0: request 0's 300 tokens and 212 of request 1's (no logits yet). Step 1: request 0's
  // decode token and the last 88 of request 1's prompt.
  const Schedule s = closed_loop_schedule(llama_1b(), load(2, 300, 2, 2, 0));
  ASSERT_GE(s.steps.size(), 3u);
  EXPECT_EQ(s.steps[0].tokens, 512);
  EXPECT_EQ(s.steps[0].logit_tokens, 1);
  EXPECT_EQ(s.steps[1].tokens, 1 + 88);
  EXPECT_EQ(s.steps[1].logit_tokens, 2);
  EXPECT_EQ(s.requests[1].first, 1);
}

TEST(FitSchedule, TimesFollowTheStepsAsBenchMeasuresThem) {
  // One user, a 1-token prompt, 5 tokens, every step 10 ms: TTFT 10 ms, TPOT 10 ms, and 5 tokens
  // in the 50 ms window.
  const Schedule s = closed_loop_schedule(llama_1b(), load(1, 1, 5, 1, 0));
  ASSERT_EQ(s.steps.size(), 5u);
  const std::vector<double> step_s(5, 0.010);
  const ServingTimes t = serving_times(s, step_s);
  EXPECT_NEAR(t.ttft_ms, 10.0, 1e-9);
  EXPECT_NEAR(t.per_user_tok_s, 100.0, 1e-9);
  EXPECT_NEAR(t.agg_tok_s, 100.0, 1e-9);
  const ServingWeights w = serving_weights(s);
  EXPECT_DOUBLE_EQ(w.window_tokens, 5);
  double tpot = 0;
  for (std::size_t i = 0; i < 5; ++i) tpot += w.tpot[i] * step_s[i];
  EXPECT_NEAR(tpot, 0.010, 1e-12);
}

TEST(FitSchedule, WarmupRequestsAreNotMeasuredButTheirTokensInTheWindowCount) {
  // Two users, the first request a warm-up: the window starts at step 0 with request 1.
  const Schedule s = closed_loop_schedule(llama_1b(), load(2, 16, 3, 2, 1));
  EXPECT_TRUE(s.requests[0].warmup);
  const ServingWeights w = serving_weights(s);
  EXPECT_EQ(w.window[0], 1);
  EXPECT_GE(w.window_tokens, 6);  // request 0's 3 tokens run inside the window too
}

TEST(FitSchedule, ThousandsOfUsersStayCheap) {
  const Schedule s = closed_loop_schedule(llama_1b(), {4096, 512, 128, 0, 4096, 0, 4096 + 512, 512,
                                                        quant::TensorType::F16});
  EXPECT_EQ(s.requests.size(), 4096u);
  // Every prompt token passes through a step once.
  double prompt_and_decode = 0;
  for (const StepLoad& l : s.steps) prompt_and_decode += l.tokens;
  EXPECT_DOUBLE_EQ(prompt_and_decode, 4096.0 * (512 + 127));
}

TEST(FitStepModel, OverlapChoosesBetweenTheLargerPartAndTheSum) {
  Efficiency e{0.5, 10.0, 0.25, 1.0, false, ""};
  const StepCost cost{0.002, 0.001};  // 4 ms of memory, 4 ms of arithmetic after efficiencies
  EXPECT_NEAR(step_seconds(e, 16, true, cost), 0.004 + 16 * 10e-6, 1e-12);
  e.compute_overlap = 0;
  EXPECT_NEAR(step_seconds(e, 16, true, cost), 0.008 + 16 * 10e-6, 1e-12);
  e.compute_overlap = 0.5;
  EXPECT_NEAR(step_seconds(e, 16, true, cost), 0.006 + 16 * 10e-6, 1e-12);
}

TEST(FitStepModel, TheOverheadFollowsTheCoresRoundTripWhereACalibrationShowedIt) {
  Efficiency e{0.5, 10.0, 0.25, 1.0, false, ""};
  const StepCost cost{0.002, 0.001};
  EXPECT_NEAR(step_seconds(e, 16, true, cost, 500), 0.004 + 16 * 10e-6, 1e-12);  // none: the same at any
  e.overhead_round_trips_per_layer = 20;
  e.overhead_round_trip_ns = 100;
  EXPECT_NEAR(step_seconds(e, 16, true, cost, 100), 0.004 + 16 * 10e-6, 1e-12);
  EXPECT_NEAR(step_seconds(e, 16, true, cost, 500), 0.004 + 16 * (10e-6 + 20 * 400e-9), 1e-12);
  EXPECT_NEAR(step_seconds(e, 16, true, cost, 0), 0.004 + 16 * 10e-6, 1e-12);  // not known: at the calibration's
  EXPECT_DOUBLE_EQ(e.overhead_us_per_layer(10), 10.0 - 20 * 0.09);
  EXPECT_DOUBLE_EQ(e.overhead_us_per_layer(1), 10.0 - 20 * 0.099);
  e.overhead_round_trip_ns = 1000;
  EXPECT_DOUBLE_EQ(e.overhead_us_per_layer(100), 0.0);  // never below nothing
}

TEST(FitStepModel, DecodeTokensDivideByTheirOwnComputeEfficiency) {
  Efficiency e{0.5, 0.0, 0.25, 1.0, false, ""};
  const StepCost cost{0.0, 0.003, 0.001};  // 2 ms of prompt arithmetic, 1 ms of decode tokens'
  EXPECT_NEAR(step_seconds(e, 16, true, cost), 0.012, 1e-12);
  e.compute_decode = 0.5;
  EXPECT_NEAR(step_seconds(e, 16, true, cost), 0.008 + 0.002, 1e-12);
  EXPECT_NEAR(step_seconds(e, 16, false, cost), 0.012, 1e-12);  // float weights: their own, or the prompt's
  e.compute_decode_float = 0.1;
  EXPECT_NEAR(step_seconds(e, 16, false, cost), 0.008 + 0.01, 1e-12);
}

TEST(FitStepModel, ScheduledDecodeTokensCarryTheirShareOfTheArithmetic) {
  const ModelShape s = llama_1b();
  const Schedule sched = closed_loop_schedule(s, {4, 128, 8, 0, 4, 0, 512, 512, quant::TensorType::F16});
  for (const StepLoad& l : sched.steps) {
    EXPECT_LE(l.decode_tokens, l.logit_tokens);
    EXPECT_LE(l.decode_attention_flops, l.attention_flops);
    const StepCost c = step_cost(s, 1e9, 1e12, 0.25e12, l);
    EXPECT_NEAR(c.decode_compute_s, (2.0 * s.matmul_params * l.decode_tokens + l.decode_attention_flops) / 1e12, 1e-15);
    EXPECT_NEAR(c.decode_attention_s, l.decode_attention_flops / 1e12, 1e-15);
    EXPECT_NEAR(c.attention_float_s, l.attention_flops / 0.25e12, 1e-15);
  }
  EXPECT_EQ(sched.steps.back().decode_tokens, 4);  // the last step: every user's last token
  EXPECT_EQ(sched.steps.front().decode_tokens, 0);  // the first: the four prompts
}

TEST(FitStepModel, OnlyTokensThatWantLogitsMultiplyTheOutputMatrix) {
  const ModelShape s = llama_1b();
  StepLoad chunk{128, 1, 0, 0};
  StepLoad all{128, 128, 0, 0};
  const double peak = 1e12;
  const double saved = step_cost(s, 1e9, peak, peak, all).compute_s - step_cost(s, 1e9, peak, peak, chunk).compute_s;
  EXPECT_NEAR(saved, 127 * 2.0 * 128256 * 2048 / peak, 1e-12);
}

TEST(FitPredict, MoreUsersCostMoreTimePerTokenOnAComputeAddingMachine) {
  Hardware hw = parse_inline_hardware("bw=50,mem=32,tflops=1,int8=1,class=cpu").value();
  hw.efficiency = {0.55, 0, 0.43, 0.0, true, "test"};
  const ModelShape s = llama_1b();
  const Prediction one = predict_point(hw, s, {1, 128, 64, 0, quant::TensorType::F16});
  const Prediction eight = predict_point(hw, s, {8, 128, 64, 0, quant::TensorType::F16});
  EXPECT_LT(eight.tg_tok_s, one.tg_tok_s);        // each user slower,
  EXPECT_GT(eight.agg_tok_s, one.agg_tok_s);      // all together faster,
  EXPECT_LT(eight.agg_tok_s, 8 * one.agg_tok_s);  // but far from 8x: arithmetic adds per token
  EXPECT_GT(eight.ttft_ms, one.ttft_ms);          // and prompts queue for the budget
}

}  // namespace
}  // namespace memwall::fit
