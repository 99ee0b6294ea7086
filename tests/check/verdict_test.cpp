// Verdicts on generated runs with fixed seeds: what the gate catches, and how often noise fools it.
#include <gtest/gtest.h>

#include <cstdio>

#include "generated_runs.hpp"
#include "memwall/check/compare.hpp"

namespace memwall::check {
namespace {

using testing::RecordSpec;
using testing::tg_run;

const MetricDef& metric(const char* name) { return *find_metric(name); }

Comparison compare_runs(const RecordSpec& base, const RecordSpec& cur, const char* name,
                        const CheckOptions& options = {}) {
  std::optional<Comparison> c =
      compare_metric(testing::record(base), testing::record(cur), metric(name), options);
  EXPECT_TRUE(c.has_value());
  return c.value_or(Comparison{});
}

CheckReport check(const std::vector<RecordSpec>& base, const std::vector<RecordSpec>& cur,
                  const CheckOptions& options = {}) {
  Result<CheckReport> report = run_check(testing::record_file("baseline.jsonl", base),
                                         testing::record_file("current.jsonl", cur), options);
  EXPECT_TRUE(report.ok()) << report.error().message;
  return report.ok() ? *report : CheckReport{};
}

// The bar: a 10% tg drop under 2% noise, 5 repetitions a side, is caught on every seed.
TEST(Verdict, PlantedTenPercentTgRegressionIsAlwaysCaught) {
  const int trials = 1000;
  int caught = 0, failed_check = 0;
  for (int seed = 0; seed < trials; ++seed) {
    Rng rng(1000 + seed);
    const RecordSpec base = tg_run(100.0, 0.02, 5, rng), cur = tg_run(90.0, 0.02, 5, rng);
    const CheckReport report = check({base}, {cur});
    ASSERT_EQ(report.comparisons.size(), 1u);
    caught += report.comparisons[0].verdict == Verdict::Regression;
    failed_check += report.failed();
  }
  std::printf("[ rates    ] 10%% tg regression, 2%% noise, 5 reps: caught %d of %d\n", caught,
              trials);
  EXPECT_EQ(caught, trials);
  EXPECT_EQ(failed_check, trials);
}

// The bar: no change under 3% noise is flagged (either way) in at most 5% of 200 trials.
TEST(Verdict, NoChangeUnderThreePercentNoiseIsRarelyFlagged) {
  auto flagged_in = [](int trials, std::uint64_t first_seed) {
    int flagged = 0;
    for (int t = 0; t < trials; ++t) {
      Rng rng(first_seed + static_cast<std::uint64_t>(t));
      const RecordSpec base = tg_run(100.0, 0.03, 5, rng), cur = tg_run(100.0, 0.03, 5, rng);
      flagged += check({base}, {cur}).comparisons.at(0).verdict != Verdict::NoChange;
    }
    return flagged;
  };
  const int flagged = flagged_in(200, 5000);
  std::printf("[ rates    ] no change, 3%% noise, 5 reps: flagged %d of 200\n", flagged);
  EXPECT_LE(flagged, 10);
  const int flagged_many = flagged_in(5000, 100000);
  std::printf("[ rates    ] no change, 3%% noise, 5 reps: flagged %d of 5000\n", flagged_many);
  EXPECT_LE(flagged_many, 250);
}

TEST(Verdict, ImprovementIsReportedAndNeverFails) {
  const int trials = 500;
  int improvements = 0;
  for (int seed = 0; seed < trials; ++seed) {
    Rng rng(9000 + seed);
    const RecordSpec base = tg_run(100.0, 0.02, 5, rng), cur = tg_run(110.0, 0.02, 5, rng);
    const CheckReport report = check({base}, {cur});
    improvements += report.comparisons.at(0).verdict == Verdict::Improvement;
    ASSERT_FALSE(report.failed()) << "seed " << seed;
    ASSERT_NE(report.comparisons.at(0).verdict, Verdict::Regression);
  }
  std::printf("[ rates    ] 10%% tg improvement, 2%% noise, 5 reps: reported %d of %d\n",
              improvements, trials);
  EXPECT_EQ(improvements, trials);
}

TEST(Verdict, FewerThanThreeRepetitionsRestOnTheToleranceAlone) {
  RecordSpec base, slower, slightly;
  base.samples["tg_tok_s"] = {100, 101};
  slower.samples["tg_tok_s"] = {90, 91};
  slightly.samples["tg_tok_s"] = {97, 98};
  const Comparison regression = compare_runs(base, slower, "tg_tok_s");
  EXPECT_EQ(regression.basis, Basis::ToleranceOnly);
  EXPECT_EQ(regression.verdict, Verdict::Regression);
  EXPECT_FALSE(regression.p_value.has_value());
  EXPECT_EQ(regression.baseline.repetitions, 2);
  const Comparison small = compare_runs(base, slightly, "tg_tok_s");
  EXPECT_EQ(small.basis, Basis::ToleranceOnly);
  EXPECT_EQ(small.verdict, Verdict::NoChange);
}

TEST(Verdict, BeyondTheToleranceButWithinTheNoiseIsNoChange) {
  RecordSpec base, cur;
  base.samples["tg_tok_s"] = {100, 80, 120, 95, 105};
  cur.samples["tg_tok_s"] = {90, 110, 70, 100, 85};
  const Comparison c = compare_runs(base, cur, "tg_tok_s");
  EXPECT_EQ(c.basis, Basis::NoiseTest);
  EXPECT_TRUE(c.hodges_lehmann);
  EXPECT_LT(c.change, -0.05);
  EXPECT_TRUE(c.beyond_tolerance);
  EXPECT_FALSE(c.significant);
  EXPECT_GT(*c.p_value, 0.05);
  EXPECT_EQ(c.verdict, Verdict::NoChange);
}

TEST(Verdict, SignificantButWithinTheToleranceIsNoChange) {
  RecordSpec base, cur;
  base.samples["tg_tok_s"] = {100.0, 100.1, 100.2, 100.3, 100.4};
  cur.samples["tg_tok_s"] = {97.0, 97.1, 97.2, 97.3, 97.4};
  const Comparison c = compare_runs(base, cur, "tg_tok_s");
  EXPECT_TRUE(c.significant);
  EXPECT_FALSE(c.beyond_tolerance);
  EXPECT_EQ(c.verdict, Verdict::NoChange);
}

TEST(Verdict, PerMetricToleranceApplies) {
  Rng rng(17);
  const RecordSpec base = tg_run(100.0, 0.01, 5, rng), cur = tg_run(90.0, 0.01, 5, rng);
  CheckOptions options;
  options.tolerances = *parse_tolerances("5%,tg_tok_s=15%");
  const Comparison c = compare_runs(base, cur, "tg_tok_s", options);
  EXPECT_DOUBLE_EQ(c.tolerance, 0.15);
  EXPECT_EQ(c.verdict, Verdict::NoChange);
}

// Latencies are better when lower: a slower first token is a regression.
TEST(Verdict, LatencyDirectionIsLowerIsBetter) {
  Rng rng(23);
  RecordSpec base, slower, faster;
  base.point = slower.point = faster.point = testing::serve_point(4);
  base.repetitions = slower.repetitions = faster.repetitions = 3;
  base.samples["ttft_ms"] = testing::noisy(50.0, 0.05, 48, rng);
  slower.samples["ttft_ms"] = testing::noisy(60.0, 0.05, 48, rng);
  faster.samples["ttft_ms"] = testing::noisy(40.0, 0.05, 48, rng);
  const Comparison worse = compare_runs(base, slower, "ttft_p50");
  EXPECT_GT(worse.change, 0.1);
  EXPECT_FALSE(worse.hodges_lehmann);  // per-request samples: the ratio of the p50s
  EXPECT_EQ(worse.basis, Basis::NoiseTest);
  EXPECT_EQ(worse.verdict, Verdict::Regression);
  EXPECT_EQ(compare_runs(base, faster, "ttft_p50").verdict, Verdict::Improvement);
}

// Per-request samples do not stand for repetitions: one repetition of 48 requests is still a
// single run, so its verdict rests on the tolerance.
TEST(Verdict, RequestSamplesOfOneRepetitionAreToleranceOnly) {
  Rng rng(29);
  RecordSpec base, cur;
  base.point = cur.point = testing::serve_point(4);
  base.repetitions = cur.repetitions = 1;
  base.samples["ttft_ms"] = testing::noisy(50.0, 0.05, 48, rng);
  cur.samples["ttft_ms"] = testing::noisy(60.0, 0.05, 48, rng);
  const Comparison c = compare_runs(base, cur, "ttft_p50");
  EXPECT_EQ(c.basis, Basis::ToleranceOnly);
  EXPECT_EQ(c.verdict, Verdict::Regression);
}

// Tail percentiles are decided by the bootstrap interval of the p99 ratio: a heavier tail with an
// unchanged median is a p99 regression and no p50 change.
TEST(Verdict, TailRegressionIsFoundByTheBootstrapInterval) {
  Rng rng(31);
  RecordSpec base, cur;
  base.point = cur.point = testing::serve_point(8);
  base.repetitions = cur.repetitions = 5;
  base.samples["ttft_ms"] = testing::noisy(50.0, 0.03, 400, rng);
  cur.samples["ttft_ms"] = testing::noisy(50.0, 0.03, 400, rng);
  for (std::size_t i = 0; i < 20; ++i)
    cur.samples["ttft_ms"][i * 20] = 90.0 + static_cast<double>(i);
  const Comparison p99 = compare_runs(base, cur, "ttft_p99");
  ASSERT_TRUE(p99.ratio_interval.has_value());
  EXPECT_GT(p99.ratio_interval->low, 1.0);
  EXPECT_EQ(p99.verdict, Verdict::Regression);
  EXPECT_EQ(compare_runs(base, cur, "ttft_p50").verdict, Verdict::NoChange);
}

// A runner with 10% less bandwidth and 10% lower tok/s did not get slower code.
TEST(Verdict, RooflineNormalizationComparesAgainstEachRunsBandwidth) {
  Rng rng(37);
  RecordSpec base = tg_run(100.0, 0.01, 5, rng), cur = tg_run(90.0, 0.01, 5, rng);
  base.read_gbs = 60.0;
  cur.read_gbs = 54.0;
  CheckOptions raw;
  EXPECT_EQ(compare_runs(base, cur, "tg_tok_s", raw).verdict, Verdict::Regression);
  CheckOptions normalized;
  normalized.normalize_roofline = true;
  const Comparison c = compare_runs(base, cur, "tg_tok_s", normalized);
  EXPECT_EQ(c.verdict, Verdict::NoChange);
  EXPECT_NEAR(c.baseline.value, 100.0 / 60.0, 0.05);
}

// The same host, its bandwidth 60 GB/s in one run and 40 in the other while the probe stayed
// cached: the bandwidth read around the points (--track-bandwidth) is what each is set against.
TEST(Verdict, NormalizationPrefersTheBandwidthReadAroundThePoint) {
  Rng rng(41);
  RecordSpec base = tg_run(60.0, 0.01, 5, rng), cur = tg_run(40.0, 0.01, 5, rng);
  base.read_gbs = cur.read_gbs = 60.0;
  base.read_gbs_around = 60.0;
  cur.read_gbs_around = 40.0;
  CheckOptions normalized;
  normalized.normalize_roofline = true;
  const Comparison c = compare_runs(base, cur, "tg_tok_s", normalized);
  EXPECT_EQ(c.verdict, Verdict::NoChange);
  EXPECT_NEAR(c.current.value, 1.0, 0.02);
}

TEST(Verdict, StatsWithoutSamplesAreComparedOnTheTolerance) {
  RecordSpec base, cur;
  base.samples["tg_tok_s"] = {100, 100, 100};
  cur.samples["tg_tok_s"] = {80, 80, 80};
  Record b = testing::record(base), c = testing::record(cur);
  b.samples.clear();
  c.samples.clear();
  const std::optional<Comparison> comparison = compare_metric(b, c, metric("tg_tok_s"), {});
  ASSERT_TRUE(comparison.has_value());
  EXPECT_EQ(comparison->basis, Basis::ToleranceOnly);
  EXPECT_EQ(comparison->verdict, Verdict::Regression);
}

TEST(Verdict, ZeroBaselineDoesNotBreakTheArithmetic) {
  RecordSpec base, cur;
  base.samples["tg_tok_s"] = {0, 0, 0, 0};
  cur.samples["tg_tok_s"] = {5, 5, 6, 6};
  const Comparison c = compare_runs(base, cur, "tg_tok_s");
  EXPECT_TRUE(std::isinf(c.change));
  EXPECT_EQ(c.verdict, Verdict::Improvement);
}

}  // namespace
}  // namespace memwall::check
