#include "memwall/bench/step_spread.hpp"

#include <gtest/gtest.h>

namespace memwall::bench {
namespace {

std::vector<DecodeStepRate> steps(std::int64_t tokens, int n, double bytes_per_s) {
  return std::vector<DecodeStepRate>(static_cast<std::size_t>(n), {tokens, bytes_per_s});
}
void append(std::vector<DecodeStepRate>& to, const std::vector<DecodeStepRate>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

TEST(StepSpread, StepsAtOneRateHaveNone) {
  EXPECT_DOUBLE_EQ(step_spread(steps(1, 64, 50e9)), 1.0);
  EXPECT_DOUBLE_EQ(step_spread({}), 1.0);
}

// 16.8 ms steps, then 11.1 ms ones of the same batch: the bandwidth switched within the run.
TEST(StepSpread, ARunHalfAtOneRateAndHalfAtAnotherSpreadsByTheirRatio) {
  std::vector<DecodeStepRate> run = steps(2, 15, 763e6 / 0.0168);
  append(run, steps(2, 48, 763e6 / 0.0111));
  EXPECT_NEAR(step_spread(run), 16.8 / 11.1, 1e-9);
}

// One step in seven slowed on its own (the OS taking a core for a moment) is not the machine
// moving, though it is more than a tenth of the steps.
TEST(StepSpread, StepsSlowedOneAtATimeDoNotCount) {
  std::vector<DecodeStepRate> run;
  for (int i = 0; i < 100; ++i) run.push_back({1, i % 7 == 3 ? 20e9 : 50e9});
  EXPECT_DOUBLE_EQ(step_spread(run), 1.0);
}

// Batch sizes are apart: a step of 8 tokens is slower than one of 1 on a steady machine.
TEST(StepSpread, BatchSizesAreComparedOnlyWithThemselves) {
  std::vector<DecodeStepRate> run = steps(1, 20, 50e9);
  append(run, steps(8, 20, 30e9));
  EXPECT_DOUBLE_EQ(step_spread(run), 1.0);
  append(run, steps(8, 20, 45e9));
  EXPECT_NEAR(step_spread(run), 1.5, 1e-9);
}

TEST(StepSpread, BatchSizesWithFewerThanTenStepsAreLeftOut) {
  std::vector<DecodeStepRate> run = steps(1, 20, 50e9);
  append(run, steps(3, 4, 10e9));
  append(run, steps(3, 5, 40e9));
  EXPECT_DOUBLE_EQ(step_spread(run), 1.0);
}

}  // namespace
}  // namespace memwall::bench
